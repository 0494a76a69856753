// ABI torture: hundreds of random signatures (every psABI class, stack
// arguments, varargs with AL, sret returns, 128/256/512-bit vectors) called
// directly and through interceptors whose cores clobber every caller-saved
// register, compared bit for bit; at each vector width, natively and under
// qemu-user CPU models; and through interceptors declared with the callee's
// signature whose bodies read every parameter and variadic argument, which
// must be what the callee receives (System V, and Microsoft x64: ms_abi on
// Linux and a mingw-w64 program under wine). Sources come from test/abi/generate.ts, seeded:
// ICC_ABI_SEED=<n> tries another seed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { generate, VARIANT_FLAGS, type CoreKind, type Torture, type Variant } from '../abi/generate.js';
import { cpuFlags, hostWidth, iccxx, iccxxPaths, mingwFlags, qemuAarch64, requireAarch64, requireTool, scratch } from '../helpers.js';

const test = suite('abi-torture');
const SEED = process.env.ICC_ABI_SEED ? Number(process.env.ICC_ABI_SEED) >>> 0 : 0x1cc5eed;
const COUNT = 200;
const clang = process.env.ICC_CLANG ?? 'clang++';
const { dir: out, cleanup } = scratch('abi-torture');
const reproduce = (b: Build): string =>
  `seed 0x${SEED.toString(16)}, ${b.variant} ${b.opt}; reproduce: ICC_ABI_SEED=0x${SEED.toString(16)} npx uvu dist/test/e2e abi-torture, ` +
  `or node dist/test/abi/write.js 0x${SEED.toString(16)} ${b.variant} <dir> ${COUNT} ${kind(b)} (prints the build commands)`;

interface Build {
  variant: Variant;
  opt: '-O0' | '-O2';
  /** Cores that call nothing and use only integer registers: every stub must take the light trampoline. */
  light?: boolean;
  /** Interceptors declared with the callee's signature whose bodies read every argument (the replay path). */
  params?: boolean;
}
const kind = (b: Build): CoreKind => (b.light ? 'light' : b.params ? 'params' : 'clobbering');
const BUILDS = {
  sseO2: { variant: 'sse', opt: '-O2' },
  sseO0: { variant: 'sse', opt: '-O0' },
  avx: { variant: 'avx', opt: '-O2' },
  avx512: { variant: 'avx512', opt: '-O2' },
  lightO2: { variant: 'sse', opt: '-O2', light: true },
  lightO0: { variant: 'sse', opt: '-O0', light: true },
  lightAvx: { variant: 'avx', opt: '-O2', light: true },
  lightAvx512: { variant: 'avx512', opt: '-O2', light: true },
  aarch64O2: { variant: 'aarch64', opt: '-O2' },
  aarch64O0: { variant: 'aarch64', opt: '-O0' },
  aarch64LightO2: { variant: 'aarch64', opt: '-O2', light: true },
  aarch64LightO0: { variant: 'aarch64', opt: '-O0', light: true },
  sveO2: { variant: 'sve', opt: '-O2' },
  sveO0: { variant: 'sve', opt: '-O0' },
  paramsO2: { variant: 'sse', opt: '-O2', params: true },
  paramsO0: { variant: 'sse', opt: '-O0', params: true },
  paramsAvx: { variant: 'avx', opt: '-O2', params: true },
  paramsAvx512: { variant: 'avx512', opt: '-O0', params: true },
  // Microsoft x64: ms_abi interceptors and callees on Linux, and a Windows program run under wine.
  msO2: { variant: 'ms', opt: '-O2', params: true },
  msO0: { variant: 'ms', opt: '-O0', params: true },
  msAvx512: { variant: 'ms-avx512', opt: '-O2', params: true },
  mingwO2: { variant: 'mingw', opt: '-O2', params: true },
  mingwO0: { variant: 'mingw', opt: '-O0', params: true },
  vectorcallO2: { variant: 'vectorcall', opt: '-O2', params: true },
  vectorcallO0: { variant: 'vectorcall', opt: '-O0', params: true },
} satisfies Record<string, Build>;
type BuildName = keyof typeof BUILDS;


/** Runs at most `n` jobs at once (the suite must stay quick on 2 cores). */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next(); // hand the slot over
      else active--;
    }
  };
}
const limit = limiter(Math.max(2, os.availableParallelism()));

const sources = new Map<string, Torture>();
const generated = (b: Build): Torture => {
  const key = `${b.variant} ${kind(b)}`;
  return sources.get(key) ?? sources.set(key, generate(SEED, b.variant, COUNT, kind(b))).get(key)!;
};

/** Builds one variant: callee.cpp with plain clang++, main.cpp with icc++; the executable or the failure. */
async function build(name: BuildName): Promise<{ exe: string } | { error: string }> {
  const b: Build = BUILDS[name];
  const dir = path.join(out, name);
  mkdirSync(dir);
  const t = generated(b);
  writeFileSync(path.join(dir, 'callee.cpp'), t.callee);
  writeFileSync(path.join(dir, 'main.cpp'), t.main);
  const windows = b.variant === 'mingw' || b.variant === 'vectorcall';
  const flags = [b.opt, ...VARIANT_FLAGS[b.variant], ...(windows ? mingwFlags('lld') : [])];
  const file = (f: string): string => path.join(dir, f);
  const failed = (what: string, r: Result): string => `${what} failed (exit ${r.exitCode}, ${reproduce(b)}):\n${String(r.stderr).slice(0, 4000)}`;
  const [callee, main] = await Promise.all([
    limit(() => execa(clang, [...flags, '-c', file('callee.cpp'), '-o', file('callee.o')], { reject: false })),
    limit(() => iccxxPaths([...flags, '-c', file('main.cpp'), '-o', file('main.o')])),
  ]);
  if (callee.exitCode !== 0) return { error: failed(`${clang} callee.cpp`, callee) };
  if (main.result.exitCode !== 0) return { error: failed('icc++ -c main.cpp', main.result) };
  const light = [...main.paths.values()].filter((p) => p === 'light path').length;
  if (light !== (b.light ? COUNT : 0)) return { error: `${light} of ${COUNT} stubs take the light path (${reproduce(b)})` };
  const exe = file(windows ? 'torture.exe' : 'torture');
  const link = await limit(() => iccxx([...flags, file('main.o'), file('callee.o'), '-o', exe]));
  if (link.exitCode !== 0) return { error: failed('icc++ (link)', link) };
  return { exe };
}

// Every build starts on first use, inside a test (uvu reports a failing
// before-hook as a pass); each test awaits the one it runs.
let builds: Map<BuildName, ReturnType<typeof build>> | undefined;
async function built(name: BuildName): Promise<string> {
  builds ??= new Map((Object.keys(BUILDS) as BuildName[]).map((n) => {
    const p = build(n);
    p.catch(() => undefined); // a test that never awaits it must not crash the run
    return [n, p];
  }));
  const r = await builds.get(name)!;
  if ('error' in r) assert.unreachable(r.error);
  return (r as { exe: string }).exe;
}

/** Checks one run's report: no mismatch, every signature checked once, the expected width. */
function check(r: Result, name: BuildName, width: number, where: string): void {
  const b: Build = BUILDS[name];
  const text = String(r.stdout);
  const context = `${where}, ${reproduce(b)}`;
  const summary = /^summary: .* signatures=(\d+) failing=(\d+) mismatches=(\d+) cores=(\d+)$/m.exec(text);
  assert.ok(summary, `${context}: no summary (exit ${r.exitCode}, signal ${r.signal})\n${text.slice(-3000)}\n${String(r.stderr).slice(-2000)}`);
  const [, signatures, failing, mismatches, cores] = summary.map(Number);
  const lines = text.split('\n').filter((l) => l.startsWith('MISMATCH'));
  assert.is(mismatches, 0, `${context}: ${mismatches} mismatches in ${failing} signatures\n${lines.slice(0, 12).join('\n')}`);
  assert.is(signatures, COUNT, context);
  assert.is(cores, COUNT, `${context}: every interceptor's core runs once per call`);
  assert.match(text, new RegExp(`^width ${width}$`, 'm'), `${context}: the trampoline chose another vector width\n${text.slice(-500)}`);
  assert.is(r.exitCode, 0, context);
}

// A light build never enters the full trampoline, so it never detects a width: 0.
const expected = (name: BuildName, width: number): number => ((BUILDS[name] as Build).light ? 0 : width);
const runNative = async (name: BuildName): Promise<void> =>
  check(await execa(await built(name), { reject: false }), name, expected(name, hostWidth), 'native');
const runQemu = async (name: BuildName, cpu: string, width: number): Promise<void> =>
  check(await execa('qemu-x86_64', ['-cpu', cpu, await built(name)], { reject: false }), name, expected(name, width), `qemu-x86_64 -cpu ${cpu}`);

// AArch64: the width is what the trampoline cached, 1 without SVE, else the vector length in bytes.
const runQemuAarch64 = async (name: BuildName, cpu: string, width: number): Promise<void> =>
  check(await execa('qemu-aarch64', qemuAarch64(cpu, await built(name)), { reject: false }), name, expected(name, width), `qemu-aarch64 -cpu ${cpu}`);

// One wine prefix for the file's Windows runs (making one takes seconds); wineserver stopped before it goes.
const wineEnv = { WINEPREFIX: path.join(out, 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
let wineStarted = false;
const runWine = async (name: BuildName): Promise<void> => {
  const exe = await built(name);
  wineStarted = true;
  const r = await execa('wine', [path.basename(exe)], { cwd: path.dirname(exe), env: wineEnv, reject: false });
  check({ ...r, stdout: String(r.stdout).replace(/\r\n/g, '\n') } as Result, name, hostWidth, 'wine');
};

test.after(async () => {
  if (wineStarted) await execa('wineserver', ['-k'], { env: wineEnv, reject: false });
  cleanup();
});

test(`natively, SSE build at -O2 (width ${hostWidth} on this CPU)`, () => runNative('sseO2'));

test('natively, SSE build at -O0', () => runNative('sseO0'));

test('natively, AVX build (-mavx2: __m256 arguments in ymm)', async () => {
  await built('avx');
  if (!cpuFlags.has('avx2')) return console.log('  (skipped running the AVX build: this CPU has no avx2; it was compiled)');
  await runNative('avx');
});

test('natively, AVX-512 build (-mavx512f: __m512 arguments in zmm)', async () => {
  await built('avx512');
  if (!cpuFlags.has('avx512f')) return console.log('  (skipped running the AVX-512 build: this CPU has no avx512f; it was compiled)');
  await runNative('avx512');
});

test('qemu -cpu Nehalem: SSE builds, width 1', async () => {
  if (!(await requireTool('qemu-x86_64'))) return;
  await runQemu('sseO2', 'Nehalem', 1);
  await runQemu('sseO0', 'Nehalem', 1);
});

test('qemu -cpu Haswell: SSE and AVX builds, width 2 (qemu 7.2 has no AVX-512)', async () => {
  if (!(await requireTool('qemu-x86_64'))) return;
  await runQemu('sseO2', 'Haswell', 2);
  await runQemu('sseO0', 'Haswell', 2);
  await runQemu('avx', 'Haswell', 2);
});

test('light trampoline: cores that call nothing (no saves at all), SSE -O2 and -O0, AVX and AVX-512 builds, natively', async () => {
  await runNative('lightO2');
  await runNative('lightO0');
  await built('lightAvx');
  await built('lightAvx512');
  if (cpuFlags.has('avx2')) await runNative('lightAvx');
  else console.log('  (skipped running the light AVX build: this CPU has no avx2; it was compiled)');
  if (cpuFlags.has('avx512f')) await runNative('lightAvx512');
  else console.log('  (skipped running the light AVX-512 build: this CPU has no avx512f; it was compiled)');
});

test('light trampoline under qemu -cpu Nehalem (SSE) and Haswell (AVX2)', async () => {
  if (!(await requireTool('qemu-x86_64'))) return;
  await runQemu('lightO2', 'Nehalem', 1);
  await runQemu('lightO0', 'Nehalem', 1);
  await runQemu('lightO2', 'Haswell', 2);
  await runQemu('lightAvx', 'Haswell', 2);
});

test('AArch64 under qemu-aarch64 -cpu cortex-a57 (NEON, no SVE): -O2 and -O0, width 1', async () => {
  if (!(await requireAarch64())) return;
  await runQemuAarch64('aarch64O2', 'cortex-a57', 1);
  await runQemuAarch64('aarch64O0', 'cortex-a57', 1);
});

test('AArch64 under qemu-aarch64 -cpu max with SVE at 128, 256 and 512 bits: z0-z7 and p0-p3 kept, width = VL in bytes', async () => {
  if (!(await requireAarch64())) return;
  for (const vl of [16, 32, 64]) await runQemuAarch64('aarch64O2', `max,sve-default-vector-length=${vl}`, vl);
  await runQemuAarch64('aarch64O0', 'max,sve-default-vector-length=64', 64);
});

test('AArch64 SVE variant (svfloat32_t, svbool_t, tuples... beside scalars, HFAs and NEON; -march=armv8-a+sve) at VL 128, 256 and 512 bits, -O2 and -O0', async () => {
  if (!(await requireAarch64())) return;
  for (const name of ['sveO2', 'sveO0'] as const)
    for (const vl of [16, 32, 64]) await runQemuAarch64(name, `max,sve-default-vector-length=${vl}`, vl);
});

test('AArch64 light trampoline (x0-x8 only): every core passes the object check, -O2 and -O0, without and with SVE', async () => {
  if (!(await requireAarch64())) return;
  for (const name of ['aarch64LightO2', 'aarch64LightO0'] as const) {
    await runQemuAarch64(name, 'cortex-a57', 1);
    await runQemuAarch64(name, 'max,sve-default-vector-length=64', 64);
  }
});

test('parameter-reading interceptors: each body reads what the callee receives, SSE -O2 and -O0, AVX -O2 and AVX-512 -O0 builds, natively', async () => {
  await runNative('paramsO2');
  await runNative('paramsO0');
  await built('paramsAvx');
  await built('paramsAvx512');
  if (cpuFlags.has('avx2')) await runNative('paramsAvx');
  else console.log('  (skipped running the parameter-reading AVX build: this CPU has no avx2; it was compiled)');
  if (cpuFlags.has('avx512f')) await runNative('paramsAvx512');
  else console.log('  (skipped running the parameter-reading AVX-512 build: this CPU has no avx512f; it was compiled)');
});

test('parameter-reading interceptors under qemu -cpu Nehalem (SSE) and Haswell (AVX2)', async () => {
  if (!(await requireTool('qemu-x86_64'))) return;
  await runQemu('paramsO2', 'Nehalem', 1);
  await runQemu('paramsO0', 'Haswell', 2);
  await runQemu('paramsAvx', 'Haswell', 2);
});

test('Microsoft x64 parameter-reading interceptors: ms_abi on Linux at -O2 and -O0, and AVX-512 (__m256/__m512 by reference), natively', async () => {
  await runNative('msO2');
  await runNative('msO0');
  await built('msAvx512');
  if (cpuFlags.has('avx512f')) await runNative('msAvx512');
  else console.log('  (skipped running the ms_abi AVX-512 build: this CPU has no avx512f; it was compiled)');
});

test('Microsoft x64 parameter-reading interceptors: a Windows program under wine (one process, 200 signatures) at -O2 and -O0', async () => {
  for (const tool of ['wine', 'x86_64-w64-mingw32-g++', 'ld.lld']) if (!(await requireTool(tool))) return;
  await runWine('mingwO2');
  await runWine('mingwO0');
});

test('__vectorcall parameter-reading interceptors (floats, vectors and HVAs in xmm0-5) under wine at -O2 and -O0', async () => {
  for (const tool of ['wine', 'x86_64-w64-mingw32-g++', 'ld.lld']) if (!(await requireTool(tool))) return;
  await runWine('vectorcallO2');
  await runWine('vectorcallO0');
});

test.run();

