// icc-shim: shims over real Debian libraries (zlib, libm, libcrypto, part of
// libc), preloaded into unmodified programs. Their output must not change, and
// the counts or logs must show the calls really went through the shim.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, requireTool, root, run, scratch } from '../helpers.js';

const test = suite('shim');
const shimBin = path.join(root, 'bin', 'icc-shim');
const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const LIBZ = `${LIBDIR}/libz.so.1`;
const LIBM = `${LIBDIR}/libm.so.6`;
const LIBCRYPTO = `${LIBDIR}/libcrypto.so.3`;
const LIBC = `${LIBDIR}/libc.so.6`;
const PYTHON = '/usr/bin/python3';
const STDIO = 'open,openat,read,write,close,fopen,fclose,fread,fwrite,fread_unlocked,fwrite_unlocked,fflush,fstat,lseek,posix_fadvise,malloc,free,realloc';

let out = '';
let tmp = '';
let cleanup = () => {};

test.before(() => {
  ({ dir: out, cleanup } = scratch('shim'));
  tmp = path.join(out, 'tmp');
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(out, 'input.txt'), Array.from({ length: 20000 }, (_, i) => `${(i * 7919) % 20000}`).join('\n') + '\n');
});
test.after(() => cleanup());

/** Runs icc-shim (never rejects), with its temporary files in a directory the test checks is left empty. */
function icsh(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return execa(shimBin, args, { reject: false, cwd: out, env: { TMPDIR: tmp, ...env }, stripFinalNewline: false });
}

// Each shim is built once, by the first test that needs it.
const built = new Map<string, Promise<string>>();
function shim(name: string, args: string[]): Promise<string> {
  let p = built.get(name);
  if (!p) {
    p = (async () => {
      const file = path.join(out, `${name}.so`);
      const r = await icsh([...args, '-o', file]);
      assert.is(r.exitCode, 0, String(r.stderr));
      assert.match(String(r.stderr), /^icc-shim: .*: \d+ functions intercepted/);
      return file;
    })();
    built.set(name, p);
  }
  return p;
}

/** Parses a --count report: function → calls (one report; the last if several were appended). */
function parseCounts(text: string): Map<string, number> {
  const reports = text.split(/^icc-shim: calls into /m).slice(1);
  assert.ok(reports.length > 0, `a count report in:\n${text}`);
  const counts = new Map<string, number>();
  for (const m of reports[reports.length - 1].matchAll(/^ {0,9}(\d+) (\S+)$/gm)) counts.set(m[2], Number(m[1]));
  return counts;
}

/** Runs a program plain and with a shim; both must exit and print alike. Returns the shim's --count report. */
async function compare(lib: string, program: string, args: string[]): Promise<Map<string, number>> {
  const report = path.join(out, `report-${path.basename(lib)}-${path.basename(program)}.txt`);
  fs.removeSync(report);
  const plain = await run(program, args, { cwd: out });
  const shimmed = await run(program, args, { cwd: out, env: { LD_PRELOAD: lib, ICC_SHIM_OUT: report } });
  assert.is(plain.exitCode, 0, String(plain.stderr));
  assert.is(shimmed.exitCode, plain.exitCode);
  assert.is(String(shimmed.stdout), String(plain.stdout));
  assert.is(String(shimmed.stderr), String(plain.stderr));
  return parseCounts(fs.readFileSync(report, 'utf8'));
}

test('--list: zlib\'s functions, libc\'s versions, data symbols and IFUNCs', async () => {
  const z = await icsh([LIBZ, '--list']);
  assert.is(z.exitCode, 0, String(z.stderr));
  const zs = String(z.stdout);
  const n = Number(/: (\d+) intercepted/.exec(zs)?.[1]);
  assert.ok(n >= 50 && n <= 200, `zlib has ${n} functions`);
  assert.match(zs, /^intercept deflate$/m);
  assert.match(zs, /^intercept crc32$/m);
  const withHeader = String((await icsh([LIBZ, '--list', '--header', '/usr/include/zlib.h'])).stdout);
  assert.match(withHeader, /^intercept deflate: int deflate\(z_streamp strm, int flush\)$/m, 'prototypes from zlib.h');
  const c = String((await icsh([LIBC, '--list'])).stdout);
  assert.match(c, /^intercept memcpy$/m, 'memcpy, an IFUNC, is intercepted');
  assert.match(c, /^intercept realpath$/m);
  assert.match(c, /^skip realpath@GLIBC_2\.2\.5: compat-only version GLIBC_2\.2\.5 \(the default version is intercepted\)$/m);
  assert.match(c, /^skip environ@GLIBC_2\.2\.5: data symbol/m);
  assert.match(c, /^skip dlsym@GLIBC_2\.34: called by the shim's own runtime$/m);
  assert.not.match(c, /^intercept (environ|optind|stdout)$/m);
  const only = String((await icsh([LIBC, '--list', '--only', 'fopen,fclose'])).stdout);
  assert.match(only, /^# icc-shim plan for .*: 2 intercepted, 0 skipped\n/);
});

test('zlib under python3: same output, deflate and crc32 counted', async () => {
  if (!(await requireTool(PYTHON))) return;
  const lib = await shim('libz-count', [LIBZ]);
  const script = 'import zlib\nd = zlib.compress(b"icc-shim " * 5000)\nprint(len(d), zlib.crc32(d), len(zlib.decompress(d)))';
  const counts = await compare(lib, PYTHON, ['-c', script]);
  assert.ok((counts.get('deflate') ?? 0) > 0, 'deflate counted');
  assert.ok((counts.get('inflate') ?? 0) > 0, 'inflate counted');
  assert.is(counts.get('crc32'), 1);
});

test('libcrypto (5,000+ exports), loaded RTLD_LOCAL by python3\'s _hashlib: digests unchanged and counted', async () => {
  if (!(await requireTool(PYTHON))) return;
  const listed = String((await icsh([LIBCRYPTO, '--list'])).stdout);
  assert.ok(Number(/: (\d+) intercepted/.exec(listed)?.[1]) > 5000, 'libcrypto has over 5,000 functions');
  const lib = await shim('libcrypto-count', [LIBCRYPTO]);
  // python3 opens _hashlib (and with it libcrypto) with RTLD_LOCAL: RTLD_NEXT could not find the real functions.
  const py = await compare(lib, PYTHON, ['-c', 'import hashlib\nfor i in range(1, 8): print(hashlib.sha256(b"x" * i).hexdigest())']);
  assert.ok((py.get('EVP_DigestUpdate') ?? 0) >= 7, `EVP_DigestUpdate counted ${py.get('EVP_DigestUpdate')}`);
  if (!(await requireTool('openssl'))) return;
  const ssl = await compare(lib, 'openssl', ['dgst', '-sha256', 'input.txt']);
  assert.ok((ssl.get('EVP_DigestUpdate') ?? 0) > 0);
  assert.ok((ssl.get('EVP_DigestFinal_ex') ?? 0) > 0);
});

test('libm under awk: same result, each function counted once', async () => {
  if (!(await requireTool('awk'))) return;
  const lib = await shim('libm-count', [LIBM]);
  const counts = await compare(lib, 'awk', ['BEGIN { print sin(1) + log(2) + exp(0.5) + atan2(1, 2) }']);
  for (const f of ['sin', 'log', 'exp', 'atan2']) assert.is(counts.get(f), 1, f);
});

test('libc stdio and file functions under sort and cat: output unchanged, calls counted', async () => {
  const lib = await shim('libc-stdio', [LIBC, '--only', STDIO]);
  if (await requireTool('sort')) {
    const counts = await compare(lib, 'sort', ['-n', 'input.txt']);
    assert.is(counts.get('open'), 1, 'sort opens its input once');
    assert.ok((counts.get('malloc') ?? 0) > 0);
    assert.ok((counts.get('fwrite_unlocked') ?? counts.get('fwrite') ?? 0) >= 20000, 'one write per output line');
  }
  if (await requireTool('cat')) {
    const counts = await compare(lib, 'cat', ['input.txt']);
    assert.ok((counts.get('read') ?? 0) >= 2);
    assert.ok((counts.get('write') ?? 0) >= 1);
  }
});

test('all of libc under cat, sort and ls: output unchanged; libc\'s private interface skipped', async () => {
  const listed = String((await icsh([LIBC, '--list'])).stdout);
  assert.ok(Number(/: (\d+) intercepted/.exec(listed)?.[1]) > 2000, 'over 2,000 functions');
  // libc's own dlopen/dlsym call _dl_catch_error through the PLT: the shim's resolver would call itself.
  assert.match(listed, /^skip _dl_catch_error@GLIBC_PRIVATE: private version GLIBC_PRIVATE: .*$/m);
  const lib = await shim('libc-all', [LIBC]);
  const cat = await compare(lib, 'cat', ['input.txt']);
  assert.is(cat.get('open'), 1, 'cat opens its input once');
  assert.ok((cat.get('malloc') ?? 0) > 0 && (cat.get('setlocale') ?? 0) === 1);
  const sort = await compare(lib, 'sort', ['-n', 'input.txt']);
  assert.is(sort.get('fwrite_unlocked'), 20000, 'one write per output line');
  const ls = await compare(lib, 'ls', ['-l', '--time-style=+', '/usr/include/x86_64-linux-gnu/sys']);
  assert.ok((ls.get('readdir') ?? ls.get('readdir64') ?? 0) > 0, 'ls reads the directory through the shim');
});

test('symbol versions: the shim defines realpath@@GLIBC_2.3; a call bound to the compat realpath@GLIBC_2.2.5 bypasses it', async () => {
  const lib = await shim('libc-realpath', [LIBC, '--only', 'realpath']);
  const syms = String((await execa('readelf', ['--dyn-syms', '-W', lib])).stdout);
  assert.match(syms, / realpath@@GLIBC_2\.3$/m, 'defined at libc\'s default version');
  const prog = path.join(out, 'compat');
  const cc = await execa('clang', ['-O2', path.join(fixtures, 'shim', 'compat.c'), '-o', prog], { reject: false });
  assert.is(cc.exitCode, 0, String(cc.stderr));
  // Three calls of the compat version (libc keeps its old code for them), one of the default version.
  const counts = await compare(lib, prog, []);
  assert.is(counts.get('realpath'), 1, 'only the default version\'s call reaches the shim');
});

test('threads and fork: every call counted once, the child reports its own calls', async () => {
  const lib = await shim('libz-count', [LIBZ]);
  const prog = path.join(out, 'threads');
  const cc = await execa('clang', ['-O2', path.join(fixtures, 'shim', 'threads.c'), '-o', prog, '-lz', '-pthread'], { reject: false });
  assert.is(cc.exitCode, 0, String(cc.stderr));
  const report = path.join(out, 'threads-report.txt');
  const plain = await run(prog);
  const shimmed = await run(prog, [], { env: { LD_PRELOAD: lib, ICC_SHIM_OUT: report } });
  assert.is(shimmed.exitCode, 0);
  assert.is(String(shimmed.stdout), String(plain.stdout));
  const text = fs.readFileSync(report, 'utf8');
  const reports = text.split(/^icc-shim: calls into /m).slice(1);
  assert.is(reports.length, 2, 'one report per process');
  const crc = reports.map((r) => Number(/^ +(\d+) crc32$/m.exec(r)?.[1]));
  assert.equal(crc.sort((a, b) => a - b), [5, 80000], 'the child counts 5, the parent 8 threads x 10,000');
});

test('--log: one line per call from each thread, never the shim\'s own writes', async () => {
  const lib = await shim('libz-log', [LIBZ, '--log']);
  const prog = path.join(out, 'threads-log');
  await execa('clang', ['-O2', path.join(fixtures, 'shim', 'threads.c'), '-o', prog, '-lz', '-pthread']);
  const log = path.join(out, 'z.log');
  const r = await run(prog, [], { env: { LD_PRELOAD: lib, ICC_SHIM_OUT: log } });
  assert.is(r.exitCode, 0);
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  const perThread = new Map<string, number[]>();
  for (const line of lines) {
    const m = /^(\d+)\.(\d{9}) (\d+) (\w+)$/.exec(line);
    assert.ok(m, `log line "${line}" reads "time tid function"`);
    if (m[4] !== 'crc32') continue;
    const times = perThread.get(m[3]) ?? [];
    times.push(Number(m[1]) * 1e9 + Number(m[2]));
    perThread.set(m[3], times);
  }
  const sizes = [...perThread.values()].map((t) => t.length).sort((a, b) => a - b);
  assert.equal(sizes, [5, ...Array(8).fill(10000)], 'eight threads of 10,000 calls and the child\'s 5');
  for (const times of perThread.values()) assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]), 'monotonic per thread');

  // A log shim over libc's write under cat: the shim writes its log itself, without calling write.
  const libc = await shim('libc-log', [LIBC, '--log', '--only', 'read,write,open,close']);
  const clog = path.join(out, 'cat.log');
  const plain = await run('cat', ['input.txt'], { cwd: out });
  const cat = await run('cat', ['input.txt'], { cwd: out, env: { LD_PRELOAD: libc, ICC_SHIM_OUT: clog } });
  assert.is(String(cat.stdout), String(plain.stdout));
  const names = fs.readFileSync(clog, 'utf8').trimEnd().split('\n').map((l) => l.split(' ')[2]);
  const writes = names.filter((n) => n === 'write').length;
  assert.ok(writes >= 1 && writes <= 4, `cat's own writes only (${writes})`);
  assert.ok(names.includes('read') && names.includes('open'));
});

test('--body: a default body and an override by name', async () => {
  if (!(await requireTool(PYTHON))) return;
  const lib = await shim('libz-hooks', [LIBZ, '--body', path.join(fixtures, 'shim', 'hooks.cpp')]);
  const script = 'import zlib\nprint(zlib.crc32(b"a"), zlib.crc32(b"b"), len(zlib.compress(b"c" * 100)))';
  const plain = await run(PYTHON, ['-c', script]);
  const r = await run(PYTHON, ['-c', script], { env: { LD_PRELOAD: lib } });
  assert.is(String(r.stdout), String(plain.stdout));
  const stderr = String(r.stderr);
  assert.match(stderr, /^hooks: first crc32$/m);
  assert.not.match(stderr, /icc-shim: calls into/, 'no count report in --body mode');
  const m = /^hooks: (\d+) calls, (\d+) crc32$/m.exec(stderr);
  assert.ok(m, stderr);
  assert.is(Number(m[2]), 2);
  assert.ok(Number(m[1]) >= 3, 'compress goes through the default body (deflateInit2_, deflate, deflateEnd)');
});

/** A failing icc-shim run: one error line, exit code 1, no output file and no temporary left. */
async function fails(args: string[], message: RegExp, output: string): Promise<void> {
  const r = await icsh([...args, '-o', output]);
  assert.is(r.exitCode, 1);
  const lines = String(r.stderr).trimEnd().split('\n').filter((l) => !/^hooks|^\s*$/.test(l));
  assert.is(lines.length, 1, String(r.stderr));
  assert.match(lines[0], message);
  assert.not.ok(fs.existsSync(output), 'no output written');
  if (fs.existsSync(path.dirname(output))) assert.equal(fs.readdirSync(path.dirname(output)).filter((f) => f.includes('icc-shim')), [], 'no staging file left');
  assert.equal(fs.readdirSync(tmp), [], 'no temporary files left');
}

test('bad input: one-line errors, exit code 1, nothing left behind', async () => {
  const bad = path.join(out, 'bad');
  fs.mkdirSync(bad);
  await fails([path.join(out, 'input.txt')], /^icc-shim: error: '.*input\.txt' is not a shared library \(no ELF header\)$/, path.join(bad, 'a.so'));
  await fails([path.join(out, 'missing.so')], /^icc-shim: error: cannot read '.*missing\.so': no such file$/, path.join(bad, 'b.so'));
  // An object file is ELF, but not a shared library.
  fs.writeFileSync(path.join(out, 'x.c'), 'int f(void) { return 1; }\n');
  await execa('clang', ['-c', path.join(out, 'x.c'), '-o', path.join(out, 'x.o')]);
  await fails([path.join(out, 'x.o')], /^icc-shim: error: '.*x\.o' is not a shared library \(ELF type 1\)$/, path.join(bad, 'c.so'));
  const arm = await execa('clang', ['--target=aarch64-linux-gnu', '-nostdlib', '-shared', '-fuse-ld=lld', path.join(out, 'x.c'), '-o', path.join(out, 'arm.so')], { reject: false });
  assert.is(arm.exitCode, 0, String(arm.stderr));
  const i386 = await execa('clang', ['-m32', '-nostdlib', '-shared', '-fuse-ld=lld', path.join(out, 'x.c'), '-o', path.join(out, 'i386.so')], { reject: false });
  assert.is(i386.exitCode, 0, String(i386.stderr));
  await fails([path.join(out, 'i386.so')], /^icc-shim: error: '.*i386\.so' is a 32-bit i386 library, but the shim is built for x86_64$/, path.join(bad, 'd32.so'));
  await fails([path.join(out, 'arm.so')], /^icc-shim: error: '.*arm\.so' is a aarch64 library, but the shim is built for x86_64$/, path.join(bad, 'd.so'));
  await fails([LIBZ, '--body', path.join(fixtures, 'shim', 'bad-hooks.cpp')], /^.*bad-hooks\.cpp:5:1: error: ICC_SHIM_BODY\(crc33\) names no function icc-shim intercepts in libz\.so\.1$/, path.join(bad, 'e.so'));
  await fails([LIBZ], /^icc-shim: error: cannot write '.*no-such-dir\/f\.so': no such directory$/, path.join(bad, 'no-such-dir', 'f.so'));
  fs.writeFileSync(path.join(out, 'broken.h'), 'int deflate(int x;\n');
  await fails([LIBZ, '--log', '--header', path.join(out, 'broken.h')], /^.*broken\.h:1:18: error: expected '\)'$/, path.join(bad, 'h.so'));
  await fails([LIBZ, '--only', 'nothing_here'], /^icc-shim: error: nothing to intercept in/, path.join(bad, 'g.so'));
});

test('the runtime calls only what the plan never intercepts', async () => {
  const obj = path.join(out, 'runtime.o');
  const r = await execa(path.join(root, 'bin', 'icc++'), ['-O2', '-fPIC', '-c', `-I${root}/shim`, path.join(root, 'shim', 'runtime.cpp'), '-o', obj], { reject: false });
  assert.is(r.exitCode, 0, String(r.stderr));
  const nm = await execa('llvm-nm', ['-u', '--format=just-symbols', obj]);
  const { RUNTIME_IMPORTS } = await import('../../lib/shim/plan.js');
  const missing = String(nm.stdout).split('\n').filter((s) => s && !s.startsWith('_Z') && !s.startsWith('__gxx') && !s.startsWith('__cxa_begin') && !RUNTIME_IMPORTS.has(s) && !s.startsWith('icc_shim_'));
  assert.equal(missing, []);
});

test.run();
