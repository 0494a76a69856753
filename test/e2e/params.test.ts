// Interceptors that read their parameters (issue 12): every form of the
// language (namespaces, overloads, templates, extern "C", static members used
// as member calls, inline in a header, ms_abi on Linux), MEMORY-class and
// non-trivial arguments and returns, variadic arguments read with va_arg, the
// symbol's names; __vectorcall on Linux; and the bad input, told in the user's terms.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, icc, iccxx, inScratch, root, run } from '../helpers.js';

const test = suite('params');
const dir = path.join(fixtures, 'params');
const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8');

for (const opt of ['-O0', '-O2']) {
  test(`bodies read their parameters and the targets get the call intact, ${opt}`, () =>
    inScratch('params', async (out, env) => {
      const exe = path.join(out, 'params');
      const built = await iccxx(['-std=c++17', opt, path.join(dir, 'main.cpp'), path.join(dir, 'other.cpp'), '-o', exe], { env });
      assert.is(built.stderr, '', 'no diagnostics');
      assert.is(built.exitCode, 0);
      const r = await run(exe);
      assert.is(String(r.stdout), expected);
      assert.is(r.exitCode, 0);
    }));
}

for (const opt of ['-O0', '-O2']) {
  test(`a __vectorcall interceptor on Linux (its name ends in @@<bytes>) reads its parameters and forwards, ${opt}`, () =>
    inScratch('params-vectorcall', async (out, env) => {
      const obj = path.join(out, 'vectorcall.o');
      const exe = path.join(out, 'vectorcall');
      const built = await iccxx([opt, '-c', path.join(dir, 'vectorcall.cpp'), '-o', obj], { env });
      assert.is(String(built.stderr), '', 'no diagnostics');
      assert.is(built.exitCode, 0);
      const linked = await iccxx([obj, '-o', exe], { env });
      assert.is(linked.exitCode, 0, String(linked.stderr));
      const r = await run(exe);
      assert.is(String(r.stdout), [
        'V(1.5, {1 2 3 4}) in V(double, float __vector(4))',
        'V = 152 (direct 152)',
        'N = 252 (direct 252)',
        'H(1, {2 3}, 4, 5, 6, 7)',
        'H = 76547 (direct 76547)',
        '',
      ].join('\n'));
      assert.is(r.exitCode, 0);
    }));
}

test("a static program's own __cxa_demangle call, in a file with interceptors, finds the demangler", () =>
  inScratch('params-own-demangler', async (out, env) => {
    const exe = path.join(out, 'own-demangler');
    const built = await iccxx(['-O2', '-fno-exceptions', '-static', path.join(dir, 'own-demangler.cpp'), '-o', exe], { env });
    assert.is(built.exitCode, 0, String(built.stderr));
    const r = await run(exe);
    assert.is(String(r.stdout), '2 ns::mix()\n');
    assert.is(r.exitCode, 0);
  }));

test('the replay count each signature gets: stack bytes, vector registers, emms, the fast path, direct calls (static_asserts)', () =>
  inScratch('params-counts', async (out, env) => {
    const r = await iccxx(['-std=c++17', '-c', path.join(dir, 'counts.cpp'), '-o', path.join(out, 'counts.o')], { env });
    assert.is(String(r.stderr), '');
    assert.is(r.exitCode, 0);
  }));

test('bad input: clang-shaped errors at the user\'s line, in the user\'s terms', () =>
  inScratch('params-bad', async (out, env) => {
    const file = path.join(dir, 'bad.cpp');
    const r = await iccxx(['-c', file, '-o', path.join(out, 'bad.o')], { env });
    const err = String(r.stderr);
    assert.is(r.exitCode, 1);
    assert.match(err, `${file}:4:54: error: use of undeclared identifier 'a'`);
    const readOnly = "cannot assign to parameter 'a': parameters of an interceptor are read-only; the target receives the caller's original arguments";
    assert.match(err, `${file}:5:47: error: ${readOnly}`);
    assert.match(err, `${file}:6:55: error: 'va_start' used in interceptor 'fixed', which is not variadic (declare it with '...')`);
    assert.match(err, `${file}:7:49: error: ${readOnly}`);
    assert.not.match(err, /__params_|__core_|declared const here|<icc\+\+ prelude>/);
    assert.match(err, /^4 errors generated\.$/m);
  }));

test('bad input: a regcall interceptor whose body reads its parameters is an error at its body', () =>
  inScratch('params-bad-convention', async (out, env) => {
    const file = path.join(dir, 'bad-convention.cpp');
    const r = await iccxx(['-c', file, '-o', path.join(out, 'bad.o')], { env });
    assert.is(r.exitCode, 1);
    assert.is(String(r.stderr), `${file}:4:65: error: the body of interceptor 'regs' can't read its parameters: 'regcall' passes arguments ` +
      "in r11, r12, r14, r15 and xmm8-15 too, which the replay does not reload; read them in a function it calls, or declare them unnamed\n");
  }));

test('examples/logger prints the arguments it forwards, and RotateMatrix still gets them all', () =>
  inScratch('params-logger', async (out, env) => {
    const made = await execa('make', ['-s', '-C', path.join(root, 'examples', 'logger'), `BUILD=${out}/build`, `ICCXX=${icc}`, 'all'], { reject: false, all: true, env });
    assert.is(made.exitCode, 0, String(made.all));
    const r = await run(path.join(out, 'build', 'logger'));
    assert.is(String(r.stdout), [
      'Function called: Logger(id=7, angle=0.5, scale=3, row={1 2 3 4}, 100, 20, 3, out=non-null)',
      'RotateMatrix saw id=7 angle=0.5 scale=3 row-sum=10 stack-sum=123',
      'RotateMatrix returned 7001.5',
      'OK: every argument and the return value went through',
      '',
    ].join('\n'));
    assert.is(r.exitCode, 0);
  }));

test.run();
