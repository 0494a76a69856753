// A light path for a core that calls something only on a rare path: a lazy
// loader (`if (!p) p = resolve(); goto -> p;`) calls once, then never again.
//
// Its light core (preserve_all) can't be used as it is: the call may clobber
// the upper halves of ymm/zmm argument registers, and clang 14 saves every
// register on entry, before it knows whether it will call. But the path that
// calls nothing often touches nothing either: it loads the cached pointer into
// r11, tests it and jumps. This module finds that path in the compiled core and
// makes it the public entry, in place:
//   - the entry moves past the prologue's saves (P) to the first instruction of
//     the body (the public symbol is moved there);
//   - every path from there that would do anything beyond reading memory and
//     writing r11 and flags (a call, a write to another register, a use of the
//     stack) jumps instead to the bail-out pad (asm/x86_64-sysv.S), which
//     enters the full trampoline as the stub does: the full core runs the whole
//     body again, calls what it calls, and the target gets every register;
//   - the epilogue's restores (E) before `jmp *%r11` start with a `jmp *%r11` of their own;
//   - the core's unwind rules become the entry's (nothing pushed, ever).
// Starting again is correct only when nothing the fast path did can be seen:
// so a store to memory is allowed only where no bail-out can follow it.
// Anything the check doesn't recognise keeps the full path.

import type { Relocation } from './arch/elf64.js';
import { decode, type Insn } from './x86-decode.js';

/** What to change in a light core's bytes (offsets from the core's start) to give it a fast entry. */
export interface BailPlan {
  entry: number;
  patches: { at: number; bytes: number[] }[];
  /** Relocations in the code no path runs any more (the rest of each bail-out's path): dropped,
   *  so the linker writes nothing over a patch. */
  dead: Relocation[];
}

type Effect = 'save' | 'restore' | 'pure' | 'store' | 'exit' | 'branch' | 'other';

const ENDBR64 = 0xf30f1efa;
const JMP_R11 = [0x41, 0xff, 0xe3];
const RSP = 4;
const RBP = 5;
const R11 = 11;

/** The fast entry for a light core that calls (`code`, its relocated fields by offset, and the
 *  bail-out pad's offset from the core's start), or why it has none. */
export function planBailOut(code: Buffer, relocated: ReadonlyMap<number, Relocation>, pad: number, isData: (r: Relocation) => boolean): BailPlan | string {
  const insns = decode(code);
  const last = insns[insns.length - 1];
  if (!last || last.kind === 'unknown' || last.kind === 'vex') return 'an instruction the check does not decode';
  const effects = insns.map((insn) => effect(code, insn));
  const index = new Map(insns.map((insn, i) => [insn.at, i]));

  // Under -fcf-protection the core starts with endbr64, and so must the fast entry: it is written
  // over the last four bytes of the saves, which nothing runs any more.
  const endbr = code.length >= 4 && code.readUInt32BE(0) === ENDBR64;
  let first = endbr ? 1 : 0;
  while (first < insns.length && effects[first] === 'save') first++;
  if (endbr && insns[first] && insns[first].at < 8) return 'no room for endbr64 at the fast entry';
  // Each exit and the restores just before it, which the fast path skips.
  const restores = new Map<number, number>(); // instruction index -> its exit's index
  for (let i = first; i < insns.length; i++) {
    if (effects[i] !== 'exit') continue;
    for (let k = i - 1; k >= first && effects[k] === 'restore'; k--) restores.set(k, i);
  }

  // Walk every path from the entry.
  const live = new Set<number>();
  const bails = new Set<number>();
  const successors = new Map<number, number[]>();
  const reachedRestores = new Set<number>();
  const work = [first];
  while (work.length > 0) {
    const i = work.pop()!;
    if (i < 0 || i >= insns.length) return 'a path that leaves the core';
    if (live.has(i) || bails.has(i)) continue;
    if (restores.has(i)) {
      reachedRestores.add(i);
      continue;
    }
    const e = effects[i];
    if (e === 'exit') {
      live.add(i);
      continue;
    }
    if (e !== 'pure' && e !== 'store' && e !== 'branch') {
      bails.add(i);
      continue;
    }
    live.add(i);
    const next: number[] = [];
    if (e === 'branch') {
      const insn = insns[i];
      const to = branchTarget(code, insn, relocated);
      const at = to === undefined ? undefined : index.get(to);
      if (at === undefined) bails.add(i), live.delete(i);
      else {
        next.push(at);
        if (!isUnconditional(code, insn)) next.push(i + 1);
      }
    } else next.push(i + 1);
    successors.set(i, next);
    work.push(...next);
  }
  if (bails.size === 0) return 'no call on any path';
  if (![...live].some((i) => effects[i] === 'exit') && reachedRestores.size === 0) return 'every path calls';

  // What the fast path runs may address data only (a call or jump out carries another relocation).
  for (const i of live) {
    for (let b = insns[i].at; b < insns[i].at + insns[i].length; b++) {
      const r = relocated.get(b);
      if (r && !isData(r)) return 'a relocation that is not a data address on the fast path';
    }
  }
  // A store must not be repeated by the full path: no bail-out may follow one.
  const leadsToBail = (from: number): boolean => {
    const seen = new Set<number>();
    const todo = [...(successors.get(from) ?? [])];
    while (todo.length > 0) {
      const i = todo.pop()!;
      if (bails.has(i)) return true;
      if (seen.has(i)) continue;
      seen.add(i);
      todo.push(...(successors.get(i) ?? []));
    }
    return false;
  };
  for (const i of live) if (effects[i] === 'store' && leadsToBail(i)) return 'a store before a call';

  // Patches: where each bail-out starts, its bytes up to the next live instruction are dead.
  const patches: BailPlan['patches'] = [];
  const starts = [...live, ...reachedRestores, ...restores.keys()].map((i) => insns[i].at).sort((a, b) => a - b);
  const room = (at: number): number => (starts.find((s) => s > at) ?? code.length) - at;
  const dead: Relocation[] = [];
  for (const i of bails) {
    const at = insns[i].at;
    const jump = jumpTo(at, pad, room(at));
    if (!jump) return 'no room for a bail-out jump';
    patches.push({ at, bytes: jump });
    for (const [offset, r] of relocated) if (offset >= at && offset < at + room(at)) dead.push(r);
  }
  // Restores: where the fast path reaches a run of them, it leaves at once: `jmp *%r11` written over
  // the run's first bytes (one taken jump fewer than jumping over them), or a jump to the exit.
  for (const i of reachedRestores) {
    const exit = insns[restores.get(i)!].at;
    const at = insns[i].at;
    const jump = exit - at >= JMP_R11.length ? JMP_R11 : (jumpTo(at, exit, exit - at) ?? nops(exit - at));
    patches.push({ at, bytes: jump });
  }
  const cleared = new Set(dead);
  for (const p of patches) {
    for (let b = p.at - 3; b < p.at + p.bytes.length; b++) {
      const r = relocated.get(b);
      if (r && !cleared.has(r)) return 'a relocated field under a bail-out jump';
    }
  }
  if (overlap(patches)) return 'bail-out jumps overlap';
  const entry = insns[first].at;
  if (endbr) {
    patches.push({ at: entry - 4, bytes: [0xf3, 0x0f, 0x1e, 0xfa] });
    return { entry: entry - 4, patches, dead };
  }
  return { entry, patches, dead };
}

function overlap(patches: BailPlan['patches']): boolean {
  const sorted = [...patches].sort((a, b) => a.at - b.at);
  return sorted.some((p, k) => k > 0 && sorted[k - 1].at + sorted[k - 1].bytes.length > p.at);
}

/** `jmp to` at `at` in at most `room` bytes: rel8 when it reaches, else rel32. */
function jumpTo(at: number, to: number, room: number): number[] | undefined {
  const short = to - (at + 2);
  if (room >= 2 && short >= -128 && short <= 127) return [0xeb, short & 0xff];
  if (room < 5) return undefined;
  const near = to - (at + 5);
  return [0xe9, near & 0xff, (near >> 8) & 0xff, (near >> 16) & 0xff, (near >>> 24) & 0xff];
}

function nops(n: number): number[] {
  return new Array<number>(n).fill(0x90);
}

function isUnconditional(code: Buffer, insn: Insn): boolean {
  return code[insn.at] === 0xeb || code[insn.at] === 0xe9;
}

/** A jump's target inside the core, or undefined (out of it, or a relocated target). */
function branchTarget(code: Buffer, insn: Insn, relocated: ReadonlyMap<number, Relocation>): number | undefined {
  const rel = insn.rel!;
  if (relocated.has(insn.at + rel.at)) return undefined;
  const disp = rel.width === 1 ? code.readInt8(insn.at + rel.at) : code.readInt32LE(insn.at + rel.at);
  const to = insn.at + insn.length + disp;
  return to >= 0 && to < code.length ? to : undefined;
}

/** The operands of one instruction, as far as the classification needs them. */
interface Parsed {
  prefixes: number[];
  rex: number;
  /** One-byte opcode, or 0x0f00 | the second byte. */
  op: number;
  mod: number;
  /** ModRM reg field (with REX.R): a register or an opcode extension. */
  reg: number;
  /** ModRM rm as a register (mod 3, with REX.B). */
  rm: number;
  /** Memory operand: base and index registers (-1: none, 'rip'). */
  base: number | 'rip';
  index: number;
}

const MODRM = new Set([
  0x01, 0x03, 0x09, 0x0b, 0x11, 0x13, 0x19, 0x1b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x38, 0x39, 0x3a, 0x3b,
  0x63, 0x80, 0x81, 0x83, 0x84, 0x85, 0x88, 0x89, 0x8b, 0x8d, 0xc6, 0xc7, 0xf6, 0xf7, 0xfe, 0xff,
]);

function parse(code: Buffer, insn: Insn): Parsed | undefined {
  let i = insn.at;
  const end = insn.at + insn.length;
  const prefixes: number[] = [];
  while ([0x66, 0xf0, 0xf2, 0xf3, 0x2e].includes(code[i])) prefixes.push(code[i++]);
  const rex = (code[i] & 0xf0) === 0x40 ? code[i++] : 0;
  let op = code[i++];
  if (op === 0x0f) op = 0x0f00 | code[i++];
  const p: Parsed = { prefixes, rex, op, mod: -1, reg: -1, rm: -1, base: -1, index: -1 };
  const hasModrm = MODRM.has(op) || (op >= 0x0f40 && op <= 0x0f4f) || [0x0fb6, 0x0fb7, 0x0fbe, 0x0fbf, 0x0f1f, 0x0f11, 0x0f29, 0x0f28, 0x0f10, 0x0f7f, 0x0f6f].includes(op);
  if (!hasModrm) return i <= end ? p : undefined;
  const m = code[i++];
  p.mod = m >> 6;
  p.reg = ((m >> 3) & 7) | (rex & 4 ? 8 : 0);
  const rm = m & 7;
  if (p.mod === 3) p.rm = rm | (rex & 1 ? 8 : 0);
  else if (rm === 4) {
    const sib = code[i++];
    const base = sib & 7;
    const index = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0);
    p.index = index === RSP ? -1 : index;
    p.base = p.mod === 0 && base === 5 ? -1 : base | (rex & 1 ? 8 : 0);
  } else p.base = p.mod === 0 && rm === 5 ? 'rip' : rm | (rex & 1 ? 8 : 0);
  return i <= end ? p : undefined;
}

const stackRegister = (r: number | 'rip'): boolean => r === RSP || r === RBP;
/** The memory operand addresses the stack (its frame is the one the fast path never built). */
const onStack = (p: Parsed): boolean => stackRegister(p.base) || stackRegister(p.index);

/** What an instruction does, for the fast path: only what is needed to recognise a lazy loader's
 *  path, everything else is 'other' (a bail-out there, or no fast path). */
function effect(code: Buffer, insn: Insn): Effect {
  if (insn.kind === 'jump') return code[insn.at] >= 0xe0 && code[insn.at] <= 0xe3 ? 'other' : 'branch'; // loop/jrcxz write rcx
  if (insn.kind === 'indirect-jump') return (insn.rex! & 1) === 1 && insn.modrm === 0xe3 ? 'exit' : 'other';
  if (insn.kind !== 'other') return 'other';
  const p = parse(code, insn);
  if (!p) return 'other';
  return saveOrRestore(p) ?? fastPath(p);
}

/** The prologue's saves and the epilogue's restores of a preserve_all function. */
function saveOrRestore(p: Parsed): Effect | undefined {
  if (p.prefixes.length > 1 || (p.prefixes.length === 1 && p.prefixes[0] !== 0x66)) return undefined;
  const rexW = (p.rex & 8) !== 0;
  const stackMem = p.mod !== 3 && p.base === RSP && p.index === -1;
  const plainOrB = p.rex === 0 || p.rex === 0x41;
  const opReg = (p.op & 7) | (p.rex & 1 ? 8 : 0);
  if (p.op >= 0x50 && p.op <= 0x57 && plainOrB && p.prefixes.length === 0) return 'save'; // push
  if (p.op >= 0x58 && p.op <= 0x5f && plainOrB && p.prefixes.length === 0 && opReg !== R11 && opReg !== RSP) return 'restore'; // pop
  if ((p.op === 0x83 || p.op === 0x81) && rexW && p.mod === 3 && p.rm === RSP) return (p.reg & 7) === 5 ? 'save' : (p.reg & 7) === 0 ? 'restore' : undefined;
  // movaps/movups/movdqa/movdqu: stores to the frame save, loads from it restore.
  if ([0x0f29, 0x0f11, 0x0f7f].includes(p.op) && stackMem) return 'save';
  if ([0x0f28, 0x0f10, 0x0f6f].includes(p.op) && stackMem && p.reg < 16) return 'restore';
  if (p.op === 0x89 && rexW && stackMem && p.prefixes.length === 0) return 'save';
  if (p.op === 0x8b && rexW && stackMem && p.prefixes.length === 0 && p.reg !== R11) return 'restore';
  return undefined;
}

/** What the fast path may do: read memory off the stack and any register but rsp/rbp, write r11
 *  and flags ('pure'), or write memory off the stack ('store'). */
function fastPath(p: Parsed): Effect {
  const lock = p.prefixes.length === 1 && p.prefixes[0] === 0xf0;
  if (p.prefixes.length > 0 && !lock) return p.op === 0x0f1f ? 'pure' : 'other'; // multi-byte nop
  if (p.op === 0x90 && p.rex === 0) return 'pure';
  if (p.op === 0x0f1f) return 'pure';
  if (p.mod !== -1 && p.mod !== 3 && (onStack(p) || p.base === -1)) return 'other';
  const regOperand = (r: number): boolean => r !== RSP && r !== RBP;
  const memory = p.mod !== 3 && p.mod !== -1;
  const rmOk = memory || regOperand(p.rm);
  const ext = p.reg & 7;
  const intoR11 = (): Effect => (p.reg === R11 && rmOk && !lock ? 'pure' : 'other');
  const toRm = (): Effect => (memory ? 'store' : p.rm === R11 && !lock ? 'pure' : 'other');
  if (lock && !memory) return 'other';
  switch (p.op) {
    case 0x8b: case 0x8d: case 0x63: case 0x0fb6: case 0x0fb7: case 0x0fbe: case 0x0fbf:
    case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33:
      return p.op === 0x8d && !memory ? 'other' : intoR11();
    case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x89: case 0x88:
      return regOperand(p.reg) ? toRm() : 'other';
    case 0x84: case 0x85: case 0x38: case 0x39: case 0x3a: case 0x3b:
      return regOperand(p.reg) && rmOk && !lock ? 'pure' : 'other';
    case 0x80: case 0x81: case 0x83:
      if (!rmOk) return 'other';
      return ext === 7 ? (lock ? 'other' : 'pure') : toRm();
    case 0xf6: case 0xf7:
      return ext === 0 && rmOk && !lock ? 'pure' : 'other';
    case 0xfe: case 0xff:
      return ext <= 1 && rmOk ? toRm() : 'other';
    case 0xc6: case 0xc7:
      return ext === 0 && rmOk ? toRm() : 'other';
  }
  if (p.op >= 0x0f40 && p.op <= 0x0f4f) return intoR11(); // cmovcc
  if (p.op >= 0xb8 && p.op <= 0xbf) return ((p.op & 7) | (p.rex & 1 ? 8 : 0)) === R11 ? 'pure' : 'other'; // mov $imm, %r11
  if (p.op === 0x3c || p.op === 0x3d || p.op === 0xa8 || p.op === 0xa9) return 'pure'; // cmp/test al/eax, imm
  return 'other';
}
