// The i386 trampoline macros (asm/i386-*.S) used by hand, as the rewriter
// would use them (test/fixtures/i386/macros.cpp): every 32-bit convention
// reaches its target intact through one interceptor, natively (this x86-64
// kernel runs 32-bit programs) and under qemu-i386 at the SSE and AVX widths.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, hostWidth, requireTool, root, run, scratch } from '../helpers.js';

const test = suite('i386-macros');
const src = path.join(fixtures, 'i386', 'macros.cpp');
const nullReport = "icc++: interceptor '_Z6Loggerv' returned a null target\n";

/** `exit`: how the trampoline reaches the target (asm/i386-common.S): tls for executables, ret for shared objects. */
async function build(out: string, name: string, flags: string[], exit: 'tls' | 'ret'): Promise<string> {
  const exe = path.join(out, name);
  const cet = flags.includes('-fcf-protection') ? '1' : '0';
  const r = await execa('clang++', ['-m32', '-Wno-cast-calling-convention', `-DASM_DIR="${path.join(root, 'asm')}"`, `-DCET="${cet}"`, `-DEXIT="${exit}"`, ...flags, src, '-o', exe], { reject: false });
  assert.is(r.exitCode, 0, String(r.stderr));
  return exe;
}

// The fixture adds an __m256 case when compiled with AVX and an __m512 one with AVX-512.
const calls = (flags: readonly string[]): number => (flags.includes('-mavx512f') ? 16 : flags.includes('-mavx2') ? 15 : 14);
const hostFlags = hostWidth === 3 ? '-mavx512f' : hostWidth === 2 ? '-mavx2' : '-msse2';
const rows: [string[], 'tls' | 'ret'][] = [
  [['-O0', '-msse2'], 'tls'],
  [['-O2', hostFlags], 'tls'],
  [['-O2', hostFlags], 'ret'],
  [['-O2', '-fPIC', '-pie', hostFlags], 'ret'],
  [['-O2', '-fPIE', '-pie', '-msse2'], 'tls'],
  [['-O2', '-fcf-protection', '-msse2'], 'tls'],
];
for (const [flags, exit] of rows) {
  test(`every convention through one trampoline, natively, ${flags.join(' ')}, exit ${exit}`, async () => {
    const { dir, cleanup } = scratch('i386');
    try {
      const r = await run(await build(dir, 'macros', flags, exit));
      assert.is(String(r.stdout), `width ${hostWidth} calls ${calls(flags)} fails 0\n`);
      assert.is(String(r.stderr), nullReport);
      assert.is(r.signal, 'SIGABRT');
    } finally {
      cleanup();
    }
  });
}

for (const [cpu, width, flags] of [['Nehalem', 1, '-msse2'], ['Haswell', 2, '-mavx2']] as const) {
  test(`qemu-i386 -cpu ${cpu}: the trampoline picks width ${width}`, async () => {
    if (!(await requireTool('qemu-i386'))) return;
    const { dir, cleanup } = scratch('i386');
    try {
      const exe = await build(dir, 'macros', ['-O2', flags], 'tls');
      const r = await execa('qemu-i386', ['-cpu', cpu, exe], { reject: false, stripFinalNewline: false });
      assert.is(String(r.stdout), `width ${width} calls ${calls([flags])} fails 0\n`);
      assert.match(String(r.stderr), nullReport);
    } finally {
      cleanup();
    }
  });
}

test.run();
