// A small reader for COFF relocatable objects (the .o/.obj files clang writes
// for Windows targets, in the classic layout and in /bigobj's): sections,
// symbols (with their aux records, long names from the string table), the
// relocations of a section, and the one edit the light-path check makes: a
// relocation's symbol, changed in place. COFF symbols have no size, so a
// function's extent is taken up to the next symbol in its section (compiled
// code gives every function a symbol; anything between is padding).

/** The two header layouts: classic (20-byte header, 18-byte symbols, 16-bit section numbers)
 *  and bigobj (56-byte header, 20-byte symbols, 32-bit section numbers), which LLVM writes
 *  past 65279 sections. */
const LAYOUT = {
  classic: { header: 20, machine: 0, sections: 2, symtab: 8, symbols: 12, optional: 16, sym: 18 },
  bigobj: { header: 56, machine: 6, sections: 44, symtab: 48, symbols: 52, optional: -1, sym: 20 },
} as const;
/** ANON_OBJECT_HEADER_BIGOBJ's class id, which marks a bigobj file. */
const BIGOBJ_CLASS = Buffer.from('c7a1bad1eebaa94baf20faf66aa4dcb8', 'hex'); // {D1BAA1C7-BAEE-4BA9-AF20-FAF66AA4DCB8}, as stored
const SECTION_HEADER = 40;
const RELOCATION = 10;
const IMAGE_SCN_LNK_NRELOC_OVFL = 0x01000000;
export const IMAGE_SCN_LNK_COMDAT = 0x1000;
export const IMAGE_SYM_CLASS_EXTERNAL = 2;
export const IMAGE_SYM_CLASS_STATIC = 3;
/** Symbol type: a function (IMAGE_SYM_DTYPE_FUNCTION in the complex-type nibble). */
export const IMAGE_SYM_TYPE_FUNCTION = 0x20;
export const IMAGE_COMDAT_SELECT_NODUPLICATES = 1;

export interface CoffSection {
  /** 1-based, as symbols number them. */
  number: number;
  name: string;
  offset: number;
  size: number;
  relocationsAt: number;
  relocationCount: number;
  characteristics: number;
  /** For a COMDAT section: how the linker picks among copies (from its section symbol's aux record). */
  selection?: number;
}

export interface CoffSymbol {
  /** The index relocations use (aux records count). */
  index: number;
  name: string;
  value: number;
  /** 1-based section number; 0 undefined, -1 absolute, -2 debug. */
  section: number;
  type: number;
  storageClass: number;
}

export interface CoffRelocation {
  /** Byte offset of the entry in the file. */
  at: number;
  /** Offset of the relocated field in its section. */
  offset: number;
  symbol: number;
  type: number;
}

export class CoffFile {
  private readonly relocations = new Map<number, CoffRelocation[]>();
  private readonly byIndex = new Map<number, CoffSymbol>();
  private readonly ordered = new Map<number, number[]>();

  private constructor(
    readonly buf: Buffer,
    readonly sections: CoffSection[],
    readonly symbols: CoffSymbol[],
  ) {
    for (const s of symbols) this.byIndex.set(s.index, s);
    // Symbol values per section, sorted: where each function ends.
    for (const s of symbols) {
      if (s.section <= 0) continue;
      const values = this.ordered.get(s.section);
      if (values) values.push(s.value);
      else this.ordered.set(s.section, [s.value]);
    }
    for (const values of this.ordered.values()) values.sort((a, b) => a - b);
  }

  /** The object, when `buf` is a COFF object (classic or bigobj) for `machine` (e.g. 0x14c, i386), whose tables lie inside it. */
  static parse(buf: Buffer, machine: number): CoffFile | undefined {
    const bigobj = buf.length >= LAYOUT.bigobj.header && buf.readUInt16LE(0) === 0 && buf.readUInt16LE(2) === 0xffff && buf.readUInt16LE(4) >= 2 && buf.subarray(12, 28).equals(BIGOBJ_CLASS);
    const l = bigobj ? LAYOUT.bigobj : LAYOUT.classic;
    if (buf.length < l.header || buf.readUInt16LE(l.machine) !== machine) return undefined;
    if (!bigobj && buf.readUInt16LE(l.optional) !== 0) return undefined; // an image, not an object
    const count = bigobj ? buf.readUInt32LE(l.sections) : buf.readUInt16LE(l.sections);
    const symtab = buf.readUInt32LE(l.symtab);
    const symbolCount = buf.readUInt32LE(l.symbols);
    const strings = symtab + symbolCount * l.sym;
    if (l.header + count * SECTION_HEADER > buf.length || strings + 4 > buf.length) return undefined;
    const name = (field: number, width: number): string => {
      if (buf.readUInt32LE(field) === 0) return cString(buf, strings + buf.readUInt32LE(field + 4)); // symbol: long name
      const raw = buf.toString('latin1', field, field + width);
      return raw.replace(/\0.*$/s, '');
    };
    const sections: CoffSection[] = Array.from({ length: count }, (_, i) => {
      const h = l.header + i * SECTION_HEADER;
      const short = buf.toString('latin1', h, h + 8).replace(/\0.*$/s, '');
      // Section names past 8 bytes: `/<decimal offset>` into the string table (`//<base64>` is for images, not read).
      const long = /^\/(\d+)$/.exec(short);
      return {
        number: i + 1,
        name: long ? cString(buf, strings + Number(long[1])) : short,
        size: buf.readUInt32LE(h + 16),
        offset: buf.readUInt32LE(h + 20),
        relocationsAt: buf.readUInt32LE(h + 24),
        relocationCount: buf.readUInt16LE(h + 32),
        characteristics: buf.readUInt32LE(h + 36),
      };
    });
    const symbols: CoffSymbol[] = [];
    for (let i = 0; i < symbolCount; ) {
      const e = symtab + i * l.sym;
      const section = bigobj ? buf.readInt32LE(e + 12) : buf.readInt16LE(e + 12);
      const at = bigobj ? 16 : 14;
      const symbol = { index: i, name: name(e, 8), value: buf.readUInt32LE(e + 8), section, type: buf.readUInt16LE(e + at), storageClass: buf[e + at + 2] };
      const aux = buf[e + at + 3];
      // A section's own symbol (static, value 0, named like it) carries its COMDAT selection in its aux record.
      const owner = sections[section - 1];
      if (aux > 0 && symbol.storageClass === IMAGE_SYM_CLASS_STATIC && symbol.value === 0 && owner && owner.name === symbol.name) {
        owner.selection = buf[e + l.sym + 14];
      }
      symbols.push(symbol);
      i += 1 + aux;
    }
    return new CoffFile(buf, sections, symbols);
  }

  /** The symbol a relocation names (by its index, which counts aux records). */
  symbol(index: number): CoffSymbol | undefined {
    return this.byIndex.get(index);
  }

  /** The relocations of a section (1-based number), read once. */
  relocationsOf(number: number): CoffRelocation[] {
    let out = this.relocations.get(number);
    if (out) return out;
    out = [];
    this.relocations.set(number, out);
    const s = this.sections[number - 1];
    if (!s) return out;
    let first = s.relocationsAt;
    let count = s.relocationCount;
    // More than 65535: the count is in the first entry's address field, which counts itself.
    if (s.characteristics & IMAGE_SCN_LNK_NRELOC_OVFL && count === 0xffff) {
      count = this.buf.readUInt32LE(first) - 1;
      first += RELOCATION;
    }
    if (first + count * RELOCATION > this.buf.length) return out;
    for (let i = 0; i < count; i++) {
      const at = first + i * RELOCATION;
      out.push({ at, offset: this.buf.readUInt32LE(at), symbol: this.buf.readUInt32LE(at + 4), type: this.buf.readUInt16LE(at + 8) });
    }
    return out;
  }

  /** Points a relocation at another symbol, in the buffer. */
  retarget(r: CoffRelocation, symbol: CoffSymbol): void {
    this.buf.writeUInt32LE(symbol.index, r.at + 4);
    r.symbol = symbol.index; // the read-once list stays true to the buffer
  }

  /** The 32-bit field a relocation applies to (COFF keeps addends there). */
  field(r: CoffRelocation, section: number): number | undefined {
    const s = this.sections[section - 1];
    return s && r.offset + 4 <= s.size ? this.buf.readInt32LE(s.offset + r.offset) : undefined;
  }

  /** A function's bytes: from its symbol to the next symbol of its section, or the section's end. */
  code(sym: CoffSymbol): Buffer | undefined {
    const s = this.sections[sym.section - 1];
    if (!s || sym.value >= s.size || s.offset === 0) return undefined;
    const end = nextAbove(this.ordered.get(sym.section) ?? [], sym.value) ?? s.size;
    return this.buf.subarray(s.offset + sym.value, s.offset + end);
  }
}

/** The first value in a sorted list greater than `value` (binary search: .text may hold thousands of symbols). */
function nextAbove(sorted: number[], value: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo];
}

/** The NUL-terminated string at `at` (latin1: names are bytes). */
function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}
