// The ABI torture generator (test/abi/): one seed always gives the same C++,
// 200 signatures cover every type category and call shape the e2e suite
// claims to test, and the psABI classes it labels structs with are right.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generate, type Variant } from '../abi/generate.js';
import { aapcs64, MAX_ARGS, MS_SHAPES, VECTORCALL_SHAPES } from '../abi/signatures.js';
import { aggregate, basicTypes, categoriesFor, DOUBLE, FLOAT, INTEGERS, sveTypes, X87, type CType, type Member } from '../abi/types.js';

const test = suite('abi-generator');
const VARIANTS: Variant[] = ['sse', 'avx', 'avx512', 'aarch64'];
const SHAPES = ['variadic', 'variadic ints and doubles', 'stack arguments', 'sret', 'void return', '8-20 arguments',
  'union INTEGER', 'union SSE', 'union MEMORY'];

test('the same seed gives the same sources; another seed, other sources', () => {
  const a = generate(42, 'avx');
  const b = generate(42, 'avx');
  assert.is(a.main, b.main);
  assert.is(a.callee, b.callee);
  const c = generate(43, 'avx');
  assert.is.not(c.main, a.main);
  assert.is.not(c.callee, a.callee);
});

for (const variant of VARIANTS) {
  test(`${variant}: 200 signatures cover every category and call shape`, () => {
    for (const seed of [1, 0x1cc5eed, 0xdeadbeef]) {
      const t = generate(seed, variant);
      assert.is(t.signatures.length, 200);
      const seen = new Set(t.signatures.flatMap((s) => s.labels));
      const arm = variant === 'aarch64' ? ['composite in a register pair', 'composite by reference', 'HFA of 4', 'HVA of 4'] : [];
      for (const label of [...categoriesFor(variant), ...SHAPES, ...arm]) assert.ok(seen.has(label), `seed ${seed}: no ${label}`);
      for (const s of t.signatures) {
        assert.ok(s.params.length + (s.varargs?.length ?? 0) <= MAX_ARGS);
        if (!s.varargs) assert.ok(s.params.length <= 20);
        assert.ok(t.main.includes(`[[interceptor]] void fwd_${s.id}(void)`));
        assert.ok(t.callee.includes(` callee_${s.id}(`));
      }
      assert.ok(t.signatures.filter((s) => s.params.length >= 8).length >= 120, 'mostly 8-20 arguments');
    }
  });
}

for (const variant of ['ms', 'mingw', 'vectorcall'] as const) {
  test(`${variant}: 200 signatures cover every category and the Microsoft x64 call shapes; calls in its convention`, () => {
    for (const seed of [1, 0x1cc5eed, 0xdeadbeef]) {
      const t = generate(seed, variant, 200, 'params');
      const seen = new Set(t.signatures.flatMap((s) => s.labels));
      const shapes = variant === 'vectorcall'
        ? [...SHAPES.filter((l) => !l.startsWith('variadic')), ...MS_SHAPES.filter((l) => l !== 'ms: variadic doubles'), ...VECTORCALL_SHAPES]
        : [...SHAPES, ...MS_SHAPES];
      for (const label of [...categoriesFor(variant), ...shapes]) assert.ok(seen.has(label), `seed ${seed}: no ${label}`);
      assert.not.match(t.main, /__m256|__m512/);
      if (variant === 'vectorcall') assert.ok(t.signatures.every((s) => !s.varargs), 'a vectorcall function is never variadic');
    }
    const { main, callee } = generate(1, variant, 200, 'params');
    const cc = { ms: '__attribute__((ms_abi)) ', mingw: '', vectorcall: '__vectorcall ' }[variant];
    assert.ok(main.includes(`[[interceptor]] ${cc}`), 'interceptors in the Microsoft convention');
    if (variant === 'vectorcall') assert.match(callee, /\n__vectorcall \S+ callee_0\(/);
    const definition = callee.split('\n').find((l) => l.includes(' callee_0(') && !l.endsWith(';'))!;
    assert.is(definition.startsWith('__attribute__((ms_abi)) '), variant === 'ms', definition);
    if (variant !== 'vectorcall') assert.ok(main.includes(variant === 'ms' ? '__builtin_ms_va_start(ap' : 'va_start(ap'));
    assert.ok(main.includes(variant === 'ms' ? '__icc_sysv_width' : '__icc_ms_width'));
  });
}

test('ms-avx512: Microsoft x64 calls pass __m256 and __m512 (by reference) among the shapes', () => {
  const t = generate(0x1cc5eed, 'ms-avx512', 200, 'params');
  const seen = new Set(t.signatures.flatMap((s) => s.labels));
  for (const label of [...categoriesFor('ms-avx512'), ...SHAPES, ...MS_SHAPES]) assert.ok(seen.has(label), `no ${label}`);
  assert.ok(seen.has('__m512') && seen.has('__m256d'));
  assert.match(t.main, /\[\[interceptor\]\] __attribute__\(\(ms_abi\)\) /);
});

test('sve: sizeless types beside every AArch64 category, by reference too, never with stack arguments (clang 14 bug)', () => {
  for (const seed of [1, 0x1cc5eed, 0xdeadbeef]) {
    const t = generate(seed, 'sve');
    assert.is(t.signatures.length, 200);
    const seen = new Set(t.signatures.flatMap((s) => s.labels));
    for (const label of [...categoriesFor('sve'), 'svbool_t', 'svfloat32_t', 'svfloat64x4_t', 'SVE by reference', 'variadic', 'sret', 'HFA', 'neon'])
      assert.ok(seen.has(label), `seed ${seed}: no ${label}`);
    for (const s of t.signatures) {
      const p = aapcs64(s.params, s.varargs);
      assert.ok(!(p.sveByReference && p.stack), `seed ${seed}: callee_${s.id} passes an SVE value by reference with stack arguments`);
    }
    assert.match(t.main, /make_svbool_t\(0x[0-9a-f]+ull\)/);
    assert.match(t.callee, /mixsv\(0xcbf29ce484222325ull, a\d+\)/);
  }
  assert.not.match(generate(1, 'aarch64').main, /\bsv[a-z0-9]+_t\b/, 'the NEON variant has no SVE type');
});

test('aapcs64 model: x0-x7, v0-v7, p0-p3, by reference beyond', () => {
  const sve = (n: string): CType => sveTypes().find((t) => t.name === n)!;
  const double = basicTypes().find((t) => t.name === 'double')!;
  const long = basicTypes().find((t) => t.name === 'long')!;
  const i128 = basicTypes().find((t) => t.name === '__int128')!;
  assert.equal(aapcs64([...Array(8).fill(double), sve('svfloat32_t')], null), { stack: false, sveByReference: true });
  assert.equal(aapcs64([...Array(9).fill(double), sve('svfloat32_t')], null), { stack: true, sveByReference: true }); // LLVM issue 66370's case
  assert.equal(aapcs64([sve('svfloat64x4_t'), sve('svfloat64x4_t'), ...Array(4).fill(sve('svbool_t'))], null), { stack: false, sveByReference: false });
  assert.equal(aapcs64([sve('svfloat64x4_t'), sve('svint64x3_t'), sve('svfloat32x2_t')], null), { stack: false, sveByReference: true });
  assert.equal(aapcs64([long, i128, i128, i128], null), { stack: false, sveByReference: false }); // x0, x2-x3, x4-x5, x6-x7
  assert.equal(aapcs64([long, long, long, i128, i128, i128], null), { stack: true, sveByReference: false }); // x3 skipped: x4-x5, x6-x7, stack
});

test('vector types stay within the variant that can pass them', () => {
  const sse = generate(7, 'sse');
  assert.not.match(sse.main, /__m256|__m512/);
  const avx = generate(7, 'avx');
  assert.match(avx.main, /__m256/);
  assert.not.match(avx.main, /__m512/);
  assert.match(generate(7, 'avx512').main, /__m512d/);
});

test('the core clobbers every caller-saved register, guarded by the CPU check', () => {
  const { main } = generate(1, 'sse');
  for (const reg of ['%%rcx', '%%r11', '%%xmm15', '%%ymm15', '%%zmm31', '%%k7']) assert.ok(main.includes(reg), reg);
  assert.match(main, /xor %%eax, %%eax/);
  assert.match(main, /__builtin_cpu_supports\("avx512f"\)\)\s*asm volatile\(\s*"vpternlogd/);
});

const m = (scalar: Member['scalar'], count = 0): Member => ({ scalar, count });
const int = INTEGERS.find((s) => s.name === 'int')!;
const long = INTEGERS.find((s) => s.name === 'long')!;
const char = INTEGERS.find((s) => s.name === 'char')!;

test('structs are classified as the psABI says', () => {
  const cases: [Member[], string, string[] | 'MEMORY', boolean][] = [
    [[m(int), m(char)], 'struct INTEGER', ['INTEGER'], false],
    [[m(FLOAT, 3)], 'struct SSE', ['SSE', 'SSE'], false],
    [[m(DOUBLE), m(int)], 'struct INTEGER+SSE', ['SSE', 'INTEGER'], false],
    [[m(FLOAT), m(int)], 'struct INTEGER', ['INTEGER'], false], // one eightbyte: INTEGER wins
    [[m(long), m(long), m(long)], 'struct MEMORY', 'MEMORY', true],
    [[m(X87)], 'struct X87', 'MEMORY', false], // passed in memory, returned in st0
  ];
  for (const [members, category, argClass, sret] of cases) {
    const t = aggregate('struct', 'S', members);
    assert.is(t.category, category, t.definition);
    assert.equal(t.argClass, argClass, t.definition);
    assert.is(t.sret, sret, t.definition);
  }
  assert.ok(aggregate('struct', 'S', [m(FLOAT, 3)]).labels.includes('struct float[3]'));
  const u = aggregate('union', 'U', [m(DOUBLE), m(int)]);
  assert.equal([u.category, u.argClass, u.leaves.map((l) => l.path)], ['union', ['INTEGER'], ['$.m0']]);
});

test.run();
