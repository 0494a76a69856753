// Interceptors whose body reads its parameters (or va_start, or its symbol's
// name): which ones they are, and the parameter list their body is compiled
// with. Such a body lives in `__params_X`, a function with the declared
// parameter list that the core replays with the caller's registers and stack
// (asm/x86_64-replay.S); every other interceptor keeps today's core.

import type { FunctionHead } from './declaration.js';
import type { TokenStream } from './tokens.js';

/** A parameter the declaration names. */
export interface Param {
  name: string;
  /** Token index of the name. */
  at: number;
  /** Whether `const` can go before the name (not a reference, not a pack). */
  constable: boolean;
}

/** Identifiers a body may use that name its symbol: they need the trampoline's frame. */
export const SYMBOL_NAMES: Readonly<Record<string, string>> = {
  __icc_mangled: '::__icc::mangled(__icc_frame)',
  __icc_symbol: '::__icc::symbol(__icc_frame)',
};
const VA_START = /^__builtin_(ms_)?va_start$/;

const CV_OR_DECL = new Set(['const', 'volatile', '__restrict', '__restrict__', '*', '&', '&&', '(', '...']);
const NOT_A_NAME = new Set([
  'void', 'bool', 'char', 'char8_t', 'char16_t', 'char32_t', 'wchar_t', 'short', 'int', 'long', 'signed',
  'unsigned', 'float', 'double', 'auto', 'const', 'volatile', 'typename', 'struct', 'class', 'union', 'enum',
  '__int128', '_Complex', '__complex__', '__restrict', '__restrict__', '__signed__', '__unsigned',
  '_Float16', '__fp16', '__bf16', '__float128', 'register', 'decltype', '__attribute__', 'alignas',
]);

/** The named parameters of a head (an unnamed one, like `const Foo &`, has no entry). */
export function declaredParams(ts: TokenStream, head: FunctionHead): Param[] {
  const params: Param[] = [];
  let start = head.paramsOpen + 1;
  for (let i = start; i <= head.paramsClose; i++) {
    if (i < head.paramsClose && (ts.isPunct(i, '(') || ts.isPunct(i, '[') || ts.isPunct(i, '{')) && ts.match[i] > i) {
      if (!ts.isPunct(i, '(')) i = ts.match[i];
      continue;
    }
    if (i < head.paramsClose && ts.isPunct(i, '<')) {
      const m = ts.matchAngle(i, head.paramsClose);
      if (m > 0) i = m;
      continue;
    }
    if (i === head.paramsClose || (ts.isPunct(i, ',') && depth(ts, head.paramsOpen, i) === 0)) {
      const p = paramName(ts, start, i);
      if (p) params.push(p);
      start = i + 1;
    }
  }
  return params;
}

/** Parenthesis depth of token i inside the list opened at `open`. */
function depth(ts: TokenStream, open: number, i: number): number {
  let d = 0;
  for (let k = open + 1; k < i; k++) {
    if (ts.isPunct(k, '(')) d++;
    else if (ts.isPunct(k, ')')) d--;
  }
  return d;
}

/** The declarator-id of one parameter [from, to), if it has one. */
function paramName(ts: TokenStream, from: number, to: number): Param | undefined {
  let end = to;
  for (let k = from; k < to; k++) if (ts.isPunct(k, '=')) { end = k; break; }
  let name = -1;
  for (let k = from; k < end; k++) {
    if (ts.isPunct(k, '[') && ts.isPunct(k + 1, '[') && ts.match[k] > k) { k = ts.match[k]; continue; }
    if (ts.isPunct(k, '<')) { const m = ts.matchAngle(k, end); if (m > 0) k = m; continue; }
    if (ts.isIdent(k) && !NOT_A_NAME.has(ts.text(k)) && !ts.isPunct(k + 1, '::') && !ts.isPunct(k - 1, '::')) name = k;
  }
  if (name < 0) return undefined;
  // `const Foo &`: the last identifier is the type when nothing but cv and declarator punctuation precedes it.
  let k = name - 1;
  while (k >= from && CV_OR_DECL.has(ts.text(k))) k--;
  if (k < from || /^(struct|class|union|enum|typename)$/.test(ts.text(k))) return undefined;
  const before = ts.text(name - 1);
  return { name: ts.text(name), at: name, constable: before !== '&' && before !== '&&' && before !== '...' };
}

/** What the rewriter needs to know about a body's parameters: the named ones, and whether it reads any. */
export interface ParamsPlan {
  params: Param[];
  reads: boolean;
}

/** Plans an interceptor's parameters: a body that reads none keeps today's core. */
export function planParams(ts: TokenStream, head: FunctionHead, open: number, close: number): ParamsPlan {
  const params = declaredParams(ts, head);
  return { params, reads: readsParams(ts, params, open, close) };
}

/** Whether the body [open, close] reads a parameter, starts a va_list or names its symbol. */
export function readsParams(ts: TokenStream, params: readonly Param[], open: number, close: number): boolean {
  const names = new Set(params.map((p) => p.name));
  for (let i = open + 1; i < close; i++) {
    if (!ts.isIdent(i)) continue;
    const t = ts.text(i);
    if (VA_START.test(t) || t in SYMBOL_NAMES) return true;
    if (names.has(t) && !ts.isPunct(i - 1, '.') && !ts.isPunct(i - 1, '->') && !ts.isPunct(i - 1, '::')) return true;
  }
  return false;
}

/** Whether the body needs the trampoline's frame in a local (`__icc_frame`): va_start, the symbol's names. */
export function needsFrame(ts: TokenStream, open: number, close: number): boolean {
  for (let i = open + 1; i < close; i++) if (VA_START.test(ts.text(i)) || ts.text(i) in SYMBOL_NAMES) return true;
  return false;
}

/** `(int x = 1, T *p)` → `(int const x, T * const p)`: the parameter clause of __params_X. */
export function constParamList(ts: TokenStream, head: FunctionHead, params: readonly Param[]): string {
  const constAt = new Set(params.filter((p) => p.constable).map((p) => p.at));
  const parts: string[] = [];
  let skipping = false;
  let nest = 0;
  for (let i = head.paramsOpen; i <= head.paramsClose; i++) {
    const t = ts.text(i);
    if (skipping) {
      if (t === '(' || t === '[' || t === '{') { i = Math.max(i, ts.match[i]); continue; }
      if (t === '<' && ts.isIdent(i - 1)) nest++;
      else if (t === '>' && nest > 0) nest--;
      if ((t === ',' && nest === 0) || i === head.paramsClose) skipping = false;
      else continue;
    } else if (t === '=' && i > head.paramsOpen && depth(ts, head.paramsOpen, i) === 0) {
      skipping = true;
      nest = 0;
      continue;
    }
    if (constAt.has(i)) parts.push('const');
    parts.push(ts.toks[i].text);
  }
  return parts.join(' ');
}

// A convention's name, however spelled: `ms_abi`, `__ms_abi__`, the keyword `__vectorcall`.
const CONVENTION = /(?<![A-Za-z0-9])_*(ms_abi|sysv_abi|vectorcall|regcall|preserve_most|preserve_all|swiftcall)_*(?![A-Za-z0-9])/g;

/** The calling-convention attributes of the function's type, for __params_X (`, ms_abi`). */
export function conventionAttributes(pointerType: string): string {
  const found = [...pointerType.matchAll(CONVENTION)].map((m) => m[1]);
  return [...new Set(found)].map((c) => `, ${c}`).join('');
}

/** Why a body can't read its parameters in this convention, if it can't: the replay thunk reloads
 *  the argument registers of the System V, Microsoft x64 and vectorcall conventions only. */
export function unreadableConvention(pointerType: string): string | undefined {
  const found = [...pointerType.matchAll(CONVENTION)].map((m) => m[1]);
  if (found.includes('regcall')) return "'regcall' passes arguments in r11, r12, r14, r15 and xmm8-15 too, which the replay does not reload";
  const other = found.find((c) => c !== 'ms_abi' && c !== 'sysv_abi' && c !== 'vectorcall');
  return other ? `the replay does not know the '${other}' convention's argument registers` : undefined;
}

/** Every `__builtin_va_start(ap, last)` in the body: token indexes of the name, the first argument's range and the `)`. */
export function vaStarts(ts: TokenStream, open: number, close: number): { at: number; ap: [number, number]; close: number }[] {
  const found: { at: number; ap: [number, number]; close: number }[] = [];
  for (let i = open + 1; i < close; i++) {
    if (!VA_START.test(ts.text(i)) || !ts.isPunct(i + 1, '(') || ts.match[i + 1] < 0) continue;
    const end = ts.match[i + 1];
    let comma = end;
    for (let k = i + 2; k < end; k++) {
      if ((ts.isPunct(k, '(') || ts.isPunct(k, '[')) && ts.match[k] > k) k = ts.match[k];
      else if (ts.isPunct(k, ',')) { comma = k; break; }
    }
    found.push({ at: i, ap: [i + 2, comma], close: end });
  }
  return found;
}
