// npm run bench: builds bench/calls.cpp with icc++ and prints, for each way of
// hooking a function, the median over repetitions of its time divided by a
// plain indirect call's in the same repetition (with the 10th-90th percentile
// spread), at every vector width this CPU can run, and the code each
// interceptor adds. A script that prints figures, not a test.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aarch64Report } from './aarch64.js';

const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const icc = path.join(root, 'bin', 'icc++');

/** What issue 13 asks of each path (ratio to a plain indirect call). */
const targets: Record<string, string> = { light: '<= 1.6', full: '<= 3.0', lazy: '<= 2.0' };

const described: Record<string, string> = {
  'typed-wrapper': 'typed wrapper, cached pointer (the floor)',
  'typed-wrapper-2': 'the same typed wrapper at another address',
  'prehook-reference': "reference stub doing funchook's prehook",
  'prehook-nested': '  the same, its C function calling a function',
  'prehook-ms': '  the same, also keeping xmm8-15 (ms_abi callers)',
  'piece-frame': '    + 2 more pushes, rbp frame, 64-byte alignment',
  'piece-dispatch': '    + the width dispatch (SSE)',
  'piece-core': '    + core via the record, returning the target',
  'piece-stub': '    + entered through a stub: the full path',
  light: 'icc++ light (counter++; goto -> cached)',
  full: 'icc++ full, core calls a function',
  lazy: 'icc++ lazy loader (cached after 1st)',
  reader: 'icc++ body reading its 2 parameters (full+replay)',
};

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-'));
  try {
    const exe = path.join(dir, 'calls');
    const obj = path.join(dir, 'calls.o');
    await execa(icc, ['-O2', '-c', path.join(root, 'bench', 'calls.cpp'), '-o', obj], { stdio: 'inherit' });
    await execa(icc, [obj, '-o', exe], { stdio: 'inherit' });
    const { stdout } = await execa(exe, process.argv.slice(2));
    const lines = new Map(stdout.trim().split('\n').map((l) => { const [k, ...v] = l.split(' '); return [k, v] as [string, string[]]; }));
    const [plainNs, plainLo, plainHi] = lines.get('plain')!.map(Number);
    console.log(`command: npm run bench   (bench/calls.cpp, icc++ -O2; ${lines.get('calls')} calls per timing, ${lines.get('reps')} repetitions, one process)`);
    console.log(`host vector width: ${lines.get('native-width')}; plain indirect call ${plainNs.toFixed(2)} ns (${plainLo.toFixed(2)}-${plainHi.toFixed(2)})`);
    console.log('ratio to a plain indirect call timed in the same repetition: median [10th-90th percentile], median ns');
    let prehook = NaN;
    for (const [key, v] of lines) {
      const [kind, width] = key.startsWith('typed') ? [key] : key.split(/-(?=sse$|avx$|avx512$)/);
      if (!(kind in described)) continue;
      const [median, lo, hi, ns] = v.map(Number);
      if (kind === 'prehook-reference') prehook = median;
      const label = `${described[kind]}${width ? `, ${width}` : ''}`;
      const goal = targets[kind] ? `   target ${targets[kind]}` : '';
      const vsPrehook = kind === 'full' && width === 'sse' ? `; ${(median / prehook).toFixed(2)}x the reference stub (target <= 1.25)` : '';
      // Issue 12: a body that reads its parameters should cost at most the full path (a core that calls
      // a function): the median of their per-repetition ratio, with its spread.
      const [vs, vsLo, vsHi] = (kind === 'reader' ? lines.get(`reader-vs-full-${width}`) ?? [] : []).map(Number);
      const vsFull = vs ? `; ${vs.toFixed(2)} [${vsLo.toFixed(2)}-${vsHi.toFixed(2)}]x the full path (target <= 1.0)` : '';
      console.log(`  ${label.padEnd(50)} ${median.toFixed(2)} [${lo.toFixed(2)}-${hi.toFixed(2)}]  ${ns.toFixed(2)} ns${goal}${vsPrehook}${vsFull}`);
    }
    const [fMedian, fMin, fMax, fCount] = lines.get('floor-placements')!.map(Number);
    console.log(`the floor's own instructions (add, load, jmp *%rax) at ${fCount} placements 8 bytes apart: median ${fMedian.toFixed(2)}, ` +
      `fastest ${fMin.toFixed(2)}, slowest ${fMax.toFixed(2)} (each the median over the repetitions)`);
    const naive = Number(lines.get('naive-cpuid')![0]);
    console.log(`a trampoline running CPUID on every call: ${naive.toFixed(0)} ns per call`);
    const sizes = await symbolSizes(obj);
    console.log(`code per intercepted symbol: a ${sizes.stub}-byte stub (plus a 12-byte null entry with a light core), and one shared ` +
      `full trampoline of ${sizes.trampoline} bytes per object; 'Light' is its light core (${sizes.light} bytes), which the public symbol now names; ` +
      `an object with a parameter-reading interceptor also gets the ${sizes.replay}-byte replay thunk`);
    for (const line of await aarch64Report(icc)) console.log(line);
  } finally {
    fs.removeSync(dir);
  }
}

async function symbolSizes(obj: string): Promise<{ stub: number; trampoline: number; light: number; replay: number }> {
  const { stdout } = await execa('llvm-nm', ['-S', obj]);
  const size = (name: string): number => {
    const line = stdout.split('\n').find((l) => l.trim().endsWith(` ${name}`));
    return line ? parseInt(line.trim().split(/\s+/)[1], 16) : NaN;
  };
  return { stub: size('_Z4Fullll'), trampoline: size('__icc_sysv_trampoline'), light: size('_Z5Lightll'), replay: size('__icc_sysv_replay') };
}

await main();
