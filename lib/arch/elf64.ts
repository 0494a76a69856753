// A small reader for 64-bit little-endian ELF relocatable objects: sections,
// symbols and RELA relocations, and the one edit the light-path checks make
// (a relocation's symbol, changed in place), and the edits after them: moving a
// symbol, dropping a section the program never runs. Architecture modules use
// it to check cores in the object clang wrote.

import { ET_REL, i64, readElfHeader, readSections, readSymbols, u64, type ElfSymbol, type Section } from './elf-file.js';

export type { ElfSymbol, Section } from './elf-file.js';

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHF_EXCLUDE = 0x80000000n;

export const STT_SECTION = 3;
export const STT_FUNC = 2;
export const STB_WEAK = 2;

export interface Relocation {
  /** Byte offset of the entry in the file. */
  at: number;
  offset: number;
  symbol: number;
  type: number;
  addend: number;
}

export class Elf64 {
  private readonly relocating = new Map<number, Section[]>();
  private readonly byName = new Map<string, Section>();

  private constructor(
    readonly buf: Buffer,
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

  /** The object, when `buf` is an ELF64 little-endian relocatable file for `machine` (e_machine) with RELA relocations only. */
  static parse(buf: Buffer, machine: number): Elf64 | undefined {
    const header = readElfHeader(buf);
    if (!header || header.type !== ET_REL || header.machine !== machine) return undefined;
    const shoff = header.shoff;
    const sections = readSections(buf, header);
    if (sections.some((s) => s.type === SHT_REL)) return undefined;
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return new Elf64(buf, sections, [], 0, shoff);
    const symbols = readSymbols(buf, header, sections, symtab);
    return new Elf64(buf, sections, symbols, symtab.offset, shoff);
  }

  sectionNamed(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** The RELA relocations that apply to a section, read once (every core in a shared .text asks for
   *  its relocations); retarget and dropRelocation keep them current. */
  relocationsOf(section: number): readonly Relocation[] {
    let out = this.applying.get(section);
    if (!out) this.applying.set(section, (out = (this.relocating.get(section) ?? []).flatMap((rela) => this.relocationsIn(rela))));
    return out;
  }

  private readonly applying = new Map<number, Relocation[]>();

  /** A RELA section's entries, read from the buffer. */
  private relocationsIn(rela: Section): Relocation[] {
    const out: Relocation[] = [];
    for (let at = rela.offset; at < rela.offset + rela.size; at += 24) {
      out.push({
        at,
        offset: u64(this.buf, at),
        type: this.buf.readUInt32LE(at + 8),
        symbol: this.buf.readUInt32LE(at + 12),
        addend: i64(this.buf, at + 16),
      });
    }
    return out;
  }

  /** Points a relocation at another symbol (r_info's high half), in the buffer. */
  retarget(r: Relocation, symbol: ElfSymbol): void {
    this.buf.writeUInt32LE(symbol.index, r.at + 12);
    r.symbol = symbol.index;
  }

  /** Marks a section SHF_EXCLUDE, so the linker leaves it out, when nothing but unwind and debug
   *  information refers to it, or a section `neutralize` accepts: those references become
   *  no relocation at all (a record's address of a core the program never reaches). References
   *  through `follows` (a symbol moveSymbol took out of the section) neither keep it nor change. */
  exclude(section: Section, neutralize: (at: Section) => boolean, follows?: ElfSymbol): boolean {
    // References through `follows`, a symbol moved out of the section, go where it went now.
    const refs = (this.referencesInto().get(section.index) ?? []).filter(({ r }) => r.symbol !== follows?.index);
    if (refs.some(({ at }) => !neutralize(at))) return false; // live code or data refers to it: keep it
    for (const { r } of refs) this.dropRelocation(r);
    this.markExcluded(section);
    return true;
  }

  private markExcluded(section: Section): void {
    const flags = this.shoff + section.index * 64 + 8;
    this.buf.writeBigUInt64LE(this.buf.readBigUInt64LE(flags) | SHF_EXCLUDE, flags);
  }

  /** By section: the relocations that refer to a symbol defined in it, from sections other than
   *  itself, unwind and debug information (read once: a shim has thousands of cores). */
  private references?: Map<number, { r: Relocation; at: Section }[]>;

  private referencesInto(): Map<number, { r: Relocation; at: Section }[]> {
    if (this.references) return this.references;
    const into = new Map<number, { r: Relocation; at: Section }[]>();
    for (const target of this.relocating.keys()) {
      const at = this.sections[target];
      if (!at || at.name === '.eh_frame' || at.name.startsWith('.debug')) continue;
      for (const r of this.relocationsOf(target)) {
        const defined = this.symbols[r.symbol]?.section;
        if (defined === undefined || defined === 0 || defined === target) continue;
        const list = into.get(defined) ?? [];
        if (list.length === 0) into.set(defined, list);
        list.push({ r, at });
      }
    }
    return (this.references = into);
  }

  /** Cuts the end off a section (its header's size), and the relocations there off its RELA
   *  sections (the others move up): GNU ld checks every relocation's offset, even type NONE's. */
  truncate(section: Section, size: number): void {
    for (const rela of this.relocating.get(section.index) ?? []) {
      const kept = this.relocationsIn(rela).filter((r) => r.offset < size);
      kept.forEach((r, i) => this.buf.copyWithin(rela.offset + i * 24, r.at, r.at + 24));
      rela.size = kept.length * 24;
      this.buf.writeBigUInt64LE(BigInt(rela.size), this.shoff + rela.index * 64 + 32);
    }
    this.applying.delete(section.index); // the entries moved: read again when asked
    section.size = size;
    this.buf.writeBigUInt64LE(BigInt(size), this.shoff + section.index * 64 + 32);
  }

  /** Drops a relocation (r_info 0: type NONE on every machine): the linker leaves its field alone. */
  dropRelocation(r: Relocation): void {
    this.buf.writeBigUInt64LE(0n, r.at + 8);
    r.type = 0;
    r.symbol = 0;
  }

  /** Empties the call-frame program of the .eh_frame FDEs that cover `section` (DW_CFA_nop over
   *  every instruction): the CIE's initial rule (CFA = rsp + 8, return address at CFA - 8 on
   *  x86-64) then holds at every address, as it does for code that never touches the stack. */
  clearUnwindRules(section: number): number {
    const eh = this.sectionNamed('.eh_frame');
    if (!eh) return 0;
    const pcBegin = new Map(this.relocationsOf(eh.index).map((r) => [r.offset, r]));
    const augmented = new Map<number, boolean>(); // CIE offset -> augmentation starts with 'z'
    let cleared = 0;
    for (let at = 0; at + 8 <= eh.size; ) {
      const length = this.buf.readUInt32LE(eh.offset + at);
      if (length === 0 || length === 0xffffffff) break;
      const id = this.buf.readUInt32LE(eh.offset + at + 4);
      const end = at + 4 + length;
      if (id === 0) augmented.set(at, this.buf[eh.offset + at + 9] === 0x7a);
      else {
        const r = pcBegin.get(at + 8);
        const z = augmented.get(at + 4 - id);
        if (r && z !== undefined && this.symbols[r.symbol]?.section === section) {
          let program = at + 16;
          if (z) {
            let augLength = 0;
            for (let shift = 0; ; shift += 7) {
              const b = this.buf[eh.offset + program++];
              augLength |= (b & 0x7f) << shift;
              if (b < 0x80) break;
            }
            program += augLength;
          }
          this.buf.fill(0, eh.offset + program, eh.offset + end); // DW_CFA_nop
          cleared++;
        }
      }
      at = end;
    }
    return cleared;
  }

  /** The symbols defined in each section, in symbol-table order (indexed once: a shim has thousands of
   *  sections). */
  private defined?: Map<number, ElfSymbol[]>;

  /** The symbols defined in a section (index). */
  symbolsIn(section: number): readonly ElfSymbol[] {
    if (!this.defined) {
      this.defined = new Map();
      for (const s of this.symbols) {
        if (s.section === 0) continue;
        const list = this.defined.get(s.section);
        if (list) list.push(s);
        else this.defined.set(s.section, [s]);
      }
    }
    return this.defined.get(section) ?? [];
  }

  /** The first function symbol defined in a section (a stub's section holds one). */
  functionIn(section: Section): ElfSymbol | undefined {
    return this.symbolsIn(section.index).find((s) => s.type === STT_FUNC);
  }

  /** Defines `symbol` where `to` is (section, value, size), in place. */
  moveSymbol(symbol: ElfSymbol, to: Pick<ElfSymbol, 'section' | 'value' | 'size'>): void {
    const e = this.symtabOffset + symbol.index * 24;
    this.buf.writeUInt16LE(to.section, e + 6);
    this.buf.writeBigUInt64LE(BigInt(to.value), e + 8);
    this.buf.writeBigUInt64LE(BigInt(to.size), e + 16);
  }

  /** Defines an undefined symbol as a function at `to`, with an ELF visibility (st_other), in place;
   *  its binding stays (a weak declaration makes a weak definition). */
  defineFunction(symbol: ElfSymbol, to: Pick<ElfSymbol, 'section' | 'value' | 'size'>, visibility: number): void {
    const e = this.symtabOffset + symbol.index * 24;
    this.buf[e + 4] = (symbol.bind << 4) | STT_FUNC;
    this.buf[e + 5] = visibility;
    this.moveSymbol(symbol, to);
  }

  /** Leaves a data section out of the link (SHF_EXCLUDE) with its relocations (type NONE): what
   *  only icc++ reads. */
  discard(section: Section): void {
    for (const r of this.relocationsOf(section.index)) this.dropRelocation(r);
    this.markExcluded(section);
  }

  /** The bytes of a function symbol. */
  code(sym: ElfSymbol): Buffer | undefined {
    const section = this.sections[sym.section];
    if (!section || sym.size === 0 || sym.section >= 0xff00) return undefined;
    return this.buf.subarray(section.offset + sym.value, section.offset + sym.value + sym.size);
  }
}
