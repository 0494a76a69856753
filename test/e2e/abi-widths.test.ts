// Arguments of every register class survive an interceptor whose core
// clobbers every caller-saved register, at each vector width, with the width
// chosen from real CPUID answers: natively and under qemu-user CPU models.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { WIDTH_NAMES, fixtures, hostWidth, iccOk, requireTool, scratch } from '../helpers.js';

const test = suite('abi-widths');
const dir = path.join(fixtures, 'args');
const { dir: out, cleanup } = scratch('abi');
const baseline = path.join(out, 'args-sse');
const avx2 = path.join(out, 'args-avx2');

async function build(exe: string, flags: string[]): Promise<void> {
  await iccOk(['-O2', ...flags, path.join(dir, 'main.cpp'), path.join(dir, 'callee.cpp'), '-o', exe]);
}

function checkRun(r: { stdout: unknown; exitCode?: number }, width: string, checks: number): void {
  const text = String(r.stdout);
  assert.not.match(text, /FAIL/);
  assert.is((text.match(/^ok /gm) ?? []).length, checks, text);
  assert.match(text, new RegExp(`^width ${width}$`, 'm'));
  assert.is(r.exitCode, 0);
}

// Built once, on first use inside a test: uvu reports a failing before-hook as a pass.
let built: Promise<void> | undefined;
const ready = (): Promise<void> => (built ??= Promise.all([build(baseline, []), build(avx2, ['-mavx2'])]).then(() => undefined));
test.after(() => cleanup());

test('natively: the width matches this CPU', async () => {
  await ready();
  checkRun(await execa(baseline, { reject: false }), WIDTH_NAMES[hostWidth], 3);
  if (hostWidth > 1) checkRun(await execa(avx2, { reject: false }), WIDTH_NAMES[hostWidth], 4);
});

test('qemu -cpu Nehalem: SSE only', async () => {
  if (!(await requireTool('qemu-x86_64'))) return;
  await ready();
  checkRun(await execa('qemu-x86_64', ['-cpu', 'Nehalem', baseline], { reject: false }), 'sse', 3);
});

test('qemu -cpu Haswell: AVX2, no AVX-512', async () => {
  if (!(await requireTool('qemu-x86_64'))) return;
  await ready();
  checkRun(await execa('qemu-x86_64', ['-cpu', 'Haswell', baseline], { reject: false }), 'avx', 3);
  checkRun(await execa('qemu-x86_64', ['-cpu', 'Haswell', avx2], { reject: false }), 'avx', 4);
});

test.run();
