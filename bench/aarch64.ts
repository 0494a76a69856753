// The AArch64 part of npm run bench: qemu's wall time says nothing about real
// hardware, so this counts what each path executes per call, from the code:
// it builds a small interceptor for aarch64-linux-gnu with icc++, disassembles
// the object and walks each path of asm/aarch64.S's trampolines from the stub
// to the final `br`, taking the branches that path takes (the core's own
// instructions are the user's and are not counted).
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';

interface Insn { at: number; mnemonic: string; operands: string }

/** What one path executes: instructions, and loads/stores with the bytes they move. */
export interface PathCost { instructions: number; loads: number; stores: number; bytes: string }

const SOURCE = 'extern "C" int target(int x) { return x; }\n[[interceptor]] int Hook(int) { goto -> &target; }\n';

/** Disassembles `obj` into functions by name. */
async function disassemble(obj: string): Promise<Map<string, Insn[]>> {
  const { stdout } = await execa('llvm-objdump', ['-d', '--mattr=+sve', '--no-show-raw-insn', obj]);
  const fns = new Map<string, Insn[]>();
  let current: Insn[] | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head) fns.set(head[1], (current = []));
    const m = /^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$/.exec(line);
    if (m && current) current.push({ at: parseInt(m[1], 16), mnemonic: m[2], operands: m[3] });
  }
  return fns;
}

/** Walks `insns` from the first, following unconditional branches and the conditional ones `taken` says, until `br`. */
function walk(insns: Insn[], taken: (i: Insn) => boolean): PathCost {
  const byAddress = new Map(insns.map((i, k) => [i.at, k]));
  let k = 0;
  const cost = { instructions: 0, loads: 0, stores: 0, fixed: 0, vl: 0 };
  for (let steps = 0; steps < 500; steps++) {
    const i = insns[k];
    cost.instructions++;
    if (/^(ld|st)/.test(i.mnemonic)) {
      if (i.mnemonic.startsWith('ld')) cost.loads++;
      else cost.stores++;
      const regs = i.operands.split('[')[0];
      if (i.mnemonic === 'ldrsw') cost.fixed += 4;
      else for (const r of regs.matchAll(/\b([xqzpw])\d+/g)) {
        if (r[1] === 'z') cost.vl += 1;
        else if (r[1] === 'p') cost.vl += 1 / 8;
        else cost.fixed += r[1] === 'q' ? 16 : r[1] === 'w' ? 4 : 8;
      }
    }
    if (i.mnemonic === 'br') break;
    const target = /^([0-9a-f]+)\b/.exec(i.operands.replace(/^.*?,\s*/, (s) => (i.mnemonic.startsWith('cb') || i.mnemonic.startsWith('tb') ? '' : s)));
    const branch = i.mnemonic === 'b' || i.mnemonic.startsWith('b.') || i.mnemonic.startsWith('cb') || i.mnemonic.startsWith('tb');
    if (branch && (i.mnemonic === 'b' || taken(i))) {
      const to = byAddress.get(parseInt(/([0-9a-f]+) </.exec(i.operands)?.[1] ?? target?.[1] ?? '', 16));
      if (to === undefined) throw new Error(`branch out of the trampoline: ${i.mnemonic} ${i.operands}`);
      k = to;
    } else k++;
  }
  const bytes = cost.vl ? `${cost.fixed} + ${cost.vl} x VL bytes` : `${cost.fixed} bytes`;
  return { instructions: cost.instructions, loads: cost.loads, stores: cost.stores, bytes };
}

/** Instructions and memory accesses per call on each AArch64 path, counted from the assembled code. */
export async function aarch64Costs(icc: string): Promise<Record<string, PathCost> | string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-a64-'));
  try {
    const src = path.join(dir, 'hook.cpp');
    const obj = path.join(dir, 'hook.o');
    fs.writeFileSync(src, SOURCE);
    const r = await execa(icc, ['--target=aarch64-linux-gnu', '-O2', '-c', src, '-o', obj], { reject: false });
    if (r.exitCode !== 0) return `not counted (icc++ --target=aarch64-linux-gnu failed: ${String(r.stderr).split('\n')[0]})`;
    const fns = await disassemble(obj);
    const stub = fns.get('_Z4Hooki');
    const full = fns.get('__icc_aapcs64_trampoline');
    const light = fns.get('__icc_aapcs64_light');
    if (!stub || !full || !light) return 'not counted (stub or trampolines not found in the object)';
    // The stub is 4 instructions ending in `b` to a trampoline: count it with each path.
    const stubCost = stub.length;
    const add = (c: PathCost): PathCost => ({ ...c, instructions: c.instructions + stubCost });
    const notNull = (i: Insn): boolean => !i.mnemonic.startsWith('cb'); // cbz x0: the core returned a target
    return {
      'full, NEON (no SVE)': add(walk(full, (i) => notNull(i) && i.mnemonic !== 'b.hi' && i.mnemonic !== 'b.lo')),
      'full, SVE': add(walk(full, (i) => notNull(i) && i.mnemonic === 'b.hi')),
      light: add(walk(light, notNull)),
    };
  } finally {
    fs.removeSync(dir);
  }
}

/** The lines npm run bench prints for AArch64. */
export async function aarch64Report(icc: string): Promise<string[]> {
  const costs = await aarch64Costs(icc);
  if (typeof costs === 'string') return [`AArch64: ${costs}`];
  return [
    'AArch64 (asm/aarch64.S), counted from the assembled code: per intercepted call, stub + trampoline, the core not included;',
    '  a plain indirect call executes blr + ret (2 instructions, no memory access) for comparison',
    ...Object.entries(costs).map(([name, c]) =>
      `  ${name.padEnd(22)} ${String(c.instructions).padStart(3)} instructions, ${c.loads} loads + ${c.stores} stores (${c.bytes})`),
  ];
}
