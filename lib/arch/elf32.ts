// A small reader for 32-bit little-endian ELF relocatable objects (i386):
// sections, symbols and REL relocations (the addend sits in the relocated
// field), and the one edit the i386 light-path check makes: a relocation's
// symbol, changed in place. The same shapes as lib/arch/elf64.ts, so the
// architecture modules read alike.

import { ET_REL, readElfHeader, readSections, readSymbols, sectionTableFits, type ElfSymbol, type Section } from './elf-file.js';
import type { Relocation } from './elf64.js';

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;

export class Elf32 {
  private readonly relocating = new Map<number, Section[]>();
  private readonly byName = new Map<string, Section>();
  private readonly relocations = new Map<number, Relocation[]>();

  private constructor(
    readonly buf: Buffer,
    readonly sections: Section[],
    readonly symbols: ElfSymbol[],
  ) {
    for (const s of sections) {
      if (s.type === SHT_REL) this.relocating.set(s.info, [...(this.relocating.get(s.info) ?? []), s]);
      if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
  }

  /** The object, when `buf` is an ELF32 little-endian relocatable file for `machine` (e_machine) with REL relocations only. */
  static parse(buf: Buffer, machine: number): Elf32 | undefined {
    const header = readElfHeader(buf, 32);
    if (!header || header.type !== ET_REL || header.machine !== machine || !sectionTableFits(buf, header)) return undefined;
    const sections = readSections(buf, header);
    if (sections.some((s) => s.type === SHT_RELA)) return undefined;
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    return new Elf32(buf, sections, symtab ? readSymbols(buf, header, sections, symtab) : []);
  }

  sectionNamed(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** The REL relocations that apply to a section; each addend is read from the field it relocates (32-bit fields). */
  relocationsOf(section: number): Relocation[] {
    let out = this.relocations.get(section);
    if (out) return out; // read once: every core in .text asks for .text's
    const target = this.sections[section];
    out = [];
    this.relocations.set(section, out);
    for (const rel of this.relocating.get(section) ?? []) {
      for (let at = rel.offset; at < rel.offset + rel.size; at += 8) {
        const offset = this.buf.readUInt32LE(at);
        const info = this.buf.readUInt32LE(at + 4);
        const field = target.offset + offset;
        const addend = field + 4 <= target.offset + target.size ? this.buf.readInt32LE(field) : 0;
        out.push({ at, offset, type: info & 0xff, symbol: info >>> 8, addend });
      }
    }
    return out;
  }

  /** Points a relocation at another symbol (r_info's upper 24 bits), in the buffer. */
  retarget(r: Relocation, symbol: ElfSymbol): void {
    this.buf.writeUInt32LE(((symbol.index << 8) | r.type) >>> 0, r.at + 4);
    r.symbol = symbol.index; // the read-once list stays true to the buffer
  }

  /** The bytes of a function symbol. */
  code(sym: ElfSymbol): Buffer | undefined {
    const section = this.sections[sym.section];
    if (!section || sym.size === 0 || sym.section >= 0xff00) return undefined;
    return this.buf.subarray(section.offset + sym.value, section.offset + sym.value + sym.size);
  }
}
