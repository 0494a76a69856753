// icc-shim --log --header: each call's arguments, read by the interceptor from
// its declared parameters, under real programs. Every value asserted comes from
// what the program really did (a path it opened, the bytes it wrote, the level
// a script asked for, a checksum chain), and the program's output must not change.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, requireTool, root, run, scratch } from '../helpers.js';

const test = suite('shim-log');
const shimBin = path.join(root, 'bin', 'icc-shim');
const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const PYTHON = '/usr/bin/python3';

let out = '';
let cleanup = () => {};
const built = new Map<string, Promise<string>>();

test.before(() => {
  ({ dir: out, cleanup } = scratch('shim-log'));
  // libc's file and stdio functions, declared by the system headers that a program would include.
  fs.writeFileSync(path.join(out, 'libc-io.h'), ['stdio.h', 'stdlib.h', 'fcntl.h', 'unistd.h', 'sys/stat.h'].map((h) => `#include <${h}>`).join('\n') + '\n');
  const everything = ['stdio.h', 'stdlib.h', 'string.h', 'unistd.h', 'fcntl.h', 'pthread.h', 'locale.h', 'signal.h', 'sys/stat.h', 'wchar.h', 'time.h', 'dirent.h'];
  fs.writeFileSync(path.join(out, 'libc-all.h'), ['#define _GNU_SOURCE', ...everything.map((h) => `#include <${h}>`)].join('\n') + '\n');
  // Built concurrently: each test awaits the one it needs.
  const shims: [string, string[]][] = [
    ['libz-args', [`${LIBDIR}/libz.so.1`, '--header', '/usr/include/zlib.h']],
    ['libc-args', [`${LIBDIR}/libc.so.6`, '--header', path.join(out, 'libc-io.h'), '--only', 'open,read,write,close,fstat,fopen,fclose,malloc,free,posix_fadvise']],
    ['libc-all-args', [`${LIBDIR}/libc.so.6`, '--header', path.join(out, 'libc-all.h')]],
    ['libm-args', [`${LIBDIR}/libm.so.6`, '--header', '/usr/include/math.h', '--only', 'sin,log,exp,atan2']],
  ];
  for (const [name, args] of shims) {
    const file = path.join(out, `${name}.so`);
    const p = execa(shimBin, [...args, '--log', '-o', file], { reject: false, cwd: out }).then((r: Result) => {
      assert.is(r.exitCode, 0, String(r.stderr));
      return file;
    });
    p.catch(() => {}); // reported by the test that awaits it
    built.set(name, p);
  }
});
test.after(() => cleanup());

/** Runs a program plain and under a --log shim: same exit code and output. Returns the log's lines. */
async function logged(shim: string, program: string, args: string[]): Promise<string[]> {
  const lib = await built.get(shim)!;
  const log = path.join(out, `${shim}-${path.basename(program)}.log`);
  fs.removeSync(log);
  const plain = await run(program, args, { cwd: out });
  const r = await run(program, args, { cwd: out, env: { LD_PRELOAD: lib, ICC_SHIM_OUT: log } });
  assert.is(plain.exitCode, 0, String(plain.stderr));
  assert.is(r.exitCode, plain.exitCode);
  assert.is(String(r.stdout), String(plain.stdout));
  assert.is(String(r.stderr), String(plain.stderr));
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  for (const line of lines) assert.match(line, /^\d+\.\d{9} \d+ \w+(\(.*\))?$/, 'time tid function(arguments)');
  return lines.map((l) => l.split(' ').slice(2).join(' '));
}

test('zlib under python3: integers, pointers, NULL and strings as the script passed them', async () => {
  if (!(await requireTool(PYTHON))) return;
  const script = 'import zlib\nprint(zlib.crc32(b"hello world", 12345), len(zlib.compress(b"x" * 1000, 7)))\nprint(zlib.ZLIB_VERSION)';
  const calls = await logged('libz-args', PYTHON, ['-c', script]);
  const version = String((await run(PYTHON, ['-c', script])).stdout).trim().split('\n')[1];
  assert.ok(calls.some((c) => /^crc32\(12345, 0x[0-9a-f]+, 11\)$/.test(c)), `crc32(start value, data, its length) in\n${calls.join('\n')}`);
  // compress(data, 7): the level, and the version string python was built against, as deflateInit2_ receives them.
  assert.ok(calls.some((c) => c.startsWith('deflateInit2_(0x') && c.includes(`, 7, `) && c.includes(`"${version}"`)), calls.join('\n'));
  assert.ok(calls.some((c) => /^adler32\(1, 0x[0-9a-f]+, 1000\)$/.test(c)), 'the 1,000 bytes checksummed');
  assert.ok(calls.includes('adler32(0, NULL, 0)'), 'a null pointer prints as NULL (deflateReset asks adler32 for its initial value)');
});

/** A log line's timestamp in ns. */
const stamp = (line: string): bigint => {
  const [sec, nsec] = line.split(' ')[0].split('.');
  return BigInt(sec) * 1000000000n + BigInt(nsec);
};

/** zlib's CRC-32 of `text` continuing from `crc`. */
function crc32(crc: number, text: string): number {
  let c = ~crc >>> 0;
  for (const byte of Buffer.from(text)) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

test('8 threads and a fork: every line whole, each thread\'s crc32 arguments follow its own checksum chain', async () => {
  const prog = path.join(out, 'threads');
  const cc = await execa('clang', ['-O2', path.join(fixtures, 'shim', 'threads.c'), '-o', prog, '-lz', '-pthread'], { reject: false });
  assert.is(cc.exitCode, 0, String(cc.stderr));
  const lines = await logged('libz-args', prog, ['main']); // the main thread calls crc32 once before it forks
  const log = fs.readFileSync(path.join(out, 'libz-args-threads.log'), 'utf8').trimEnd().split('\n');
  const byThread = new Map<string, string[]>();
  const last = new Map<string, bigint>();
  log.forEach((line, i) => {
    const tid = line.split(' ')[1];
    if (lines[i].startsWith('crc32(')) byThread.set(tid, [...(byThread.get(tid) ?? []), lines[i]]);
    // Each thread writes its lines in order, so its timestamps never go back.
    assert.ok((last.get(tid) ?? 0n) <= stamp(line), `${line} after ${last.get(tid)}`);
    last.set(tid, stamp(line));
  });
  const sizes = [...byThread.values()].map((c) => c.length).sort((a, b) => a - b);
  // The child's lines carry its own thread id, not that of the parent's thread that forked (which logged once before).
  assert.equal(sizes, [1, 5, ...Array(8).fill(10000)], 'eight threads of 10,000 calls, the main thread\'s 1 and the child\'s 5');
  for (const calls of byThread.values()) {
    const text = calls.length === 5 ? 'child' : calls.length === 1 ? 'main' : 'icc-shim';
    let crc = 0;
    for (const c of calls) {
      assert.match(c, new RegExp(`^crc32\\(${crc}, 0x[0-9a-f]+, ${text.length}\\)$`));
      crc = crc32(crc, text);
    }
  }
});

test('timestamps: CLOCK_MONOTONIC in ns, across a second boundary', async () => {
  if (!(await requireTool(PYTHON))) return;
  // python's time.monotonic_ns() reads CLOCK_MONOTONIC: each logged call must fall between the readings around it.
  const script = [
    'import time, zlib',
    't = [time.monotonic_ns()]', 'zlib.crc32(b"first", 1)', 't.append(time.monotonic_ns())',
    'time.sleep(1.2)',
    't.append(time.monotonic_ns())', 'zlib.crc32(b"second", 2)', 't.append(time.monotonic_ns())',
    'open("times.txt", "w").write(" ".join(map(str, t)))',
  ].join('\n');
  await logged('libz-args', PYTHON, ['-c', script]);
  const t = fs.readFileSync(path.join(out, 'times.txt'), 'utf8').split(' ').map(BigInt);
  const log = fs.readFileSync(path.join(out, 'libz-args-python3.log'), 'utf8').trimEnd().split('\n');
  const first = log.find((l) => / crc32\(1, 0x[0-9a-f]+, 5\)$/.test(l));
  const second = log.find((l) => / crc32\(2, 0x[0-9a-f]+, 6\)$/.test(l));
  assert.ok(first && second, log.join('\n'));
  assert.ok(t[0] <= stamp(first!) && stamp(first!) <= t[1], `${t[0]} <= ${first} <= ${t[1]}`);
  assert.ok(t[2] <= stamp(second!) && stamp(second!) <= t[3], `${t[2]} <= ${second} <= ${t[3]}`);
  assert.ok(stamp(second!) - stamp(first!) >= 1200000000n, 'the 1.2 s sleep between them');
});

test('libc under cat: the path it opens (capped at 64 bytes), the bytes it writes, the fd it reads', async () => {
  if (!(await requireTool('cat'))) return;
  const name = `${'long-name-'.repeat(10)}.txt`;
  const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  fs.writeFileSync(path.join(out, name), text);
  const odd = 'say "hi"\tnow.txt';
  fs.writeFileSync(path.join(out, odd), 'hi\n');
  const calls = await logged('libc-args', 'cat', [odd, name]);
  assert.ok(calls.includes('open("say \\"hi\\"\\tnow.txt", 0, ...)'), `open(path, O_RDONLY, ...), variadic, escaped, in\n${calls.join('\n')}`);
  assert.ok(calls.includes(`open("${name.slice(0, 64)}"..., 0, ...)`), 'a string longer than the cap: 64 bytes, then ...');
  const fds = new Set(calls.filter((c) => c.startsWith('read(')).map((c) => Number(/^read\((\d+), /.exec(c)?.[1])));
  assert.ok([...fds].every((fd) => fd >= 3) && fds.size >= 1, `cat reads its files' descriptors: ${[...fds]}`);
  const written = calls.map((c) => /^write\(1, 0x[0-9a-f]+, (\d+)\)$/.exec(c)).filter((m) => m).reduce((n, m) => n + Number(m![1]), 0);
  assert.is(written, text.length + 3, 'write(1, buf, n): the n add up to what cat printed');
  assert.ok(calls.some((c) => /^close\(\d+\)$/.test(c)));
});

test('all of libc (2,000+ functions) under sort: output unchanged, arguments from what sort did', async () => {
  if (!(await requireTool('sort'))) return;
  const text = Array.from({ length: 3000 }, (_, i) => `${(i * 7919) % 3000}`).join('\n') + '\n';
  fs.writeFileSync(path.join(out, 'numbers.txt'), text);
  const calls = await logged('libc-all-args', 'sort', ['-n', 'numbers.txt']);
  assert.ok(calls.includes('strrchr("sort", 47)'), `sort finds its name's last '/' in argv[0], in\n${calls.slice(0, 40).join('\n')}`);
  assert.ok(calls.includes('setlocale(6, "")'), 'setlocale(LC_ALL, "")');
  assert.ok(calls.some((c) => /^open\("numbers\.txt", \d+, \.\.\.\)$/.test(c)), 'the file it opens');
  assert.ok(calls.some((c) => new RegExp(`^memchr\\(0x[0-9a-f]+, 10, ${text.length}\\)$`).test(c)), 'its first newline search spans the whole input');
  const lines = calls.map((c) => /^fwrite_unlocked\(0x[0-9a-f]+, 1, (\d+), 0x[0-9a-f]+\)$/.exec(c)).filter((m) => m);
  assert.is(lines.length, 3000, 'one fwrite_unlocked per output line');
  assert.is(lines.reduce((n, m) => n + Number(m![1]), 0), text.length, 'their sizes add up to the output');
});

test('libm under awk: floating-point arguments', async () => {
  if (!(await requireTool('awk'))) return;
  const calls = await logged('libm-args', 'awk', ['BEGIN { print sin(0.5) + log(1e-7) + atan2(-1, 3) + exp(2.5) }']);
  for (const c of ['sin(0.5)', 'log(1e-7)', 'atan2(-1, 3)', 'exp(2.5)']) assert.ok(calls.includes(c), `${c} in\n${calls.join('\n')}`);
});

test.run();
