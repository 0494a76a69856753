// Every interceptor form of issue 2, built by icc++ and run, under the
// optimisation and code-generation modes users build with, for each target
// (x86-64 natively, 32-bit x86 Linux natively, AArch64 Linux under qemu-aarch64).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { fixtures, iccxx, run, scratch, iccOk, qemuAarch64, requireAarch64 } from '../helpers.js';

const test = suite('forms');
const dir = path.join(fixtures, 'forms');
const sources = ['main.cpp', 'a.cpp', 'b.cpp', 'targets.cpp'].map((f) => path.join(dir, f));

const modes: [string, string[]][] = [
  ['-O0', ['-O0']],
  ['-O2', ['-O2']],
  ['-O2 PIE', ['-O2', '-fPIE', '-pie']],
  ['-O1 -g', ['-O1', '-g']],
  ['-O2 -flto (lld)', ['-O2', '-flto', '-fuse-ld=lld']],
  ['-O2 -fcf-protection', ['-O2', '-fcf-protection=full']],
];

/** A target the forms are built for: its flags, how its programs run, and its modes besides the common ones. */
interface Target {
  /** Appended to the test names ('' for the host). */
  suffix: string;
  flags: string[];
  available: () => Promise<boolean>;
  run: (exe: string, env?: Record<string, string>) => Promise<Result>;
  modes: [string, string[]][];
}
const targets: Target[] = [
  { suffix: '', flags: [], available: async () => true, run: (exe, env) => run(exe, [], { env }), modes },
  // 32-bit programs run on this x86-64 kernel (Debian's multilib: scripts/setup).
  { suffix: ' (-m32)', flags: ['-m32', '-msse2'], available: async () => true, run: (exe, env) => run(exe, [], { env }), modes },
  {
    suffix: ' (aarch64-linux-gnu, qemu)',
    flags: ['--target=aarch64-linux-gnu'],
    available: requireAarch64,
    run: (exe, env) => execa('qemu-aarch64', qemuAarch64('max', exe), { reject: false, env, stripFinalNewline: false }),
    modes: [...modes.filter(([n]) => !n.includes('cf-protection')), ['-O2 -mbranch-protection=standard', ['-O2', '-mbranch-protection=standard']]],
  },
];

for (const target of targets) for (const [name, flags] of target.modes) {
  test(`all forms work at ${name}${target.suffix}`, async () => {
    if (!(await target.available())) return;
    const { dir: out, cleanup } = scratch('forms');
    try {
      const exe = path.join(out, 'forms');
      const built = await iccxx(['-std=c++17', ...target.flags, ...flags, ...sources, '-o', exe, '-ldl', '-rdynamic']);
      assert.is(built.stderr, '', 'no diagnostics');
      assert.is(built.exitCode, 0);
      const r = await target.run(exe);
      assert.not.match(String(r.stdout), /FAIL/);
      assert.match(String(r.stdout), /ALL OK/);
      assert.is(r.exitCode, 0);
      // Several paths: the environment picks the other target.
      const negated = await target.run(exe, { ICC_TEST_NEGATE: '1' });
      assert.match(String(negated.stdout), /FAIL Choose\(8, 9\): got -8 want 17/);
    } finally {
      cleanup();
    }
  });
}

test('separate -c compiles link into the same program', async () => {
  const { dir: out, cleanup } = scratch('forms-c');
  try {
    const objects: string[] = [];
    for (const src of sources) {
      const obj = path.join(out, path.basename(src, '.cpp') + '.o');
      const r = await iccxx(['-std=c++17', '-O2', '-c', src, '-o', obj]);
      assert.is(r.exitCode, 0, String(r.stderr));
      objects.push(obj);
    }
    const exe = path.join(out, 'forms');
    await iccOk([...objects, '-o', exe, '-ldl', '-rdynamic']);
    const r = await run(exe);
    assert.match(String(r.stdout), /ALL OK/);
  } finally {
    cleanup();
  }
});

for (const target of targets) test(`interceptors in a -fPIC shared library called from a program${target.suffix}`, async () => {
  if (!(await target.available())) return;
  const { dir: out, cleanup } = scratch('forms-so');
  try {
    const lib = path.join(out, 'libforms.so');
    await iccOk([...target.flags, '-O2', '-fPIC', '-shared', path.join(dir, 'a.cpp'), path.join(dir, 'b.cpp'), path.join(dir, 'targets.cpp'), '-o', lib]);
    const exe = path.join(out, 'main');
    const main = path.join(out, 'main.cpp');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(main, '#include "hooks.h"\n#include <cstdio>\nint main() { std::printf("%d %d\\n", call_from_a(1), call_from_b(1)); }\n');
    const built = await iccxx([...target.flags, '-O2', `-I${dir}`, main, '-o', exe, `-L${out}`, '-lforms', `-Wl,-rpath,${out}`]);
    assert.is(built.exitCode, 0, String(built.stderr));
    const r = await target.run(exe);
    assert.is(String(r.stdout), 'InlineHook\nInlineHook\n2 3\n');
  } finally {
    cleanup();
  }
});

test.run();
