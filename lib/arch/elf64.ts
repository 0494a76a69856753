// A small reader for 64-bit little-endian ELF relocatable objects: sections,
// symbols and RELA relocations, and the one edit the light-path checks make
// (a relocation's symbol, changed in place). Architecture modules use it to
// check cores in the object clang wrote.

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHT_SYMTAB_SHNDX = 18;
const SHN_XINDEX = 0xffff;

export const STT_SECTION = 3;
export const STT_FUNC = 2;
export const STB_WEAK = 2;

export interface Section {
  index: number;
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  type: number;
  bind: number;
  section: number;
  value: number;
  size: number;
}

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
  ) {
    for (const s of sections) {
      if (s.type === SHT_RELA) this.relocating.set(s.info, [...(this.relocating.get(s.info) ?? []), s]);
      if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
  }

  /** The object, when `buf` is an ELF64 little-endian relocatable file for `machine` (e_machine) with RELA relocations only. */
  static parse(buf: Buffer, machine: number): Elf64 | undefined {
    if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return undefined;
    if (buf.readUInt16LE(16) !== 1 || buf.readUInt16LE(18) !== machine) return undefined;
    const shoff = Number(buf.readBigUInt64LE(0x28));
    const header = (i: number): number => shoff + i * 64;
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
    if (raw.some((s) => s.type === SHT_REL)) return undefined;
    const strings = raw[names];
    const sections = raw.map((s) => ({ ...s, name: cString(buf, strings.offset + s.nameOffset) }));
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return new Elf64(buf, sections, []);
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
        bind: buf[e + 4] >> 4,
        section,
        value: Number(buf.readBigUInt64LE(e + 8)),
        size: Number(buf.readBigUInt64LE(e + 16)),
      });
    }
    return new Elf64(buf, sections, symbols);
  }

  sectionNamed(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** The RELA relocations that apply to a section. */
  relocationsOf(section: number): Relocation[] {
    const out: Relocation[] = [];
    for (const s of this.relocating.get(section) ?? []) {
      for (let at = s.offset; at < s.offset + s.size; at += 24) {
        out.push({
          at,
          offset: Number(this.buf.readBigUInt64LE(at)),
          type: this.buf.readUInt32LE(at + 8),
          symbol: this.buf.readUInt32LE(at + 12),
          addend: Number(this.buf.readBigInt64LE(at + 16)),
        });
      }
    }
    return out;
  }

  /** Points a relocation at another symbol (r_info's high half), in the buffer. */
  retarget(r: Relocation, symbol: ElfSymbol): void {
    this.buf.writeUInt32LE(symbol.index, r.at + 12);
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
