// After the compile: which 32-bit x86 stubs may call the light trampoline
// (asm/i386-sysv.S, __icc_i386_sysv_light[_tls]), which saves eax ecx edx but
// no vector register and needs no width. A core may take it when its machine
// code makes no call and touches no vector register: then xmm/ymm/zmm 0-5 and
// the mask registers reach the target as the caller left them. The core is an
// ordinary cdecl function, so the check decodes it in 32-bit mode
// (lib/x86-decode.ts) and accepts only integer and x87 instructions: any
// VEX/EVEX/XOP encoding, any 0F opcode outside a list of integer ones (SSE and
// MMX live there), calls (but clang's `call next; pop` for its PIC base),
// indirect jumps, jumps out of the core and system instructions keep the
// full path, as does anything the decoder doesn't know. A call or jump out of
// the core carries a relocation; data relocations are listed. COFF objects
// (mingw, MSVC) go through the same check from lib/arch/i386-coff-light.ts.

import { readFileSync, writeFileSync } from 'node:fs';
import type { LightDecision } from './arch.js';
import { decideStub } from './stub-light.js';
import { Elf32 } from './elf32.js';
import { STB_WEAK, STT_FUNC, STT_SECTION, type ElfSymbol, type Relocation } from './elf64.js';
import { decode } from '../x86-decode.js';
import { relocationsWithin } from './relocations.js';

const EM_386 = 3;
const R_386_PC32 = 2;
const R_386_PLT32 = 4;
/** Relocations that only address data: 32, GOT32, GOTOFF, GOTPC, TLS_IE, TLS_GOTIE, TLS_LE, TLS_IE_32, TLS_LE_32, GOT32X. */
const DATA_RELOCATIONS = new Set([1, 3, 9, 10, 15, 16, 17, 33, 34, 43]);

/** Per exit (asm/i386-common.S): the full trampoline a stub calls, the light one, and where the record starts after R. */
const EXITS = [
  { full: '__icc_i386_sysv_trampoline_tls', light: '__icc_i386_sysv_light_tls', rec: 9 },
  { full: '__icc_i386_sysv_trampoline', light: '__icc_i386_sysv_light', rec: 2 },
];

/** Two-byte (0F) opcodes that touch only general registers and flags: ud2, hint nops and endbr32,
 *  cmovcc, setcc, bt/bts/btr/btc, shld/shrd, imul, cmpxchg, movzx/movsx, popcnt, bsf/bsr/tzcnt/lzcnt,
 *  xadd, cmpxchg8b, bswap, fences; movbe and crc32 (0F 38 F0/F1). Jcc is a jump. */
const INTEGER_0F = new Set<number>([
  0x0f0b, ...span(0x0f18, 0x0f1f), ...span(0x0f40, 0x0f4f), ...span(0x0f90, 0x0f9f), 0x0fa3, 0x0fa4, 0x0fa5, 0x0fab, 0x0fac, 0x0fad,
  0x0faf, 0x0fb0, 0x0fb1, 0x0fb3, 0x0fb6, 0x0fb7, 0x0fb8, 0x0fba, 0x0fbb, 0x0fbc, 0x0fbd, 0x0fbe, 0x0fbf, 0x0fc0, 0x0fc1, 0x0fc7,
  ...span(0x0fc8, 0x0fcf), 0x0fae, 0x0f38f0, 0x0f38f1,
]);

function span(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Why the core whose bytes are `code`, at `start` in its section, may touch a vector register or
 *  leave the core, or undefined when it can't; shared by both object formats (ELF here, COFF in
 *  i386-coff-light.ts). `relocations`: its section's; `data`: the format's types that only address data. */
export function whyNotLightCode(code: Uint8Array | undefined, start: number, relocations: Iterable<{ offset: number; type: number }>, data: ReadonlySet<number>): string | undefined {
  if (!code) return 'no code';
  const relocated = new Map<number, number>();
  for (const r of relocations) if (r.offset >= start && r.offset < start + code.length) relocated.set(r.offset - start, r.type);
  for (const type of relocated.values()) if (!data.has(type)) return `relocation type ${type} (a call or a jump)`;
  for (const insn of decode(code, 32)) {
    switch (insn.kind) {
      case 'unknown':
        return `an instruction the check does not decode (at +${insn.at})`;
      case 'vex':
        return `a VEX/EVEX instruction (at +${insn.at})`;
      case 'system':
        return `a system call or state instruction (at +${insn.at})`;
      case 'indirect-jump':
        return `an indirect jump (at +${insn.at})`;
      case 'call': {
        // clang's PIC base: `call .+5; pop %reg`, a call of the next instruction.
        const next = insn.opcode === 0xe8 && insn.length === 5 && code[insn.at + 1] === 0 && code[insn.at + 2] === 0 && code[insn.at + 3] === 0 && code[insn.at + 4] === 0;
        if (next && !relocated.has(insn.at + 1)) break;
        return `a call (at +${insn.at})`;
      }
      case 'jump': {
        const rel = insn.rel!;
        const disp = rel.width === 1 ? (code[insn.at + rel.at] << 24) >> 24 : Buffer.from(code.buffer, code.byteOffset, code.length).readInt32LE(insn.at + rel.at);
        const to = insn.at + insn.length + disp;
        if (to < 0 || to >= code.length) return `a jump out of the core (at +${insn.at})`;
        break;
      }
      default: {
        const op = insn.opcode ?? 0;
        if (op > 0xff && !INTEGER_0F.has(op)) return `an SSE or MMX instruction (at +${insn.at})`;
      }
    }
  }
  return undefined;
}

/** Checks the cores of an i386 ELF object and points the stubs of those that pass at the light trampoline. */
export function selectLightPaths(file: string): LightDecision[] {
  const buf = readFileSync(file);
  const elf = Elf32.parse(buf, EM_386);
  if (!elf) return [];
  const decisions: LightDecision[] = [];
  // Looked up once per object, not per stub: a shim has thousands of stubs and several symbols each.
  const lights = new Map(EXITS.map((e) => [e.light, elf.symbols.find((s) => s.name === e.light && s.section !== 0)]));
  const functions = new Map<string, ElfSymbol>();
  for (const s of elf.symbols) if (s.type === STT_FUNC && !functions.has(`${s.section}:${s.value}`)) functions.set(`${s.section}:${s.value}`, s);
  for (const stub of elf.symbols) {
    if (stub.type !== STT_FUNC || stub.section === 0 || stub.section >= 0xff00) continue;
    const section = elf.sections[stub.section];
    if (section.name !== `.text.${stub.name}` || stub.value !== 0) continue;
    const relocations = elf.relocationsOf(section.index);
    const call = relocations.find((r) => (r.type === R_386_PC32 || r.type === R_386_PLT32) && EXITS.some((e) => e.full === elf.symbols[r.symbol]?.name));
    if (!call) continue;
    const exit = EXITS.find((e) => e.full === elf.symbols[call.symbol].name)!;
    // The record's core field: R (the call's end) + rec.
    const coreField = relocations.find((r) => r.type === R_386_PC32 && r.offset === call.offset + 4 + exit.rec);
    const core = coreField && coreOf(elf, coreField, functions);
    const light = lights.get(exit.light);
    decisions.push(decideStub({ name: stub.name, replaceable: stub.bind === STB_WEAK }, core, light, (c) => whyNotLight(elf, c), (l) => elf.retarget(call, l)));
  }
  if (decisions.some((d) => d.light)) writeFileSync(file, buf);
  return decisions;
}

/** The core a record's field names (`.long core - .`: PC32, addend 0, or a section symbol plus the core's offset). */
function coreOf(elf: Elf32, r: Relocation, functions: Map<string, ElfSymbol>): ElfSymbol | undefined {
  const target = elf.symbols[r.symbol];
  if (!target) return undefined;
  if (target.type === STT_FUNC) return r.addend === 0 ? target : undefined;
  if (target.type === STT_SECTION) return functions.get(`${target.section}:${r.addend}`);
  return undefined;
}

function whyNotLight(elf: Elf32, core: ElfSymbol): string | undefined {
  return whyNotLightCode(elf.code(core), core.value, relocationsWithin(elf.relocationsOf(core.section), core.value, core.value + core.size), DATA_RELOCATIONS);
}
