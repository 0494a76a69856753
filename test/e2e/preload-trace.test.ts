// examples/preload-trace: an LD_PRELOAD library of extern "C" interceptors
// named like libc functions, built by icc++, run under unmodified system
// programs. Their output must not change, the counts must show that the calls
// really went through the interceptors, and the per-call log (written by bodies
// that read their parameters) must name the files and byte counts the program used.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'fs-extra';
import path from 'node:path';
import { iccxx, requireTool, root, run, scratch } from '../helpers.js';

const test = suite('preload-trace');
const source = path.join(root, 'examples', 'preload-trace', 'trace.cpp');

let out = '';
let cleanup = () => {};
let lib = '';

test.before(() => {
  ({ dir: out, cleanup } = scratch('preload-trace'));
  lib = path.join(out, 'libtrace.so');
  writeShuffled(path.join(out, 'input.txt'), 20000);
  writeShuffled(path.join(out, 'big.txt'), 300000);
});

test.after(() => cleanup());

// Built once, by the first test; an assertion failing in a uvu `before` hook
// would not be reported as a failure, so every test that needs it checks it.
let building: Promise<Awaited<ReturnType<typeof iccxx>>> | undefined;
async function buildLibrary(): Promise<void> {
  building ??= iccxx(['-O2', '-fPIC', '-shared', source, '-o', lib, '-ldl']);
  const built = await building;
  assert.is(built.stderr, '', 'no diagnostics');
  assert.is(built.exitCode, 0);
}

/** Writes `n` distinct lines in a scrambled order, so that sort has real work to do. */
function writeShuffled(file: string, n: number): void {
  const lines = Array.from({ length: n }, (_, i) => `line ${(i * 7919) % n} ${i % 13}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/** Runs a program twice, plain and with the library preloaded; checks that both exit and print alike,
 *  and returns both runs and the parsed counts. */
async function traced(program: string, args: string[]) {
  await buildLibrary();
  const countsFile = path.join(out, `counts-${path.basename(program)}.txt`);
  const logFile = path.join(out, `log-${path.basename(program)}.txt`);
  fs.removeSync(countsFile);
  fs.removeSync(logFile);
  const plain = await run(program, args, { cwd: out });
  const withLib = await run(program, args, { cwd: out, env: { LD_PRELOAD: lib, PRELOAD_TRACE_OUT: countsFile, PRELOAD_TRACE_LOG: logFile } });
  // Interception must change nothing the program does.
  assert.is(withLib.exitCode, plain.exitCode);
  assert.is(String(withLib.stdout), String(plain.stdout));
  assert.ok(fs.existsSync(countsFile), 'the library wrote its counts at exit');
  const counts = new Map<string, number>();
  for (const line of fs.readFileSync(countsFile, 'utf8').trim().split('\n')) {
    const m = /^(\w+)\s+(\d+)$/.exec(line);
    assert.ok(m, `counts line "${line}" reads "name number"`);
    counts.set(m[1], Number(m[2]));
  }
  const count = (name: string): number => {
    const n = counts.get(name);
    assert.ok(n !== undefined, `the report has a count for ${name}`);
    return n;
  };
  const log = fs.readFileSync(logFile, 'utf8');
  return { plain, withLib, count, log };
}

test('icc++ builds the library without diagnostics', async () => {
  await buildLibrary();
  assert.ok(fs.existsSync(lib));
});

test('sort: same output and exit code, stdio calls counted', async () => {
  if (!(await requireTool('sort'))) return;
  const { plain, withLib, count, log } = await traced('sort', ['input.txt']);
  assert.is(plain.exitCode, 0);
  assert.match(log, /^(open|fopen)\("input\.txt", [^)]*\)$|^openat\(-?\d+, "input\.txt", [^)]*\)$/m, 'the log names the input file');
  assert.is(String(withLib.stderr), '');
  assert.ok(String(plain.stdout).length > 0);
  // GNU sort opens its input with open() and reads and writes through stdio,
  // whose own read/write never go through the public symbols: count what it
  // calls, whichever of the functions that is.
  assert.ok(count('open') + count('openat') + count('fopen') > 0, 'the input file was opened through an interceptor');
  assert.ok(count('read') + count('fread') + count('fread_unlocked') > 0, 'the input was read through an interceptor');
  assert.ok(count('write') + count('fwrite') + count('fwrite_unlocked') > 0, 'the output was written through an interceptor');
});

test('sort through temporary files: same output', async () => {
  if (!(await requireTool('sort'))) return;
  // A 64 KiB buffer makes sort spill to temporary files and merge them.
  const { plain, count } = await traced('sort', ['-S', '64K', '-T', out, 'input.txt']);
  assert.is(plain.exitCode, 0);
  assert.ok(count('open') + count('openat') + count('fopen') > 1, 'temporary files were opened through an interceptor');
});

test('sort in several threads: same output', async () => {
  if (!(await requireTool('sort'))) return;
  // Enough lines for --parallel to sort and write from worker threads, which
  // then enter the interceptors concurrently.
  const { plain, count } = await traced('sort', ['--parallel=4', 'big.txt']);
  assert.is(plain.exitCode, 0);
  assert.ok(count('write') + count('fwrite') + count('fwrite_unlocked') > 0, 'the output was written through an interceptor');
});

test('cat: the same library counts plain read and write', async () => {
  if (!(await requireTool('cat'))) return;
  const { plain, withLib, count, log } = await traced('cat', ['input.txt']);
  assert.is(plain.exitCode, 0);
  assert.is(String(withLib.stdout), fs.readFileSync(path.join(out, 'input.txt'), 'utf8'));
  // The log, like strace's: the path cat opened, and write byte counts that add up to its output.
  assert.match(log, /^(open\("input\.txt", 0\)|openat\(-?\d+, "input\.txt", 0\))$/m, log.slice(0, 500));
  const written = [...log.matchAll(/^write\(1, (\d+)\)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  assert.is(written, Buffer.byteLength(String(withLib.stdout)), log.slice(0, 500));
  assert.match(log, /^read\(\d+, \d+\)$/m);
  assert.ok(count('read') > 0, 'read was intercepted');
  assert.ok(count('write') > 0, 'write was intercepted');
});

test('wc -l: exit code and output unchanged on a missing file', async () => {
  if (!(await requireTool('wc'))) return;
  const { plain, withLib, count } = await traced('wc', ['-l', 'input.txt', 'missing.txt']);
  assert.is(plain.exitCode, 1);
  assert.is(String(withLib.stderr), String(plain.stderr));
  assert.ok(count('open') + count('openat') >= 2, 'both files were opened through an interceptor');
  assert.ok(count('read') > 0, 'read was intercepted');
});

test.run();
