// Navigation over the significant tokens of a preprocessed translation unit:
// comments and directives are dropped, and every bracket knows its partner.

import { lex, type Token } from './lexer.js';

export type { Token };

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<:': ':>', '<%': '%>' };
const CLOSE = new Set([')', ']', '}', ':>', '%>']);
const ANGLE_WINDOW = 512;

/** The token stream the rewriter walks, with bracket partners precomputed. */
export class TokenStream {
  readonly toks: Token[];
  /** match[i]: index of the partner bracket of toks[i], or -1 (not a bracket, or unbalanced). */
  readonly match: Int32Array;
  /** Index of the first unbalanced bracket, or -1 when all brackets pair up. */
  readonly unbalanced: number;

  /** Every token, comments and directives included (for the source map). */
  readonly all: Token[];

  /** Lexes `src` from offset `from` (a global-scope restart point; earlier text is not read). */
  constructor(src: string, from = 0) {
    this.all = lex(src, from);
    this.toks = this.all.filter((t) => t.kind !== 'comment' && t.kind !== 'directive');
    this.match = new Int32Array(this.toks.length).fill(-1);
    const stack: number[] = [];
    let unbalanced = -1;
    for (let i = 0; i < this.toks.length; i++) {
      const t = this.toks[i];
      if (t.kind !== 'punct') continue;
      const text = norm(t.text);
      if (text in OPEN) stack.push(i);
      else if (CLOSE.has(text)) {
        const open = stack.pop();
        if (open === undefined || OPEN[norm(this.toks[open].text)] !== text) {
          if (unbalanced < 0) unbalanced = open ?? i;
          if (open !== undefined) stack.push(open);
          continue;
        }
        this.match[open] = i;
        this.match[i] = open;
      }
    }
    if (unbalanced < 0 && stack.length > 0) unbalanced = stack[0];
    this.unbalanced = unbalanced;
  }

  get length(): number {
    return this.toks.length;
  }

  /** The token text at i, '' past the end (so lookahead never needs bounds checks). */
  text(i: number): string {
    const t = this.toks[i];
    return t ? norm(t.text) : '';
  }

  isPunct(i: number, p: string): boolean {
    const t = this.toks[i];
    return t !== undefined && t.kind === 'punct' && norm(t.text) === p;
  }

  isIdent(i: number, name?: string): boolean {
    const t = this.toks[i];
    return t !== undefined && t.kind === 'ident' && (name === undefined || t.text === name);
  }

  /** Index of the closing `>` of a template argument/parameter list opened at `open`, or -1. */
  matchAngle(open: number, limit: number): number {
    let depth = 0;
    // No real template argument list is this long; the cap keeps garbage input linear.
    const end = Math.min(limit, open + ANGLE_WINDOW);
    for (let i = open; i < end; i++) {
      const p = this.toks[i].kind === 'punct' ? norm(this.toks[i].text) : '';
      if (p === '<') depth++;
      else if (p === '>') depth--;
      else if (p === '>>') depth -= 2;
      else if (p === '(' || p === '[' || p === '{') {
        const m = this.match[i];
        if (m < 0) return -1;
        i = m;
        continue;
      } else if (p === ';' || p === '{' || p === '}') return -1;
      if (depth <= 0) return i;
    }
    return -1;
  }

  /** Source text of tokens [from, to) joined by single spaces: one line, safe to copy elsewhere. */
  join(from: number, to: number, skip?: (i: number) => boolean): string {
    const parts: string[] = [];
    for (let i = from; i < to; i++) if (!skip?.(i)) parts.push(this.toks[i].text);
    return parts.join(' ');
  }
}

/** Digraphs spelled as their ordinary punctuators. */
function norm(p: string): string {
  switch (p) {
    case '<:': return '[';
    case ':>': return ']';
    case '<%': return '{';
    case '%>': return '}';
    case '%:': return '#';
    default: return p;
  }
}
