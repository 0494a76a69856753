// The trampoline's unwind information and its null-target stop: C++
// exceptions from the core and from the target reach the caller's catch, a
// debugger's backtrace from either shows the original caller, and a null
// target stops the program with the interceptor's name.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { fixtures, iccOk, requireTool, run, scratch } from '../helpers.js';
import { CAUGHT, checkDebugBacktraces, gdbBacktraces } from '../unwinding.js';

const test = suite('trampoline-unwind');
const dir = path.join(fixtures, 'trampoline');
const src = (file: string): string => path.join(dir, file);

for (const flags of [['-O0'], ['-O2']]) {
  test(`exceptions from the core and the target reach the caller at ${flags.join(' ')}`, async () => {
    const { dir: out, cleanup } = scratch('unwind');
    try {
      const exe = path.join(out, 'unwind');
      await iccOk([...flags, src('unwind.cpp'), src('unwind-main.cpp'), '-o', exe]);
      const r = await run(exe);
      assert.is(String(r.stdout), CAUGHT);
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
    assert.is(String(r.stdout), CAUGHT);
    assert.is(r.exitCode, 0, String(r.stderr));
  } finally {
    cleanup();
  }
});

test('gdb: a backtrace from the core and from the target shows the caller', async () => {
  if (!(await requireTool('gdb'))) return;
  const { dir: out, cleanup } = scratch('gdb');
  try {
    const exe = path.join(out, 'debug');
    await iccOk(['-g', '-O0', src('debug.cpp'), '-o', exe]);
    checkDebugBacktraces(await gdbBacktraces(exe, ['in_core', 'debug_target']), 'x86-64');
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
