// After the compile: which AArch64 stubs may use the light trampoline
// (asm/aarch64.S, __icc_aapcs64_light), which saves x0-x8 but no vector
// register. A core may take it when its machine code makes no call and
// touches no FP/SIMD/SVE register: then q0-q7, z0-z7 and p0-p3 reach the
// target as the caller left them. Instructions are 4 bytes, so the check
// decodes every one by its top-level encoding group and accepts only the
// groups and instructions known to leave those registers alone; anything
// else (SIMD&FP, SVE, loads and stores of vector registers, branches with
// link, register branches but RET, system instructions but hints and MRS)
// keeps the full path. A branch or call out of the core carries a relocation.

import { readFileSync, writeFileSync } from 'node:fs';
import type { LightDecision } from './arch.js';
import { decideStub } from './stub-light.js';
import { Elf64, STB_WEAK, STT_FUNC, STT_SECTION, type ElfSymbol } from './elf64.js';
import { relocationsWithin } from './relocations.js';

const EM_AARCH64 = 183;
const R_AARCH64_PREL32 = 261;
const R_AARCH64_JUMP26 = 282;
const R_AARCH64_CALL26 = 283;
/** Branches to a label elsewhere: tbz/tbnz, b.cond/cbz/cbnz, b, bl. */
const BRANCH_RELOCATIONS = new Set([279, 280, R_AARCH64_JUMP26, R_AARCH64_CALL26]);
export const FULL = '__icc_aapcs64_trampoline';
export const LIGHT = '__icc_aapcs64_light';
const RECORD_SECTION = '.rodata.__icc_rec.';
const STUB_SECTION = '.text.';

/** Why this instruction may touch a vector register or leave the core, or undefined when it can't. */
export function whyNotLightInstruction(insn: number, at: number, size: number): string | undefined {
  const op0 = (insn >>> 25) & 0xf;
  if ((op0 & 0b1110) === 0b1000) return undefined; // data processing, immediate
  if ((op0 & 0b0111) === 0b0101) return undefined; // data processing, register (integer)
  if ((op0 & 0b0111) === 0b0111) return 'a SIMD&FP instruction';
  if ((op0 & 0b0101) === 0b0100) return (insn >>> 26) & 1 ? 'a SIMD&FP load or store' : undefined; // loads and stores
  if ((op0 & 0b1110) === 0b1010) {
    if (((insn & 0xff000010) >>> 0) === 0x54000000) return undefined; // b.cond: within the core (no relocation)
    if (((insn >>> 25) & 0x3f) === 0b011010 || ((insn >>> 25) & 0x3f) === 0b011011) return undefined; // cbz/cbnz, tbz/tbnz
    if (((insn & 0xfc000000) >>> 0) === 0x14000000) {
      const target = at + (((insn << 6) >> 6) * 4); // b imm26, sign-extended
      return target >= 0 && target < size ? undefined : 'a branch out of the core';
    }
    if (insn === 0xd65f03c0 || insn === 0xd65f0bff || insn === 0xd65f0fff) return undefined; // ret, retaa, retab
    if (((insn & 0xfffff01f) >>> 0) === 0xd503201f) return undefined; // hints: nop, bti, paciasp, autiasp
    if (((insn & 0xfff00000) >>> 0) === 0xd5300000) return undefined; // mrs (reads a system register)
    return 'a call, a register branch or a system instruction';
  }
  return 'an SVE or reserved instruction';
}

/** Checks the cores of an AArch64 ELF object and points the stubs of those that pass at the light trampoline. */
export function selectLightPaths(file: string): LightDecision[] {
  const buf = readFileSync(file);
  const elf = Elf64.parse(buf, EM_AARCH64);
  if (!elf) return [];
  const light = elf.symbols.find((s) => s.name === LIGHT);
  const decisions: LightDecision[] = [];
  for (const stub of elf.symbols) {
    if (stub.type !== STT_FUNC || stub.section === 0 || stub.section >= 0xff00) continue;
    const section = elf.sections[stub.section];
    if (section.name !== STUB_SECTION + stub.name) continue;
    const jump = elf.relocationsOf(section.index).find((r) => r.type === R_AARCH64_JUMP26 && elf.symbols[r.symbol]?.name === FULL);
    if (!jump) continue;
    const core = coreOf(elf, stub.name);
    decisions.push(decideStub({ name: stub.name, replaceable: stub.bind === STB_WEAK }, core, light, (c) => whyNotLight(elf, c), (l) => elf.retarget(jump, l)));
  }
  if (decisions.some((d) => d.light)) writeFileSync(file, buf);
  return decisions;
}

/** The core a stub's record names (record+0: `.word core - .`). */
function coreOf(elf: Elf64, stub: string): ElfSymbol | undefined {
  const record = elf.sectionNamed(RECORD_SECTION + stub);
  const r = record && elf.relocationsOf(record.index).find((x) => x.type === R_AARCH64_PREL32 && x.offset === 0);
  const target = r && elf.symbols[r.symbol];
  if (!r || !target) return undefined;
  if (target.type === STT_FUNC) return r.addend === 0 ? target : undefined;
  // A local core may be named through its section: the function at that offset.
  if (target.type === STT_SECTION) return elf.symbolsIn(target.section).find((s) => s.type === STT_FUNC && s.value === r.addend);
  return undefined;
}

function whyNotLight(elf: Elf64, core: ElfSymbol): string | undefined {
  const code = elf.code(core);
  if (!code || code.length % 4 !== 0) return 'no code';
  for (const r of relocationsWithin(elf.relocationsOf(core.section), core.value, core.value + core.size)) {
    if (BRANCH_RELOCATIONS.has(r.type)) return 'a call or a jump out of the core';
  }
  for (let i = 0; i < code.length; i += 4) {
    const reason = whyNotLightInstruction(code.readUInt32LE(i), i, code.length);
    if (reason) return `${reason} at +${i}`;
  }
  return undefined;
}
