// The header and section table of a 64-bit little-endian ELF file, read once
// for everything that looks into one: the relocatable objects clang writes
// (elf64.ts, for the light-path checks) and the shared libraries icc-shim reads
// exports from (lib/shim/elf.ts). Each caller decides which file types it takes.

const SHN_XINDEX = 0xffff;

export const ET_REL = 1;
export const ET_DYN = 3;

/** What the ELF header says (the fields these readers use). */
export interface ElfHeader {
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

/** The header of a 64-bit little-endian ELF file, or undefined for anything else. Counts past
 *  0xff00 (kept in section 0, as large objects with thousands of sections do) are resolved. */
export function readElfHeader(buf: Buffer): ElfHeader | undefined {
  if (buf.length < 64 || !hasElfMagic(buf) || buf[4] !== 2 || buf[5] !== 1) return undefined;
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a) || 64;
  let count = buf.readUInt16LE(0x3c);
  let names = buf.readUInt16LE(0x3e);
  const first = shoff + 64 <= buf.length && shoff > 0;
  if (count === 0 && first) count = Number(buf.readBigUInt64LE(shoff + 32));
  if (names === SHN_XINDEX && first) names = buf.readUInt32LE(shoff + 40);
  return { type: buf.readUInt16LE(16), machine: buf.readUInt16LE(18), shoff, shentsize, count, names };
}

/** Whether every section header lies inside the file. */
export function sectionTableFits(buf: Buffer, header: ElfHeader): boolean {
  return header.shoff + header.count * header.shentsize <= buf.length;
}

/** The section headers, named from the section-name string table (check `sectionTableFits` first). */
export function readSections(buf: Buffer, header: ElfHeader): Section[] {
  const raw = Array.from({ length: header.count }, (_, i) => {
    const h = header.shoff + i * header.shentsize;
    return {
      index: i,
      nameOffset: buf.readUInt32LE(h),
      type: buf.readUInt32LE(h + 4),
      offset: Number(buf.readBigUInt64LE(h + 0x18)),
      size: Number(buf.readBigUInt64LE(h + 0x20)),
      link: buf.readUInt32LE(h + 0x28),
      info: buf.readUInt32LE(h + 0x2c),
      entsize: Number(buf.readBigUInt64LE(h + 0x38)),
    };
  });
  const strings = raw[header.names];
  return raw.map(({ nameOffset, ...s }) => ({ ...s, name: strings ? cString(buf, strings.offset + nameOffset) : '' }));
}

/** The NUL-terminated string at `at` (latin1: names are bytes). */
export function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}
