// icc-shim --header: prototypes through clang's JSON AST dump, each type reduced
// to how a value of it would be printed; a header that doesn't parse is clang's
// error at its line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'fs-extra';
import path from 'node:path';
import { carrier, formatPrototype, readPrototypes, valueKind } from '../../lib/shim/header.js';
import { ShimError } from '../../lib/shim/errors.js';
import { scratch } from '../helpers.js';

const test = suite('shim-header');

test('valueKind: integers, pointers, strings, floating point', () => {
  const cases: [string, string][] = [
    ['int', 'int'], ['unsigned long', 'uint'], ['long long', 'int'], ['_Bool', 'uint'], ['enum color', 'int'],
    ['const char *', 'string'], ['const char *restrict', 'string'], ['char *', 'pointer'], ['const unsigned char *', 'pointer'], ['void *', 'pointer'],
    ['int (*)(void *, int)', 'pointer'], ['float', 'float'], ['double', 'double'], ['long double', 'long double'],
    ['struct point', 'other'], ['__int128', 'other'],
  ];
  for (const [type, kind] of cases) assert.is(valueKind(type), kind, type);
});

test('carrier: the builtin type an interceptor declares for a parameter, none for structs', () => {
  const cases: [string, string | undefined][] = [
    ['const char *restrict', 'const char *'], ['char *', 'const void *'], ['int (*)(void *, int)', 'const void *'],
    ['unsigned long', 'unsigned long'], ['const int', 'int'], ['_Bool', 'bool'], ['enum color', 'int'], ['short', 'short'],
    ['float', 'float'], ['long double', 'long double'], ['struct point', undefined], ['_Complex double', undefined],
    ['__int128', undefined],
  ];
  for (const [type, c] of cases) assert.is(carrier(type), c, type);
});

test('prototypes from a header: typedefs resolved, unnamed parameters, variadic', async () => {
  const { dir, cleanup } = scratch('shim-header');
  try {
    const h = path.join(dir, 'api.h');
    fs.writeFileSync(h, [
      'typedef unsigned long size_type;',
      'typedef struct stream *stream_ptr;',
      '#define API extern',
      'API int process(stream_ptr s, int flags);',
      'API size_type length(const char *text);',
      'API double scale(double, float by);',
      'API int report(const char *fmt, ...);',
      'API int old_style();',
    ].join('\n') + '\n');
    const p = await readPrototypes(h);
    assert.equal(p.get('process')?.params.map((x) => x.kind), ['pointer', 'int']);
    assert.is(p.get('length')?.returns.kind, 'uint');
    assert.is(p.get('length')?.params[0].kind, 'string');
    assert.equal(p.get('process')?.params.map((x) => x.carrier), ['const void *', 'int']);
    assert.is(p.get('length')?.returns.carrier, 'unsigned long', 'a typedef\'d return type resolved');
    assert.is(p.get('old_style')?.prototyped, false, '`int old_style();` declares no parameters');
    assert.is(p.get('process')?.prototyped, true);
    assert.equal(p.get('scale')?.params.map((x) => [x.name, x.kind]), [['arg1', 'double'], ['by', 'float']]);
    assert.ok(p.get('report')?.variadic);
    assert.is(formatPrototype(p.get('report')!), 'int report(const char * fmt, ...)');

    fs.writeFileSync(h, 'int f(int x;\n');
    try {
      await readPrototypes(h);
      assert.unreachable('a broken header must not parse');
    } catch (e) {
      assert.instance(e, ShimError);
      assert.is((e as ShimError).format(), `${h}:1:12: error: expected ')'`);
    }
  } finally {
    cleanup();
  }
});

test.run();
