// Whether an interceptor's body may call something, guessed from its tokens
// before the compile. A light core compiled alone (lib/rewrite/emit.ts, one
// copy of the body) is only usable when its code calls nothing; when it does,
// the translation unit is compiled a second time with the full core beside it
// (lib/pipeline.ts). Guessing that up front from call syntax spares that
// second compile for bodies that obviously call (puts, dlsym, a logger); a
// body guessed wrong either way still ends correct: the object is checked.

import type { TokenStream } from './tokens.js';

/** Names followed by `(` that are not calls. */
const NOT_CALLS = new Set([
  'sizeof', 'alignof', '_Alignof', '__alignof__', '__alignof', 'alignas', '_Alignas', 'decltype', '__typeof__', '__typeof', 'typeof',
  'noexcept', 'if', 'while', 'for', 'switch', 'return', 'catch', '__attribute__', '__declspec', 'static_assert', '_Static_assert',
  '__extension__', 'static_cast', 'reinterpret_cast', 'const_cast', '__has_builtin', 'requires', 'constexpr',
]);
/** Casts written `name<T>(x)`: their `>(` is not a call either. */
const CASTS = new Set(['static_cast', 'reinterpret_cast', 'const_cast']);
/** Compiler builtins: they expand in place (the object check catches the few that become calls). */
const BUILTIN = /^__(builtin|atomic|sync|c11_atomic)_/;
/** Keywords that call something on their own: operator new/delete, the exception runtime. */
const CALLING_KEYWORDS = new Set(['new', 'delete', 'throw', 'dynamic_cast', 'typeid', 'co_await', 'co_yield']);

/** Whether tokens (from, to) hold call syntax: a name, `)` or `>` followed by `(` (casts,
 *  keywords and builtins excepted), or a keyword that calls. */
export function mayCall(ts: TokenStream, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) {
    const t = ts.text(i);
    if (ts.isIdent(i) && CALLING_KEYWORDS.has(t)) return true;
    if (!ts.isPunct(i + 1, '(')) continue;
    if (ts.isIdent(i)) {
      if (!NOT_CALLS.has(t) && !BUILTIN.test(t)) return true;
    } else if (ts.isPunct(i, ')')) {
      // `(*p)(x)` calls; `(T)(x)`, a cast, is counted too: a call is the safe guess.
      if (!isKeywordParens(ts, i)) return true;
    } else if (ts.isPunct(i, '>') || ts.isPunct(i, '>>')) {
      if (!CASTS.has(ts.text(templateOpen(ts, i, from) - 1))) return true;
    }
  }
  return false;
}

/** Whether the `)` at i closes `sizeof(…)`, `decltype(…)` and the like (`sizeof(T)(x)` is rare; not these). */
function isKeywordParens(ts: TokenStream, i: number): boolean {
  const open = ts.match[i];
  return open >= 0 && open < i && ts.isIdent(open - 1) && NOT_CALLS.has(ts.text(open - 1)) && !/^(if|while|for|switch|catch)$/.test(ts.text(open - 1));
}

/** The `<` that opens the template argument list closed at i (or i itself when none is found). */
function templateOpen(ts: TokenStream, i: number, limit: number): number {
  let depth = 0;
  for (let k = i; k > limit; k--) {
    if (ts.isPunct(k, '>')) depth++;
    else if (ts.isPunct(k, '>>')) depth += 2;
    else if (ts.isPunct(k, '<')) depth--;
    else if (ts.isPunct(k, ';') || ts.isPunct(k, '{') || ts.isPunct(k, '}')) return i;
    else if (ts.isPunct(k, ')') && ts.match[k] >= 0 && ts.match[k] < k) k = ts.match[k];
    if (depth <= 0) return k;
  }
  return i;
}
