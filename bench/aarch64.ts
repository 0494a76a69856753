// The AArch64 part of npm run bench: qemu's wall time says nothing about real
// hardware, so this counts what each path executes per call. It builds a small
// program with two interceptors (one on the light path, one on the full path)
// for aarch64-linux-gnu with icc++, runs it under qemu-aarch64 with one
// instruction per translation block and the execution log limited to the
// stubs and trampolines (`-singlestep -d exec,nochain -dfilter`), so qemu logs
// every instruction of asm/aarch64.S that runs, and nothing of the cores,
// which are the user's. Each logged address is classified from the program's
// disassembly: loads, stores and the bytes they move (z registers move a
// vector length, p registers an eighth of one). Debian's qemu ships no TCG
// plugins (libinsn.so), hence the log.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';

interface Insn { mnemonic: string; operands: string }

/** What one path executes per call: instructions, and loads/stores with the bytes they move. */
export interface PathCost {
  instructions: number; loads: number; stores: number; bytes: string;
  /** How many times the first and the last call read the CPU's features (mrs): once per process, not per call. */
  detections: [number, number];
}

const CALLS = 64;
// argv[1] picks the interceptor; the last of CALLS calls is the one measured (the first detects SVE).
const SOURCE = `extern "C" __attribute__((noinline)) int target(int x) { return x; }
static int calls;
[[interceptor]] int Light(int) { ++calls; goto -> &target; }
[[interceptor]] int Full(int) { ++calls; asm volatile("movi v0.16b, #0" ::: "v0"); goto -> &target; }
int main(int argc, char **argv) {
    int (*volatile hook)(int) = argv[1][0] == 'l' ? &Light : &Full;
    int sum = 0;
    for (int i = 0; i < ${CALLS}; ++i) sum += hook(i);
    return sum == ${(CALLS * (CALLS - 1)) / 2} ? 0 : 1;
}
`;

/** The paths measured: which interceptor, on which qemu CPU. */
const PATHS: [string, 'light' | 'full', string][] = [
  ['full, NEON (no SVE)', 'full', 'cortex-a57'],
  ['full, SVE', 'full', 'max,sve-default-vector-length=32'],
  ['light', 'light', 'cortex-a57'],
];

/** Disassembles `exe` (-no-pie: addresses are final) into address -> instruction, and symbol -> [start, size]. */
async function disassemble(exe: string): Promise<{ insns: Map<number, Insn>; symbols: Map<string, [number, number]> }> {
  const { stdout } = await execa('llvm-objdump', ['-d', '--mattr=+sve', '--no-show-raw-insn', exe]);
  const insns = new Map<number, Insn>();
  for (const line of stdout.split('\n')) {
    const m = /^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$/.exec(line);
    if (m) insns.set(parseInt(m[1], 16), { mnemonic: m[2], operands: m[3] });
  }
  const nm = await execa('llvm-nm', ['-S', exe]);
  const symbols = new Map<string, [number, number]>();
  for (const m of nm.stdout.matchAll(/^([0-9a-f]+) ([0-9a-f]+) \w (\S+)$/gm)) symbols.set(m[3], [parseInt(m[1], 16), parseInt(m[2], 16)]);
  return { insns, symbols };
}

/** Loads, stores and bytes moved by the instructions at `pcs`. */
function classify(pcs: number[], insns: Map<number, Insn>): Omit<PathCost, 'detections'> {
  const cost = { loads: 0, stores: 0, fixed: 0, vl: 0 };
  for (const pc of pcs) {
    const i = insns.get(pc);
    if (!i) throw new Error(`qemu ran 0x${pc.toString(16)}, which the disassembly does not have`);
    if (!/^(ld|st)/.test(i.mnemonic)) continue;
    if (i.mnemonic.startsWith('ld')) cost.loads++;
    else cost.stores++;
    if (i.mnemonic === 'ldrsw') cost.fixed += 4;
    else for (const r of i.operands.split('[')[0].matchAll(/\b([xqzpw])\d+/g)) {
      if (r[1] === 'z') cost.vl += 1;
      else if (r[1] === 'p') cost.vl += 1 / 8;
      else cost.fixed += r[1] === 'q' ? 16 : r[1] === 'w' ? 4 : 8;
    }
  }
  const bytes = cost.vl ? `${cost.fixed} + ${cost.vl} x VL bytes` : `${cost.fixed} bytes`;
  return { instructions: pcs.length, loads: cost.loads, stores: cost.stores, bytes };
}

/** Instructions and memory accesses per call on each AArch64 path, as qemu-aarch64 executes them. */
export async function aarch64Costs(icc: string): Promise<Record<string, PathCost> | string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-a64-'));
  try {
    const src = path.join(dir, 'hooks.cpp');
    const exe = path.join(dir, 'hooks');
    fs.writeFileSync(src, SOURCE);
    const r = await execa(icc, ['--target=aarch64-linux-gnu', '-O2', '-no-pie', src, '-o', exe], { reject: false });
    if (r.exitCode !== 0) return `not counted (icc++ --target=aarch64-linux-gnu failed: ${String(r.stderr).split('\n')[0]})`;
    const { insns, symbols } = await disassemble(exe);
    const measured = ['_Z5Lighti', '_Z4Fulli', '__icc_aapcs64_trampoline', '__icc_aapcs64_light'].map((s) => symbols.get(s));
    if (measured.some((s) => !s)) return 'not counted (stubs or trampolines not found in the program)';
    const filter = measured.map((s) => `0x${s![0].toString(16)}+0x${s![1].toString(16)}`).join(',');
    const costs: Record<string, PathCost> = {};
    for (const [name, hook, cpu] of PATHS) {
      const log = path.join(dir, `${hook}-${cpu.replace(/\W/g, '_')}.log`);
      const q = await execa('qemu-aarch64', ['-cpu', cpu, '-L', '/usr/aarch64-linux-gnu', '-singlestep', '-d', 'exec,nochain',
        '-dfilter', filter, '-D', log, exe, hook], { reject: false });
      if (q.exitCode !== 0) return `not counted (qemu-aarch64 -cpu ${cpu}: exit ${q.exitCode} ${q.stderr})`;
      const pcs = [...fs.readFileSync(log, 'utf8').matchAll(/^Trace \d+: \S+ \[[0-9a-f]+\/([0-9a-f]+)\//gm)].map((m) => parseInt(m[1], 16));
      const stub = symbols.get(hook === 'light' ? '_Z5Lighti' : '_Z4Fulli')![0];
      const entries = pcs.flatMap((pc, k) => (pc === stub ? [k] : []));
      if (entries.length !== CALLS) return `not counted (qemu logged ${entries.length} calls of ${CALLS})`;
      const mrs = (from: number, to?: number): number => pcs.slice(from, to).filter((pc) => insns.get(pc)?.mnemonic === 'mrs').length;
      costs[name] = { ...classify(pcs.slice(entries[CALLS - 1]), insns), detections: [mrs(0, entries[1]), mrs(entries[CALLS - 1])] }; // the last call: stub to br
    }
    return costs;
  } finally {
    fs.removeSync(dir);
  }
}

/** The lines npm run bench prints for AArch64. */
export async function aarch64Report(icc: string): Promise<string[]> {
  const costs = await aarch64Costs(icc);
  if (typeof costs === 'string') return [`AArch64: ${costs}`];
  return [
    'AArch64 (asm/aarch64.S), executed under qemu-aarch64 (-singlestep -d exec): per intercepted call, stub + trampoline, the core not included;',
    '  a plain indirect call executes blr + ret (2 instructions, no memory access) for comparison',
    ...Object.entries(costs).map(([name, c]) =>
      `  ${name.padEnd(22)} ${String(c.instructions).padStart(3)} instructions, ${c.loads} loads + ${c.stores} stores (${c.bytes})`),
  ];
}
