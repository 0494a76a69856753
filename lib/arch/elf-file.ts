// The header, section table and symbol table of a little-endian ELF file
// (64-bit, or 32-bit when asked), read once for everything that looks into one:
// the relocatable objects clang writes (elf64.ts and elf32.ts, for the
// light-path checks) and the shared libraries icc-shim reads exports from
// (lib/shim/elf.ts). Each caller decides which file types it takes.

const SHN_XINDEX = 0xffff;
const SHT_SYMTAB_SHNDX = 18;

/** ELF's two classes: where their fields sit (header, section header, symbol). */
const LAYOUT = {
  64: { ident: 2, headerSize: 64, shoff: 0x28, shentsize: 0x3a, count: 0x3c, names: 0x3e, shSize: 0x20, shLink: 0x28, sym: 24 },
  32: { ident: 1, headerSize: 52, shoff: 0x20, shentsize: 0x2e, count: 0x30, names: 0x32, shSize: 0x14, shLink: 0x18, sym: 16 },
} as const;
export type ElfClass = keyof typeof LAYOUT;

export const ET_REL = 1;
export const ET_DYN = 3;

/** What the ELF header says (the fields these readers use). */
export interface ElfHeader {
  bits: ElfClass;
  /** e_type: ET_REL, ET_DYN, ... */
  type: number;
  /** e_machine. */
  machine: number;
  /** Where the section headers are, how large each is and how many. */
  shoff: number;
  shentsize: number;
  count: number;
  /** The section holding section names. */
  names: number;
}

export interface Section {
  index: number;
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

/** Whether the file starts with the ELF magic. */
export function hasElfMagic(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46;
}

/** The header of a little-endian ELF file of the class asked for (64-bit by default), or undefined
 *  for anything else. Counts past 0xff00 (kept in section 0, as large objects with thousands of
 *  sections do) are resolved. */
export function readElfHeader(buf: Buffer, bits: ElfClass = 64): ElfHeader | undefined {
  const l = LAYOUT[bits];
  if (buf.length < l.headerSize || !hasElfMagic(buf) || buf[4] !== l.ident || buf[5] !== 1) return undefined;
  const shoff = word(buf, bits, l.shoff);
  const shentsize = buf.readUInt16LE(l.shentsize) || (bits === 64 ? 64 : 40);
  let count = buf.readUInt16LE(l.count);
  let names = buf.readUInt16LE(l.names);
  const first = shoff + shentsize <= buf.length && shoff > 0;
  if (count === 0 && first) count = word(buf, bits, shoff + l.shSize);
  if (names === SHN_XINDEX && first) names = buf.readUInt32LE(shoff + l.shLink);
  return { bits, type: buf.readUInt16LE(16), machine: buf.readUInt16LE(18), shoff, shentsize, count, names };
}

/** An address-sized field: 8 bytes in ELF64, 4 in ELF32. */
function word(buf: Buffer, bits: ElfClass, at: number): number {
  return bits === 64 ? u64(buf, at) : buf.readUInt32LE(at);
}

/** A 64-bit field as a number, from its two halves: a BigInt read per field costs more than the rest
 *  of the reading in an object of thousands of sections and symbols. */
export function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 2 ** 32;
}

/** The same for a signed field (an addend). */
export function i64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readInt32LE(at + 4) * 2 ** 32;
}

/** Whether every section header lies inside the file. */
export function sectionTableFits(buf: Buffer, header: ElfHeader): boolean {
  return header.shoff + header.count * header.shentsize <= buf.length;
}

/** The section headers, named from the section-name string table (check `sectionTableFits` first). */
export function readSections(buf: Buffer, header: ElfHeader): Section[] {
  const wide = header.bits === 64;
  const raw = Array.from({ length: header.count }, (_, i) => {
    const h = header.shoff + i * header.shentsize;
    return wide
      ? {
          index: i,
          nameOffset: buf.readUInt32LE(h),
          type: buf.readUInt32LE(h + 4),
          offset: u64(buf, h + 0x18),
          size: u64(buf, h + 0x20),
          link: buf.readUInt32LE(h + 0x28),
          info: buf.readUInt32LE(h + 0x2c),
          entsize: u64(buf, h + 0x38),
        }
      : {
          index: i,
          nameOffset: buf.readUInt32LE(h),
          type: buf.readUInt32LE(h + 4),
          offset: buf.readUInt32LE(h + 0x10),
          size: buf.readUInt32LE(h + 0x14),
          link: buf.readUInt32LE(h + 0x18),
          info: buf.readUInt32LE(h + 0x1c),
          entsize: buf.readUInt32LE(h + 0x24),
        };
  });
  const strings = raw[header.names];
  return raw.map(({ nameOffset, ...s }) => ({ ...s, name: strings ? cString(buf, strings.offset + nameOffset) : '' }));
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

/** The entries of a symbol table section, with section indexes past 0xff00 resolved. */
export function readSymbols(buf: Buffer, header: ElfHeader, sections: Section[], symtab: Section): ElfSymbol[] {
  const wide = header.bits === 64;
  const size = LAYOUT[header.bits].sym;
  const strtab = sections[symtab.link];
  const xindex = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
  return Array.from({ length: Math.floor(symtab.size / size) }, (_, i) => {
    const e = symtab.offset + i * size;
    const info = buf[e + (wide ? 4 : 12)];
    let section = buf.readUInt16LE(e + (wide ? 6 : 14));
    if (section === SHN_XINDEX && xindex) section = buf.readUInt32LE(xindex.offset + i * 4);
    return {
      index: i,
      name: cString(buf, strtab.offset + buf.readUInt32LE(e)),
      type: info & 0xf,
      bind: info >> 4,
      section,
      value: wide ? u64(buf, e + 8) : buf.readUInt32LE(e + 4),
      size: wide ? u64(buf, e + 16) : buf.readUInt32LE(e + 8),
    };
  });
}

/** The NUL-terminated string at `at` (latin1: names are bytes). */
export function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}
