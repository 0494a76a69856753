// The trampoline's unwind information and its null-target stop: C++
// exceptions from the core and from the target reach the caller's catch, a
// debugger's backtrace from either shows the original caller, and a null
// target stops the program with the interceptor's name.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, iccOk, requireTool, run, scratch } from '../helpers.js';

const test = suite('trampoline-unwind');
const dir = path.join(fixtures, 'trampoline');
const src = (file: string): string => path.join(dir, file);

const caught = [
  'same TU, target returns: returned 42',
  'same TU, core throws: caught from core',
  'same TU, target throws: caught from target',
  'other TU, target returns: returned 12',
  'other TU, core throws: caught from core',
  'other TU, target throws: caught from target',
  'done',
  '',
].join('\n');

for (const flags of [['-O0'], ['-O2']]) {
  test(`exceptions from the core and the target reach the caller at ${flags.join(' ')}`, async () => {
    const { dir: out, cleanup } = scratch('unwind');
    try {
      const exe = path.join(out, 'unwind');
      await iccOk([...flags, src('unwind.cpp'), src('unwind-main.cpp'), '-o', exe]);
      const r = await run(exe);
      assert.is(String(r.stdout), caught);
      assert.is(r.exitCode, 0, String(r.stderr));
    } finally {
      cleanup();
    }
  });
}

test('exceptions cross an interceptor in a -O2 -fPIC shared library', async () => {
  const { dir: out, cleanup } = scratch('unwind-so');
  try {
    const lib = path.join(out, 'libunwind-hooks.so');
    await iccOk(['-O2', '-fPIC', '-shared', src('unwind.cpp'), '-o', lib]);
    const exe = path.join(out, 'unwind');
    await iccOk(['-O2', src('unwind-main.cpp'), '-o', exe, `-L${out}`, '-lunwind-hooks', `-Wl,-rpath,${out}`]);
    const r = await run(exe);
    assert.is(String(r.stdout), caught);
    assert.is(r.exitCode, 0, String(r.stderr));
  } finally {
    cleanup();
  }
});

/** The backtrace printed after the n-th breakpoint stop in a gdb -batch transcript (frame lines only). */
function backtraceAfterStop(transcript: string, n: number): string[] {
  const stops = transcript.split(/^Breakpoint \d+, /m).slice(1);
  assert.ok(stops.length > n, `gdb stopped ${stops.length} times:\n${transcript}`);
  return stops[n].split('\n').filter((line) => /^#\d+ /.test(line));
}

test('gdb: a backtrace from the core and from the target shows the caller', async () => {
  if (!(await requireTool('gdb'))) return;
  const { dir: out, cleanup } = scratch('gdb');
  try {
    const exe = path.join(out, 'debug');
    await iccOk(['-g', '-O0', src('debug.cpp'), '-o', exe]);
    const gdb = await execa('gdb', ['-nx', '-batch', '-ex', 'break in_core', '-ex', 'break debug_target',
      '-ex', 'run', '-ex', 'bt', '-ex', 'continue', '-ex', 'bt', '-ex', 'continue', exe], { reject: false });
    const transcript = `${gdb.stdout}\n${gdb.stderr}`;
    assert.not.match(transcript, /Backtrace stopped|corrupt stack/, transcript);
    assert.match(transcript, /exited normally/, transcript);

    // In the core: the helper, the core, the trampoline, then the caller with its argument intact.
    const inCore = backtraceAfterStop(transcript, 0);
    assert.match(inCore[0] ?? '', /\bin_core \(\)/, inCore.join('\n'));
    assert.match(inCore[1] ?? '', /__core_Traced/, inCore.join('\n'));
    const callerInCore = inCore.findIndex((f) => / original_caller \(x=4\) at .*debug\.cpp:\d+/.test(f));
    assert.ok(callerInCore > 1, `original_caller missing:\n${inCore.join('\n')}`);
    assert.match(inCore[callerInCore + 1] ?? '', / main \(\) at /, inCore.join('\n'));

    // In the target: it was jumped to, so its caller is the original caller itself.
    const inTarget = backtraceAfterStop(transcript, 1);
    assert.match(inTarget[0] ?? '', /\bdebug_target \(x=4\)/, inTarget.join('\n'));
    assert.match(inTarget[1] ?? '', / original_caller \(x=4\) at /, inTarget.join('\n'));
    assert.match(inTarget[2] ?? '', / main \(\) at /, inTarget.join('\n'));
    assert.is(inTarget.length, 3, inTarget.join('\n'));
  } finally {
    cleanup();
  }
});

for (const flags of [['-O0'], ['-O2']]) {
  test(`a null target stops the program naming the interceptor at ${flags.join(' ')}`, async () => {
    const { dir: out, cleanup } = scratch('null');
    try {
      const exe = path.join(out, 'null');
      await iccOk([...flags, src('null.cpp'), '-o', exe]);
      const r = await run(exe);
      assert.is(String(r.stdout), 'core ran\n', 'the core ran, nothing ran after it');
      const message = "icc++: interceptor 'ns::Logger(int)' returned a null target\n";
      assert.ok(String(r.stderr).includes(message), `stderr was: ${JSON.stringify(r.stderr)}`);
      assert.is(r.signal, 'SIGABRT', `exit code ${r.exitCode}, signal ${r.signal}`);
    } finally {
      cleanup();
    }
  });
}

test.run();
