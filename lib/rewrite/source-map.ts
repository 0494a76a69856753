// Maps offsets in preprocessed text back to the user's file, line and column via the line
// markers clang writes (`# 12 "file.h" 1 3`, or `#line 12 "file.h"` under -fuse-line-directives).
import { lex, type Token } from './lexer.js';

/** A position as clang prints it in diagnostics: 1-based line, 1-based column in UTF-8 bytes. */
export interface Location { file: string; line: number; col: number; }

interface Marker {
  from: number; // offset of the first line the marker governs
  fromLine: number; // index of that line in lineStarts
  line: number; // its presumed line number
  file: string;
  system: boolean; // flag 3: a system header
}

/** Answers "where did this offset come from?" for diagnostics, in O(log n) per call. The index is
 *  built on the first question, so a translation unit without errors never pays for it. */
export class SourceMap {
  private readonly lineStarts: number[] = [];
  private readonly markers: Marker[] = [];
  private indexed = false;

  /** `tokens` may be passed when the caller has already lexed `src`, to skip a second pass;
   *  lexing is what keeps a `# 1 "x"` line inside a raw string or comment from counting. */
  constructor(
    private readonly src: string,
    private readonly defaultFile = '<stdin>',
    private tokens?: readonly Token[],
    /** The text was decoded byte for byte (latin1), so a column is a count of characters. */
    private readonly latin1 = false,
  ) {}

  /** Where `offset` was in the user's sources; offsets outside the text are clamped to it. */
  locate(offset: number): Location {
    const off = this.clamp(offset);
    const li = this.lineIndex(off);
    const col = (this.latin1 ? off - this.lineStarts[li]! : utf8Length(this.src, this.lineStarts[li]!, off)) + 1;
    const m = this.marker(off);
    if (!m) return { file: this.defaultFile, line: li + 1, col };
    return { file: m.file, line: m.line + li - m.fromLine, col };
  }

  /** True where the governing line marker carries flag 3: code the user didn't write. */
  isSystemHeader(offset: number): boolean {
    return this.marker(this.clamp(offset))?.system ?? false;
  }

  private clamp(offset: number): number {
    return Math.max(0, Math.min(Number.isFinite(offset) ? Math.trunc(offset) : 0, this.src.length));
  }

  private index(): void {
    if (this.indexed) return;
    this.indexed = true;
    const src = this.src;
    this.lineStarts.push(0);
    for (let nl = src.indexOf('\n'); nl >= 0; nl = src.indexOf('\n', nl + 1)) this.lineStarts.push(nl + 1);
    let file = this.defaultFile;
    let system = false;
    for (const tok of this.tokens ?? lex(src)) {
      if (tok.kind !== 'directive') continue;
      const m = parseMarker(tok.text);
      if (!m) continue;
      file = m.file ?? file;
      system = m.system ?? system;
      const nl = src.indexOf('\n', tok.end);
      const from = nl < 0 ? src.length : nl + 1;
      this.markers.push({ from, fromLine: this.lineIndex(from), line: m.line, file, system });
    }
    this.tokens = undefined;
  }

  /** Index of the last line starting at or before `off`. */
  private lineIndex(off: number): number {
    this.index();
    return lastAtOrBefore(this.lineStarts, off, (s) => s);
  }

  private marker(off: number): Marker | undefined {
    this.index();
    const k = lastAtOrBefore(this.markers, off, (m) => m.from);
    return k < 0 ? undefined : this.markers[k];
  }
}

/** Binary search: the last index whose key is <= `off`, or -1. */
function lastAtOrBefore<T>(items: readonly T[], off: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = items.length; // answer is lo - 1 when the loop ends
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** UTF-8 byte count of src[from, to); a lone surrogate counts as the 3 bytes of U+FFFD. */
function utf8Length(src: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < to && (src.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { bytes += 4; i++; }
    else bytes += 3;
  }
  return bytes;
}

interface ParsedMarker { line: number; file?: string; system?: boolean; }

/** Reads `# N "file" flags…` or `#line N "file"`; undefined for any other directive. Without a
 *  file name the file is kept; `#line` and `# N` keep the system-header state, as clang does. */
function parseMarker(text: string): ParsedMarker | undefined {
  let i = text.charCodeAt(0) === 37 ? 2 : 1; // '#' or the digraph '%:'
  const skipBlanks = (): void => { while (text[i] === ' ' || text[i] === '\t') i++; };
  skipBlanks();
  const isLine = text.startsWith('line', i) && (text[i + 4] === ' ' || text[i + 4] === '\t');
  if (isLine) { i += 4; skipBlanks(); }
  const digits = i;
  while (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === digits || (i < text.length && text[i] !== ' ' && text[i] !== '\t')) return undefined;
  const line = Number(text.slice(digits, i));
  if (line > 2147483647) return undefined; // clang rejects such a marker and keeps its numbering
  skipBlanks();
  if (text[i] !== '"') return { line };
  const close = closingQuote(text, i + 1);
  if (close < 0) return undefined;
  const file = unescapeFileName(text.slice(i + 1, close));
  if (isLine) return { line, file };
  const flags = text.slice(close + 1).trim().split(/\s+/);
  return { line, file, system: flags.includes('3') };
}

function closingQuote(text: string, i: number): number {
  for (; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11 };
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';

/** Undoes clang's escaping of file names (`\\`, `\"`, `\n`, and octal `\134`, one per byte of a
 *  non-printable or non-ASCII character), decoding the bytes as UTF-8. */
function unescapeFileName(s: string): string {
  if (!s.includes('\\')) return s;
  const enc = new TextEncoder();
  const bytes: number[] = [];
  const pushText = (text: string): void => { for (const b of enc.encode(text)) bytes.push(b); };
  let i = 0;
  for (let bs = s.indexOf('\\'); bs >= 0 && bs + 1 < s.length; bs = s.indexOf('\\', i)) {
    pushText(s.slice(i, bs));
    const e = s[bs + 1]!;
    i = bs + 2;
    if (isOctal(e)) {
      let v = 0;
      for (i = bs + 1; i < bs + 4 && isOctal(s[i]); i++) v = v * 8 + s.charCodeAt(i) - 48;
      bytes.push(v & 0xff);
    } else if (SIMPLE_ESCAPES[e] !== undefined) bytes.push(SIMPLE_ESCAPES[e]!);
    else { // \\ \" \' \? and unknown escapes stand for the character itself
      const ch = String.fromCodePoint(s.codePointAt(bs + 1)!);
      pushText(ch);
      i = bs + 1 + ch.length;
    }
  }
  pushText(s.slice(i));
  return new TextDecoder().decode(new Uint8Array(bytes));
}
