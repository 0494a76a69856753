// Reads the head of a function definition (everything before its body) from
// tokens: template parameters, specifiers, the declarator-id, the parameter
// clause, and the function's type as a pointer type-id for static_cast.

import type { TokenStream } from './tokens.js';

export interface FunctionHead {
  /** Token index of `template` and of the closing `>` of its parameter list, when a template. */
  template?: { start: number; close: number; args: string[] };
  explicitSpecialization: boolean;
  externC: boolean;
  /** Declaration specifiers that change what the rewriter emits. */
  specs: Set<string>;
  /** Token index where the specifiers start (after `template<…>` and `extern "C"`). */
  specStart: number;
  /** Token range [idStart, idEnd) of the declarator-id, e.g. `Logger`, `S::f`, `operator new`. */
  idStart: number;
  idEnd: number;
  /** The unqualified name without template arguments, e.g. `f` for `S::f` or `f<int>`. */
  name: string;
  /** The declarator-id as written, e.g. `S::f`, `Logger<int>`. */
  idText: string;
  qualified: boolean;
  paramsOpen: number;
  paramsClose: number;
  deducedReturn: boolean;
  /** `R (*)(params) noexcept` etc.: the function's type as a pointer, default arguments removed. */
  pointerType: string;
}

const SPECIFIERS = new Set([
  'static', 'inline', '__inline', '__inline__', 'extern', 'constexpr', 'consteval', 'constinit',
  'virtual', 'explicit', 'friend', 'thread_local', '__thread', 'register', 'mutable',
]);

/** Keywords that are followed by a parenthesised operand, never a declarator. */
const PAREN_KEYWORDS = new Set([
  'decltype', '__decltype', '__attribute__', '__attribute', 'alignas', '_Alignas', '__declspec',
  'noexcept', 'throw', 'typeof', '__typeof__', '__typeof', 'sizeof', 'alignof', '__alignof__',
  '_Alignof', 'asm', '__asm__', '__asm', '__underlying_type', 'requires',
]);

/** Keywords that can stand before `(` in a declaration without being the function's name. */
export const TYPE_KEYWORDS = new Set([
  'void', 'bool', 'char', 'char8_t', 'char16_t', 'char32_t', 'wchar_t', 'short', 'int', 'long',
  'signed', 'unsigned', 'float', 'double', 'auto', 'const', 'volatile', 'typename', 'struct',
  'class', 'union', 'enum', '__int128', '_Complex', '__complex__', '__restrict', '__restrict__',
  '__extension__', '__signed__', '__unsigned', '__const', '__volatile__', '_Float16', '__fp16',
  '__bf16', '__float128', 'template', 'operator', 'return', 'new', 'delete',
  ...SPECIFIERS, ...PAREN_KEYWORDS,
]);

/** Calling-convention attributes are part of a function's type: they stay in pointerType (`__stdcall__` too: mingw's __stdcall macro). */
const CALLING_CONVENTIONS = /\b(?:__)?(ms_abi|sysv_abi|vectorcall|regcall|stdcall|fastcall|thiscall|cdecl|preserve_most|preserve_all|pcs)(?:__)?\b/;

/** Parses tokens [start, end) as a function head; returns an error message on shapes it can't read. */
export function parseHead(ts: TokenStream, start: number, end: number, removed: (i: number) => boolean): FunctionHead | string {
  let i = start;
  const head: Partial<FunctionHead> & { specs: Set<string> } = { specs: new Set(), externC: false, explicitSpecialization: false };
  const skip = (k: number): boolean => removed(k);
  while (i < end && skip(i)) i++;
  if (ts.isIdent(i, 'template') && ts.isPunct(i + 1, '<')) {
    const close = ts.matchAngle(i + 1, end);
    if (close < 0) return 'cannot read the template parameter list of this interceptor';
    if (close === i + 2) head.explicitSpecialization = true;
    const args = templateArgs(ts, i + 2, close);
    if (typeof args === 'string') return args;
    head.template = { start: i, close, args };
    i = close + 1;
  }
  if (ts.isIdent(i, 'extern') && ts.toks[i + 1]?.kind === 'string') {
    head.externC = ts.toks[i + 1].text === '"C"';
    i += 2;
  }
  const typeStart = i;
  head.specStart = i;
  let id = -1;
  let idStart = -1;
  for (; i < end; i++) {
    if (skip(i)) continue;
    const t = ts.text(i);
    if (t === '[' && ts.isPunct(i + 1, '[')) {
      i = ts.match[i] < 0 ? end : ts.match[i];
      continue;
    }
    if (PAREN_KEYWORDS.has(t) && ts.isPunct(i + 1, '(')) {
      i = ts.match[i + 1] < 0 ? end : ts.match[i + 1];
      continue;
    }
    if (SPECIFIERS.has(t)) head.specs.add(t);
    if (t === 'operator') return "operator functions can't be interceptors yet";
    if (ts.toks[i].kind === 'ident' && !TYPE_KEYWORDS.has(t)) {
      if (ts.isPunct(i + 1, '(')) {
        id = i + 1;
        idStart = qualifierStart(ts, i);
        break;
      }
      if (ts.isPunct(i + 1, '<') && !ts.isIdent(i - 1, 'operator')) {
        const close = ts.matchAngle(i + 1, end);
        if (close > 0 && ts.isPunct(close + 1, '(') && !ts.isPunct(close + 2, '*') && !ts.isPunct(close + 2, '&')) {
          // A template-id as the declarator-id: an explicit specialization, `f<int>(int)`.
          id = close + 1;
          idStart = qualifierStart(ts, i);
          break;
        }
        if (close > 0) i = close;
      }
    }
  }
  if (id < 0 || !ts.isPunct(id, '(') || ts.match[id] < 0) return 'expected a function definition after [[interceptor]]';
  head.idStart = idStart;
  head.idEnd = id;
  head.paramsOpen = id;
  head.paramsClose = ts.match[id];
  const idText = ts.join(idStart, id);
  head.qualified = idText.includes('::');
  head.idText = idText;
  head.name = idText.replace(/<.*$/, '').split('::').pop()!.trim();
  const hasTrailing = findTrailingReturn(ts, head.paramsClose + 1, end);
  const returnSpecs = ts.join(typeStart, idStart, (k) => skip(k));
  head.deducedReturn = !hasTrailing && /(^|\s)(auto|decltype \( auto \))(\s|$)/.test(returnSpecs);
  head.pointerType = pointerType(ts, typeStart, end, head as FunctionHead, skip);
  return head as FunctionHead;
}

/** Start of a qualified name ending at token `last` (`A::B<int>::f` → index of `A`). */
function qualifierStart(ts: TokenStream, last: number): number {
  let j = last;
  if (ts.isPunct(j - 1, '~')) j--;
  while (ts.isPunct(j - 1, '::')) {
    if (ts.isIdent(j - 2)) j -= 2;
    else if (ts.isPunct(j - 2, '>')) {
      let depth = 0;
      let k = j - 2;
      for (; k >= 0; k--) {
        if (ts.isPunct(k, '>')) depth++;
        else if (ts.isPunct(k, '<') && --depth === 0) break;
      }
      if (k <= 0 || !ts.isIdent(k - 1)) break;
      j = k - 1;
    } else {
      j -= 1;
      break;
    }
  }
  return j;
}

function findTrailingReturn(ts: TokenStream, from: number, end: number): boolean {
  for (let i = from; i < end; i++) {
    if (ts.isPunct(i, '(') && ts.match[i] > 0) i = ts.match[i];
    else if (ts.isPunct(i, '->')) return true;
  }
  return false;
}

/** Names to pass as explicit template arguments (`T`, `N`, `Ts...`) for a template parameter list. */
function templateArgs(ts: TokenStream, from: number, close: number): string[] | string {
  const args: string[] = [];
  let paramStart = from;
  for (let i = from; i <= close; i++) {
    if (i < close && ts.isPunct(i, '<')) {
      const m = ts.matchAngle(i, close);
      if (m > 0) i = m;
      continue;
    }
    if (i < close && (ts.isPunct(i, '(') || ts.isPunct(i, '['))) {
      i = Math.max(i, ts.match[i]);
      continue;
    }
    if (i === close || ts.isPunct(i, ',')) {
      if (i > paramStart) {
        let last = -1;
        let pack = false;
        for (let k = paramStart; k < i && !ts.isPunct(k, '='); k++) {
          if (ts.isPunct(k, '...')) pack = true;
          if (ts.isPunct(k, '<')) { k = Math.max(k, ts.matchAngle(k, i)); continue; }
          if (ts.isIdent(k) && !TYPE_KEYWORDS.has(ts.text(k))) last = k;
        }
        if (last < 0 || last === paramStart) return 'interceptor templates need a name for every template parameter';
        args.push(ts.text(last) + (pack ? '...' : ''));
      }
      paramStart = i + 1;
    }
  }
  return args;
}

/** The function's type as `R (*)(P...) tail`, keeping calling-convention attributes only. */
function pointerType(ts: TokenStream, typeStart: number, end: number, head: FunctionHead, removed: (i: number) => boolean): string {
  const parts: string[] = [];
  for (let i = typeStart; i < end; i++) {
    if (removed(i)) continue;
    const t = ts.text(i);
    if (i === head.idStart) {
      parts.push('(*)');
      i = head.idEnd - 1;
      continue;
    }
    if (SPECIFIERS.has(t)) continue;
    if (t === 'requires' && i > head.paramsClose) break;
    if (t === '[' && ts.isPunct(i + 1, '[')) {
      i = Math.max(i, ts.match[i]);
      continue;
    }
    if ((t === '__attribute__' || t === '__attribute' || t === '__declspec') && ts.isPunct(i + 1, '(')) {
      const close = Math.max(i + 1, ts.match[i + 1]);
      const text = ts.join(i, close + 1);
      if (t !== '__declspec' && CALLING_CONVENTIONS.test(text)) parts.push(text);
      i = close;
      continue;
    }
    if ((t === 'asm' || t === '__asm__' || t === '__asm') && i > head.paramsClose) {
      i = Math.max(i, ts.match[i + 1] ?? i);
      continue;
    }
    if (i === head.paramsOpen) {
      parts.push(paramsWithoutDefaults(ts, head.paramsOpen, head.paramsClose));
      i = head.paramsClose;
      continue;
    }
    parts.push(ts.toks[i].text);
  }
  return parts.join(' ');
}

/** `(int x = 1, T y = T{})` → `(int x, T y)`. */
function paramsWithoutDefaults(ts: TokenStream, open: number, close: number): string {
  const parts: string[] = [];
  let inDefault = false;
  let angle = 0;
  for (let i = open; i <= close; i++) {
    const t = ts.text(i);
    if (i > open && i < close && (t === '(' || t === '[' || t === '{') && ts.match[i] > 0) {
      if (!inDefault) parts.push(ts.join(i, ts.match[i] + 1));
      i = ts.match[i];
      continue;
    }
    if (inDefault) {
      if (t === '<' && ts.isIdent(i - 1)) angle++;
      else if (t === '>' && angle > 0) angle--;
      else if (t === '>>' && angle > 0) angle = Math.max(0, angle - 2);
      else if ((t === ',' && angle === 0) || i === close) inDefault = false;
      if (inDefault) continue;
    } else if (t === '=' && i < close) {
      inDefault = true;
      angle = 0;
      continue;
    }
    parts.push(ts.toks[i].text);
  }
  return parts.join(' ');
}
