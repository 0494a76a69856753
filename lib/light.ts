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
// module reads the ELF object, decodes each light core (lib/x86-decode.ts), and
// for each one that passes moves the public symbol onto it in the symbol table
// and points the stub's jump at it: a few fields changed in place. What the
// decoder doesn't know keeps the full path; it never guesses.

import { readFileSync, writeFileSync } from 'node:fs';
import { FULL_TRAMPOLINE, LIGHT_CORE_PREFIX, lightCoreSection, lightStubSection } from './trampoline.js';
import { decode } from './x86-decode.js';

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHT_SYMTAB_SHNDX = 18;
const STT_FUNC = 2;
const SHN_XINDEX = 0xffff;
const SHN_LORESERVE = 0xff00;
const SHF_EXCLUDE = 0x80000000n;

const R_X86_64_64 = 1;
const R_X86_64_PC32 = 2;
const R_X86_64_PLT32 = 4;
const R_X86_64_PC64 = 24;
/** Relocations that only address data: 64, PC32, GOTPCREL, 32, 32S, GOTTPOFF, TPOFF32, PC64, GOTPCRELX, REX_GOTPCRELX. */
const DATA_RELOCATIONS = new Set([R_X86_64_64, R_X86_64_PC32, 9, 10, 11, 22, 23, R_X86_64_PC64, 41, 42]);

export interface LightDecision {
  /** The light core's symbol, and the public symbol its stub defines (mangled). */
  core: string;
  symbol: string;
  light: boolean;
  /** Why the full path stays, when it does. */
  reason?: string;
}

interface Section {
  index: number;
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

interface ElfSymbol {
  index: number;
  name: string;
  type: number;
  section: number;
  value: number;
  size: number;
}

interface Relocation {
  /** Byte offset of the entry in the file. */
  at: number;
  offset: number;
  symbol: number;
  type: number;
}

/** Checks the light cores of an ELF x86-64 object and redirects the stubs of those that pass.
 *  Anything else (bitcode from -flto, another format) is left as it is. */
export function selectLightPaths(file: string): LightDecision[] {
  const buf = readFileSync(file);
  const elf = Elf.parse(buf);
  if (!elf) return [];
  const decisions = elf.symbols
    .filter((s) => s.name.startsWith(LIGHT_CORE_PREFIX) && s.type === STT_FUNC && s.section !== 0)
    .map((core): LightDecision => {
      const stub = elf.sectionNamed(lightStubSection(core.name));
      const pub = stub && elf.functionIn(stub);
      const symbol = pub?.name ?? '?';
      const reason = elf.whyNotLight(core);
      const drop = (which: 'light' | 'full'): void => {
        const section = elf.sectionNamed(lightCoreSection(core.name, which));
        if (section) elf.exclude(section, (at) => at.name.startsWith('.data.rel.ro.__icc_rec.') || at.name.startsWith('.rodata.__icc_rec.'));
      };
      if (reason) {
        drop('light');
        return { core: core.name, symbol, light: false, reason };
      }
      const jump = stub && elf.stubJump(stub);
      if (!jump) return { core: core.name, symbol, light: false, reason: 'stub not found' };
      buf.writeUInt32LE(core.index, jump.at + 12); // r_info's high half: the symbol, now the light core itself
      // The public symbol itself moves onto the light core, so a call reaches it with no jump in
      // between; references the assembler made relative to the stub's section still take the stub.
      if (pub && core.section < SHN_LORESERVE) elf.moveSymbol(pub, core);
      drop('full'); // the light core has the body inlined; the full trampoline never runs for it
      return { core: core.name, symbol, light: true };
    });
  if (decisions.length > 0) writeFileSync(file, buf);
  return decisions;
}

class Elf {
  /** RELA sections by the index of the section they relocate. */
  private readonly relocating = new Map<number, Section[]>();
  private readonly byName = new Map<string, Section>();

  private constructor(
    private readonly buf: Buffer,
    readonly sections: Section[],
    readonly symbols: ElfSymbol[],
    private readonly symtabOffset = 0,
    private readonly shoff = 0,
  ) {
    for (const s of sections) {
      if (s.type === SHT_RELA) this.relocating.set(s.info, [...(this.relocating.get(s.info) ?? []), s]);
      if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
  }

  sectionNamed(name: string): Section | undefined {
    return this.byName.get(name);
  }

  static parse(buf: Buffer): Elf | undefined {
    // ELF, 64-bit, little-endian, relocatable, x86-64.
    if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return undefined;
    if (buf.readUInt16LE(16) !== 1 || buf.readUInt16LE(18) !== 62) return undefined;
    const shoff = Number(buf.readBigUInt64LE(0x28));
    const header = (i: number): number => shoff + i * 64;
    // Extended numbering: more than 0xff00 sections keep the counts in section 0.
    let count = buf.readUInt16LE(0x3c);
    if (count === 0) count = Number(buf.readBigUInt64LE(header(0) + 32));
    let names = buf.readUInt16LE(0x3e);
    if (names === SHN_XINDEX) names = buf.readUInt32LE(header(0) + 40);
    const raw = Array.from({ length: count }, (_, i) => {
      const h = header(i);
      return {
        index: i,
        nameOffset: buf.readUInt32LE(h),
        type: buf.readUInt32LE(h + 4),
        offset: Number(buf.readBigUInt64LE(h + 24)),
        size: Number(buf.readBigUInt64LE(h + 32)),
        link: buf.readUInt32LE(h + 40),
        info: buf.readUInt32LE(h + 44),
      };
    });
    // x86-64 objects carry RELA relocations; one with REL is not what this check knows how to read.
    if (raw.some((s) => s.type === SHT_REL)) return undefined;
    const strings = raw[names];
    const sections = raw.map((s) => ({ ...s, name: cString(buf, strings.offset + s.nameOffset) }));
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return new Elf(buf, sections, [], 0, shoff);
    const strtab = sections[symtab.link];
    const xindex = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    const symbols: ElfSymbol[] = [];
    for (let i = 0; i < symtab.size / 24; i++) {
      const e = symtab.offset + i * 24;
      let section = buf.readUInt16LE(e + 6);
      if (section === SHN_XINDEX && xindex) section = buf.readUInt32LE(xindex.offset + i * 4);
      symbols.push({
        index: i,
        name: cString(buf, strtab.offset + buf.readUInt32LE(e)),
        type: buf[e + 4] & 0xf,
        section,
        value: Number(buf.readBigUInt64LE(e + 8)),
        size: Number(buf.readBigUInt64LE(e + 16)),
      });
    }
    return new Elf(buf, sections, symbols, symtab.offset, shoff);
  }

  private relocationsOf(section: number): Relocation[] {
    return (this.relocating.get(section) ?? []).flatMap((rela) => this.relocationsIn(rela));
  }

  private relocationsIn(rela: Section): Relocation[] {
    const out: Relocation[] = [];
    for (let at = rela.offset; at < rela.offset + rela.size; at += 24) {
      out.push({ at, offset: Number(this.buf.readBigUInt64LE(at)), type: this.buf.readUInt32LE(at + 8), symbol: this.buf.readUInt32LE(at + 12) });
    }
    return out;
  }

  /** Why this light core may not be used, or undefined when it may. */
  whyNotLight(core: ElfSymbol): string | undefined {
    const section = this.sections[core.section];
    if (!section || core.size === 0) return 'no code';
    const start = core.value;
    const code = this.buf.subarray(section.offset + start, section.offset + start + core.size);
    // Relocated fields by their offset in the core: data addresses only (a direct call or jump
    // out of the core carries a relocation, since the core is alone in its section).
    const relocated = new Map<number, Relocation>();
    for (const r of this.relocationsOf(core.section)) {
      if (r.offset < start || r.offset >= start + core.size) continue;
      relocated.set(r.offset - start, r);
    }
    for (const insn of decode(code)) {
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

  /** Marks a section SHF_EXCLUDE, so the linker leaves it out, when nothing but unwind and debug
   *  information refers to it, or a section `neutralize` accepts: those references become
   *  R_X86_64_NONE (a record's address of a core the program never reaches). */
  exclude(section: Section, neutralize: (at: Section) => boolean): boolean {
    const refs = this.referencesInto().get(section.index) ?? [];
    if (refs.some(({ at }) => !neutralize(at))) return false; // live code or data refers to it: keep it
    for (const { r } of refs) this.buf.writeBigUInt64LE(0n, r.at + 8); // r_info: R_X86_64_NONE against no symbol
    const flags = this.shoff + section.index * 64 + 8;
    this.buf.writeBigUInt64LE(this.buf.readBigUInt64LE(flags) | SHF_EXCLUDE, flags);
    return true;
  }

  private references?: Map<number, { r: Relocation; at: Section }[]>;

  /** By section: the relocations that refer to a symbol defined in it, from sections other than
   *  itself, unwind and debug information (read once: a shim has thousands of cores). */
  private referencesInto(): Map<number, { r: Relocation; at: Section }[]> {
    if (this.references) return this.references;
    const into = new Map<number, { r: Relocation; at: Section }[]>();
    for (const [target, relas] of this.relocating) {
      const at = this.sections[target];
      if (!at || at.name === '.eh_frame' || at.name.startsWith('.debug')) continue;
      for (const r of relas.flatMap((rela) => this.relocationsIn(rela))) {
        const defined = this.symbols[r.symbol]?.section;
        if (defined === undefined || defined === 0 || defined === target) continue;
        const list = into.get(defined) ?? [];
        if (list.length === 0) into.set(defined, list);
        list.push({ r, at });
      }
    }
    return (this.references = into);
  }

  private functions?: Map<number, ElfSymbol>;

  /** The first function symbol defined in a section (a stub's section holds one). */
  functionIn(section: Section): ElfSymbol | undefined {
    if (!this.functions) {
      this.functions = new Map();
      for (const s of this.symbols) if (s.type === STT_FUNC && !this.functions.has(s.section)) this.functions.set(s.section, s);
    }
    return this.functions.get(section.index);
  }

  /** Defines `symbol` where `to` is (section, value, size), in place. */
  moveSymbol(symbol: ElfSymbol, to: ElfSymbol): void {
    const e = this.symtabOffset + symbol.index * 24;
    this.buf.writeUInt16LE(to.section, e + 6);
    this.buf.writeBigUInt64LE(BigInt(to.value), e + 8);
    this.buf.writeBigUInt64LE(BigInt(to.size), e + 16);
  }

  /** The relocation of a stub's jump to the full trampoline. */
  stubJump(stub: Section): Relocation | undefined {
    const full = this.relocationsOf(stub.index).filter((r) => (r.type === R_X86_64_PLT32 || r.type === R_X86_64_PC32) && this.symbols[r.symbol]?.name === FULL_TRAMPOLINE);
    return full.length === 1 ? full[0] : undefined;
  }
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}
