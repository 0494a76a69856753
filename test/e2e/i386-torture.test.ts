// ABI torture for 32-bit x86 Linux: 200 seeded random signatures for each of
// cdecl (with variadic tails), stdcall, fastcall, thiscall, vectorcall and
// regparm(3) (test/abi/i386.ts), called directly and through interceptors whose
// cores clobber eax ecx edx and every vector register, compared bit for bit;
// natively (this x86-64 kernel runs 32-bit programs) and under qemu-i386 CPU
// models, with the width the trampoline chose checked. Every third core calls
// nothing and touches no vector register: those (and only those) take the
// light trampoline, which saves no vector register. ICC_ABI_SEED=<n> tries another seed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { generateI386, I386_FLAGS, type I386Variant } from '../abi/i386.js';
import { cpuFlags, hostWidth, iccxx, iccxxPaths, requireTool, scratch } from '../helpers.js';

const test = suite('i386-torture');
const SEED = process.env.ICC_ABI_SEED ? Number(process.env.ICC_ABI_SEED) >>> 0 : 0x1cc5eed;
const PER_CONVENTION = 200;
const { dir: out, cleanup } = scratch('i386-torture');

/** callee.cpp with plain clang++, main.cpp with icc++, both -O2; the executable and the signature count. */
async function build(variant: I386Variant): Promise<{ exe: string; count: number }> {
  const dir = path.join(out, variant);
  mkdirSync(dir);
  const t = generateI386(SEED, variant, PER_CONVENTION);
  writeFileSync(path.join(dir, 'callee.cpp'), t.callee);
  writeFileSync(path.join(dir, 'main.cpp'), t.main);
  const flags = ['-O2', '-w', ...I386_FLAGS[variant]];
  const file = (f: string): string => path.join(dir, f);
  const [callee, { result: main, paths }] = await Promise.all([
    execa('clang++', [...flags, '-c', file('callee.cpp'), '-o', file('callee.o')], { reject: false }),
    iccxxPaths([...flags, '-c', file('main.cpp'), '-o', file('main.o')]),
  ]);
  assert.is(callee.exitCode, 0, String(callee.stderr).slice(0, 3000));
  assert.is(main.exitCode, 0, String(main.stderr).slice(0, 3000));
  // The light cores, and only they, take the light path.
  const light = new Set(t.light);
  assert.ok(light.size > 50, `${light.size} light cores`);
  assert.is(paths.size, t.count, `a decision per interceptor (${variant})`);
  for (const [symbol, decided] of paths) {
    if (light.has(symbol)) assert.is(decided, 'light path', `${variant}: ${symbol}`);
    else assert.match(decided, /^full path: an SSE or MMX instruction|^full path: a VEX/, `${variant}: ${symbol}`);
  }
  assert.is([...paths.values()].filter((d) => d === 'light path').length, light.size, variant);
  const link = await iccxx([...flags, file('main.o'), file('callee.o'), '-o', file('torture')]);
  assert.is(link.exitCode, 0, String(link.stderr).slice(0, 3000));
  return { exe: file('torture'), count: t.count };
}

const builds = new Map<I386Variant, Promise<{ exe: string; count: number }>>();
const built = (v: I386Variant): Promise<{ exe: string; count: number }> => builds.get(v) ?? builds.set(v, build(v)).get(v)!;

function check(r: Result, count: number, width: number, where: string): void {
  const text = String(r.stdout);
  const context = `${where}, seed 0x${SEED.toString(16)}`;
  const summary = /^summary: .* signatures=(\d+) failing=(\d+) mismatches=(\d+) cores=(\d+)$/m.exec(text);
  assert.ok(summary, `${context}: no summary (exit ${r.exitCode}, signal ${r.signal})\n${text.slice(-2000)}`);
  const [, signatures, failing, mismatches, cores] = summary.map(Number);
  assert.is(mismatches, 0, `${context}: ${mismatches} mismatches in ${failing} signatures\n${text.split('\n').filter((l) => l.startsWith('MISMATCH')).slice(0, 12).join('\n')}`);
  assert.is(signatures, count, context);
  assert.is(cores, count, `${context}: every interceptor's core runs once per call`);
  assert.match(text, new RegExp(`^width ${width}$`, 'm'), `${context}: the trampoline chose another vector width`);
  assert.is(r.exitCode, 0, context);
}

test.after(() => cleanup());

test(`natively, SSE build: ${PER_CONVENTION} signatures per convention (width ${hostWidth} on this CPU)`, async () => {
  const { exe, count } = await built('sse');
  check(await execa(exe, { reject: false }), count, hostWidth, 'native');
});

test('natively, AVX build (-mavx2: __m256 arguments for cdecl and vectorcall)', async () => {
  const { exe, count } = await built('avx');
  if (!cpuFlags.has('avx2')) return console.log('  (skipped running the AVX build: this CPU has no avx2; it was compiled)');
  check(await execa(exe, { reject: false }), count, hostWidth, 'native');
});

test('qemu-i386 -cpu Nehalem (width 1) and -cpu Haswell (width 2, SSE and AVX builds)', async () => {
  if (!(await requireTool('qemu-i386'))) return;
  const sse = await built('sse');
  check(await execa('qemu-i386', ['-cpu', 'Nehalem', sse.exe], { reject: false }), sse.count, 1, 'qemu-i386 -cpu Nehalem');
  check(await execa('qemu-i386', ['-cpu', 'Haswell', sse.exe], { reject: false }), sse.count, 2, 'qemu-i386 -cpu Haswell');
  const avx = await built('avx');
  check(await execa('qemu-i386', ['-cpu', 'Haswell', avx.exe], { reject: false }), avx.count, 2, 'qemu-i386 -cpu Haswell, AVX build');
});

test.run();
