// icc++ is invisible where it has nothing to do, and adds no warnings where it has.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, iccxx, inScratch, root } from '../helpers.js';

const test = suite('fidelity');

// Real-world-style sources without interceptors: the project's own plain C++.
const corpus = [
  path.join(fixtures, 'forms', 'targets.cpp'),
  path.join(fixtures, 'args', 'callee.cpp'),
  path.join(fixtures, 'driver', 'mentions.cpp'),
  path.join(root, 'examples', 'logger', 'graphics.cpp'),
  path.join(fixtures, 'windows', 'targets.cpp'),
].filter((f) => fs.existsSync(f) && !fs.readFileSync(f, 'utf8').includes('[[interceptor]]'));

// Real-world code: the standard library's own headers, used the way programs use them, grouped
// into TUs. Some mention an interceptor in a comment only (they go through the preprocessor,
// then to clang unchanged), and some draw warnings: the diagnostics must match too.
const STD_GROUPS: { headers: string[]; body: string }[] = [
  { headers: ['vector', 'algorithm', 'numeric', 'functional'], body: 'int f(std::vector<int> v) { std::sort(v.begin(), v.end()); return std::accumulate(v.begin(), v.end(), 0); }' },
  { headers: ['string', 'sstream', 'iomanip', 'locale'], body: 'std::string f(double d) { std::ostringstream o; o << std::setprecision(3) << d; return o.str(); }' },
  { headers: ['map', 'unordered_map', 'set', 'unordered_set'], body: 'int f() { std::map<int, int> m{{1, 2}}; std::unordered_set<int> s{3}; return m[1] + int(s.size()); }' },
  { headers: ['memory', 'optional', 'variant', 'any'], body: 'int f() { auto p = std::make_shared<std::variant<int, float>>(2); std::optional<int> o = std::get<int>(*p); return *o; }' },
  { headers: ['thread', 'mutex', 'condition_variable', 'future', 'atomic'], body: 'int f() { std::atomic<int> a{1}; std::mutex m; std::lock_guard<std::mutex> g(m); return std::async([&] { return a.load(); }).get(); }' },
  { headers: ['regex', 'chrono', 'random', 'filesystem'], body: 'bool f(const std::string &s) { std::mt19937 g(1); return std::regex_match(s, std::regex("a+")) && g() > 0; } // no interceptor here' },
  { headers: ['iostream', 'fstream', 'cstdio', 'cstring'], body: 'int f(int unused) { int x; std::printf("%d", x); return 0; } /* an interceptor is only mentioned */' },
  { headers: ['tuple', 'array', 'span', 'ranges', 'charconv'], body: 'int f() { std::array<int, 3> a{1, 2, 3}; auto [x, y, z] = std::tuple(a[0], a[1], a[2]); return x + y + z; }' },
];
const stdCorpus = (dir: string): string[] =>
  STD_GROUPS.map(({ headers, body }, n) => {
    const file = path.join(dir, `std${n}.cpp`);
    fs.writeFileSync(file, `${headers.map((h) => `#include <${h}>`).join('\n')}\n${body}\n`);
    return file;
  });

for (const flags of [['-O2'], ['-O0', '-g'], ['-O2', '-fPIC', '-Wall', '-Wextra']]) {
  test(`sources without interceptors give byte-identical objects and diagnostics (${flags.join(' ')})`, () =>
    inScratch('fidelity', async (out, env) => {
      assert.ok(corpus.length >= 3, 'a corpus to compare');
      // The standard-library TUs (~1 s each) under the flags that show most: -g, and warnings.
      for (const src of [...corpus, ...(flags.includes('-O0') || flags.includes('-Wall') ? stdCorpus(out) : [])]) {
        const base = path.join(out, path.basename(src, '.cpp'));
        const std = src.startsWith(out) ? ['-std=c++20'] : [];
        const theirs = await execa('clang++', [...flags, ...std, '-c', src, '-o', `${base}.clang.o`], { cwd: out, reject: false, stripFinalNewline: false });
        if (std.length > 0) assert.is(theirs.exitCode, 0, `${src} compiles: ${String(theirs.stderr)}`);
        for (const scan of ['1', '0']) {
          const ours = await iccxx([...flags, ...std, '-c', src, '-o', `${base}.icc${scan}.o`], { cwd: out, env: { ...env, ICC_SCAN: scan } });
          assert.is(ours.exitCode, theirs.exitCode, src);
          assert.is(String(ours.stderr), String(theirs.stderr), `${src}: same diagnostics (ICC_SCAN=${scan})`);
          assert.ok(fs.readFileSync(`${base}.icc${scan}.o`).equals(fs.readFileSync(`${base}.clang.o`)), `${src}: identical object (ICC_SCAN=${scan})`);
        }
      }
    }));
}

test('preprocessor warnings are printed once, as clang prints them, with and without interceptors', () =>
  inScratch('pp-warnings', async (out, env) => {
    const plain = path.join(out, 'plain.cpp');
    fs.writeFileSync(plain, '#define A 1\n#define A 2\nint f() { return A; }\n');
    const theirs = await execa('clang++', ['-c', plain, '-o', path.join(out, 'p1.o')], { reject: false, stripFinalNewline: false });
    for (const scan of ['1', '0']) {
      const ours = await iccxx(['-c', plain, '-o', path.join(out, 'p2.o')], { env: { ...env, ICC_SCAN: scan } });
      assert.is(String(ours.stderr), String(theirs.stderr), `ICC_SCAN=${scan}`);
    }
    const hooked = path.join(out, 'hooked.cpp');
    fs.writeFileSync(hooked, '#define A 1\n#define A 2\nvoid *q();\n[[interceptor]] void H(int) { goto -> q(); }\n');
    const r = await iccxx(['-c', hooked, '-o', path.join(out, 'h.o')], { env });
    assert.is(r.exitCode, 0);
    const stderr = String(r.stderr);
    assert.is(stderr.match(/'A' macro redefined/g)?.length, 1, stderr);
    assert.ok(stderr.endsWith('1 warning generated.\n'), stderr);
    assert.is(stderr.match(/generated\./g)?.length, 1, stderr);
  }));

test('-g: the compile unit, file names and line of a goto -> are the user\'s, never a temp file', () =>
  inScratch('debug-info', async (out, env) => {
    const src = path.join(fixtures, 'driver', 'hello.cpp');
    const obj = path.join(out, 'hello.o');
    const r = await iccxx(['-g', '-O0', '-c', src, '-o', obj], { env });
    assert.is(r.exitCode, 0, String(r.stderr));
    const info = String((await execa('llvm-dwarfdump', ['--debug-info', obj])).stdout);
    assert.match(info, new RegExp(`DW_TAG_compile_unit[\\s\\S]*?DW_AT_name\\s+\\("${src}"\\)`));
    const lines = String((await execa('llvm-dwarfdump', ['--debug-line', obj])).stdout);
    assert.not.match(lines + info, /\/icc-[A-Za-z0-9]{6}\/|\.ii"/, 'no temp file named');
    // hello.cpp line 9 is `goto -> &answer;`: the core's code for it is attributed to that line.
    const rows = lines.split('\n').filter((l) => /^0x[0-9a-f]+\s+\d+\s+\d+\s+(\d+)/.test(l));
    const fileIndex = /file_names\[\s*(\d+)\]:\s*\n\s*name: "hello\.cpp"/.exec(lines)?.[1];
    assert.ok(fileIndex !== undefined, 'hello.cpp is in the line table');
    assert.ok(rows.some((l) => { const f = l.trim().split(/\s+/); return f[1] === '9' && f[3] === fileIndex; }), 'a row for line 9 of hello.cpp');
  }));

test('an interceptor adds no warning that the same code with a plain function would not have', () =>
  inScratch('warnings', async (out, env) => {
    const src = path.join(fixtures, 'driver', 'hello.cpp');
    const plain = path.join(out, 'hello.cpp');
    fs.writeFileSync(plain, fs.readFileSync(src, 'utf8').replace('[[interceptor]] int Hello(int)', 'int Hello(int)').replace('goto -> &answer;', 'return answer(2);'));
    const flags = ['-std=c++17', '-Weverything', '-Wno-c++98-compat', '-c'];
    const warnings = (stderr: unknown): string[] => String(stderr).split('\n').filter((l) => / warning: /.test(l)).map((l) => l.replace(/^[^:]*:\d+:\d+: /, ''));
    const ours = await iccxx([...flags, src, '-o', path.join(out, 'a.o')], { env });
    const theirs = await execa('clang++', [...flags, plain, '-o', path.join(out, 'b.o')], { reject: false });
    assert.is(ours.exitCode, 0, String(ours.stderr));
    for (const w of warnings(ours.stderr)) assert.ok(warnings(theirs.stderr).includes(w), `extra warning: ${w}`);
    assert.ok(warnings(ours.stderr).length > 0, 'the user-code warning (-Wmissing-prototypes on answer) is still reported');
  }));

test('a body that reads its parameters and its name adds no warning either (-Weverything, -O0)', () =>
  inScratch('warnings-params', async (out, env) => {
    const src = path.join(fixtures, 'params', 'quiet.cpp');
    const plain = path.join(out, 'quiet.cpp');
    fs.writeFileSync(plain, fs.readFileSync(src, 'utf8').replace('[[interceptor]] ', '').replace('__icc_symbol', '__func__').replace('goto -> &target;', 'return target(a, b);'));
    const flags = ['-std=c++17', '-O0', '-Weverything', '-Wno-c++98-compat', '-c'];
    const warnings = (stderr: unknown): string[] => String(stderr).split('\n').filter((l) => / warning: /.test(l)).map((l) => l.replace(/^[^:]*:\d+:\d+: /, ''));
    const ours = await iccxx([...flags, src, '-o', path.join(out, 'a.o')], { env });
    const theirs = await execa('clang++', [...flags, plain, '-o', path.join(out, 'b.o')], { reject: false });
    assert.is(ours.exitCode, 0, String(ours.stderr));
    for (const w of warnings(ours.stderr)) assert.ok(warnings(theirs.stderr).includes(w), `extra warning: ${w}`);
  }));

test('-I and -D reach only the preprocessor: -Wall -Wextra -Werror stays quiet on a source with interceptors', () =>
  inScratch('werror', async (out, env) => {
    const dir = path.join(fixtures, 'forms');
    const r = await iccxx(['-std=c++17', '-Wall', '-Wextra', '-Werror', `-I${dir}`, '-DUNUSED_MACRO=1', '-c', path.join(dir, 'main.cpp'), '-o', path.join(out, 'm.o')], { env });
    assert.is(String(r.stderr), '');
    assert.is(r.exitCode, 0);
  }));

test.run();
