// Whether an interceptor's body may call something, guessed from its tokens
// before the compile. A light core compiled alone (lib/rewrite/emit.ts, one
// copy of the body) is only usable when its code calls nothing; when it does,
// the translation unit is compiled a second time with the full core beside it
// (lib/pipeline.ts). Guessing that up front from call syntax spares that
// second compile for bodies that obviously call (puts, dlsym, a logger); a
// body guessed wrong either way still ends correct: the object is checked.

import { TYPE_KEYWORDS } from './declaration.js';
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

/** Keywords that may declare an object of class type (whose constructor and destructor may call),
 *  or catch one. */
const OBJECT_KEYWORDS = new Set(['auto', '__auto_type', 'decltype', '__decltype', 'typeof', '__typeof__', '__typeof', 'struct', 'class', 'union', 'try', 'catch']);
/** Keywords that may stand before a name without declaring it (`return x`, `goto l`), or that only
 *  name a built-in type or qualify one (`unsigned n`, `const char c`): never a class type. The
 *  declaration parser's type keywords, and the statements' and operators' that take a name. */
const NOT_CLASS_TYPES = new Set([
  ...TYPE_KEYWORDS, 'goto', 'case', 'else', 'do', 'throw', 'co_return', 'co_await', 'co_yield',
  'not', 'and', 'or', 'xor', 'bitand', 'bitor', 'compl', 'not_eq', 'and_eq', 'or_eq', 'xor_eq',
]);
const CV = new Set(['const', 'volatile']);
/** The C library's typedefs of built-in types: `size_t n` declares no object with a destructor. */
const SCALAR_TYPEDEFS = /^(u?int(_least|_fast)?(8|16|32|64)_t|u?int(ptr|max)_t|s?size_t|ptrdiff_t|off(64)?_t|pid_t|uid_t|gid_t|mode_t|time_t|clock_t|socklen_t|wint_t|va_list|__builtin_va_list)$/;

/** Whether tokens (from, to) hold call syntax: a name, `)` or `>` followed by `(` (casts,
 *  keywords and builtins excepted), a keyword that calls, or what may declare an object of class
 *  type (`Guard g;`, `std::string s`, `auto x`): its constructor and destructor may call, and a
 *  core written alone ends in musttail jumps, which may not leave the scope of an object with a
 *  destructor (lib/rewrite/emit.ts). */
export function mayCall(ts: TokenStream, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) {
    const t = ts.text(i);
    if (ts.isIdent(i) && (CALLING_KEYWORDS.has(t) || OBJECT_KEYWORDS.has(t))) return true;
    if (declaresObject(ts, i, to)) return true;
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

/** Whether the name (or template argument list's `>`) at i may be a class type a declarator follows:
 *  `T x`, `ns::T const x`, `T<int> x`. A comparison `a > b` counts too: the safe guess. */
function declaresObject(ts: TokenStream, i: number, to: number): boolean {
  const typeEnd = ts.isPunct(i, '>') || ts.isPunct(i, '>>') || (ts.isIdent(i) && !NOT_CLASS_TYPES.has(ts.text(i)) && !CALLING_KEYWORDS.has(ts.text(i)) && !SCALAR_TYPEDEFS.test(ts.text(i)));
  if (!typeEnd) return false;
  let k = i + 1;
  while (k < to && ts.isIdent(k) && CV.has(ts.text(k))) k++;
  return k < to && ts.isIdent(k) && !NOT_CLASS_TYPES.has(ts.text(k)) && !CALLING_KEYWORDS.has(ts.text(k));
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
