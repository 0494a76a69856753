// What the unwinding tests of every target share (trampoline-unwind for x86-64,
// aarch64 under qemu): the transcript test/fixtures/trampoline/unwind-main.cpp
// prints when every exception reaches its catch, and gdb driven in batch mode
// with a backtrace at each breakpoint, natively or attached to qemu-aarch64 -g.
import * as assert from 'uvu/assert';
import net from 'node:net';
import { execa } from 'execa';
import { AARCH64_SYSROOT, qemuAarch64 } from './helpers.js';

/** unwind.cpp + unwind-main.cpp's output: exceptions from the core and the target caught by the caller. */
export const CAUGHT = [
  'same TU, target returns: returned 42',
  'same TU, core throws: caught from core',
  'same TU, target throws: caught from target',
  'other TU, target returns: returned 12',
  'other TU, core throws: caught from core',
  'other TU, target throws: caught from target',
  'done',
  '',
].join('\n');

/** A TCP port nobody listens on now (for qemu's gdb stub). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `exe` to the end under gdb, printing a backtrace at every stop on `breakpoints` (gdb
 *  `break` specs; `rbreak:<regex>` for rbreak). With `qemuCpu`, the AArch64 program runs under
 *  `qemu-aarch64 -g` and gdb-multiarch attaches to it. Returns gdb's transcript and, per stop, its
 *  frame lines (`#0 ...`). */
export async function gdbBacktraces(exe: string, breakpoints: string[], qemuCpu?: string): Promise<{ transcript: string; stops: string[][] }> {
  const breaks = breakpoints.flatMap((b) => ['-ex', b.startsWith('rbreak:') ? `rbreak ${b.slice(7)}` : `break ${b}`]);
  const steps = breakpoints.flatMap(() => ['-ex', 'continue', '-ex', 'bt']);
  let transcript: string;
  if (qemuCpu) {
    const port = await freePort();
    const qemu = execa('qemu-aarch64', ['-g', String(port), ...qemuAarch64(qemuCpu, exe)], { reject: false });
    try {
      const gdb = await execa('gdb-multiarch', ['-nx', '-batch', '-ex', `set sysroot ${AARCH64_SYSROOT}`, '-ex', `target remote 127.0.0.1:${port}`,
        ...breaks, ...steps, '-ex', 'continue', exe], { reject: false, timeout: 120_000 });
      transcript = `${gdb.stdout}\n${gdb.stderr}`;
    } finally {
      qemu.kill(); // gone already when the program ran to its end
      await qemu;
    }
  } else {
    const gdb = await execa('gdb', ['-nx', '-batch', ...breaks, '-ex', 'run', '-ex', 'bt', ...steps.slice(2), '-ex', 'continue', exe],
      { reject: false, timeout: 120_000 });
    transcript = `${gdb.stdout}\n${gdb.stderr}`;
  }
  const stops = transcript.split(/^Breakpoint \d+, /m).slice(1).map((s) => s.split('\n').filter((l) => /^#\d+ /.test(l)));
  return { transcript, stops };
}

/** Checks test/fixtures/trampoline/debug.cpp's two stops (in_core, then debug_target; -O0 or -O2 -g): the core's
 *  backtrace reaches original_caller with its argument and then main, with nothing corrupt; the
 *  target (jumped to) sees original_caller as its caller. */
export function checkDebugBacktraces(run: { transcript: string; stops: string[][] }, where: string): void {
  const { transcript, stops } = run;
  assert.not.match(transcript, /Backtrace stopped|corrupt stack/, `${where}:\n${transcript}`);
  assert.match(transcript, /exited normally/, `${where}:\n${transcript}`);
  assert.is(stops.length, 2, `${where}: gdb stopped ${stops.length} times:\n${transcript}`);
  const [inCore, inTarget] = stops;

  // In the core: the helper, the core, the trampoline, then the caller with its argument intact.
  assert.match(inCore[0] ?? '', /\bin_core \(\)/, `${where}:\n${inCore.join('\n')}`);
  assert.match(inCore[1] ?? '', /__core_Traced/, `${where}:\n${inCore.join('\n')}`);
  const callerInCore = inCore.findIndex((f) => / original_caller \(x=(?:x@entry=)?4\) at .*debug\.cpp:\d+/.test(f));
  assert.ok(callerInCore > 1, `${where}: original_caller missing:\n${inCore.join('\n')}`);
  assert.match(inCore[callerInCore + 1] ?? '', / main \(\) at /, `${where}:\n${inCore.join('\n')}`);

  // In the target: it was jumped to, so its caller is the original caller itself.
  assert.match(inTarget[0] ?? '', /\bdebug_target \(x=(?:x@entry=)?4\)/, `${where}:\n${inTarget.join('\n')}`);
  assert.match(inTarget[1] ?? '', / original_caller \(x=(?:x@entry=)?4\) at /, `${where}:\n${inTarget.join('\n')}`);
  assert.match(inTarget[2] ?? '', / main \(\) at /, `${where}:\n${inTarget.join('\n')}`);
  assert.is(inTarget.length, 3, `${where}:\n${inTarget.join('\n')}`);
}
