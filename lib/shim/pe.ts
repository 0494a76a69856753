// icc-shim: a DLL's export table (PE/COFF), for a proxy DLL: named exports,
// ordinal-only exports and forwarders (`NAME -> OTHER.dll.NAME`), and which of
// them point into code.

import { ShimError } from './errors.js';

export interface PeExport {
  ordinal: number;
  /** Absent for an ordinal-only export. */
  name?: string;
  /** `OTHERDLL.name` or `OTHERDLL.#ordinal` for a forwarder. */
  forward?: string;
  /** Points into a section that holds no code (exported data). */
  data: boolean;
}

export interface PeLibrary {
  format: 'pe';
  machine: string;
  /** The DLL's own name, from its export directory. */
  dllName: string;
  exports: PeExport[];
}

const MACHINES: Record<number, string> = { 0x14c: 'i386', 0x8664: 'x86_64', 0xaa64: 'aarch64', 0x1c4: 'arm' };
const IMAGE_FILE_DLL = 0x2000;
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;

/** Whether a file starts like a DOS/PE image. */
export function isPe(buf: Buffer): boolean {
  return buf.length >= 0x40 && buf.readUInt16LE(0) === 0x5a4d;
}

/** Reads a DLL's exports; errors name what is wrong with the file. */
export function readPeExports(buf: Buffer, file: string): PeLibrary {
  const pe = buf.readUInt32LE(0x3c);
  if (pe + 24 > buf.length || buf.readUInt32LE(pe) !== 0x00004550) throw new ShimError(`'${file}' is not a PE image (no PE signature)`);
  const machineId = buf.readUInt16LE(pe + 4);
  const machine = MACHINES[machineId] ?? `machine 0x${machineId.toString(16)}`;
  const sectionCount = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const characteristics = buf.readUInt16LE(pe + 22);
  if (!(characteristics & IMAGE_FILE_DLL)) throw new ShimError(`'${file}' is not a DLL (a PE program)`);
  const opt = pe + 24;
  const magic = buf.readUInt16LE(opt);
  const dirs = opt + (magic === 0x20b ? 112 : 96);
  const sections: { va: number; size: number; raw: number; exec: boolean }[] = [];
  for (let i = 0, s = opt + optSize; i < sectionCount; i++, s += 40)
    sections.push({ va: buf.readUInt32LE(s + 12), size: Math.max(buf.readUInt32LE(s + 8), buf.readUInt32LE(s + 16)), raw: buf.readUInt32LE(s + 20), exec: (buf.readUInt32LE(s + 36) & IMAGE_SCN_MEM_EXECUTE) !== 0 });
  const sectionOf = (rva: number) => sections.find((s) => rva >= s.va && rva < s.va + s.size);
  const at = (rva: number): number => {
    const s = sectionOf(rva);
    if (!s) throw new ShimError(`'${file}' is damaged (an export address lies outside its sections)`);
    return rva - s.va + s.raw;
  };
  const cstr = (rva: number): string => {
    const start = at(rva);
    return buf.toString('latin1', start, buf.indexOf(0, start));
  };
  const exportRva = buf.readUInt32LE(dirs);
  const exportSize = buf.readUInt32LE(dirs + 4);
  if (!exportRva) throw new ShimError(`'${file}' exports nothing`);
  const dir = at(exportRva);
  const base = buf.readUInt32LE(dir + 16);
  const functionCount = buf.readUInt32LE(dir + 20);
  const nameCount = buf.readUInt32LE(dir + 24);
  const functions = at(buf.readUInt32LE(dir + 28));
  const names = nameCount ? at(buf.readUInt32LE(dir + 32)) : 0;
  const ordinals = nameCount ? at(buf.readUInt32LE(dir + 36)) : 0;
  const nameOf = new Map<number, string>();
  for (let i = 0; i < nameCount; i++) nameOf.set(buf.readUInt16LE(ordinals + i * 2), cstr(buf.readUInt32LE(names + i * 4)));
  const exports: PeExport[] = [];
  for (let i = 0; i < functionCount; i++) {
    const rva = buf.readUInt32LE(functions + i * 4);
    if (!rva) continue;
    const forwarded = rva >= exportRva && rva < exportRva + exportSize;
    exports.push({ ordinal: base + i, name: nameOf.get(i), forward: forwarded ? cstr(rva) : undefined, data: !forwarded && !sectionOf(rva)?.exec });
  }
  return { format: 'pe', machine, dllName: cstr(buf.readUInt32LE(dir + 12)), exports };
}
