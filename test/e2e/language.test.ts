// The language surface of issue 6: every supported form builds and runs, and
// every rejected form or bad body gets a clang-shaped error at the user's line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, iccxx, inScratch, run } from '../helpers.js';

const test = suite('language');
const errors = path.join(fixtures, 'errors');

for (const opt of ['-O0', '-O2']) {
  test(`issue-6 forms build and run at ${opt}`, () =>
    inScratch('forms6', async (out, env) => {
      const exe = path.join(out, 'forms6');
      const built = await iccxx(['-std=c++17', opt, path.join(fixtures, 'forms6', 'main.cpp'), '-o', exe], { env });
      assert.is(String(built.stderr), '', 'no diagnostics');
      assert.is(built.exitCode, 0);
      const r = await run(exe);
      assert.not.match(String(r.stdout), /FAIL/);
      assert.match(String(r.stdout), /ALL OK/);
      const branch = await run(exe, [], { env: { ICC_BRANCH: '1' } });
      assert.match(String(branch.stdout), /FAIL Branchy\(9, 10\) = 0, want 19/, 'the other branch jumps to the other target');
    }));
}

test('-fvisibility=hidden and visibility attributes apply to the asm-defined public symbols', () =>
  inScratch('visibility', async (out, env) => {
    const src = path.join(out, 'vis.cpp');
    fs.writeFileSync(src, [
      'void *q();',
      '[[interceptor]] __attribute__((visibility("default"))) int Exported(int) { goto -> q(); }',
      '[[interceptor]] int Hidden(int) { goto -> q(); }',
      'struct S { [[interceptor]] static int member(int) { goto -> q(); } };',
      'int use() { return Hidden(1) + S::member(2); }',
      '',
    ].join('\n'));
    const exported = async (flags: string[]): Promise<string[]> => {
      const lib = path.join(out, 'libvis.so');
      const r = await iccxx([...flags, '-fPIC', '-shared', src, '-o', lib], { env });
      assert.is(r.exitCode, 0, String(r.stderr));
      const nm = await execa('llvm-nm', ['-D', '--defined-only', lib]);
      return String(nm.stdout).split('\n').map((l) => l.split(' ').pop() ?? '').filter((n) => /Exported|Hidden|member/.test(n)).sort();
    };
    assert.equal(await exported([]), ['_Z6Hiddeni', '_Z8Exportedi', '_ZN1S6memberEi']);
    assert.equal(await exported(['-fvisibility=hidden']), ['_Z8Exportedi']);
    assert.equal(await exported(['-fvisibility-inlines-hidden']), ['_Z6Hiddeni', '_Z8Exportedi']);
  }));

test('rejected forms: one clang-shaped error each, at the line and column of the name', () =>
  inScratch('rejected', async (out, env) => {
    const src = path.join(errors, 'forms-rejected.cpp');
    const r = await iccxx(['-c', src, '-o', path.join(out, 'x.o')], { env });
    assert.is(r.exitCode, 1);
    const lines = String(r.stderr).trim().split('\n');
    const want: [number, number, RegExp][] = [
      [4, 21, /constructors and destructors can't be interceptors/],
      [5, 34, /a virtual function can't be an interceptor/],
      [6, 26, /non-static member function 'member' can't be an interceptor; declare it static/],
      [8, 31, /a constexpr function can't be an interceptor/],
      [9, 3, /applies only to function definitions, not to a declaration without a body/],
      [10, 3, /applies only to function definitions, not to a variable/],
      [11, 3, /applies only to functions, not to classes/],
      [12, 3, /'interceptor' attribute takes no arguments/],
      [13, 34, /'return' is not allowed in an interceptor/],
      [14, 37, /expected a jump target after 'goto ->'/],
      [15, 20, /not to lambdas or variables/],
      [16, 22, /needs a declared return type/],
      [17, 16, /'goto ->' is only allowed in the body of an \[\[interceptor\]\] function/],
      [18, 31, /a consteval function can't be an interceptor/],
      [19, 31, /a coroutine can't be an interceptor/],
    ];
    assert.is(lines.length, want.length + 1, String(r.stderr));
    want.forEach(([line, col, message], i) => {
      assert.ok(lines[i].startsWith(`${src}:${line}:${col}: error: `), lines[i]);
      assert.match(lines[i], message);
    });
    assert.is(lines[want.length], '15 errors generated.');
    assert.not.ok(fs.existsSync(path.join(out, 'x.o')));
  }));

test("clang's errors in a body speak of the user's function, line, column and source", () =>
  inScratch('body', async (out, env) => {
    const src = path.join(errors, 'body-errors.cpp');
    const r = await iccxx(['-c', src, '-o', path.join(out, 'x.o')], { env });
    assert.is(r.exitCode, 1);
    assert.is(
      String(r.stderr),
      [
        `${src}:8:1: error: interceptor 'Logger' can reach the end of its body without 'goto -> target;'`,
        '}',
        '^',
        `${src}:11:5: error: 'goto ->' needs a pointer target: a void*, a function pointer or FARPROC`,
        '    goto -> 42;',
        '    ^',
        `${src}:15:13: error: use of undeclared identifier 'undeclared'`,
        '    int y = undeclared + 1;',
        '            ^',
        '3 errors generated.',
        '',
      ].join('\n'),
    );
  }));

for (const stage of ['-c', '-S']) {
  // -c: each body is a light core written alone, its target converted in place; -S: the object is not
  // checked, so each is a full core, its target converted by the prelude's to_target.
  test(`${stage}: a target that is not a pointer is one error at its 'goto', however the core converts it`, () =>
    inScratch('targets', async (out, env) => {
      const src = path.join(errors, 'targets.cpp');
      const r = await iccxx([stage, src, '-o', path.join(out, 'x.o')], { env });
      assert.is(r.exitCode, 1);
      const headers = String(r.stderr).split('\n').filter((l) => / error: /.test(l));
      const lines = fs.readFileSync(src, 'utf8').split('\n');
      const wanted = [8, 9, 10, 11, 12, 13, 14].map((line) => `${src}:${line}:${lines[line - 1].indexOf('goto') + 1}: error: 'goto ->' needs a pointer target: a void*, a function pointer or FARPROC`);
      assert.equal(headers.slice(0, wanted.length), wanted);
      assert.equal(headers.slice(wanted.length).map((l) => l.replace(/:\d+: error: .*/, '')), [`${src}:19`], "the user's own ?: error, not retold");
      assert.match(headers[wanted.length], /incompatible with nullptr|incompatible operand types/);
      assert.not.ok(fs.existsSync(path.join(out, 'x.o')));
    }));
}

test('a static or inline interceptor declared earlier draws no -Wundefined-internal/-inline; a function really left undefined does', () =>
  inScratch('declared-earlier', async (out, env) => {
    const src = path.join(fixtures, 'declared-earlier.cpp');
    const r = await iccxx(['-O2', '-Wall', '-Wextra', '-c', src, '-o', path.join(out, 'x.o')], { env });
    const warnings = String(r.stderr).split('\n').filter((l) => / warning: /.test(l));
    assert.equal(warnings, [`${src}:9:12: warning: function 'missing' has internal linkage but is not defined [-Wundefined-internal]`]);
    assert.is(r.exitCode, 0, String(r.stderr));
    const exe = path.join(out, 'declared-earlier');
    const linked = await iccxx(['-O2', '-Wall', '-Wextra', '-DLINKED', src, '-o', exe], { env });
    assert.is(String(linked.stderr), '');
    assert.is((await run(exe)).exitCode, 0, 'every interceptor jumped to its target');
  }));

test('unbalanced braces and unterminated literals fail like clang, at the user line', () =>
  inScratch('broken-syntax', async (out, env) => {
    const src = path.join(out, 'unbalanced.cpp');
    fs.writeFileSync(src, 'void *p();\n[[interceptor]] void f(int)\n{\n    goto -> p();\n');
    const r = await iccxx(['-c', src, '-o', path.join(out, 'x.o')], { env });
    assert.is(r.exitCode, 1);
    assert.is(String(r.stderr), `${src}:3:1: error: expected '}' at the end of this interceptor's body\n`);
    const lit = path.join(out, 'literal.cpp');
    fs.writeFileSync(lit, 'void *p();\n[[interceptor]] void f(int)\n{\n    const char *s = "oops;\n    goto -> p();\n}\n');
    const r2 = await iccxx(['-c', lit, '-o', path.join(out, 'y.o')], { env });
    assert.is(r2.exitCode, 1);
    assert.match(String(r2.stderr), new RegExp(`^${lit}:4:21: (warning|error): missing terminating '"' character`));
    assert.not.match(String(r2.stderr), /\/icc-[A-Za-z0-9]{6}\/|\.ii\b|at .*\.js:/);
  }));

test.run();
