// npm run bench:shim: (a) a generated 5,000-function --count shim compiled by
// icc++ -O2 against the same file with ordinary forwarding functions compiled
// by clang++ (the median time ratio of interleaved pairs with its range, and bytes of code per
// interceptor beyond its body);
// (b) one program calling a library function 100,000 times, bare and under
// ltrace -c, uftrace and icc-shim --count / --log / --log with arguments (ns per call: wall
// clock, CPU time, and instructions counted by callgrind when valgrind is there). Prints figures.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateShim } from '../lib/shim/generate.js';
import { mingwFlags } from '../lib/shim/proxy.js';

const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const icc = path.join(root, 'bin', 'icc++');
const shimBin = path.join(root, 'bin', 'icc-shim');
const N = 5000;
const CALLS = 100000;
/** Interleaved icc++/clang++ compile pairs of part (a): ICC_BENCH_PAIRS, 5 unless set. */
const COMPILE_PAIRS = Number(process.env.ICC_BENCH_PAIRS ?? 5);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-shim-'));

/** CPU seconds (user + system) of this process's waited-for children and theirs, from
 *  /proc/self/stat (cutime, cstime; clock ticks of 10 ms): less at the mercy of other load
 *  on the machine than the wall clock. */
function childCpu(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Wall and CPU seconds of one command (icc++ and the clangs it runs). */
async function timed(cmd: string, args: string[]): Promise<{ wall: number; cpu: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = childCpu();
  await execa(cmd, args, { cwd: dir });
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: childCpu() - c0 };
}

/** Bytes of code in a linked shared object: its executable sections (the linker has dropped what
 *  the object marked for exclusion, and laid out each function at its alignment). */
async function linkedCode(obj: string): Promise<number> {
  const so = obj.replace(/\.o$/, '.so');
  await execa('clang++', ['-shared', '-nostdlib', obj, 'support.o', '-o', so], { cwd: dir });
  const sections = String((await execa('llvm-readelf', ['-S', '--wide', so])).stdout);
  let code = 0;
  for (const m of sections.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+PROGBITS\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(\S*X\S*)/gm)) code += parseInt(m[2], 16);
  return code;
}

function sources(n: number): { shim: string; plain: string } {
  const names = Array.from({ length: n }, (_, i) => `lib_function_${i}`);
  const shim = generateShim({ mode: 'count', library: '/usr/lib/libexample.so', out: '', functions: names });
  const plain = shim.replace(/^extern "C" \[\[interceptor\]\] void (\w+)\(void\) \{ goto -> (.*); \}$/gm, 'extern "C" void $1(void) { reinterpret_cast<void (*)(void)>($2)(); }');
  return { shim, plain };
}

/** icc++ on shim.cpp against clang++ on plain.cpp with `flags`: one untimed run of each (headers into
 *  the page cache), then interleaved pairs, each in the other order than the last. Prints the median
 *  of the per-pair ratios with their range, wall clock and CPU time. */
async function compileRatio(label: string, flags: string[], suffix = ''): Promise<void> {
  const iccArgs = ['-O2', ...flags, '-c', 'shim.cpp', '-o', `shim${suffix}.o`];
  const clangArgs = ['-O2', ...flags, '-c', 'plain.cpp', '-o', `plain${suffix}.o`];
  await timed(icc, iccArgs);
  await timed('clang++', clangArgs);
  const pairs: { icc: { wall: number; cpu: number }; clang: { wall: number; cpu: number } }[] = [];
  for (let rep = 0; rep < COMPILE_PAIRS; rep++) {
    const first = rep % 2 === 0 ? await timed(icc, iccArgs) : await timed('clang++', clangArgs);
    const second = rep % 2 === 0 ? await timed('clang++', clangArgs) : await timed(icc, iccArgs);
    pairs.push(rep % 2 === 0 ? { icc: first, clang: second } : { icc: second, clang: first });
  }
  const spread = (key: 'wall' | 'cpu'): string => {
    const ratios = pairs.map((p) => p.icc[key] / p.clang[key]);
    const secs = (who: 'icc' | 'clang'): string => `${median(pairs.map((p) => p[who][key])).toFixed(2)} s`;
    return `icc++ ${secs('icc')}, clang++ ${secs('clang')}: ${median(ratios).toFixed(2)}x [${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}]`;
  };
  console.log(`    ${label}: wall clock ${spread('wall')} (target <= 1.5x)`);
  console.log(`    ${' '.repeat(label.length)}  CPU time ${spread('cpu')} (icc++, its Node and every clang it runs)`);
}

async function compileBench(): Promise<void> {
  const { shim: text, plain } = sources(N);
  fs.writeFileSync(path.join(dir, 'shim.cpp'), text);
  fs.writeFileSync(path.join(dir, 'plain.cpp'), plain);
  const inc = `-I${path.join(root, 'shim')}`;
  console.log(`(a) ${N} functions, -O2 -c, ${COMPILE_PAIRS} interleaved pairs, medians [per-pair ratios' lowest-highest]; icc++ against clang++ with forwarding functions:`);
  await compileRatio('Linux x86-64, -fPIC', ['-fPIC', inc]);
  // The other targets' cores are full cores, each stub a file-scope asm line (lib/rewrite/emit.ts
  // emitNamed). Windows: the flags icc-shim compiles a proxy DLL with (lib/shim/proxy.ts), less the linker's.
  const others: [string, string[]][] = [
    ['Windows x86-64 (mingw-w64)', [...mingwFlags().filter((f) => !/^(-fuse-ld=|-static$|-L)/.test(f)), inc]],
    ['Linux AArch64, -fPIC', ['--target=aarch64-linux-gnu', '-fPIC', inc]],
    ['Linux i386, -m32 -fPIC', ['-m32', '-fPIC', inc]],
    // i386 COFF: named stubs only where an asm label gives the symbol, as the generated shim's do.
    ['Windows i386 (mingw-w64)', ['--target=i686-w64-mingw32', inc]],
  ];
  for (const [k, [label, flags]] of others.entries()) {
    const usable = await execa('clang++', [...flags, '-fsyntax-only', 'plain.cpp'], { cwd: dir, reject: false });
    if (usable.exitCode === 0) await compileRatio(label, flags, `-${k}`);
    else console.log(`    ${label}: not measured, the target's headers are not here`);
  }

  // What the runtime defines, reduced to empty definitions (the same in every link).
  fs.writeFileSync(path.join(dir, 'support.c'), '__thread unsigned icc_shim_pending; __thread int icc_shim_inside;\nvoid icc_shim_resolve(void) {}\nvoid *icc_shim_real(unsigned f) { return 0; }\n');
  await execa('clang', ['-O2', '-fPIC', '-c', 'support.c', '-o', 'support.o'], { cwd: dir });
  // Bytes per function: the difference between N and N/5 functions, linked, so that what every
  // object holds once (the shared trampolines, the runtime's support) cancels out.
  const small = sources(N / 5);
  fs.writeFileSync(path.join(dir, 'shim-small.cpp'), small.shim);
  fs.writeFileSync(path.join(dir, 'plain-small.cpp'), small.plain);
  await execa(icc, ['-O2', '-fPIC', inc, '-c', 'shim-small.cpp', '-o', 'shim-small.o'], { cwd: dir });
  await execa('clang++', ['-O2', '-fPIC', inc, '-c', 'plain-small.cpp', '-o', 'plain-small.o'], { cwd: dir });
  const per = async (big: string, little: string) => ((await linkedCode(path.join(dir, big))) - (await linkedCode(path.join(dir, little)))) / (N - N / 5);
  const iccBytes = await per('shim.o', 'shim-small.o');
  const plainBytes = await per('plain.o', 'plain-small.o');
  console.log(`    code per function, linked: interceptor ${iccBytes.toFixed(1)} bytes, clang++ forwarding function with the same body ${plainBytes.toFixed(1)} bytes: ` +
    `${(iccBytes - plainBytes).toFixed(1)} bytes per interceptor beyond its body (target <= 48)`);
}

/** One row of part (b), ns per call: the best wall clock, and the median CPU time
 *  of the calling thread (what the other jobs on a shared machine disturb least). */
interface Loop { wall: number; cpu: number }

async function loop(program: string, runs: number, env: Record<string, string> = {}, wrapper: string[] = [], log?: string): Promise<Loop> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let rep = 0; rep < runs; rep++) {
    if (log) fs.removeSync(log); // each run appends the same lines to a new file
    const [cmd, ...args] = wrapper.length ? [...wrapper, program] : [program];
    const r = await execa(cmd, args, { cwd: dir, env, reject: false });
    const m = /^(\d+) (\d+) -?\d+$/m.exec(String(r.stdout));
    if (!m) throw new Error(`${cmd}: no timing in its output: ${String(r.stdout).slice(0, 200)} ${String(r.stderr).slice(0, 400)}`);
    walls.push(Number(m[1]) / CALLS);
    cpus.push(Number(m[2]) / CALLS);
  }
  cpus.sort((a, b) => a - b);
  return { wall: Math.min(...walls), cpu: cpus[(cpus.length - 1) >> 1] };
}

/** Instructions per call, counted by callgrind: two runs of different lengths, so that loading,
 *  the first call's lookup and exit cancel out. (Under valgrind clock_gettime is a system call,
 *  not the vDSO's few dozen instructions.) */
async function instructionsPerCall(program: string, env: Record<string, string>): Promise<number> {
  const count = async (calls: number): Promise<number> => {
    const r = await execa('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', program, String(calls)], { cwd: dir, env, reject: false });
    const m = /I\s+refs:\s+([\d,]+)/.exec(String(r.stderr));
    if (!m) throw new Error(`callgrind: no instruction count: ${String(r.stderr).slice(-400)}`);
    return Number(m[1].replace(/,/g, ''));
  };
  return ((await count(CALLS + 20000)) - (await count(20000))) / CALLS;
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
  // --log with arguments: the prototype from a header, so each line carries `bench_add(a, b)`.
  fs.writeFileSync(path.join(dir, 'bench.h'), 'int bench_add(int a, int b);\n');
  await execa(shimBin, ['libbench.so', '--log', '--header', 'bench.h', '--out', path.join(dir, 'args.log'), '-o', 'args.so'], { cwd: dir });
  const caller = path.join(dir, 'caller');
  const RUNS = 9;
  const callsLog = path.join(dir, 'calls.log');
  const argsLog = path.join(dir, 'args.log');
  const shims: [string, Record<string, string>, string?][] = [
    ['bare call', {}],
    ['icc-shim --count', { LD_PRELOAD: path.join(dir, 'count.so'), ICC_SHIM_OUT: '/dev/null' }],
    ['icc-shim --log (buffered)', { LD_PRELOAD: path.join(dir, 'log.so') }, callsLog],
    ['icc-shim --log, arguments', { LD_PRELOAD: path.join(dir, 'args.so') }, argsLog],
  ];
  const rows: [string, Loop | string, number?][] = [];
  const counting = await have('valgrind');
  for (const [name, env, log] of shims)
    rows.push([name, await loop(caller, RUNS, env, [], log), counting ? await instructionsPerCall(caller, env) : undefined]);
  const argsLine = fs.readFileSync(argsLog, 'utf8').trimEnd().split('\n').pop();
  rows.push(['uftrace record', (await have('uftrace')) ? await loop(caller, 5, {}, ['uftrace', 'record', '-d', path.join(dir, 'uftrace.data')]) : 'not installed']);
  rows.push(['ltrace -c', (await have('ltrace')) ? await loop(caller, 1, {}, ['ltrace', '-c', '-o', path.join(dir, 'ltrace.txt')]) : 'not installed']);
  const bare = rows[0][1] as Loop;
  const bareInstr = rows[0][2];
  console.log(`(b) one program calling bench_add ${CALLS.toLocaleString('en')} times, ns per call and the overhead over the bare call: wall clock (best of ${RUNS}; ` +
    `uftrace 5, ltrace once), CPU time of the calling thread (median; the figure to trust on a loaded machine)${counting ? ', instructions (callgrind)' : ''}:`);
  for (const [name, r, instr] of rows) {
    if (typeof r === 'string') { console.log(`    ${name.padEnd(26)} ${r}`); continue; }
    // uftrace and ltrace do part of their work in another process: their CPU time here is not the whole cost.
    const inProcess = name === 'bare call' || name.startsWith('icc-shim');
    const cpu = inProcess ? `CPU ${r.cpu.toFixed(1).padStart(6)} ns +${(r.cpu - bare.cpu).toFixed(1).padEnd(6)}` : ''.padEnd(23);
    const count = instr !== undefined && bareInstr !== undefined ? `  ${instr.toFixed(0).padStart(4)} instructions +${(instr - bareInstr).toFixed(0)}` : '';
    console.log(`    ${name.padEnd(26)} wall ${r.wall.toFixed(1).padStart(10)} ns +${(r.wall - bare.wall).toFixed(1).padEnd(10)} ${cpu}${count}`);
  }
  console.log(`    a --log line with arguments: ${argsLine}`);
  console.log('    targets: --count < 5 ns, --log (with or without arguments) < 100 ns per call');
}

try {
  // --compile-only: part (a) alone; --calls-only: part (b) alone.
  if (process.argv[2] !== '--calls-only') await compileBench();
  if (process.argv[2] === "--compile-only") process.exit(0);
  await callBench();
} finally {
  fs.removeSync(dir);
}
