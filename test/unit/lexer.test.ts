import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lex, RestartScan, type Token } from '../../lib/rewrite/lexer.js';

/** The restart point from one scan of the whole text. */
const globalRestartPoint = (src: string, limit: number): number => new RestartScan().finish(src, limit);

/** "kind:text" per token, with '!' after unterminated ones: compact and readable in failures. */
const shape = (src: string): string[] => lex(src).map((t) => `${t.kind}:${t.text}${t.unterminated ? '!' : ''}`);
const texts = (src: string): string[] => lex(src).map((t) => t.text);
const idents = (src: string): string[] => lex(src).filter((t) => t.kind === 'ident').map((t) => t.text);

const Lexer = suite('lexer');

Lexer('a raw string holding )" and [[interceptor]] goto -> is one string token', () => {
  const src = 'auto s = R"x(a)" [[interceptor]] void f() { goto -> g; } )x"; int after;';
  assert.equal(shape(src), [
    'ident:auto', 'ident:s', 'punct:=',
    'string:R"x(a)" [[interceptor]] void f() { goto -> g; } )x"',
    'punct:;', 'ident:int', 'ident:after', 'punct:;',
  ]);
});

Lexer('raw strings with every prefix, spanning lines, end only at )delim"', () => {
  assert.equal(shape('u8R"x(line1\n)" still\n)x" LR"(a)" uR"(b)" UR"(c)" R"(d)"'), [
    'string:u8R"x(line1\n)" still\n)x"', 'string:LR"(a)"', 'string:uR"(b)"', 'string:UR"(c)"', 'string:R"(d)"',
  ]);
  // Inside a raw string a backslash escapes nothing and a "// comment" is text.
  assert.equal(shape('R"(\\)" // x)" y'), ['string:R"(\\)"', 'comment:// x)" y']);
});

Lexer('goto and -> inside strings, chars and comments produce no tokens of their own', () => {
  const src = [
    '"goto -> x;" u8"goto ->" L"[[interceptor]]" \'goto\'',
    '// goto -> dlsym(h, "f");',
    '/* [[interceptor]] void f() { goto -> g; } */',
    'R"(goto -> y)"',
  ].join('\n');
  assert.equal(idents(src), []);
  assert.ok(lex(src).every((t) => t.text !== '->'));
  assert.equal(idents('goto -> target;'), ['goto', 'target']);
});

Lexer('pp-numbers: digit separators, exponents, hex floats, suffixes', () => {
  assert.equal(texts("1'000'000 0x1'ff 0b1'0 12_km 1e+5 1.e-3 0x1p-3 .5f 0xe+1 123'a"),
    ["1'000'000", "0x1'ff", "0b1'0", '12_km', '1e+5', '1.e-3', '0x1p-3', '.5f', '0xe+1', "123'a"]);
  // As clang does: p+ / p- only continue a hex literal; a quote not followed by a digit or
  // letter ends the number and starts a char literal.
  assert.equal(texts('1p+2'), ['1p', '+', '2']);
  assert.equal(shape("1'+'x'"), ['number:1', "char:'+'", 'ident:x', "char:'!"]);
  assert.equal(shape('a.b .5 ..5'), ['ident:a', 'punct:.', 'ident:b', 'number:.5', 'punct:.', 'number:.5']);
});

Lexer('char literals with prefixes and escaped quotes', () => {
  assert.equal(shape("'\\'' L'\\'' u8'a' U'\\\\' 'ab' '\"'"),
    ["char:'\\''", "char:L'\\''", "char:u8'a'", "char:U'\\\\'", "char:'ab'", `char:'"'`]);
});

Lexer('string literals with prefixes, escapes and user-defined suffixes, as clang groups them', () => {
  assert.equal(shape('u8"a" u"b" U"c" L"d" "e\\"f\\\\" "abc"_s R"(x)"sv "t"min'),
    ['string:u8"a"', 'string:u"b"', 'string:U"c"', 'string:L"d"', 'string:"e\\"f\\\\"',
      'string:"abc"_s', 'string:R"(x)"sv', 'string:"t"min']);
  // A suffix that is neither _-prefixed nor a standard one is a separate identifier (clang).
  assert.equal(shape('"x"svx \'c\'s'), ['string:"x"', 'ident:svx', "char:'c'", 'ident:s']);
  // A prefix is only a prefix when the quote follows at once.
  assert.equal(shape('u8 "a" R \'b\' LR"(c)"'), ['ident:u8', 'string:"a"', 'ident:R', "char:'b'", 'string:LR"(c)"']);
});

Lexer('every C++20 punctuator and digraph lexes as itself', () => {
  const all = ('{ } [ ] ( ) ; : :: ... ? . .* -> ->* ~ ! + - * / % ^ & | = += -= *= /= %= ^= &= |= == != '
    + '< > <= >= <=> && || << >> <<= >>= ++ -- , ## <: :> <% %> %:%:').split(' ');
  const toks = lex(all.join(' '));
  assert.equal(toks.map((t) => t.text), all);
  assert.ok(toks.every((t) => t.kind === 'punct'));
  assert.equal(shape('x # y %: z'), ['ident:x', 'punct:#', 'ident:y', 'punct:%:', 'ident:z']);
});

Lexer('longest match, and <:: before anything but : or > is < then ::', () => {
  assert.equal(texts('std::vector<::std::string> v;'), ['std', '::', 'vector', '<', '::', 'std', '::', 'string', '>', 'v', ';']);
  assert.equal(texts('a<:::b'), ['a', '<:', '::', 'b']);
  assert.equal(texts('a<::>b'), ['a', '<:', ':>', 'b']);
  assert.equal(texts('p->*m a<=>b x<<=1 y>>=2 a+++++b a-->b'),
    ['p', '->*', 'm', 'a', '<=>', 'b', 'x', '<<=', '1', 'y', '>>=', '2', 'a', '++', '++', '+', 'b', 'a', '--', '>', 'b']);
});

Lexer('directives: # first on its line, to the end of the logical line', () => {
  const src = '# 12 "file.h" 2 3\n  #pragma once\n#define X \\\n  more\nint a; # not\n%:pragma digraph\n## x';
  assert.equal(shape(src), [
    'directive:# 12 "file.h" 2 3', 'directive:#pragma once', 'directive:#define X \\\n  more',
    'ident:int', 'ident:a', 'punct:;', 'punct:#', 'ident:not', 'directive:%:pragma digraph', 'punct:##', 'ident:x',
  ]);
  // A comment is blank space: a # after one at the start of a line still begins a directive,
  // and a block comment inside a directive carries it past its newline.
  assert.equal(shape('/* c */ #pragma a /* x\ny */ z\nw'), ['comment:/* c */', 'directive:#pragma a /* x\ny */ z', 'ident:w']);
  // A quoted "/*" in a directive is not a comment.
  assert.equal(shape('# 1 "a/*.h"\nint'), ['directive:# 1 "a/*.h"', 'ident:int']);
  // A continuation joins lines, so a # after one is not first on its line.
  assert.equal(shape('x \\\n# y'), ['ident:x', 'punct:#', 'ident:y']);
});

Lexer('comments: // continues over a backslash-newline; CRLF endings stay out of tokens', () => {
  assert.equal(shape('// a \\\n b\nc /* d\n e */ f'), ['comment:// a \\\n b', 'ident:c', 'comment:/* d\n e */', 'ident:f']);
  // Blanks between the backslash and the newline still make a continuation (clang, C++23).
  assert.equal(shape('// a \\  \t\n b\nc'), ['comment:// a \\  \t\n b', 'ident:c']);
  assert.equal(shape('// x\r\n#pragma y\r\n"open\r\nz'), ['comment:// x', 'directive:#pragma y', 'string:"open!', 'ident:z']);
});

Lexer('unterminated literals end at their line and lexing goes on; raw strings and comments at EOF', () => {
  assert.equal(shape('"abc\ngoto ->\n\'x\nnext'), ['string:"abc!', 'ident:goto', 'punct:->', "char:'x!", 'ident:next']);
  assert.equal(shape('a R"(never closed\n[[interceptor]]'), ['ident:a', 'string:R"(never closed\n[[interceptor]]!']);
  assert.equal(shape('a /* never closed\ngoto'), ['ident:a', 'comment:/* never closed\ngoto!']);
  // A string continued by backslash-newline is still one terminated token.
  assert.equal(shape('"ab\\\ncd" e'), ['string:"ab\\\ncd"', 'ident:e']);
  // A raw-string delimiter over 16 characters is invalid: consumed to the next quote, as clang recovers.
  assert.equal(shape('R"abcdefghijklmnopq(x)" y'), ['string:R"abcdefghijklmnopq(x)"!', 'ident:y']);
});

Lexer('identifiers take $, UCNs and any non-ASCII code unit; offsets are UTF-16 indices', () => {
  assert.equal(shape('$a \\u00e9t\\U0001F600 \u00e9l\u00e8ve x\uD83D\uDE00 \uD800'),
    ['ident:$a', 'ident:\\u00e9t\\U0001F600', 'ident:\u00e9l\u00e8ve', 'ident:x\uD83D\uDE00', 'ident:\uD800']);
  const toks = lex('\uD83D\uDE00 = 1;');
  assert.equal(toks.map((t) => [t.start, t.end]), [[0, 2], [3, 4], [5, 6], [6, 7]]);
  assert.equal(shape('@ ` \\ \0'), ['other:@', 'other:`', 'other:\\', 'other:\0']);
});

Lexer('many distinct identifiers each keep their own text (no mix-up between similar names)', () => {
  const names: string[] = [];
  for (let k = 0; k < 20_000; k++) names.push(`n${k.toString(36)}`, `_${k}x`, 'std', `n${k.toString(36)}`);
  const got = texts(names.join(' '));
  const wrong = got.findIndex((text, k) => text !== names[k]);
  assert.is(wrong < 0 ? '' : `token ${wrong}: ${got[wrong]} instead of ${names[wrong]}`, '');
  assert.is(got.length, names.length);
});

/** Deterministic PRNG (mulberry32) so a failing input can be reproduced from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fragments that exercise every scanner, mixed with arbitrary code units.
const PIECES = ['"', "'", 'R"', 'u8R"x(', ')x"', ')"', '(', 'u8', 'L', '\\', '\\\n', '\n', '\r\n', ' ', '\t', '#', '%:',
  '/*', '*/', '//', '<::', '->*', '.', '0x1', "1'0", 'e+', 'p-', '_s', 'goto', '->', '\\u00e9', '\u00e9', '\uD800',
  '\uDE00', '\0', '<', ':', '%', '>', '=', 'a', '9'];

function randomInput(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 60);
  for (let k = 0; k < n; k++) {
    s += rand() < 0.8 ? PIECES[Math.floor(rand() * PIECES.length)] : String.fromCharCode(Math.floor(rand() * 0x10000));
  }
  return s;
}

/** The reason the gap src[from, to) is not whitespace, or '' when it is (continuations included). */
function notWhitespace(src: string, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    if (' \t\n\r\v\f'.includes(src[i]!)) continue;
    if (src[i] === '\\') {
      let j = i + 1;
      while (j < to && ' \t\r\v\f'.includes(src[j]!)) j++;
      if (src[j] === '\n' && j < to) { i = j; continue; }
    }
    return `${JSON.stringify(src[i])} at ${i}`;
  }
  return '';
}

function checkInvariants(src: string, toks: Token[], label: string): void {
  let pos = 0;
  for (const t of toks) {
    assert.ok(t.start >= pos && t.end > t.start && t.end <= src.length, `${label}: bad range ${t.start}-${t.end} after ${pos}`);
    assert.is(t.text, src.slice(t.start, t.end), `${label}: text`);
    const gap = notWhitespace(src, pos, t.start);
    assert.is(gap, '', `${label}: non-whitespace skipped: ${gap}`);
    pos = t.end;
  }
  assert.is(notWhitespace(src, pos, src.length), '', `${label}: non-whitespace after the last token`);
}

Lexer('property: tokens are ordered, non-overlapping, exact slices, and only whitespace is skipped', () => {
  for (let seed = 1; seed <= 4000; seed++) {
    const src = randomInput(prng(seed));
    let toks: Token[] = [];
    try {
      toks = lex(src);
    } catch (e) {
      assert.unreachable(`seed ${seed}: lex threw ${String(e)} on ${JSON.stringify(src)}`);
    }
    checkInvariants(src, toks, `seed ${seed} ${JSON.stringify(src)}`);
  }
});

Lexer('property: arbitrary code units, and a large input, lex without throwing', () => {
  const rand = prng(42);
  let big = '';
  for (let k = 0; k < 200_000; k++) big += String.fromCharCode(Math.floor(rand() * 0x10000));
  checkInvariants(big, lex(big), 'random code units');
  const pathological = '\\'.repeat(50_000) + ' '.repeat(50_000) + "'".repeat(50_000) + 'R"'.repeat(20_000);
  checkInvariants(pathological, lex(pathological), 'pathological');
});

Lexer('RestartScan: after the last top-level ; or } — braces in literals, comments and directives do not count', () => {
  const head = [
    '# 1 "x.cpp"',
    'const char *a = "}{;";',
    "char b = '}'; int n = 1'000;",
    'const char *r = R"x(} namespace {)x";',
    '/* } */ // {',
    '#define OPEN {',
    'namespace ns {',
    'int f() { return 0; }',
  ].join('\n');
  const at = head.length;
  const src = head + '\n[[interceptor]] void g() { goto -> p; }\n}\n';
  const restart = globalRestartPoint(src, at);
  // The last global-scope point is right after `R"x(...)x";` — inside ns, nothing counts.
  assert.is(src.slice(0, restart).split('\n').pop(), 'const char *r = R"x(} namespace {)x";');
  // Lexing from there sees the same tokens as lexing everything, from that offset on.
  const whole = lex(src).filter((t) => t.start >= restart).map((t) => [t.start, t.text]);
  assert.equal(lex(src, restart).map((t) => [t.start, t.text]), whole);
});

// Brackets and statements for the restart scan to count, and tokens that span lines; mixed with
// the fuzz pieces above, so that cuts fall inside every kind of token.
const STRUCTURE = ['namespace a {', '}', ';', '{', '[', ']', ')', 'int x = 1;', '"s}{;"', "'}'", 'R"x(} ; {)x"',
  '/* } ; */', '// { ;\n', '#define X {\n', '\\  \n', '<%', '%>', '<:', ':>', 'R"d(two\nlines)d"',
  '/* two\nlines */', '#if 1 \\\n {\n', '\n', '\n'];

Lexer('RestartScan fed piece by piece answers as one scan of the whole text, wherever the pieces are cut', () => {
  const rand = prng(7);
  const pick = (n: number): number => Math.floor(rand() * n);
  for (let round = 0; round < 60; round++) {
    const pieces = [...PIECES, ...STRUCTURE, ...STRUCTURE];
    const text = Array.from({ length: 150 }, () => pieces[pick(pieces.length)]).join('');
    for (const limit of [text.length, ...Array.from({ length: 12 }, () => pick(text.length + 1))]) {
      const scan = new RestartScan();
      for (let cut = pick(40); cut < text.length; cut += 1 + pick(60)) scan.feed(text.slice(0, cut));
      assert.is(scan.finish(text, limit), globalRestartPoint(text, limit), `round ${round}, limit ${limit}`);
    }
  }
});

Lexer('RestartScan: feeding the whole text, or past the limit, changes nothing', () => {
  const src = 'int a; namespace n { int b; }\nstruct S { int c; };\n[[interceptor]] void f() { goto -> p; }\n';
  const at = src.indexOf('[[');
  const fed = new RestartScan();
  fed.feed(src);
  assert.is(fed.finish(src, at), globalRestartPoint(src, at));
  assert.is(globalRestartPoint(src, at), src.indexOf('[[') - 1);
});

Lexer.run();
