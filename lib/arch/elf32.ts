// A small reader for 32-bit little-endian ELF relocatable objects (i386):
// sections, symbols and REL relocations (the addend sits in the relocated
// field), and the one edit the i386 light-path check makes: a relocation's
// symbol, changed in place. The same shapes as lib/arch/elf64.ts, so the
// architecture modules read alike.

import type { ElfSymbol, Relocation, Section } from './elf64.js';

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHT_SYMTAB_SHNDX = 18;
const SHN_XINDEX = 0xffff;

export class Elf32 {
  private readonly relocating = new Map<number, Section[]>();
  private readonly byName = new Map<string, Section>();

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
    if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 1 || buf[5] !== 1) return undefined;
    if (buf.readUInt16LE(16) !== 1 || buf.readUInt16LE(18) !== machine) return undefined;
    const shoff = buf.readUInt32LE(0x20);
    const header = (i: number): number => shoff + i * 40;
    let count = buf.readUInt16LE(0x30);
    if (count === 0) count = buf.readUInt32LE(header(0) + 20);
    let names = buf.readUInt16LE(0x32);
    if (names === SHN_XINDEX) names = buf.readUInt32LE(header(0) + 24);
    const raw = Array.from({ length: count }, (_, i) => {
      const h = header(i);
      return {
        index: i,
        nameOffset: buf.readUInt32LE(h),
        type: buf.readUInt32LE(h + 4),
        offset: buf.readUInt32LE(h + 16),
        size: buf.readUInt32LE(h + 20),
        link: buf.readUInt32LE(h + 24),
        info: buf.readUInt32LE(h + 28),
        entsize: buf.readUInt32LE(h + 36),
      };
    });
    if (raw.some((s) => s.type === SHT_RELA)) return undefined;
    const strings = raw[names];
    const sections = raw.map(({ nameOffset, ...s }) => ({ ...s, name: cString(buf, strings.offset + nameOffset) }));
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return new Elf32(buf, sections, []);
    const strtab = sections[symtab.link];
    const xindex = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    const symbols: ElfSymbol[] = [];
    for (let i = 0; i < symtab.size / 16; i++) {
      const e = symtab.offset + i * 16;
      let section = buf.readUInt16LE(e + 14);
      if (section === SHN_XINDEX && xindex) section = buf.readUInt32LE(xindex.offset + i * 4);
      symbols.push({
        index: i,
        name: cString(buf, strtab.offset + buf.readUInt32LE(e)),
        type: buf[e + 12] & 0xf,
        bind: buf[e + 12] >> 4,
        section,
        value: buf.readUInt32LE(e + 4),
        size: buf.readUInt32LE(e + 8),
      });
    }
    return new Elf32(buf, sections, symbols);
  }

  sectionNamed(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** The REL relocations that apply to a section; each addend is read from the field it relocates (32-bit fields). */
  relocationsOf(section: number): Relocation[] {
    const target = this.sections[section];
    const out: Relocation[] = [];
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
  }

  /** The bytes of a function symbol. */
  code(sym: ElfSymbol): Buffer | undefined {
    const section = this.sections[sym.section];
    if (!section || sym.size === 0 || sym.section >= 0xff00) return undefined;
    return this.buf.subarray(section.offset + sym.value, section.offset + sym.value + sym.size);
  }
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}
