// npm run bench:shim: (a) a generated 5,000-function --count shim compiled by
// icc++ -O2 against the same file with ordinary forwarding functions compiled
// by clang++ (time ratio, and bytes of code per interceptor beyond its body);
// (b) one program calling a library function 100,000 times, bare and under
// ltrace -c, uftrace and icc-shim --count / --log (ns per call). Prints figures.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateShim } from '../lib/shim/generate.js';

const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const icc = path.join(root, 'bin', 'icc++');
const shimBin = path.join(root, 'bin', 'icc-shim');
const N = 5000;
const CALLS = 100000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-shim-'));

async function timed(cmd: string, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await execa(cmd, args, { cwd: dir });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Bytes of code (executable sections) in an object, and the sizes of its symbols by name. */
async function codeOf(obj: string): Promise<{ code: number; symbols: Map<string, number> }> {
  const sections = String((await execa('llvm-readelf', ['-S', '--wide', obj])).stdout);
  let code = 0;
  for (const m of sections.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+PROGBITS\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(\S*X\S*)/gm)) code += parseInt(m[2], 16);
  const symbols = new Map<string, number>();
  for (const line of String((await execa('llvm-nm', ['-S', '--defined-only', obj])).stdout).split('\n')) {
    const m = /^\S+ (\S+) \w (\S+)$/.exec(line);
    if (m) symbols.set(m[2], parseInt(m[1], 16));
  }
  return { code, symbols };
}

async function compileBench(): Promise<void> {
  const names = Array.from({ length: N }, (_, i) => `lib_function_${i}`);
  const text = generateShim({ mode: 'count', library: '/usr/lib/libexample.so', out: '', functions: names });
  const plain = text.replace(/^extern "C" \[\[interceptor\]\] void (\w+)\(void\) \{ goto -> (.*); \}$/gm, 'extern "C" void $1(void) { reinterpret_cast<void (*)(void)>($2)(); }');
  fs.writeFileSync(path.join(dir, 'shim.cpp'), text);
  fs.writeFileSync(path.join(dir, 'plain.cpp'), plain);
  const inc = `-I${path.join(root, 'shim')}`;
  let best = { icc: Infinity, clang: Infinity };
  for (let rep = 0; rep < 2; rep++) {
    best.icc = Math.min(best.icc, await timed(icc, ['-O2', '-fPIC', inc, '-c', 'shim.cpp', '-o', 'shim.o']));
    best.clang = Math.min(best.clang, await timed('clang++', ['-O2', '-fPIC', inc, '-c', 'plain.cpp', '-o', 'plain.o']));
  }
  console.log(`(a) ${N} functions, -O2 -fPIC -c, best of 2: icc++ ${(best.icc / 1000).toFixed(2)} s, clang++ with forwarding functions ${(best.clang / 1000).toFixed(2)} s: ratio ${(best.icc / best.clang).toFixed(2)}x (target <= 1.5x)`);

  const shim = await codeOf(path.join(dir, 'shim.o'));
  const plainCode = await codeOf(path.join(dir, 'plain.o'));
  const sum = (pred: (n: string) => boolean, m: Map<string, number>) => [...m].filter(([n]) => pred(n)).reduce((s, [, v]) => s + v, 0);
  const cores = sum((n) => /__core_icc_shim_f\d+/.test(n), shim.symbols);
  const light = sum((n) => /^__icc_light\.\d+$/.test(n), shim.symbols);
  const shared = sum((n) => /^__icc_(sysv_trampoline|sysv_light|null_target)$|write_stderr|__clang_call_terminate/.test(n), shim.symbols);
  const perFunction = (shim.code - shared) / N;
  // All of them take the light path: the light core is the body that runs; the full core is kept beside it.
  const body = light / N;
  console.log(`    code per interceptor: ${perFunction.toFixed(1)} bytes (light core, the body that runs: ${body.toFixed(1)}; full core kept: ${(cores / N).toFixed(1)}; ` +
    `stub and padding: ${(perFunction - body - cores / N).toFixed(1)}); beyond its body: ${(perFunction - body).toFixed(1)} bytes (target <= 48); ` +
    `clang++'s forwarding function: ${(plainCode.code / N).toFixed(1)} bytes`);
}

async function loopNs(program: string, env: Record<string, string> = {}, wrapper: string[] = []): Promise<number> {
  let best = Infinity;
  for (let rep = 0; rep < (wrapper[0] === 'ltrace' ? 1 : 5); rep++) {
    const [cmd, ...args] = wrapper.length ? [...wrapper, program] : [program];
    const r = await execa(cmd, args, { cwd: dir, env, reject: false });
    const m = /^(\d+) -?\d+$/m.exec(String(r.stdout));
    if (!m) throw new Error(`${cmd}: no timing in its output: ${String(r.stdout).slice(0, 200)} ${String(r.stderr).slice(0, 400)}`);
    best = Math.min(best, Number(m[1]));
  }
  return best / CALLS;
}

async function have(tool: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0;
}

async function callBench(): Promise<void> {
  const src = path.join(root, 'bench', 'shim');
  await execa('clang', ['-O2', '-fPIC', '-shared', path.join(src, 'benchlib.c'), '-o', 'libbench.so'], { cwd: dir });
  // -pg: uftrace traces a program built with it (only main pays for mcount, once).
  await execa('clang', ['-O2', '-pg', path.join(src, 'caller.c'), '-o', 'caller', '-L.', '-lbench', `-Wl,-rpath,${dir}`], { cwd: dir });
  await execa(shimBin, ['libbench.so', '-o', 'count.so'], { cwd: dir });
  await execa(shimBin, ['libbench.so', '--log', '--out', path.join(dir, 'calls.log'), '-o', 'log.so'], { cwd: dir });
  const caller = path.join(dir, 'caller');
  const bare = await loopNs(caller);
  const rows: [string, number | string][] = [['bare call', bare]];
  rows.push(['icc-shim --count', await loopNs(caller, { LD_PRELOAD: path.join(dir, 'count.so'), ICC_SHIM_OUT: '/dev/null' })]);
  rows.push(['icc-shim --log (buffered)', await loopNs(caller, { LD_PRELOAD: path.join(dir, 'log.so') })]);
  rows.push(['uftrace record', (await have('uftrace')) ? await loopNs(caller, {}, ['uftrace', 'record', '-d', path.join(dir, 'uftrace.data')]) : 'not installed']);
  rows.push(['ltrace -c', (await have('ltrace')) ? await loopNs(caller, {}, ['ltrace', '-c', '-o', path.join(dir, 'ltrace.txt')]) : 'not installed']);
  console.log(`(b) one program calling bench_add ${CALLS.toLocaleString('en')} times, ns per call (best of 5; ltrace once), and the overhead over the bare call:`);
  for (const [name, ns] of rows)
    console.log(`    ${name.padEnd(26)} ${typeof ns === 'number' ? `${ns.toFixed(1).padStart(10)} ns   +${(ns - bare).toFixed(1)} ns` : ns}`);
  console.log('    targets: --count < 5 ns, --log < 100 ns per call');
}

try {
  await compileBench();
  await callBench();
} finally {
  fs.removeSync(dir);
}
