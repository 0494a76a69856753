// Instruction lengths of x86-64 machine code, and of 32-bit x86 code in
// 32-bit mode, for the light-core checks (lib/light.ts, lib/arch/i386-light.ts):
// enough of the encoding to walk compiled integer code one instruction at a
// time and classify what leaves or changes the function's registers. Anything it does not know is reported as unknown, and the
// check then keeps the full path: it never guesses.

export interface Insn {
  at: number;
  length: number;
  /** What the check cares about; 'other' is everything ordinary. For 'vex' and 'unknown' the
   *  length is not known, and the walk stops there. */
  kind: 'other' | 'call' | 'indirect-jump' | 'jump' | 'vex' | 'system' | 'unknown';
  /** For 'jump': the offset of its rel8/rel32 field and that field's width. */
  rel?: { at: number; width: 1 | 4 };
  /** For 'indirect-jump': the REX prefix and ModRM byte (jmp *%r11 is rex&1, modrm 0xe3). */
  rex?: number;
  modrm?: number;
  /** The opcode after the prefixes: 0xXX, 0x0fXX, 0x0f38XX or 0x0f3aXX (absent for 'unknown'). */
  opcode?: number;
}

/** 64: x86-64 (REX prefixes, 8-byte moffs); 32: 32-bit protected mode (0x40-0x4f are inc/dec). */
export type Mode = 32 | 64;

const LEGACY = new Set([0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36, 0xf0]);

/** One-byte opcodes that take a ModRM byte. */
const MODRM1 = new Set<number>([
  ...range(0x00, 0x03), ...range(0x08, 0x0b), ...range(0x10, 0x13), ...range(0x18, 0x1b),
  ...range(0x20, 0x23), ...range(0x28, 0x2b), ...range(0x30, 0x33), ...range(0x38, 0x3b),
  0x63, 0x69, 0x6b, ...range(0x80, 0x8f), 0xc0, 0xc1, 0xc6, 0xc7, ...range(0xd0, 0xd3), ...range(0xd8, 0xdf), 0xf6, 0xf7, 0xfe, 0xff,
]);
/** One-byte opcodes with no ModRM and no immediate. */
const PLAIN1 = new Set<number>([...range(0x50, 0x5f), ...range(0x90, 0x99), 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xc3, 0xc9, 0xf4, 0xf5, ...range(0xf8, 0xfd)]);
/** Two-byte (0F xx) opcodes without ModRM. */
const PLAIN2 = new Set<number>([0x0b, 0x31, 0xa2, ...range(0xc8, 0xcf)]);
/** Two-byte opcodes with a ModRM byte (and no immediate). */
const MODRM2 = new Set<number>([
  0x0d, ...range(0x10, 0x17), ...range(0x18, 0x1f), ...range(0x28, 0x2f), ...range(0x40, 0x4f), ...range(0x50, 0x6f), ...range(0x74, 0x7f),
  ...range(0x90, 0x9f), 0xa3, 0xa5, 0xab, 0xad, 0xaf, 0xb0, 0xb1, 0xb3, 0xb6, 0xb7, 0xb8, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc3, 0xc7,
  ...range(0xd0, 0xff),
]);
/** Two-byte opcodes with a ModRM byte and an 8-bit immediate. */
const MODRM2_IMM8 = new Set<number>([0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]);

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Walks `code` from 0 to its end; stops at the first instruction it can't decode ('unknown') or
 *  doesn't measure ('vex': a light core may not have any). */
export function decode(code: Uint8Array, mode: Mode = 64): Insn[] {
  const out: Insn[] = [];
  for (let at = 0; at < code.length; ) {
    const insn = decodeOne(code, at, mode);
    out.push(insn);
    if (insn.kind === 'unknown' || insn.kind === 'vex' || insn.length <= 0) break;
    at += insn.length;
  }
  return out;
}

function decodeOne(code: Uint8Array, start: number, mode: Mode): Insn {
  let i = start;
  let opsize16 = false;
  let addr16 = false;
  for (; LEGACY.has(code[i]); i++) {
    if (code[i] === 0x66) opsize16 = true;
    if (code[i] === 0x67) addr16 = true;
  }
  let rex = 0;
  if (mode === 64 && (code[i] & 0xf0) === 0x40) rex = code[i++];
  const w = (rex & 8) !== 0;
  const op = code[i++];
  const unknown: Insn = { at: start, length: 0, kind: 'unknown' };
  // In 32-bit mode 0x67 selects 16-bit addressing (other ModRM lengths): not decoded.
  if (op === undefined || (mode === 32 && addr16)) return unknown;
  const immZ = opsize16 ? 2 : 4;
  let opcode = op;
  const done = (kind: Insn['kind'], end: number, extra: Partial<Insn> = {}): Insn => (end > code.length ? unknown : { at: start, length: end - start, kind, opcode, ...extra });
  // ModRM, SIB and displacement: returns the index after them.
  const modrm = (at: number): number => {
    const m = code[at++];
    if (m === undefined) return Infinity;
    const mod = m >> 6;
    const rm = m & 7;
    if (mod === 3) return at;
    let disp = mod === 1 ? 1 : mod === 2 ? 4 : 0;
    if (rm === 4) {
      const sib = code[at++];
      if (mod === 0 && (sib & 7) === 5) disp = 4;
    } else if (mod === 0 && rm === 5) disp = 4; // rip-relative
    return at + disp;
  };

  if (op === 0xc4 || op === 0xc5 || op === 0x62) return done('vex', i);
  if (op === 0x8f && ((code[i] >> 3) & 7) !== 0) return done('vex', i); // XOP
  if (op === 0xe8) return done('call', i + 4, { rel: { at: i - start, width: 4 } });
  if (op === 0xe9) return done('jump', i + 4, { rel: { at: i - start, width: 4 } });
  if (op === 0xeb || (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3)) return done('jump', i + 1, { rel: { at: i - start, width: 1 } });
  if (op === 0xcc || op === 0xcd || op === 0xce || (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) || (op >= 0x6c && op <= 0x6f)) return done('system', i);
  if (op === 0xff) {
    const m = code[i];
    const reg = (m >> 3) & 7;
    const end = modrm(i);
    if (reg === 2 || reg === 3) return done('call', end);
    if (reg === 4 || reg === 5) return done('indirect-jump', end, { rex, modrm: m });
    return done('other', end);
  }
  if (MODRM1.has(op)) {
    let end = modrm(i);
    if (op === 0x69 || op === 0x81 || op === 0xc7) end += immZ;
    else if (op === 0x6b || op === 0x80 || op === 0x83 || op === 0xc0 || op === 0xc1 || op === 0xc6) end += 1;
    else if ((op === 0xf6 || op === 0xf7) && ((code[i] >> 3) & 7) <= 1) end += op === 0xf6 ? 1 : immZ;
    return done('other', end);
  }
  if (PLAIN1.has(op) || (mode === 32 && op >= 0x40 && op <= 0x4f)) return done('other', i); // 32-bit: inc/dec r32
  if ((op & 0xc7) === 0x04) return done('other', i + 1); // ALU al, imm8
  if ((op & 0xc7) === 0x05) return done('other', i + immZ); // ALU eax, imm32
  if (op === 0x68) return done('other', i + immZ);
  if (op === 0x6a || op === 0xa8 || (op >= 0xb0 && op <= 0xb7)) return done('other', i + 1);
  if (op === 0xa9) return done('other', i + immZ);
  if (op >= 0xb8 && op <= 0xbf) return done('other', i + (w ? 8 : immZ));
  if (op >= 0xa0 && op <= 0xa3) return done('other', i + (mode === 64 ? 8 : 4)); // mov moffs
  if (op === 0xc2) return done('other', i + 2);
  if (op === 0xc8) return done('other', i + 3);
  if (op !== 0x0f) return unknown;

  const op2 = code[i++];
  opcode = 0x0f00 | op2;
  if (op2 === 0x38 || op2 === 0x3a) opcode = (opcode << 8) | code[i];
  if (op2 === 0x05 || op2 === 0x34 || op2 === 0x35 || op2 === 0x07 || op2 === 0x01 || op2 === 0x00) return done('system', i);
  if (op2 >= 0x80 && op2 <= 0x8f) return done('jump', i + 4, { rel: { at: i - start, width: 4 } });
  if (op2 === 0xae) return ((code[i] >> 6) === 3 ? done('other', modrm(i)) : done('system', modrm(i))); // fences / xsave and friends
  if (op2 === 0x38) return done('other', modrm(i + 1));
  if (op2 === 0x3a) return done('other', modrm(i + 1) + 1);
  if (PLAIN2.has(op2)) return done(op2 === 0xa2 ? 'system' : 'other', i);
  if (MODRM2_IMM8.has(op2)) return done('other', modrm(i) + 1);
  if (MODRM2.has(op2)) return done('other', modrm(i));
  return unknown;
}
