// C++ tokens over preprocessed text (the output of `clang -E`, with comments under -C).
// One charCodeAt loop, no regexes; never throws, always advances. Offsets are UTF-16 indices.

/** What a token is, as far as finding `[[interceptor]]` and `goto ->` needs to know. */
export type TokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct' | 'directive' | 'comment' | 'other';

/** One token: `text === src.slice(start, end)`; `unterminated` marks a literal or comment clang would reject. */
export interface Token { kind: TokenKind; start: number; end: number; text: string; unterminated?: boolean; }

// ASCII character classes (bit flags), indexed by code unit < 128.
const ID = 1; // identifier start: letters, '_', '$'
const DIGIT = 2;
const NUM = 4; // pp-number body: letters, digits, '_', '.'
const BLANK = 8; // whitespace other than '\n'
const WORD = 16; // identifier body: letters, digits, '_', '$'
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) CLASS[c] |= ID;
  if (/[0-9]/.test(ch)) CLASS[c] |= DIGIT;
  if (/[A-Za-z0-9_.]/.test(ch)) CLASS[c] |= NUM;
  if (/[ \t\r\v\f]/.test(ch)) CLASS[c] |= BLANK;
  if (/[A-Za-z0-9_$]/.test(ch)) CLASS[c] |= WORD;
}
/** Class bits of a code unit; 0 for non-ASCII and for NaN (reads past the end). */
const cls = (c: number): number => (c < 128 ? CLASS[c] : 0);
const idStart = (c: number): boolean => c >= 128 || (cls(c) & ID) !== 0;
const idContinue = (c: number): boolean => c >= 128 || (cls(c) & WORD) !== 0;
const isDigit = (c: number): boolean => (cls(c) & DIGIT) !== 0;
const isBlank = (c: number): boolean => (cls(c) & BLANK) !== 0;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

// Set by the scanners below when a literal or comment runs out of line or input.
let unterminated = false;

/** Where a backslash-newline continuation starting at `i` ends (blanks may sit between them, as
 *  clang and C++23 allow), or -1 when there is none at `i`. */
function spliceEnd(src: string, i: number): number {
  if (src.charCodeAt(i) !== 92) return -1;
  let j = i + 1;
  while (isBlank(src.charCodeAt(j))) j++;
  return src.charCodeAt(j) === 10 ? j + 1 : -1;
}

/** End of the logical line holding `i` (the index of its unspliced '\n', or src.length). */
function lineEnd(src: string, i: number): number {
  for (;;) {
    const nl = src.indexOf('\n', i);
    if (nl < 0) return src.length;
    let k = nl - 1;
    while (k >= i && isBlank(src.charCodeAt(k))) k--;
    if (k < i || src.charCodeAt(k) !== 92) return nl;
    i = nl + 1;
  }
}

/** Drops the '\r' of a CRLF line ending from a token that stops at a newline. */
const trimCR = (src: string, end: number): number => (src.charCodeAt(end - 1) === 13 ? end - 1 : end);

/** End of a universal-character-name `\uXXXX` / `\UXXXXXXXX` at `i`, or -1. */
function ucnEnd(src: string, i: number): number {
  const u = src.charCodeAt(i + 1);
  const len = u === 117 ? 4 : u === 85 ? 8 : 0;
  if (src.charCodeAt(i) !== 92 || len === 0) return -1;
  for (let k = 0; k < len; k++) if (!isHex(src.charCodeAt(i + 2 + k))) return -1;
  return i + 2 + len;
}

function identEnd(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i); // NaN past the end: fails every test below
    if (idContinue(c)) i++;
    else if (c === 92 && ucnEnd(src, i) > 0) i = ucnEnd(src, i);
    else return i;
  }
}

/** pp-number body from `i`; `hex` enables clang's rule that `p+`/`p-` only continue hex literals. */
function numberEnd(src: string, i: number, hex: boolean): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c >= 128) i++;
    else if (cls(c) & NUM) {
      const sign = src.charCodeAt(i + 1);
      const expo = (c | 32) === 101 || ((c | 32) === 112 && hex);
      i += expo && (sign === 43 || sign === 45) ? 2 : 1;
    } else if (c === 39 && idContinue(src.charCodeAt(i + 1)) && src.charCodeAt(i + 1) < 128
      && src.charCodeAt(i + 1) !== 36) i += 2; // digit separator, as clang 14: ASCII only, no '$'
    else if (c === 92 && ucnEnd(src, i) > 0) i = ucnEnd(src, i);
    else return i;
  }
}

/** End of a quoted literal whose body starts at `i`; stops before the newline when unterminated. */
function quotedEnd(src: string, i: number, quote: number): number {
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === 10) break;
    if (c === 92) {
      const s = spliceEnd(src, i);
      if (s >= 0) { i = s; continue; }
      i++;
      while (spliceEnd(src, i) >= 0) i = spliceEnd(src, i); // `\` + splice + escaped char
      if (i < n && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    i++;
  }
  unterminated = true;
  return trimCR(src, Math.min(i, n));
}

function blockCommentEnd(src: string, i: number): number {
  const e = src.indexOf('*/', i);
  if (e >= 0) return e + 2;
  unterminated = true;
  return src.length;
}

/** A raw string from `q` (its opening quote); invalid delimiters are consumed up to the next `"`
 *  as clang's recovery does, and reported unterminated. */
function rawStringEnd(src: string, q: number): number {
  let d = q + 1;
  while (d - q - 1 < 16) {
    const c = src.charCodeAt(d);
    if (!(c > 32 && c < 127 && c !== 40 && c !== 41 && c !== 92)) break;
    d++;
  }
  if (src.charCodeAt(d) !== 40) {
    unterminated = true;
    const e = src.indexOf('"', q + 1);
    return e < 0 ? src.length : e + 1;
  }
  const e = src.indexOf(')' + src.slice(q + 1, d) + '"', d + 1);
  if (e >= 0) return e + d - q + 1;
  unterminated = true;
  return src.length;
}

/** 0: not a literal prefix; 1: encoding prefix (u8 u U L); 2: raw prefix (R u8R uR UR LR). */
function prefixKind(src: string, start: number, end: number): number {
  const len = end - start;
  if (len > 3) return 0;
  const a = src.charCodeAt(start);
  const last = src.charCodeAt(end - 1);
  const enc = a === 117 || a === 85 || a === 76; // u U L
  if (len === 1) return a === 82 ? 2 : enc ? 1 : 0;
  const u8 = a === 117 && src.charCodeAt(start + 1) === 56;
  if (len === 2) return u8 ? 1 : enc && last === 82 ? 2 : 0;
  return u8 && last === 82 ? 2 : 0;
}

/** `#` or `%:` but not `##` or `%:%:`, which are other tokens even at the start of a line. */
function isDirectiveStart(src: string, i: number, c: number): boolean {
  if (c === 35) return src.charCodeAt(i + 1) !== 35;
  return c === 37 && src.charCodeAt(i + 1) === 58 && !(src.charCodeAt(i + 2) === 37 && src.charCodeAt(i + 3) === 58);
}

/** A directive runs to the end of its logical line; comments in it may carry it further. */
function directiveEnd(src: string, i: number): number {
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) return trimCR(src, i);
    if (c === 34 || c === 39) { i = quotedEnd(src, i + 1, c); unterminated = false; continue; }
    if (c === 47 && src.charCodeAt(i + 1) === 42) { i = blockCommentEnd(src, i + 2); continue; }
    if (c === 47 && src.charCodeAt(i + 1) === 47) return trimCR(src, lineEnd(src, i));
    const s = spliceEnd(src, i);
    i = s >= 0 ? s : i + 1;
  }
  return n;
}

/** The punctuator at `i` (longest match, digraphs included), or '' if there is none. Returns
 *  literals, so the 40-50% of tokens that are punctuators allocate no string. */
function punctAt(src: string, i: number, c: number): string {
  const c1 = src.charCodeAt(i + 1);
  const c2 = src.charCodeAt(i + 2);
  switch (c) {
    case 123: case 125: case 91: case 93: case 40: case 41: case 59: case 44: case 63: case 126:
      return src[i]!; // { } [ ] ( ) ; , ? ~ (V8 caches one-character strings)
    case 58: return c1 === 58 ? '::' : c1 === 62 ? ':>' : ':';
    case 46: return c1 === 46 && c2 === 46 ? '...' : c1 === 42 ? '.*' : '.';
    case 45:
      if (c1 === 62) return c2 === 42 ? '->*' : '->';
      return c1 === 45 ? '--' : c1 === 61 ? '-=' : '-';
    case 43: return c1 === 43 ? '++' : c1 === 61 ? '+=' : '+';
    case 38: return c1 === 38 ? '&&' : c1 === 61 ? '&=' : '&';
    case 124: return c1 === 124 ? '||' : c1 === 61 ? '|=' : '|';
    case 42: return c1 === 61 ? '*=' : '*';
    case 47: return c1 === 61 ? '/=' : '/';
    case 94: return c1 === 61 ? '^=' : '^';
    case 61: return c1 === 61 ? '==' : '=';
    case 33: return c1 === 61 ? '!=' : '!';
    case 35: return c1 === 35 ? '##' : '#';
    case 37:
      if (c1 === 58) return c2 === 37 && src.charCodeAt(i + 3) === 58 ? '%:%:' : '%:';
      return c1 === 62 ? '%>' : c1 === 61 ? '%=' : '%';
    case 60:
      if (c1 === 61) return c2 === 62 ? '<=>' : '<=';
      if (c1 === 60) return c2 === 61 ? '<<=' : '<<';
      if (c1 === 58) { // [lex.pptoken]/3: `<::` not followed by `:` or `>` is `<` `::`
        const c3 = src.charCodeAt(i + 3);
        return c2 === 58 && c3 !== 58 && c3 !== 62 ? '<' : '<:';
      }
      return c1 === 37 ? '<%' : '<';
    case 62:
      if (c1 === 62) return c2 === 61 ? '>>=' : '>>';
      return c1 === 61 ? '>=' : '>';
    default: return '';
  }
}

// Identifiers repeat (std, _Tp, const, …): a small per-call cache of their strings, keyed by a
// hash of the characters, lets most ident tokens share one string instead of allocating a slice.
const INTERN_BITS = 12;
const INTERN_MASK = (1 << INTERN_BITS) - 1;
let identHash = -1; // set by scanIdent: hash of an all-ASCII identifier, else -1

/** End of the identifier whose first character is `c` at `i - 1`, hashing it on the way. */
function scanIdent(src: string, i: number, c: number): number {
  let h = c;
  for (;;) {
    const d = src.charCodeAt(i);
    if (d < 128 && CLASS[d]! & WORD) { h = (Math.imul(h, 31) + d) | 0; i++; continue; }
    identHash = d >= 128 || d === 92 || c >= 128 ? -1 : h & 0x7fffffff;
    return identHash < 0 ? identEnd(src, i) : i;
  }
}

/** `src.slice(start, end)` for the identifier scanIdent just read, shared when seen before. */
function identText(src: string, start: number, end: number, interned: string[]): string {
  if (identHash < 0) return src.slice(start, end);
  const slot = (identHash ^ (identHash >>> INTERN_BITS)) & INTERN_MASK;
  const hit = interned[slot]!;
  if (hit.length === end - start) {
    let k = 0;
    while (k < hit.length && hit.charCodeAt(k) === src.charCodeAt(start + k)) k++;
    if (k === hit.length) return hit;
  }
  return (interned[slot] = src.slice(start, end));
}

// Suffixes clang 14 (C++20) accepts without a leading `_` after a string (the standard library's).
const STD_SUFFIXES = new Set(['s', 'sv', 'h', 'min', 'ms', 'us', 'ns', 'i', 'il', 'if', 'd', 'y']);

/** A user-defined-literal suffix after a string or char literal, as clang decides: one starting with
 *  `_` or a non-ASCII character sticks (`"abc"_s`), so does a standard one after a string
 *  (`R"(x)"sv`); any other identifier starts a new token (`'x'y` is `'x'` `y`). */
function udSuffixEnd(src: string, i: number, isString: boolean): number {
  const c = src.charCodeAt(i);
  if (c === 95 || c >= 128 || ucnEnd(src, i) > 0) return identEnd(src, i);
  if (!isString || !(cls(c) & ID)) return i;
  let e = i;
  while (e - i < 4 && cls(src.charCodeAt(e)) & WORD && src.charCodeAt(e) !== 36) e++;
  return STD_SUFFIXES.has(src.slice(i, e)) ? identEnd(src, i) : i;
}

/** Splits preprocessed C++ into tokens so the rewriter can find interceptors without being fooled
 *  by strings, raw strings, comments or directives that mention them. Whitespace yields no token. */
export function lex(src: string, from = 0): Token[] {
  const n = src.length;
  // Sized up front (preprocessed C++ has ~0.2 tokens per char): growing by push costs more than
  // the whole scan. Extra slots are cut off at the end; more tokens simply append.
  const toks = new Array<Token>((n - from) >> 2);
  let count = 0;
  const interned = new Array<string>(1 << INTERN_BITS).fill('');
  let i = from;
  let lineStart = true; // only blanks and comments so far on this logical line
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) { i++; lineStart = true; continue; }
    if (isBlank(c)) { i++; continue; }
    const start = i;
    let kind: TokenKind;
    let text = ''; // set early only for tokens whose text is a literal or interned
    unterminated = false;
    if (idStart(c)) {
      i = scanIdent(src, i + 1, c);
      const q = src.charCodeAt(i);
      const p = q === 34 || q === 39 ? prefixKind(src, start, i) : 0;
      if (p === 2 && q === 34) { kind = 'string'; i = rawStringEnd(src, i); }
      else if (p === 1) { kind = q === 34 ? 'string' : 'char'; i = quotedEnd(src, i + 1, q); }
      else { kind = 'ident'; text = identText(src, start, i, interned); }
    } else if (isDigit(c)) {
      kind = 'number';
      i = numberEnd(src, i + 1, c === 48 && (src.charCodeAt(i + 1) | 32) === 120);
    } else if (c === 46 && isDigit(src.charCodeAt(i + 1))) {
      kind = 'number';
      i = numberEnd(src, i + 2, false);
    } else if (c === 34 || c === 39) {
      kind = c === 34 ? 'string' : 'char';
      i = quotedEnd(src, i + 1, c);
    } else if (c === 47 && (src.charCodeAt(i + 1) === 47 || src.charCodeAt(i + 1) === 42)) {
      kind = 'comment';
      i = src.charCodeAt(i + 1) === 42 ? blockCommentEnd(src, i + 2) : trimCR(src, lineEnd(src, i));
    } else if (lineStart && isDirectiveStart(src, i, c)) {
      kind = 'directive';
      i = directiveEnd(src, i + (c === 35 ? 1 : 2));
    } else if (c === 92) {
      const s = spliceEnd(src, i);
      if (s >= 0) { i = s; continue; }
      const u = ucnEnd(src, i);
      kind = u > 0 ? 'ident' : 'other';
      i = u > 0 ? identEnd(src, u) : i + 1;
    } else {
      text = punctAt(src, i, c);
      kind = text === '' ? 'other' : 'punct';
      i += text === '' ? 1 : text.length;
    }
    if ((kind === 'string' || kind === 'char') && !unterminated) i = udSuffixEnd(src, i, kind === 'string');
    const tok: Token = { kind, start, end: i, text: text === '' ? src.slice(start, i) : text };
    if (unterminated) tok.unterminated = true;
    toks[count++] = tok;
    if (kind !== 'comment') lineStart = false;
  }
  toks.length = count;
  return toks;
}

/**
 * The last offset before a limit that follows a `;` or `}` outside every bracket: a place where a
 * declaration at global scope starts, so lexing can begin there. Skips literals, comments and directives exactly
 * as lex() does, without building tokens. System headers are most of a TU, and scanning them cold
 * takes ~35 ms for one that includes the standard library, so the pipeline feeds the scan while
 * `clang -E` still writes and the time overlaps clang's. Fed or not, finish() gives the same answer.
 */
export class RestartScan {
  private depth = 0;
  private lineStart = true;
  /** Where the next token starts: everything before it is scanned. */
  private pos = 0;
  /** Each change of the restart point: the start of the token that made it, and the new value. */
  private readonly starts: number[] = [];
  private readonly values: number[] = [];

  /** Scans what it can of `prefix`, the text so far: tokens that end on a complete line. Every
   *  look past a token's end then stays on that line, so each token is what the whole text has. */
  feed(prefix: string): void {
    this.scan(prefix, prefix.lastIndexOf('\n'), true);
  }

  /** The restart point before `limit` in the whole text (of which every fed prefix is a prefix). */
  finish(text: string, limit: number): number {
    if (this.pos < limit) this.scan(text, limit, false);
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < limit) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : this.values[lo - 1];
  }

  /** Scans the tokens that start before `limit`; `partial`: only those that also end by it. */
  private scan(src: string, limit: number, partial: boolean): void {
    let { depth, lineStart, pos: i } = this;
    while (i < limit) {
      const start = i;
      const c = src.charCodeAt(i);
      let blank = false; // whitespace, a comment or a splice: the line's start stays
      let restart = -1;
      if (c === 10) {
        i++;
        blank = true;
      } else if (isBlank(c)) {
        i++;
        blank = true;
      } else if (idStart(c)) {
        i = scanIdent(src, i + 1, c);
        const q = src.charCodeAt(i);
        const p = q === 34 || q === 39 ? prefixKind(src, start, i) : 0;
        if (p === 2 && q === 34) i = rawStringEnd(src, i);
        else if (p === 1) i = quotedEnd(src, i + 1, q);
      } else if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
        i = numberEnd(src, i + 1, c === 48 && (src.charCodeAt(i + 1) | 32) === 120);
      } else if (c === 34 || c === 39) {
        i = quotedEnd(src, i + 1, c);
      } else if (c === 47 && (src.charCodeAt(i + 1) === 47 || src.charCodeAt(i + 1) === 42)) {
        i = src.charCodeAt(i + 1) === 42 ? blockCommentEnd(src, i + 2) : lineEnd(src, i);
        blank = true;
      } else if (lineStart && isDirectiveStart(src, i, c)) {
        i = directiveEnd(src, i + (c === 35 ? 1 : 2));
      } else if (c === 92) {
        const sp = spliceEnd(src, i);
        i = sp >= 0 ? sp : i + 1;
        blank = true;
      } else {
        const text = punctAt(src, i, c);
        i += text === '' ? 1 : text.length;
        if (text === '{' || text === '(' || text === '[' || text === '<%' || text === '<:') depth++;
        else if (text === '}' || text === ')' || text === ']' || text === '%>' || text === ':>') {
          depth = Math.max(0, depth - 1);
          if (depth === 0 && (text === '}' || text === '%>')) restart = i;
        } else if (depth === 0 && text === ';') restart = i;
      }
      if (partial && i > limit) {
        i = start; // the token may go on past the text so far: scan it again when more has come
        break;
      }
      if (restart >= 0) {
        this.starts.push(start);
        this.values.push(restart);
      }
      if (c === 10) lineStart = true;
      else if (!blank) lineStart = false;
      this.depth = depth;
      this.lineStart = lineStart;
      this.pos = i;
    }
    this.pos = i;
  }
}
