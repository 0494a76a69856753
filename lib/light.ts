// After the compile: which interceptors may take the light path (asm/x86_64-sysv.S).
//
// Every SysV stub is assembled to jump to the full trampoline, which saves every
// register that can carry an argument. An interceptor whose body has no asm of
// its own also gets a light core, `__icc_light.N`, compiled preserve_all (it
// keeps every register the compiler knows it writes, but r11) and ending in a
// musttail jump to the target. That covers everything only if its machine code
// makes no call (a callee may clobber the upper halves of ymm/zmm argument
// registers, which a baseline-x86-64 function saves as xmm at most), uses no
// VEX/EVEX instruction, and jumps to the target through r11: clang 14 may
// compute a musttail target in a register its epilogue then restores. This
// module reads the ELF object (lib/arch/elf64.ts), decodes each light core (lib/x86-decode.ts), and
// for each one that passes moves the public symbol onto it in the symbol table
// and points the stub's jump at it: a few fields changed in place. What the
// decoder doesn't know keeps the full path; it never guesses.

import { readFileSync, writeFileSync } from 'node:fs';
import type { LightDecision } from './arch/arch.js';
import { Elf64, STT_FUNC, type ElfSymbol, type Relocation, type Section } from './arch/elf64.js';
import { FULL_TRAMPOLINE, LIGHT_CORE_PREFIX, lightBailPad, lightCoreSection, lightStubSection } from './trampoline.js';
import { planBailOut } from './light-bail.js';
import { decode } from './x86-decode.js';
import { u64 } from './arch/elf-file.js';
import { relocationsWithin } from './arch/relocations.js';

const EM_X86_64 = 62;

const R_X86_64_64 = 1;
const R_X86_64_PC32 = 2;
const R_X86_64_PLT32 = 4;
const R_X86_64_PC64 = 24;
/** Relocations that only address data: 64, PC32, GOTPCREL, 32, 32S, GOTTPOFF, TPOFF32, PC64, GOTPCRELX, REX_GOTPCRELX. */
const DATA_RELOCATIONS = new Set([R_X86_64_64, R_X86_64_PC32, 9, 10, 11, 22, 23, R_X86_64_PC64, 41, 42]);

/** Checks the light cores of an ELF x86-64 object and redirects the stubs of those that pass.
 *  Anything else (bitcode from -flto, another format) is left as it is. */
export function selectLightPaths(file: string): LightDecision[] {
  const buf = readFileSync(file);
  const elf = Elf64.parse(buf, EM_X86_64);
  if (!elf) return [];
  const unusedPads: { section: Section; size: number }[] = [];
  // Cores written alone, by their sections (the core has a C++ name; the asm labels it __icc_light.N).
  const lean = elf.sections.filter((s) => LEAN_CORE_SECTION.test(s.name) && !elf.sectionNamed(lightStubSection(coreOf(s))) && hasCheck(elf, s));
  const leanSections = new Set(lean.map((s) => s.index));
  const decisions = elf.symbols
    .filter((s) => s.name.startsWith(LIGHT_CORE_PREFIX) && s.type === STT_FUNC && s.section !== 0 && !leanSections.has(s.section))
    .map((core): LightDecision => {
      const stub = elf.sectionNamed(lightStubSection(core.name));
      const pub = stub && elf.functionIn(stub);
      const symbol = pub?.name ?? '?';
      const drop = (which: 'light' | 'full'): void => {
        const section = elf.sectionNamed(lightCoreSection(core.name, which));
        if (section) elf.exclude(section, (at) => at.name.startsWith('.data.rel.ro.__icc_rec.') || at.name.startsWith('.rodata.__icc_rec.'));
      };
      const body = coreCode(elf, core);
      const reason = body ? whyNotLight(body) : 'no code';
      if (reason) {
        // A core that calls only on a rare path may still get a fast entry (lib/light-bail.ts).
        if (body && pub && bailOut(elf, core, pub, body)) return { core: core.name, symbol, light: true, bailOut: true };
        drop('light');
        return { core: core.name, symbol, light: false, reason };
      }
      const jump = stub && stubJump(elf, stub);
      if (!jump) return { core: core.name, symbol, light: false, reason: 'stub not found' };
      elf.retarget(jump, core); // the stub's jump now names the light core itself
      // The public symbol itself moves onto the light core, so a call reaches it with no jump in
      // between; references the assembler made relative to the stub's section still take the stub.
      if (pub) elf.moveSymbol(pub, core);
      drop('full'); // the light core has the body inlined; the full trampoline never runs for it
      // The stub too, unless code refers to its section itself (a local symbol's callers in the TU).
      if (stub) elf.exclude(stub, () => false, pub);
      // Nothing bails out of it: its bail-out pad, the section's last 12 bytes, goes (last of all:
      // that moves relocations).
      const pad = bailPad(elf, core);
      const section = elf.sections[core.section];
      if (pad && pad.value + BAIL_PAD_BYTES === section.size) unusedPads.push({ section, size: pad.value });
      return { core: core.name, symbol, light: true };
    });
  const entries = leanEntries(elf);
  decisions.push(...lean.map((section) => leanCore(elf, section, entries.get(coreOf(section)))));
  for (const section of elf.sections) if (section.name.startsWith(LEAN_SECTION)) elf.discard(section);
  for (const { section, size } of unusedPads) elf.truncate(section, size);
  if (decisions.length > 0) writeFileSync(file, buf);
  return decisions;
}

/** The check before a lean core (asm/x86_64-sysv.S icc_sysv_lean), its last 8 bytes: test %r11, %r11;
 *  jz (the null report); jmp *%r11. */
const LEAN_CHECK = [0x4d, 0x85, 0xdb, 0x74, -1, 0x41, 0xff, 0xe3];

/** A light core's own section, `.text.__icc_light.N` (trampoline.ts lightCoreSection), and back. */
const LEAN_CORE_SECTION = /^\.text\.__icc_light\.\d+$/;
const coreOf = (section: Section): string => section.name.slice('.text.'.length);

/** Whether a light core's section starts with the check of a core written alone (lib/rewrite/emit.ts). */
function hasCheck(elf: Elf64, section: Section): boolean {
  return section.size > 32 && !LEAN_CHECK.some((b, i) => b >= 0 && elf.buf[section.offset + 24 + i] !== b);
}

/** A light core written alone (lib/rewrite/emit.ts): its public symbol, undefined in the object
 *  until the core passes, and the visibility its definition gets. */
interface LeanEntry {
  pub: ElfSymbol;
  visibility: number;
}

/** Where emit.ts puts each lean core's entry (24 bytes: the public symbol's address, the core's
 *  number, and with -fcf-protection the core's address); the section's name ends in the visibility. */
const LEAN_SECTION = '.icc_lean.';
const VISIBILITY: Record<string, number> = { default: 0, hidden: 2, protected: 3 };

/** The lean cores' entries, by the core's name (`__icc_light.N`). */
function leanEntries(elf: Elf64): Map<string, LeanEntry> {
  const out = new Map<string, LeanEntry>();
  for (const section of elf.sections) {
    const visibility = section.name.startsWith(LEAN_SECTION) ? VISIBILITY[section.name.slice(LEAN_SECTION.length)] : undefined;
    if (visibility === undefined) continue;
    const at = new Map(elf.relocationsOf(section.index).filter((r) => r.type === R_X86_64_64).map((r) => [r.offset, r]));
    for (let offset = 0; offset + 24 <= section.size; offset += 24) {
      const pub = elf.symbols[at.get(offset)?.symbol ?? -1];
      const core = u64(elf.buf, section.offset + offset + 8);
      if (pub) out.set(`${LIGHT_CORE_PREFIX}${core}`, { pub, visibility });
    }
  }
  return out;
}

/** Checks a lean core, at +32 in its section; when it passes, points its tail jumps at the check
 *  before it and defines the public symbol there. One that fails is compiled again (lib/pipeline.ts). */
function leanCore(elf: Elf64, section: Section, entry: LeanEntry | undefined): LightDecision {
  const name = coreOf(section);
  // At +32: the core as clang named it, the asm's label `__icc_light.N`, and perhaps the public symbol
  // that asm defined there; the core is the one with a size.
  const here = elf.symbolsIn(section.index).filter((s) => s.type === STT_FUNC && s.value === 32);
  const core = here.reduce<ElfSymbol | undefined>((a, s) => (a && a.size >= s.size ? a : s), undefined);
  const decided = (reason?: string): LightDecision => ({ core: name, symbol: pub?.name ?? '?', light: reason === undefined, ...(reason ? { reason } : {}) });
  // Without an entry the file-scope asm line defined the public symbol at the core (an extern "C" one).
  const pub = entry?.pub ?? here.find((s) => s !== core && s.name !== name);
  if (!core || !pub) return decided('no core, or no public symbol for it');
  if (entry && entry.pub.section !== 0) return decided('the public symbol is already defined');
  const body = coreCode(elf, core);
  if (!body) return decided('no code');
  const insns = decode(body.code);
  const reason = whyNotLight(body, insns);
  if (reason) return decided(reason);
  // Every way out of the core is a tail jump through r11: a `ret` would be a call clang deleted.
  if (insns.some((insn) => insn.opcode === 0xc3 || insn.opcode === 0xc2)) return decided('a return');
  const last = insns[insns.length - 1];
  if (last?.kind !== 'indirect-jump' && !(last?.kind === 'jump' && (last.opcode === 0xeb || last.opcode === 0xe9))) return decided('no tail jump at its end');
  const tails = insns.filter((insn) => insn.kind === 'indirect-jump');
  if (tails.length === 0) return decided('no tail jump');
  for (const t of tails) {
    if (t.length !== 3 || t.modrm !== 0xe3) return decided('an indirect jump not through r11');
    if (t.at + 2 + 8 > 128) return decided('a tail jump too far from the null check');
  }
  // jmp *%r11 (3 bytes) becomes jmp rel8 back to the check, and int3.
  for (const t of tails) body.code.set([0xeb, -(t.at + 2 + 8) & 0xff, 0xcc], t.at);
  if (entry) elf.defineFunction(entry.pub, core, entry.visibility);
  for (const s of here) if (s.size === 0) elf.moveSymbol(s, core); // the label, and the symbol the asm defined
  return decided();
}

interface CoreCode {
  code: Buffer;
  /** Relocated fields by their offset in the core. */
  relocated: Map<number, Relocation>;
}

function coreCode(elf: Elf64, core: ElfSymbol): CoreCode | undefined {
  const code = elf.code(core);
  if (!code) return undefined;
  const relocated = new Map<number, Relocation>();
  for (const r of relocationsWithin(elf.relocationsOf(core.section), core.value, core.value + core.size)) relocated.set(r.offset - core.value, r);
  return { code, relocated };
}

/** Gives a core that calls on some path a fast entry past its prologue, in place, when
 *  lib/light-bail.ts finds one; the stub and the full core stay, for the bail-outs. */
function bailOut(elf: Elf64, core: ElfSymbol, pub: ElfSymbol, { code, relocated }: CoreCode): boolean {
  const pad = bailPad(elf, core);
  if (!pad) return false;
  const plan = planBailOut(code, relocated, pad.value - core.value, (r) => DATA_RELOCATIONS.has(r.type));
  if (typeof plan === 'string') return false;
  for (const p of plan.patches) code.set(p.bytes, p.at);
  for (const r of plan.dead) elf.dropRelocation(r);
  elf.clearUnwindRules(core.section); // the fast entry never touches the stack
  elf.moveSymbol(pub, { section: core.section, value: core.value + plan.entry, size: core.size - plan.entry });
  return true;
}

/** The bail-out pad after a light core in its section (asm/x86_64-sysv.S): `lea`, `jmp`. */
const BAIL_PAD_BYTES = 12;

function bailPad(elf: Elf64, core: ElfSymbol): ElfSymbol | undefined {
  const name = lightBailPad(core.name);
  return elf.symbolsIn(core.section).find((s) => s.name === name);
}

/** Why this light core may not be used, or undefined when it may. */
function whyNotLight({ code, relocated }: CoreCode, insns = decode(code)): string | undefined {
  // A direct call or jump out of the core carries a relocation, since the core is alone in its section.
  for (const insn of insns) {
    switch (insn.kind) {
      case 'unknown':
        return `an instruction the check does not decode (at +${insn.at})`;
      case 'vex':
        return 'a VEX/EVEX instruction';
      case 'system':
        return 'a system call or state instruction';
      case 'call':
        return 'a call';
      case 'indirect-jump':
        // The tail jump to the target: through r11, which no preserve_all epilogue restores.
        if ((insn.rex! & 1) === 1 && (insn.modrm === 0xe3 || insn.modrm === 0x23)) break;
        return 'an indirect jump not through r11';
      case 'jump': {
        const rel = insn.rel!;
        if (relocated.has(insn.at + rel.at)) return 'a jump out of the core';
        const disp = rel.width === 1 ? code.readInt8(insn.at + rel.at) : code.readInt32LE(insn.at + rel.at);
        const to = insn.at + insn.length + disp;
        if (to < 0 || to >= code.length) return 'a jump out of the core';
        break;
      }
    }
  }
  for (const [, r] of relocated) {
    if (!DATA_RELOCATIONS.has(r.type)) return `relocation type ${r.type} (a call or a jump)`;
  }
  return undefined;
}

/** The relocation of a stub's jump to the full trampoline. */
function stubJump(elf: Elf64, stub: Section): Relocation | undefined {
  const full = elf.relocationsOf(stub.index).filter((r) => (r.type === R_X86_64_PLT32 || r.type === R_X86_64_PC32) && elf.symbols[r.symbol]?.name === FULL_TRAMPOLINE);
  return full.length === 1 ? full[0] : undefined;
}
