// icc-shim --log's writers (shim/icc-shim-text.h), driven through
// test/fixtures/shim/format.cpp: integers at every length and at the ends of their
// ranges, pointers, the timestamp's nine digits, the report's columns, escaped and
// capped strings, and doubles exactly as the runtime has printed them since --header
// came (written by hand-made word-at-a-time code, checked here against JavaScript's own
// decimal and hex conversions).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import path from 'node:path';
import { fixtures, root, scratch } from '../helpers.js';

const test = suite('shim-text');
const U64 = (1n << 64n) - 1n;

let format: (requests: string[]) => Promise<string[]>;
let cleanup = () => {};

test.before(async () => {
  const s = scratch('shim-text');
  cleanup = s.cleanup;
  const exe = path.join(s.dir, 'format');
  const cc = await execa('clang++', ['-O2', '-std=c++20', `-I${path.join(root, 'shim')}`, path.join(fixtures, 'shim', 'format.cpp'), '-o', exe], { reject: false });
  assert.is(cc.exitCode, 0, String(cc.stderr));
  format = async (requests) => {
    const r = await execa(exe, [], { input: requests.join('\n') + '\n', reject: false });
    assert.is(r.exitCode, 0, String(r.stderr));
    const lines = String(r.stdout).split('\n');
    assert.is(lines.length, requests.length);
    // Nothing written before the value's start; the value is what lies up to where the writer said it stopped.
    return lines.map((l, i) => {
      const m = /^AAAAAAAA\|(.*)\|$/s.exec(l);
      assert.ok(m, `request ${requests[i]}: ${l}`);
      return m![1];
    });
  };
});
test.after(() => cleanup());

/** A deterministic spread of 64-bit values: every bit length, random bits below the top one. */
function spread(count: number): bigint[] {
  let x = 0x9e3779b97f4a7c15n;
  const next = (): bigint => {
    x ^= (x << 13n) & U64;
    x ^= x >> 7n;
    x ^= (x << 17n) & U64;
    return x;
  };
  return Array.from({ length: count }, (_, i) => next() >> BigInt(i % 64));
}

/** 10^k - 1, 10^k, 10^k + 1 for every k that fits, and 2^32 around its edge. */
function edges(): bigint[] {
  const out = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, U64, U64 - 1n];
  for (let p = 1n; p <= U64; p *= 10n) out.push(p - 1n, p, p + 1n);
  return out.filter((v) => v <= U64);
}

const hex = (v: bigint): string => v.toString(16);

test('unsigned and signed integers: every length, 0, UINT64_MAX, INT64_MIN, INT64_MAX, -1', async () => {
  const values = [...edges(), ...spread(2000)];
  const unsigned = await format(values.map((v) => `u ${hex(v)}`));
  values.forEach((v, i) => assert.is(unsigned[i], v.toString(), `unsigned ${v}`));
  const signedValues = [...values, 1n << 63n, (1n << 63n) - 1n, U64, ...values.map((v) => (U64 + 1n - v) & U64)];
  const signed = await format(signedValues.map((v) => `i ${hex(v)}`));
  signedValues.forEach((v, i) => assert.is(signed[i], BigInt.asIntN(64, v).toString(), `signed ${hex(v)}`));
  assert.equal(await format(['i 8000000000000000', 'i 7fffffffffffffff', 'i ffffffffffffffff', 'i 0', 'u ffffffffffffffff']),
    ['-9223372036854775808', '9223372036854775807', '-1', '0', '18446744073709551615']);
});

test('pointers in hex, NULL for 0', async () => {
  const values = [...edges(), ...spread(500), 0xfn, 0x10n, 0xffn, 0x100n, 0x7ffd1234abcdn];
  const out = await format(values.map((v) => `p ${hex(v)}`));
  values.forEach((v, i) => assert.is(out[i], v === 0n ? 'NULL' : `0x${v.toString(16)}`, `pointer ${hex(v)}`));
});

test('the timestamp\'s nanoseconds: always nine digits', async () => {
  const values = [0, 5, 99, 100000000, 999999999, 123456789, 1000, ...spread(200).map((v) => Number(v % 1000000000n))];
  const out = await format(values.map((v) => `n ${v.toString(16)}`));
  values.forEach((v, i) => assert.is(out[i], String(v).padStart(9, '0'), `${v} ns`));
});

test('the --count report\'s right-aligned columns', async () => {
  const cases: [bigint, number][] = [[0n, 10], [7n, 10], [12345n, 10], [9999999999n, 10], [12345678901n, 10], [U64, 10], [42n, 0], [0n, 0]];
  const out = await format(cases.map(([v, w]) => `w ${hex(v)} ${w}`));
  cases.forEach(([v, w], i) => assert.is(out[i], v.toString().padStart(w, ' ')));
});

test('strings: quoted, escaped, at most 64 bytes read then ...; NULL', async () => {
  const escape = (bytes: number[]): string => bytes.map((c) => {
    if (c === 0x22 || c === 0x5c) return '\\' + String.fromCharCode(c);
    if (c === 0x0a) return '\\n';
    if (c === 0x09) return '\\t';
    if (c >= 0x20 && c < 0x7f) return String.fromCharCode(c);
    return '\\x' + c.toString(16).padStart(2, '0');
  }).join('');
  const all = Array.from({ length: 255 }, (_, i) => i + 1); // every byte but NUL
  const strings: number[][] = [[], [...Buffer.from('say "hi"\tnow\n')], [...Buffer.from('back\\slash')], all.slice(0, 63), all.slice(0, 64), all.slice(0, 65), all.slice(100, 255)];
  const out = await format([...strings.map((s) => `s ${Buffer.from(s).toString('hex')}`), 's null']);
  // A 64-byte string shows `...` too: the 65th byte (its NUL) is never read.
  strings.forEach((s, i) => assert.is(out[i], `"${escape(s.slice(0, 64))}"${s.length >= 64 ? '...' : ''}`, `string of ${s.length} bytes`));
  assert.is(out[1], '"say \\"hi\\"\\tnow\\n"');
  assert.is(out[strings.length], 'NULL');
});

test('doubles as --log has printed them: 6 decimals at most, scientific outside [1e-4, 1e12)', async () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '-0'], [1, '1'], [-1, '-1'], [0.5, '0.5'], [0.1, '0.1'], [1e-7, '1e-7'], [-7.8e-23, '-7.8e-23'], [2.5, '2.5'],
    [Math.PI, '3.141593'], [1e-4, '0.0001'], [9.9999e-5, '9.9999e-5'], [1e12, '1e+12'], [1e15, '1e+15'], [123456.789012345, '123456.789012'],
    [0.9999995, '1'], [0.99999949, '0.999999'], [Number.MAX_VALUE, '1.797693e+308'], [5e-324, '4.940656e-324'], [2.2250738585072014e-308, '2.225074e-308'],
    [1e300, '1e+300'], [Infinity, 'inf'], [-Infinity, '-inf'], [NaN, 'nan'], [100, '100'], [1234567, '1234567'], [0.000123, '0.000123'], [5e-5, '5e-5'],
    [6.02214076e23, '6.022141e+23'], [42.000001, '42.000001'], [42.0000004, '42'], [-2.5, '-2.5'], [4294967296.5, '4294967296.5'],
    // Past 2^53 / 1e6 the decimals come from the fraction alone; a mantissa rounding up to 10 carries.
    [999999999999, '999999999999'], [999999999999.25, '999999999999.25'], [-1e-300, '-1e-300'], [9.9999996e-5, '1e-4'], [1e-300, '1e-300'],
  ];
  const bits = (d: number): string => {
    const v = new DataView(new ArrayBuffer(8));
    v.setFloat64(0, d);
    return v.getBigUint64(0).toString(16);
  };
  const out = await format(cases.map(([d]) => `d ${bits(d)}`));
  cases.forEach(([d, text], i) => assert.is(out[i], text, `${d}`));
});

test.run();
