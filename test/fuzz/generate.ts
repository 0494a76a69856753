// Seeded generators of preprocessed C++ for fuzzing the rewriter: random token soups, valid
// interceptor programs built from a small grammar, text that must pass through untouched,
// mutations, and the deep, huge and pathological shapes that find recursion and O(n²) walks.
// Everything is a pure function of the Rng's seed, so a failure reproduces from its seed alone.

import { lex } from '../../lib/rewrite/lexer.js';

/** xorshift32 seeded through splitmix: small, fast and the same on every platform. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    let z = (seed >>> 0) + 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.s = (z ^ (z >>> 16)) >>> 0 || 1;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** A seed for case `index` of group `group`, so any single case can be regenerated. */
export function caseSeed(seed: number, group: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x01000193) ^ group;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ index;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** One self-contained top-level item of a generated program. */
export interface Piece {
  text: string;
  /** How many interceptors the rewriter must find in it. */
  interceptors: number;
  /** How many `goto ->` of those interceptors it must rewrite. */
  gotos: number;
}

/** A program as the pieces it was built from (a shrinker drops whole pieces). */
export interface Program {
  pieces: Piece[];
}

export function programText(p: Program): string {
  return '# 1 "x.cpp"\n' + p.pieces.map((x) => x.text).join('\n');
}

export const count = (p: Program, key: 'interceptors' | 'gotos'): number => p.pieces.reduce((n, x) => n + x[key], 0);

// ---------------------------------------------------------------------------------------------
// Fragments

/** Line markers as clang writes them (file names without ':' or newlines, so a location parses). */
export const LINE_MARKERS = [
  '# 1 "x.cpp"', '# 12 "h.h" 1 3', '# 7 "inc/h.h" 2', '# 1 "<built-in>" 3', '# 1 "<command line>" 1',
  '# 40 "dir with space/a.hpp" 1 3 4', '# 3 "\\303\\251t\\303\\251.h" 1', '# 9 "q\\"uote.h"', '#line 77 "l.h"',
  '# 5', '%: 8 "digraph.h" 1', '# 0 "zero.h" 1', '# 2147483647 "max.h"',
];

/** Literals and comments that mention the syntax without being it. */
export const HIDING = [
  '"[[interceptor]]"', '"goto -> p;"', '"}"', '"{"', '"\\"[[interceptor]]\\""', '"\\\\"', "'['", "'{'", "'}'",
  "'\\''", '\'"\'', 'u8"goto -> x"', 'L"[[interceptor]]"', 'u"}{"', 'U"goto->"', "u8'x'", "L'\\\\'",
  'R"([[interceptor]] void f() { goto -> p; })"', 'R"x()" [[interceptor]] goto -> p; )x"', 'u8R"d(})d"',
  'LR"(goto ->)"', 'uR"(\n[[interceptor]]\n)"', 'UR"--(goto -> q;)--"', 'R"(multi\nline\ngoto -> p;\n)"',
  '"abc"_udl', 'R"(x)"sv', '"a" "[[interceptor]]"',
  '/* [[interceptor]] void f() { goto -> p; } */', '/* goto -> p;\n } { */', '/**/', '/* ] ] [ [ */',
  '// [[interceptor]] goto -> p; }\n', '// continued \\\n [[interceptor]] void g() { goto -> q; }\n',
  '//\n', '// "unbalanced\n',
];

/** Ordinary C++ fragments. */
const CXX = [
  'int', 'void', 'char', 'auto', 'const', 'static', 'inline', 'extern', 'constexpr', 'virtual', 'friend',
  'struct', 'class', 'union', 'enum', 'typename', 'template', 'namespace', 'using', 'operator', 'return',
  'goto', 'if', 'else', 'for', 'while', 'switch', 'case', 'default', 'break', 'try', 'catch', 'throw',
  'noexcept', 'decltype', 'sizeof', 'new', 'delete', 'this', 'nullptr', 'co_return', 'co_await', 'requires',
  'public', 'private', 'protected', 'final', 'override', 'mutable', 'volatile', '__attribute__', '__declspec',
  'f', 'g', 'x', 'p', 'T', 'S', 'ns', 'std', 'Logger', 'interceptor', 'dlsym', 'open', 'main', 'café', '\\u00e9t',
  '0', '1', '42', '1.5e+3', '0x1p-3', "1'000", '.5', '0b1010u', '1_km',
  '(', ')', '{', '}', '[', ']', ';', ',', ':', '::', '<', '>', '>>', '<<', '=', '==', '*', '&', '&&', '->',
  '->*', '.', '...', '?', '!', '~', '+', '-', '/', '%', '^', '|', '#', '##', '<:', ':>', '<%', '%>', '%:',
  '<=>', '<::', '@', '`', '$', '\\', '\\\n',
];

/** Fragments of interceptor syntax, well-formed or not. */
const ICC = [
  '[[interceptor]]', '[[nodiscard, interceptor]]', '[[interceptor, nodiscard]]', '[[interceptor(1)]]',
  '[[ns::interceptor]]', '[[interceptor::x]]', '[[using gnu: interceptor]]', '[[gnu::cold, interceptor]]',
  '[ [ interceptor ] ]', '<:<:interceptor:>:>', '[[interceptor', 'interceptor]]', '[[', ']]',
  'goto ->', 'goto -> p;', 'goto -> dlsym(h, "f");', 'goto -> ;', 'goto', '->', 'goto->p;',
  'template<class T>', 'template <typename... Ts>', 'template<>', 'template<int N>', 'extern "C"',
  'extern "C" {', 'extern "C++"', 'namespace a {', 'namespace {', 'inline namespace v1 {', 'namespace a::b {',
  'struct S {', 'class C { public:', 'static', '__attribute__((ms_abi))', 'decltype(auto)', 'auto f() -> int',
  '[](){', '[&](int v) mutable -> int {', 'return;', 'co_yield 1;', 'operator()', 'operator<',
];

/** Broken lexemes: unterminated literals and comments, stray bytes. */
const BROKEN = [
  '"abc', "'", "'ab", 'R"abc(', 'R"(', 'u8R"x(', 'R"', 'R"this-delimiter-is-too-long(x)this-delimiter-is-too-long"',
  'R"a b(x)a b"', '/* open', '"\\', '"a\\\nb"', "'\\\n'", '\0', '\r', '\ufeff', '\u2028', '\ud800', '\udc00',
  '😀', '\x7f', '\x1b[0m',
];

/** Whitespace between fragments: mostly a space, sometimes newlines, tabs, CRLF or a splice. */
export function ws(rng: Rng): string {
  const r = rng.int(100);
  if (r < 60) return ' ';
  if (r < 75) return '\n';
  if (r < 82) return '';
  if (r < 88) return '\t';
  if (r < 93) return '\r\n';
  if (r < 97) return '\n\n';
  return ' \\\n';
}

/** A random soup of C++ and interceptor fragments, sometimes with whole interceptors in it. */
export function randomStream(rng: Rng): string {
  const n = rng.range(1, rng.chance(0.2) ? 200 : 40);
  const parts: string[] = [];
  if (rng.chance(0.7)) parts.push('# 1 "x.cpp"\n');
  for (let k = 0; k < n; k++) {
    const r = rng.int(100);
    if (r < 40) parts.push(rng.pick(CXX));
    else if (r < 65) parts.push(rng.pick(ICC));
    else if (r < 77) parts.push(rng.pick(HIDING));
    else if (r < 82) parts.push(rng.pick(BROKEN));
    else if (r < 87) parts.push('\n' + rng.pick(LINE_MARKERS) + '\n');
    else if (r < 95) parts.push(interceptorPiece(rng, rng.int(3)).text);
    else parts.push(plainPiece(rng));
    parts.push(ws(rng));
  }
  return parts.join('');
}

/** Random UTF-16 code units: ASCII-heavy, with controls, lone surrogates and astral characters. */
export function randomChars(rng: Rng): string {
  const n = rng.range(0, rng.chance(0.1) ? 4000 : 200);
  const out: string[] = [];
  const syntax = '[]{}()<>:;,"\'\\/*#%R-=\n';
  for (let k = 0; k < n; k++) {
    const r = rng.int(100);
    if (r < 35) out.push(String.fromCharCode(rng.range(32, 126)));
    else if (r < 60) out.push(syntax[rng.int(syntax.length)]!);
    else if (r < 70) out.push(String.fromCharCode(rng.int(32)));
    else if (r < 78) out.push(String.fromCharCode(rng.range(0x80, 0xffff)));
    else if (r < 82) out.push(String.fromCharCode(rng.range(0xd800, 0xdfff)));
    else if (r < 86) out.push(String.fromCodePoint(rng.range(0x10000, 0x10ffff)));
    else out.push(rng.pick(['interceptor', '[[interceptor]]', 'goto ->', 'goto', 'R"(', '*/', '/*', '//']));
  }
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Valid programs

const PLAIN = [
  'int a = 1;', 'static const char *s = "[[interceptor]] goto -> x";', 'struct P { int x; int y() const { return x; } };',
  'void g(int v) { if (v) { goto done; } done: return; }', 'namespace n { int k; }', 'extern "C" int puts(const char *);',
  'template <class T> T id(T v) { return v; }', '/* goto -> p; [[interceptor]] */',
  '// [[interceptor]] void f() { goto -> p; }\n', 'const char *r = R"x([[interceptor]] goto -> p; )" }{ )x";',
  'auto lam = [](int a) { return a + 1; };', 'enum class E { A, B };', 'int interceptor = 2;', '[[nodiscard]] int h();',
  '[[gnu::interceptor]] int z1;', '[[using gnu: interceptor]] int z2;', '[[interceptor::tag]] int z3;',
  'char cs[] = { \'{\', \'[\', \'}\' };', 'int n = 1\'000; const char *q = "goto -> p;";', 'struct interceptor { int v; };',
  'void k() { goto interceptor; interceptor: ; }', 'int arr[2][3];', 'template <class T> struct Q { T v; }; Q<Q<int>> qq;',
  'int café = 1;', 'int \\u00e9x = 2;', 'const char *e = "😀 [[interceptor]]";', 'int cmp = (1 <=> 2) < 0;',
  'void m(int *p) { p->~int(); }', 'struct D { D() = default; ~D() {} };', 'class K { public: static int v; private: int w; };',
  '#pragma message("[[interceptor]] goto -> x")\n', '#define M [[interceptor]] \\\n goto -> p\n', '%:define Y goto -> p\n',
  'using Fn = void (*)(int);', 'int x1{}, x2{3};', 'alignas(8) char buf[16];', 'static_assert(sizeof(int) == 4, "[[interceptor]]");',
  'void lp(int i) { while (i-- > 0) { if (i == 3) break; } }', 'extern "C" { int c1; void c2(void); }', 'inline namespace v2 { int iv; }',
];

const PLAIN_NESTED = PLAIN.filter((p) => !p.startsWith('#') && !p.startsWith('%:'));

/** A plain declaration; `nested` ones are never directives, which must start a line. */
function plainPiece(rng: Rng, nested = false): string {
  return rng.pick(nested ? PLAIN_NESTED : PLAIN);
}

const ATTRS = ['[[interceptor]]', '[[nodiscard, interceptor]]', '[[interceptor, nodiscard]]', '[[ interceptor ]]', '[[gnu::cold, interceptor]]', '[[interceptor]] [[nodiscard]]', '<:<:interceptor:>:>'];
const RETURNS = ['void', 'int', 'const char *', 'unsigned long long', 'void *', 'struct P *', 'struct P', 'P', 'std::size_t', 'const P &', 'bool'];
const PARAMS = ['', 'void', 'int', 'int a, double b', 'const char *path, int flags, ...', 'int a = 1, long b = sizeof(int)', 'void (*cb)(int)',
  'int (&arr)[3]', 'P p = P{1, 2}', 'std::vector<int> const &v', 'unsigned', 'char c = \'}\''];
const TAILS = ['', ' noexcept', ' throw()', ' __attribute__((cold))'];
const TARGETS = ['p', 'dlsym(h, "f")', 'dlsym(dlopen("libx.so", RTLD_NOW), "RotateMatrix")', 'reinterpret_cast<void *>(&g)', '(c ? a : b)', 'tbl[i]', 'pick<int>()', 'GetProcAddress(m, "g;")'];
const STATEMENTS = [
  'puts("goto -> x; }");', 'char c = \'}\';', 'const char *r = R"(})";', '/* } goto -> p; */', '// }\n', 'int y = 0; (void)y;',
  '{ int z = 1; (void)z; }', 'auto l = [](int v) { return v; }; (void)l;', 'auto m = [&]() mutable -> int { return 1; };',
  'static void *h = dlopen("l.so", RTLD_NOW);', 'try { f(); } catch (...) { }', 'goto out; out:;', 'for (int i = 0; i < 3; i++) { }',
  'struct L { int v; } loc{1};', 'x->y = 1;', 'if (a) { } else { }',
];

function stmts(rng: Rng, depth: number): { text: string; gotos: number } {
  const out: string[] = [];
  let gotos = 0;
  const n = rng.int(4);
  for (let k = 0; k < n; k++) {
    const r = rng.int(10);
    if (r < 5 || depth > 3) out.push(rng.pick(STATEMENTS));
    else {
      const inner = stmts(rng, depth + 1);
      gotos += inner.gotos;
      const g = rng.chance(0.5) ? `goto -> ${rng.pick(TARGETS)};` : '';
      if (g) gotos++;
      const shape = rng.int(5);
      if (shape === 0) out.push(`if (x) { ${inner.text} ${g} }`);
      else if (shape === 1) out.push(`for (int i = 0; i < n; i++) {${ws(rng)}${inner.text}${ws(rng)}${g} }`);
      else if (shape === 2) out.push(`switch (k) { case 1: ${g || 'break;'} default: { ${inner.text} } }`);
      else if (shape === 3) out.push(g ? `if (y) ${g} else { ${inner.text} }` : `{ ${inner.text} }`);
      else out.push(`do { ${inner.text} ${g} } while (0);`);
    }
  }
  return { text: out.join(ws(rng)), gotos };
}

function body(rng: Rng): { text: string; gotos: number } {
  const s = stmts(rng, 0);
  const last = `goto${rng.pick([' ', '\n', '', ' /* c */ '])}->${ws(rng)}${rng.pick(TARGETS)};`;
  return { text: `{${ws(rng)}${s.text}${ws(rng)}${last}${ws(rng)}}`, gotos: s.gotos + 1 };
}

/** One or more interceptors in a random context: free, static, inline, extern "C", template,
 *  namespaced or static member. `depth` bounds how many contexts wrap it. */
export function interceptorPiece(rng: Rng, depth: number): Piece {
  const name = rng.pick(['Logger', 'f', 'open', 'Rotate', 'g_1', 'handler']) + rng.int(7);
  const attr = rng.pick(ATTRS);
  const b = body(rng);
  const tail = rng.pick(TAILS);
  const context = depth <= 0 ? rng.int(6) : rng.int(10);
  const sp = (): string => ws(rng);
  const params = rng.pick(PARAMS);
  const ret = rng.pick(RETURNS);
  const fn = (prefix: string): string => `${attr}${sp()}${prefix}${ret} ${name}${sp()}(${params})${tail}${sp()}${b.text}`;
  const one = (text: string): Piece => ({ text, interceptors: 1, gotos: b.gotos });
  switch (context) {
    case 0: return one(fn(''));
    case 1: return one(fn('static '));
    case 2: return one(fn('inline '));
    case 3: return one(`extern "C"${sp()}${fn('')}`);
    case 4: {
      const tp = rng.pick(['template <class T>', 'template<typename T, int N>', 'template <class... Ts>']);
      const param = tp.includes('...') ? 'Ts... a' : 'T v';
      return one(`${tp}${sp()}${attr} ${rng.pick(['T', 'void', 'int'])} ${name}(${param})${tail} ${b.text}`);
    }
    case 5: return one(`${attr} auto ${name}(${params})${tail} -> ${ret}${sp()}${b.text}`);
    default: break;
  }
  const inner = interceptorPiece(rng, depth - 1);
  const more = rng.chance(0.3) ? interceptorPiece(rng, 0) : { text: plainPiece(rng, true), interceptors: 0, gotos: 0 };
  const wrapped = (open: string, close: string, inside: Piece[]): Piece => ({
    text: `${open}${sp()}${inside.map((p) => p.text).join(sp())}${sp()}${close}`,
    interceptors: inside.reduce((n, p) => n + p.interceptors, 0),
    gotos: inside.reduce((n, p) => n + p.gotos, 0),
  });
  switch (context) {
    case 6: return wrapped(rng.pick(['namespace a {', 'namespace a::b {', 'inline namespace v1 {', 'namespace {', 'namespace [[deprecated]] d {']), '}', [inner, more]);
    case 7: return wrapped('extern "C" {', '}', [freeOnly(rng), more.interceptors ? freeOnly(rng) : more]);
    case 8: return wrapped(rng.pick(['struct S {', 'class C { int x; public:', 'struct O { struct I { int k; };', 'union U { int i;']), '};', [member(rng, attr, name, b)]);
    default: return wrapped('struct N { struct M {', '}; };', [member(rng, attr, name, b)]);
  }
}

/** An interceptor valid inside an extern "C" block (not a template). */
function freeOnly(rng: Rng): Piece {
  let p = interceptorPiece(rng, 0);
  while (p.text.includes('template')) p = interceptorPiece(rng, 0);
  return p;
}

function member(rng: Rng, attr: string, name: string, b: { text: string; gotos: number }): Piece {
  const access = rng.pick(['', 'public: ', 'private:\n', 'protected: ']);
  return { text: `${access}${attr} static ${rng.pick(RETURNS)} ${name}(${rng.pick(PARAMS)}) ${b.text}`, interceptors: 1, gotos: b.gotos };
}

/** A program mixing plain declarations, line markers and interceptors in every supported form. */
export function validProgram(rng: Rng): Program {
  const pieces: Piece[] = [];
  const n = rng.range(1, 8);
  for (let k = 0; k < n; k++) {
    const r = rng.int(10);
    if (r < 5) pieces.push(interceptorPiece(rng, 2));
    else if (r < 8) pieces.push({ text: plainPiece(rng), interceptors: 0, gotos: 0 });
    else pieces.push({ text: rng.pick(LINE_MARKERS.filter((m) => !m.startsWith('%:'))) + '\n', interceptors: 0, gotos: 0 });
  }
  if (!pieces.some((p) => p.interceptors > 0)) pieces.push(interceptorPiece(rng, 1));
  return { pieces };
}

// ---------------------------------------------------------------------------------------------
// Text without interceptors

/** Fragments that are never `[`, `goto` or a directive start: any order of them is free of
 *  `[[interceptor` and `goto ->` outside literals and comments. */
const SAFE = [
  'int', 'x', 'p', 'interceptor', 'S', '::', '->', '->*', '(', ')', '{', '}', ']', ';', ',', '<', '>', '=', '*', '&',
  '0', "1'000", '0x1p+3', '1e-5', 'café', '\\u00e9', '.', '...', '?', ':', '~', '!', '<=>', 'goto_', 'igoto', 'return',
  ...HIDING.filter((h) => !h.startsWith('//') || h.endsWith('\n')),
];

/** Top-level text with no interceptor: mentions only inside literals, comments and directives,
 *  `interceptor` as an ordinary name, namespaced attributes, normal gotos, and (often) soup with
 *  unbalanced brackets. */
export function passThrough(rng: Rng): Program {
  const pieces: Piece[] = [];
  const n = rng.range(1, 12);
  for (let k = 0; k < n; k++) {
    const r = rng.int(10);
    let text: string;
    if (r < 5) text = plainPiece(rng);
    else if (r < 6) text = rng.pick(LINE_MARKERS) + '\n';
    else if (r < 8) text = rng.pick(HIDING);
    else {
      const soup: string[] = [];
      // Always a blank between fragments: `x` `1'000` glued would lex as `x1` and a char literal.
      for (let j = rng.range(1, 30); j > 0; j--) soup.push(rng.pick(SAFE), rng.pick([' ', '\n', '\t', '\r\n']));
      text = soup.join('');
    }
    pieces.push({ text, interceptors: 0, gotos: 0 });
  }
  return { pieces };
}

// ---------------------------------------------------------------------------------------------
// Mutations and truncations

/** Token boundaries of `src` (ends of every token, including comments and directives). */
export function tokenEnds(src: string): number[] {
  return lex(src).map((t) => t.end);
}

/** `src` with 1-4 token-level edits: deletions, duplications, swaps, insertions, cuts inside a token. */
export function mutate(rng: Rng, src: string): string {
  let text = src;
  for (let k = rng.range(1, 4); k > 0; k--) {
    const toks = lex(text);
    if (toks.length === 0) return text + rng.pick(ICC);
    const t = toks[rng.int(toks.length)]!;
    const u = toks[rng.int(toks.length)]!;
    switch (rng.int(7)) {
      case 0: text = text.slice(0, t.start) + text.slice(t.end); break;
      case 1: text = text.slice(0, t.end) + ' ' + t.text + text.slice(t.end); break;
      case 2: if (t.end <= u.start) text = text.slice(0, t.start) + u.text + text.slice(t.end, u.start) + t.text + text.slice(u.end); break;
      case 3: text = text.slice(0, t.start) + rng.pick([...ICC, ...BROKEN, ...HIDING, ...CXX]) + ' ' + text.slice(t.start); break;
      case 4: text = text.slice(0, t.start) + rng.pick([...ICC, ...CXX]) + text.slice(t.end); break;
      case 5: { const cut = rng.range(t.start, t.end); text = text.slice(0, cut) + rng.pick(['\n', '\\\n', '"', "'", '*/', '', '}']) + text.slice(cut); break; }
      default: text = text.slice(0, t.start) + rng.pick(['{', '}', '(', ')', '[', ']', '<', '>']) + text.slice(t.start); break;
    }
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Directed shapes

/** A named input whose construction is printed instead of its text (they are large). */
export interface Shaped {
  name: string;
  /** How to build it, for the failure report. */
  recipe: string;
  src: string;
}

const ICC_FN = '[[interceptor]] void f() { goto -> p; }\n';
const ICC_STATIC = '[[interceptor]] static void f() { goto -> p; }\n';
const rep = (s: string, n: number): string => s.repeat(n);

/** 10,000 levels of every kind of nesting the rewriter walks or matches. */
export function deepShapes(n: number): Shaped[] {
  const s = (name: string, recipe: string, src: string): Shaped => ({ name, recipe, src });
  return [
    s('nested namespaces', `'namespace a {'×${n} + interceptor + '}'×${n}`, rep('namespace a {', n) + ICC_FN + rep('}', n)),
    s('nested anonymous namespaces', `'namespace {'×${n} + interceptor + '}'×${n}`, rep('namespace {', n) + ICC_FN + rep('}', n)),
    s('nested inline namespaces', `'inline namespace v {'×${n} + '}'×${n}`, 'interceptor\n' + rep('inline namespace v {', n) + rep('}', n)),
    s('nested structs', `'struct S {'×${n} + static member interceptor + '};'×${n}`, rep('struct S {', n) + '[[interceptor]] static void f() { goto -> p; }\n' + rep('};', n)),
    s('nested extern "C" blocks', `'extern "C" {'×${n} + interceptor + '}'×${n}`, rep('extern "C" {', n) + ICC_FN + rep('}', n)),
    s('nested class templates', `'template <class T> struct A {'×${n} + '};'×${n}`, 'interceptor\n' + rep('template <class T> struct A {', n) + rep('};', n)),
    s('unclosed namespaces', `'namespace a {'×${n}`, ICC_FN + rep('namespace a {', n)),
    s('unclosed structs', `'struct S {'×${n}`, ICC_FN + rep('struct S {', n)),
    s('braces', `'{'×${n} + '}'×${n}`, ICC_FN + rep('{', n) + rep('}', n)),
    s('parentheses', `'('×${n} + ')'×${n}`, ICC_FN + rep('(', n) + rep(')', n)),
    s('brackets', `'[ '×${n} + '] '×${n}`, ICC_FN + rep('[ ', n) + rep('] ', n)),
    s('nested attributes', `'[['×${n} + 'interceptor' + ']]'×${n}`, rep('[[', n) + 'interceptor' + rep(']]', n) + ' void f() { goto -> p; }'),
    s('angle brackets in a template head', `'template <class T = ' + 'A<'×${n} + 'int' + '>'×${n} + '>'`, 'template <class T = ' + rep('A<', n) + 'int' + rep('>', n) + '> [[interceptor]] void f(T) { goto -> p; }'),
    s('unbalanced openers', `'{'×${n}`, ICC_FN + rep('{', n)),
    s('unbalanced closers', `'}'×${n}`, ICC_FN + rep('}', n)),
    s('mixed unbalanced', `'{('×${n} + '})'×${n}`, ICC_FN + rep('{(', n) + rep('})', n)),
    s('nested blocks in a body', `interceptor body with '{'×${n} goto -> p; '}'×${n}`, '[[interceptor]] void f() {' + rep('{', n) + 'goto -> p;' + rep('}', n) + '}'),
    s('nested lambdas in a body', `interceptor body with '[](){'×${n}`, '[[interceptor]] void f() {' + rep('[](){', n) + rep('}', n) + ' goto -> p; }'),
    s('nested ifs in a body', `'if (x) {'×${n} goto -> p; '}'×${n}`, '[[interceptor]] void f() {' + rep('if (x) {', n) + 'goto -> p;' + rep('}', n) + ' goto -> q; }'),
    s('nested parens in a target', `goto -> '('×${n} p ')'×${n};`, '[[interceptor]] void f() { goto -> ' + rep('(', n) + 'p' + rep(')', n) + '; }'),
    s('nested parens in parameters', `f('('×${n} ')'×${n})`, '[[interceptor]] void f(' + rep('(', n) + rep(')', n) + ') { goto -> p; }'),
    s('mixed namespaces and structs', `('namespace a {' 'struct S {')×${n / 2}`, rep('namespace a { struct S {', n / 2) + '[[interceptor]] static void f() { goto -> p; }' + rep('}; }', n / 2)),
    s('line markers', `'# k "h.h" 1 3'×${n}`, Array.from({ length: n }, (_, k) => `# ${k + 1} "h${k % 10}.h" 1 3\n`).join('') + 'goto -> p;'),
  ];
}

/** Literals, comments and tokens of several MB, mentioning the syntax throughout. */
export function hugeShapes(mb: number): Shaped[] {
  const size = mb * 1024 * 1024;
  const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length));
  const s = (name: string, recipe: string, src: string): Shaped => ({ name, recipe, src });
  const mention = '[[interceptor]] goto -> p; } { ';
  return [
    s('huge string literal', `"${mention}"×${mb}MB in an interceptor`, `[[interceptor]] void f() { puts("${fill(mention)}"); goto -> p; }`),
    s('huge raw string', `R"d(…)d" of ${mb}MB with near-miss terminators`, `const char *r = R"d(${fill(')" )d )dd" ' + mention)})d";\n` + ICC_FN),
    s('huge block comment', `/* ${mb}MB */`, `/*${fill(mention)}*/\n` + ICC_FN),
    s('huge line comment with splices', `// + '${mention}\\\\\\n'×…`, `//${fill(mention + '\\\n')}\n` + ICC_FN),
    s('huge unterminated string', `"… (${mb}MB, no closing quote)`, ICC_FN + `"${fill(mention)}`),
    s('huge unterminated raw string', `R"(… (${mb}MB)`, ICC_FN + `R"(${fill(mention + '\n')}`),
    s('huge unterminated comment', `/* … (${mb}MB)`, ICC_FN + `/*${fill(mention + '\n')}`),
    s('huge identifier', `identifier of ${mb}MB`, `[[interceptor]] void ${fill('x')}() { goto -> p; }`),
    s('huge number', `pp-number of ${mb}MB`, `int a = 1${fill('e+1')};\n` + ICC_FN),
    s('huge whitespace inside goto ->', `goto + ${mb}MB blanks + ->`, `[[interceptor]] void f() { goto${fill(' \n\t')}-> p; }`),
    s('many interceptors', `${JSON.stringify(ICC_STATIC)}×${Math.floor(size / 8 / ICC_STATIC.length)}`, ICC_STATIC.repeat(Math.floor(size / 8 / ICC_STATIC.length))),
    s('many stray goto ->', `'goto -> p;\\n'×${Math.floor(size / 8 / 11)} in a body`, 'void g() {\n' + 'goto -> p;\n'.repeat(Math.floor(size / 8 / 11)) + '}'),
  ];
}

/** Shapes that a linear rewriter handles in a few ms but an O(n²) one takes seconds for; each is
 *  `unit` repeated, with a prefix that makes the rewriter do its full work. */
export const SCALING: { name: string; prefix: string; unit: string; suffix: string }[] = [
  { name: "brace initialisers after a name ('x{} ')", prefix: 'interceptor\n', unit: 'x{} ', suffix: '' },
  { name: "class bodies without ';' ('struct A{} ')", prefix: 'interceptor\n', unit: 'struct A{} ', suffix: '' },
  { name: "function bodies after 'noexcept' ('void f() noexcept {} ')", prefix: 'interceptor\n', unit: 'void f() noexcept {} ', suffix: '' },
  { name: "'<' in an interceptor's head", prefix: '[[interceptor]] ', unit: 'a < ', suffix: 'void f() { goto -> p; }' },
  { name: "'goto ->' without ';' in a body", prefix: '[[interceptor]] void f() { ', unit: 'goto -> a ', suffix: '}' },
  { name: "errors on one long line ('goto -> p; ' in a body)", prefix: 'void g() { ', unit: 'goto -> p; ', suffix: '}' },
  { name: "errors on one long line ('[[interceptor]] void f(); ')", prefix: '', unit: '[[interceptor]] void f(); ', suffix: '' },
  { name: "errors on separate lines ('goto -> p;\\n' in a body)", prefix: 'void g() {\n', unit: 'goto -> p;\n', suffix: '}' },
  { name: 'lambdas in an interceptor body', prefix: '[[interceptor]] void f() { ', unit: '[](){ return 1; }(); ', suffix: 'goto -> p; }' },
];

/** Hand-written inputs for edges a random generator rarely reaches. */
export const EDGES: string[] = [
  '', '\n', '# 1 "x.cpp"\n', '[[interceptor]]', '[[interceptor', '[[interceptor]] void', '[[interceptor]] void f(', '[[interceptor]] void f() {',
  '[[interceptor]] void f() { goto', '[[interceptor]] void f() { goto ->', '[[interceptor]] void f() { goto -> p', 'goto ->', 'goto', '->', 'interceptor',
  ']] [[interceptor', '}}}} [[interceptor]] void f() { goto -> p; }', '[[interceptor]] void f() { goto -> p; }}}}}', ')))) [[interceptor]] void f() { goto -> p; }',
  '[[interceptor]] void f(decltype(R"(a\nb)") x) { goto -> p; }',
  'template <class T = decltype(R"(a\nb)")> [[interceptor]] void f() { goto -> p; }',
  '[[interceptor]] decltype(R"(\n)") f() { goto -> p; }',
  '[[interceptor]] void f() __attribute__((ms_abi, annotate(R"(\n)"))) { goto -> p; }',
  '[[interceptor]] void f(int a = sizeof(R"(\n)")) { goto -> p; }',
  '[[interceptor]] void Lo\\\ng() { goto -> p; }', '[[interceptor]] vo\\\nid f() { goto -> p; }', '[[interceptor]] void f(in\\\nt) { goto -> p; }',
  '[[interceptor]] void f() { go\\\nto -> p; }', '[[inter\\\nceptor]] void f() { goto -> p; }',
  '# 99999999999999999999999 "h.h"\ngoto -> p;', '# 1e5 "h.h"\ngoto -> p;', '#line 4294967296 "h.h"\ngoto -> p;',
  '[[interceptor]] void ::() { goto -> p; }', '[[interceptor]] void () { goto -> p; }', '[[interceptor]] void operator() { goto -> p; }',
  '[[interceptor]] void f() try { goto -> p; } catch (...) { }', '[[interceptor]] void f() = delete;', '[[interceptor]] void f() = 0 { }',
  '[[interceptor]] [[interceptor]] void f() { goto -> p; }', '[[interceptor, interceptor]] void f() { goto -> p; }',
  '[[interceptor]] void f() [[interceptor]] { goto -> p; }', '[[interceptor]] void f() { [[interceptor]] int x; goto -> p; }',
  '[[interceptor]] void f() { goto -> p; goto -> ; goto ->; }', '[[interceptor]] void f() { goto -> goto -> p; }',
  '[[interceptor]] void f() { auto l = [] { goto -> p; }; goto -> q; }', '[[interceptor]] void f() { struct L { static void m() { goto -> p; } }; goto -> q; }',
  'struct S { [[interceptor]] S() { goto -> p; } };', 'struct S { [[interceptor]] ~S() { goto -> p; } };', 'template <class T> struct A { [[interceptor]] static void f() { goto -> p; } };',
  '[[interceptor]] struct P f() { goto -> p; }', '[[interceptor]] enum E f() { goto -> p; }', '[[interceptor]] static struct P const *f() { goto -> p; }',
  '[[interceptor]] auto f() { goto -> p; }', '[[interceptor]] decltype(auto) f() { goto -> p; }', '[[interceptor]] constexpr int f() { goto -> p; }',
  'template <> [[interceptor]] void f<int>() { goto -> p; }', 'template <class> [[interceptor]] void f() { goto -> p; }', '[[interceptor]] void ns::f() { goto -> p; }',
  '[[interceptor]] int x = 1;', '[[interceptor]] class C {};', '[[interceptor]] struct S { };', '[[interceptor]] ;', '[[interceptor]] {}',
  'void f [[interceptor]] () { goto -> p; }', 'extern "C" [[interceptor]] int open(const char *, int, ...) { goto -> p; }',
  '\ufeff[[interceptor]] void f() { goto -> p; }', '[[interceptor]] void f() { goto -> p; }\0', '\r\n[[interceptor]]\r\nvoid f()\r\n{\r\ngoto -> p;\r\n}\r\n',
  '[[interceptor]] void \ud800() { goto -> p; }', '[[interceptor]] void 😀() { goto -> p; }', '[[interceptor]] void f() { goto -> "\ud800"; }',
  '<:<:interceptor:>:> void f() <% goto -> p; %>', '%:define X\n[[interceptor]] void f() { goto -> p; }',
  '[[interceptor]] void f() { co_return; goto -> p; }', '[[interceptor]] void f() { return; }', '[[interceptor]] void f() { goto -> p }',
  'namespace { [[interceptor]] void f() { goto -> p; }', 'extern "C" { [[interceptor]] void f() { goto -> p; }', 'struct S { [[interceptor]] static void f() { goto -> p; }',
];
