// 32-bit x86 Linux, through the driver: a debugger's backtrace from inside the
// core and from the target shows the original caller, and C++ exceptions from
// the core and the target reach the caller's catch, both for an executable
// (the stub jumps through its thread-local slot) and for -fPIC code (the
// trampoline returns into the target): asm/i386-common.S.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, iccOk, requireTool, run, scratch } from '../helpers.js';
import { CAUGHT } from '../unwinding.js';

const test = suite('i386-debug');
const src = (file: string): string => path.join(fixtures, 'trampoline', file);

/** The backtrace printed after the n-th breakpoint stop in a gdb -batch transcript (frame lines only). */
function backtraceAfterStop(transcript: string, n: number): string[] {
  const stops = transcript.split(/^Breakpoint \d+, /m).slice(1);
  assert.ok(stops.length > n, `gdb stopped ${stops.length} times:\n${transcript}`);
  return stops[n].split('\n').filter((line) => /^#\d+ /.test(line));
}

const exits = [
  { flags: [] as string[], trampoline: '__icc_i386_sysv_trampoline_tls' },
  { flags: ['-fPIC'], trampoline: '__icc_i386_sysv_trampoline' },
];

for (const { flags, trampoline } of exits) {
  test(`gdb, ${['-m32', ...flags].join(' ')}: a backtrace from the core and from the target shows the caller (${trampoline})`, async () => {
    if (!(await requireTool('gdb'))) return;
    const { dir: out, cleanup } = scratch('i386-gdb');
    try {
      const exe = path.join(out, 'debug');
      await iccOk(['-m32', '-g', '-O0', ...flags, src('debug.cpp'), '-o', exe]);
      const gdb = await execa('gdb', ['-nx', '-batch', '-ex', 'break in_core', '-ex', 'break debug_target',
        '-ex', 'run', '-ex', 'bt', '-ex', 'continue', '-ex', 'bt', '-ex', 'continue', exe], { reject: false });
      const transcript = `${gdb.stdout}\n${gdb.stderr}`;
      assert.not.match(transcript, /Backtrace stopped|corrupt stack/, transcript);
      assert.match(transcript, /exited normally/, transcript);

      // In the core: the helper, the core, the trampoline (of the exit this build uses), the caller.
      const inCore = backtraceAfterStop(transcript, 0);
      assert.match(inCore[0] ?? '', /\bin_core \(\)/, inCore.join('\n'));
      assert.match(inCore[1] ?? '', /__core_Traced/, inCore.join('\n'));
      assert.match(inCore[2] ?? '', new RegExp(` in ${trampoline} \\(\\)`), inCore.join('\n'));
      assert.match(inCore[3] ?? '', / original_caller \(x=4\) at .*debug\.cpp:\d+/, inCore.join('\n'));
      assert.match(inCore[4] ?? '', / main \(\) at /, inCore.join('\n'));
      assert.is(inCore.length, 5, inCore.join('\n'));

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
}


for (const { flags } of exits) {
  test(`${['-m32', '-O2', ...flags].join(' ')}: exceptions from the core and the target reach the caller`, async () => {
    const { dir: out, cleanup } = scratch('i386-unwind');
    try {
      const exe = path.join(out, 'unwind');
      await iccOk(['-m32', '-O2', ...flags, src('unwind.cpp'), src('unwind-main.cpp'), '-o', exe]);
      const r = await run(exe);
      assert.is(String(r.stdout), CAUGHT);
      assert.is(r.exitCode, 0, String(r.stderr));
    } finally {
      cleanup();
    }
  });
}

test.run();
