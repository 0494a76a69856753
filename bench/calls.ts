// npm run bench: builds bench/calls.cpp with icc++ and prints ns per call,
// the ratios issue 3 sets targets for, and the code each interceptor adds:
// the interceptor the issue names (its core returns a cached pointer: the light
// trampoline) and a lazy loader (the full trampoline, at every width).
// A script that prints figures, not a test: these machines are shared and noisy,
// so every figure is the best of several repetitions in one process.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const icc = path.join(root, 'bin', 'icc++');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-'));
  try {
    const exe = path.join(dir, 'calls');
    const obj = path.join(dir, 'calls.o');
    await execa(icc, ['-O2', '-c', path.join(root, 'bench', 'calls.cpp'), '-o', obj], { stdio: 'inherit' });
    await execa(icc, [obj, '-o', exe], { stdio: 'inherit' });
    const { stdout } = await execa(exe, process.argv.slice(2));
    const figures = new Map(stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    const num = (k: string): number => Number(figures.get(k));
    const indirect = num('indirect');
    console.log(`command: npm run bench   (bench/calls.cpp, icc++ -O2, best of 7 x 20M calls, one process)`);
    console.log(`host vector width: ${figures.get('native-width')}`);
    console.log(`direct call              ${num('direct').toFixed(2)} ns`);
    console.log(`plain indirect call      ${indirect.toFixed(2)} ns`);
    const widths = ['sse', 'avx', 'avx512'].filter((w) => figures.has(`intercepted-${w}`));
    const target = (w: string): string => (w === 'avx512' ? '4.0' : '3.0');
    console.log('interceptor whose core returns a cached pointer (light trampoline: no saves), with the width set to');
    for (const w of widths) {
      const ns = num(`light-${w}`);
      console.log(`  ${w.padEnd(22)} ${ns.toFixed(2)} ns   ratio to indirect ${(ns / indirect).toFixed(2)} (target <= ${target(w)})`);
    }
    console.log('lazy loader, cached after the first call (full trampoline: argument registers saved at the width)');
    for (const w of widths) {
      const ns = num(`intercepted-${w}`);
      console.log(`  ${w.padEnd(22)} ${ns.toFixed(2)} ns   ratio to indirect ${(ns / indirect).toFixed(2)}`);
    }
    const naive = num('naive-cpuid');
    const slowest = (kind: string): number => Math.max(...widths.map((w) => num(`${kind}-${w}`)));
    console.log(`per-call-CPUID design    ${naive.toFixed(0)} ns   the cached-pointer interceptor is ${(naive / slowest('light')).toFixed(0)}x faster (target >= 500x), ` +
      `the lazy loader ${(naive / slowest('intercepted')).toFixed(0)}x`);
    const sizes = await symbolSizes(obj);
    console.log(`code per intercepted symbol: ${sizes.stub} bytes (stub; target <= 16), plus per object one shared full trampoline of ` +
      `${sizes.trampoline} bytes and one light trampoline of ${sizes.light} bytes; the body compiled as a light core adds ${sizes.lightCore} bytes here`);
  } finally {
    fs.removeSync(dir);
  }
}

async function symbolSizes(obj: string): Promise<{ stub: number; trampoline: number; light: number; lightCore: number }> {
  const { stdout } = await execa('llvm-nm', ['-S', obj]);
  const size = (name: string): number => {
    const line = stdout.split('\n').find((l) => l.trim().endsWith(` ${name}`));
    return line ? parseInt(line.trim().split(/\s+/)[1], 16) : NaN;
  };
  return { stub: size('_Z4Hookll'), trampoline: size('__icc_sysv_trampoline'), light: size('__icc_sysv_light'), lightCore: size('__icc_light.0') };
}

await main();
