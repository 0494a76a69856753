// icc-shim: a shared library's exports, read from its ELF dynamic symbol table
// (.dynsym with .gnu.version and .gnu.version_d), for the shim planner.
//
// Only what a shim needs: each defined global or weak dynamic symbol, its type
// (function, IFUNC, data, ...) and its version, with whether that version is
// the default one (`name@@V`, what a new link binds to) or hidden (`name@V`,
// kept only for programs linked against an older release).

import { cString, ET_DYN, hasElfMagic, readElfHeader, readSections, sectionTableFits, type Section } from '../arch/elf-file.js';
import { ShimError } from './errors.js';

export type ExportKind = 'function' | 'ifunc' | 'data' | 'tls' | 'other';

/** One exported symbol of the library. */
export interface ElfExport {
  name: string;
  kind: ExportKind;
  weak: boolean;
  /** The symbol's version name, when the library versions its symbols. */
  version?: string;
  /** A hidden (compat-only) version: not what programs linked today bind to. */
  hidden: boolean;
}

export interface ElfLibrary {
  format: 'elf';
  machine: string;
  /** DT_SONAME, when the library has one. */
  soname?: string;
  exports: ElfExport[];
}

const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const SHT_GNU_VERDEF = 0x6ffffffd;
const SHT_GNU_VERSYM = 0x6fffffff;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const STB_GNU_UNIQUE = 10;
const KINDS: Record<number, ExportKind> = { 0: 'other', 1: 'data', 2: 'function', 5: 'data', 6: 'tls', 10: 'ifunc' };
const MACHINES: Record<number, string> = { 3: 'i386', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv' };

/** Whether a file starts like an ELF image (checked before anything else is read). */
export function isElf(buf: Buffer): boolean {
  return hasElfMagic(buf);
}

/** Reads a 64-bit little-endian ELF shared library's exports; errors name what is wrong with the file. */
export function readElfExports(buf: Buffer, file: string): ElfLibrary {
  if (buf.length < 64 || buf[5] !== 1) throw new ShimError(`'${file}' is not a little-endian ELF file`);
  const machineId = buf.readUInt16LE(18);
  const machine = MACHINES[machineId] ?? `machine ${machineId}`;
  // Type and machine sit at the same offsets in 32- and 64-bit files: name what the file is.
  const header = readElfHeader(buf);
  if (!header) return { format: 'elf', machine: `32-bit ${machine}`, exports: [] };
  if (header.type !== ET_DYN) throw new ShimError(`'${file}' is not a shared library (ELF type ${header.type})`);
  if (!sectionTableFits(buf, header)) throw new ShimError(`'${file}' is truncated (its section headers lie past its end)`);
  const sections = readSections(buf, header);
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (!dynsym) throw new ShimError(`'${file}' has no dynamic symbol table`);
  const strtab = sections[dynsym.link];
  const str = (at: number): string => cString(buf, strtab.offset + at);
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
  const versions = readVersionNames(buf, sections.find((s) => s.type === SHT_GNU_VERDEF), sections);
  const exports: ElfExport[] = [];
  const count = dynsym.size / (dynsym.entsize || 24);
  for (let i = 1; i < count; i++) {
    const e = dynsym.offset + i * 24;
    const info = buf[e + 4];
    const bind = info >> 4;
    const shndx = buf.readUInt16LE(e + 6);
    if (shndx === 0 || (bind !== STB_GLOBAL && bind !== STB_WEAK && bind !== STB_GNU_UNIQUE)) continue;
    const name = str(buf.readUInt32LE(e));
    const v = versym ? buf.readUInt16LE(versym.offset + i * 2) : 1;
    const version = versions.get(v & 0x7fff);
    // An index-1 (base) "version" is the library's own name: the symbol is unversioned.
    if (version !== undefined && version === versions.get(1) && (v & 0x7fff) === 1) {
      exports.push({ name, kind: KINDS[info & 0xf] ?? 'other', weak: bind === STB_WEAK, hidden: false });
      continue;
    }
    // A symbol whose name is its version's name is the version definition itself (absolute, no code).
    if (version === name) continue;
    exports.push({ name, kind: KINDS[info & 0xf] ?? 'other', weak: bind === STB_WEAK, version, hidden: (v & 0x8000) !== 0 });
  }
  return { format: 'elf', machine, soname: readSoname(buf, sections), exports };
}

/** Version index → name, from .gnu.version_d (definitions); index 1 is the library's base name. */
function readVersionNames(buf: Buffer, verdef: Section | undefined, sections: Section[]): Map<number, string> {
  const names = new Map<number, string>();
  if (!verdef) return names;
  const strtab = sections[verdef.link];
  let at = verdef.offset;
  for (;;) {
    const ndx = buf.readUInt16LE(at + 4);
    const aux = buf.readUInt32LE(at + 12);
    const next = buf.readUInt32LE(at + 16);
    names.set(ndx, cString(buf, strtab.offset + buf.readUInt32LE(at + aux)));
    if (!next) break;
    at += next;
  }
  return names;
}

function readSoname(buf: Buffer, sections: Section[]): string | undefined {
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (!dynamic) return undefined;
  const strtab = sections[dynamic.link];
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
    const tag = Number(buf.readBigInt64LE(at));
    if (tag === 0) break;
    if (tag === 14) return cString(buf, strtab.offset + Number(buf.readBigUInt64LE(at + 8)));
  }
  return undefined;
}
