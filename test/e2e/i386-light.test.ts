// The 32-bit x86 light path (lib/arch/i386-light.ts): cores that call nothing
// and touch no vector register take the light trampoline, the others keep
// the full one, in code for an executable (tls exit) and with -fPIC (ret
// exit, where clang's `call next; pop` PIC base is no call); both run with
// their vector arguments intact. The ABI torture (i386-torture.test.ts) runs
// a third of its 1200 signatures through the light path too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, iccOk, iccxxPaths, inScratch, run } from '../helpers.js';

const test = suite('i386-light');
const src = path.join(fixtures, 'i386', 'light.cpp');

const expected: Record<string, RegExp> = {
  _Z7CountedDv4_fid: /^light path$/,
  _Z6LoopedDv4_fid: /^light path$/,
  _Z7CallingDv4_fid: /^full path: (a call|relocation type)/,
  _Z8FloatingDv4_fid: /^full path: an SSE or MMX instruction/,
  _Z7InlinedDv4_fid: /^full path: inline or template/,
};

for (const flags of [['-O2'], ['-O0'], ['-O2', '-fPIC']]) {
  test(`-m32 ${flags.join(' ')}: light and full cores decided, and both run`, () =>
    inScratch('i386-light', async (out, env) => {
      const object = path.join(out, 'light.o');
      const { result, paths } = await iccxxPaths(['-m32', '-msse2', '-mfpmath=sse', ...flags, '-c', src, '-o', object], env);
      assert.is(result.exitCode, 0, String(result.stderr));
      for (const [symbol, want] of Object.entries(expected)) assert.match(paths.get(symbol) ?? 'no decision', want, symbol);
      assert.is(paths.size, Object.keys(expected).length, [...paths].join('\n'));
      // The light ones call the light trampoline of the exit this build uses.
      const light = flags.includes('-fPIC') ? '__icc_i386_sysv_light' : '__icc_i386_sysv_light_tls';
      const { stdout } = await execa('llvm-objdump', ['-r', object]);
      assert.is([...stdout.matchAll(new RegExp(`R_386_PC32\\s+${light}$`, 'gm'))].length, 2, stdout);
      const exe = path.join(out, 'light');
      await iccOk(['-m32', ...flags, object, '-o', exe], { env });
      const r = await run(exe);
      assert.is(String(r.stdout), '77.5 12\n', String(r.stderr));
    }));
}

test.run();
