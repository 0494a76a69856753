import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lex } from '../../lib/rewrite/lexer.js';
import { SourceMap, type Location } from '../../lib/rewrite/source-map.js';

const test = suite('source-map');

/** Where the n-th (0-based) occurrence of `needle` in `src` came from, as clang would print it. */
function where(src: string, needle: string, n = 0, map = new SourceMap(src)): string {
  let at = -1;
  for (let k = 0; k <= n; k++) at = src.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`no ${needle} #${n}`);
  const loc: Location = map.locate(at);
  return `${loc.file}:${loc.line}:${loc.col}${map.isSystemHeader(at) ? ' (system)' : ''}`;
}

// Shaped like `clang++ -E a.cpp` where a.cpp includes the system header inc/h.h on its line 2.
const TU = [
  '# 1 "a.cpp"', //            0
  'int first;', //             1  a.cpp:1
  '# 5 "inc/h.h" 1 3', //      2
  'int in_header;', //         3  inc/h.h:5
  '', //                       4
  '  int later;', //           5  inc/h.h:7
  '# 3 "a.cpp" 2', //          6
  'int back;', //              7  a.cpp:3
  'int main() { return 0; }', // a.cpp:4
].join('\n');

test('line markers give file and line; entering and leaving a header', () => {
  assert.is(where(TU, 'first'), 'a.cpp:1:5');
  assert.is(where(TU, 'in_header'), 'inc/h.h:5:5 (system)');
  assert.is(where(TU, 'later'), 'inc/h.h:7:7 (system)');
  assert.is(where(TU, 'back'), 'a.cpp:3:5');
  assert.is(where(TU, 'return'), 'a.cpp:4:14');
});

test('a marker governs from the line after it; the marker line itself belongs to the region before', () => {
  assert.is(where(TU, '# 3 "a.cpp" 2'), 'inc/h.h:8:1 (system)');
});

test('before any marker: the default file name and physical lines', () => {
  const src = 'int a;\nint b;\n# 10 "x.cpp"\nint c;';
  assert.is(where(src, 'b'), '<stdin>:2:5');
  assert.is(where(src, 'b', 0, new SourceMap(src, 'main.cpp')), 'main.cpp:2:5');
  assert.is(where(src, 'c;', 0, new SourceMap(src, 'main.cpp')), 'x.cpp:10:5');
});

test('file names are unescaped as clang escapes them: \\" \\\\ and octal bytes of UTF-8', () => {
  // Copied from clang 14's output for `#include <wé"ird\é\tt.h>`.
  const src = '# 1 "./we\\"ird\\\\\\303\\251\\tt.h" 1 3\nint x;\n# 1 "C:\\\\dir\\134f.h"\nint y;';
  assert.is(where(src, 'x'), './we"ird\\\u00e9\tt.h:1:5 (system)');
  assert.is(where(src, 'y'), 'C:\\dir\\f.h:1:5');
});

test('#line and file-less markers keep the file and the system-header state; flags 1 3 4 mark system', () => {
  const src = [
    '# 1 "sys.h" 1 3 4', 'int a;', '#line 20', 'int b;', '# 40', 'int c;', '#line 7 "u.cpp"', 'int d;', '# 9 "v.cpp"', 'int e;',
  ].join('\n');
  assert.is(where(src, 'a;'), 'sys.h:1:5 (system)');
  assert.is(where(src, 'b;'), 'sys.h:20:5 (system)');
  assert.is(where(src, 'c;'), 'sys.h:40:5 (system)');
  assert.is(where(src, 'd;'), 'u.cpp:7:5 (system)');
  assert.is(where(src, 'e;'), 'v.cpp:9:5'); // a marker with a file and no flag 3 is user code
});

test('other directives are not markers', () => {
  const src = '# 1 "a.cpp"\n#pragma once\n#pragma GCC diagnostic push\n#ident "x"\nint z;';
  assert.is(where(src, 'z'), 'a.cpp:4:5'); // the pragma lines are lines of a.cpp too
});

test('a line that looks like a marker inside a raw string or comment does not count', () => {
  const src = '# 1 "a.cpp"\nauto s = R"(\n# 100 "fake.h"\n)";\n/*\n# 200 "fake2.h"\n*/ int v;';
  assert.is(where(src, 'v;'), 'a.cpp:6:8'); // what clang reports for this text
  // Tokens the caller already has give the same answers.
  assert.is(where(src, 'v;', 0, new SourceMap(src, '<stdin>', lex(src))), 'a.cpp:6:8');
});

test('columns count UTF-8 bytes, as clang prints them', () => {
  const src = '# 1 "u.cpp"\n/*\u00e9*/ a; /*\u20ac*/ b; /*\uD83D\uDE00*/ c;\n\u00e9\u00e9 = d;';
  // The columns clang 14 reports for this text: é is 2 bytes, € 3, 😀 4 (a surrogate pair).
  assert.is(where(src, 'a;'), 'u.cpp:1:8');
  assert.is(where(src, 'b;'), 'u.cpp:1:19');
  assert.is(where(src, 'c;'), 'u.cpp:1:31');
  assert.is(where(src, 'd;'), 'u.cpp:2:8');
});

test('offsets outside the text are clamped instead of throwing', () => {
  const map = new SourceMap(TU);
  assert.equal(map.locate(-5), { file: '<stdin>', line: 1, col: 1 });
  assert.equal(map.locate(TU.length + 100), map.locate(TU.length));
  assert.equal(map.locate(Number.NaN), { file: '<stdin>', line: 1, col: 1 });
});

test('thousands of markers: every lookup lands in the right region', () => {
  const lines: string[] = [];
  const offsets: number[] = [];
  let length = 0;
  for (let k = 0; k < 20_000; k++) {
    const marker = `# ${k + 1} "f${k % 50}.h" 1${k % 3 === 0 ? ' 3' : ''}`;
    offsets.push(length + marker.length + 1 + 'int '.length);
    lines.push(marker, `int v${k};`);
    length += marker.length + 1 + `int v${k};`.length + 1;
  }
  const map = new SourceMap(lines.join('\n'));
  let bad = '';
  for (let k = 0; k < 20_000; k++) {
    const loc = map.locate(offsets[k]!);
    const ok = loc.file === `f${k % 50}.h` && loc.line === k + 1 && loc.col === 5 && map.isSystemHeader(offsets[k]!) === (k % 3 === 0);
    if (!ok) bad ||= `v${k}: ${JSON.stringify(loc)}`;
  }
  assert.is(bad, '');
});

test.run();
