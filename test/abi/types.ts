// The C++ types the ABI torture suite passes through interceptors, with the
// x86-64 System V psABI facts the generator needs about each one: its size and
// alignment, how its arguments are classified (which registers, or memory) and
// whether it is returned through a hidden pointer. Structs and unions are drawn
// at random and classified here; the generated code static_asserts every
// layout, so a wrong model fails the compile instead of mislabelling a case.

import type { Rng } from './random.js';

/** x86-64 vector widths, AArch64 (AAPCS64 with NEON), AArch64 with SVE's sizeless types too, and
 *  Microsoft x64: `ms_abi` functions on Linux (SSE, and AVX-512 with __m256/__m512 passed by
 *  reference), a Windows program (mingw-w64), and one whose functions are all `__vectorcall`. */
export type Variant = 'sse' | 'avx' | 'avx512' | 'aarch64' | 'sve' | 'ms' | 'ms-avx512' | 'mingw' | 'vectorcall';

/** Whether a variant targets AArch64. */
export const isArm = (variant: Variant): boolean => variant === 'aarch64' || variant === 'sve';

/** What one value-carrying part of a type is, for spelling, setting and hashing it. */
export type LeafKind = 'int' | 'bool' | 'pointer' | 'float' | 'double' | 'x87' | 'int128';

export interface Scalar {
  name: string;
  kind: LeafKind;
  size: number;
  align: number;
}

/** A part that carries a value: `path` spells it with `$` standing for the variable. */
export interface Leaf {
  path: string;
  scalar: Scalar;
}

/** An eightbyte's class when it travels in a register. */
export type RegClass = 'INTEGER' | 'SSE';

export interface CType {
  name: string;
  /** An identifier-safe form of the name (hash_<ident>). */
  ident: string;
  size: number;
  align: number;
  /** The category the signature generator picks it by. */
  category: Category;
  /** Every coverage label it carries (its category first). */
  labels: string[];
  /** What is set and hashed: every member, lane or part (a union: its first member's). */
  leaves: Leaf[];
  /** The registers an argument of this type needs, or MEMORY (on the stack). */
  argClass: RegClass[] | 'MEMORY';
  /** Returned through a hidden pointer (sret, in rdi). */
  sret: boolean;
  /** The struct or union definition, for aggregates. */
  definition?: string;
  /** AAPCS64: a homogeneous floating-point aggregate of this many members (aggregates only). */
  hfa?: number;
  /** SVE's sizeless types (no sizeof, no members): made by make_<ident>(seed), hashed by mixsv (svst1). */
  sizeless?: boolean;
}

export const CATEGORIES = [
  'integer', 'bool', 'pointer', 'float', 'double', 'long double', '__int128',
  '_Complex float', '_Complex double', '_Complex long double',
  'struct INTEGER', 'struct SSE', 'struct INTEGER+SSE', 'struct MEMORY', 'struct X87', 'struct float[3]', 'union',
  '__m128', '__m128d', '__m256', '__m256d', '__m512', '__m512d',
  'neon', 'HFA', 'HVA', 'sve', 'svbool', 'sve tuple',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** The categories a variant may use: 256-bit vectors need AVX, 512-bit ones AVX-512F. */
export function categoriesFor(variant: Variant): Category[] {
  const x86 = (c: Category): boolean => c.startsWith('__m');
  const arm = (c: Category): boolean => c === 'neon' || c === 'HFA' || c === 'HVA';
  const sve = (c: Category): boolean => c.startsWith('sv');
  if (variant === 'sve') return CATEGORIES.filter((c) => !x86(c));
  if (variant === 'aarch64') return CATEGORIES.filter((c) => !x86(c) && !sve(c));
  return CATEGORIES.filter((c) => {
    if (arm(c) || sve(c)) return false;
    if (c === '__m256' || c === '__m256d') return variant === 'avx' || variant === 'avx512' || variant === 'ms-avx512';
    if (c === '__m512' || c === '__m512d') return variant === 'avx512' || variant === 'ms-avx512';
    return true;
  });
}

const scalar = (name: string, kind: LeafKind, size: number, align = size): Scalar => ({ name, kind, size, align });

export const INTEGERS: Scalar[] = [
  ['char', 1], ['signed char', 1], ['unsigned char', 1], ['short', 2], ['unsigned short', 2], ['int', 4],
  ['unsigned int', 4], ['long', 8], ['unsigned long', 8], ['long long', 8], ['unsigned long long', 8],
].map(([name, size]) => scalar(name as string, 'int', size as number));
export const BOOL = scalar('bool', 'bool', 1);
export const POINTERS: Scalar[] = ['void*', 'int*', 'const char*', 'double*'].map((n) => scalar(n, 'pointer', 8));
export const FLOAT = scalar('float', 'float', 4);
export const DOUBLE = scalar('double', 'double', 8);
export const X87 = scalar('long double', 'x87', 16);
export const INT128: Scalar[] = [scalar('__int128', 'int128', 16), scalar('unsigned __int128', 'int128', 16)];
const LONG_LONG = INTEGERS[9];

const ident = (name: string): string => name.replace(/\*/g, 'p').replace(/[^A-Za-z0-9]+/g, '_');

function classOf(s: Scalar): RegClass[] | 'MEMORY' {
  if (s.kind === 'x87') return 'MEMORY';
  if (s.kind === 'float' || s.kind === 'double') return ['SSE'];
  return s.kind === 'int128' ? ['INTEGER', 'INTEGER'] : ['INTEGER'];
}

function scalarType(s: Scalar, category: Category): CType {
  return { name: s.name, ident: ident(s.name), size: s.size, align: s.align, category, labels: [category],
    leaves: [{ path: '$', scalar: s }], argClass: classOf(s), sret: false };
}

function complexType(part: Scalar, category: Category): CType {
  const size = part.kind === 'x87' ? 32 : part.size * 2;
  return { name: `_Complex ${part.name}`, ident: ident(`complex ${part.name}`), size, align: part.align, category,
    labels: [category], leaves: [{ path: '__real__ $', scalar: part }, { path: '__imag__ $', scalar: part }],
    // Two floats share one eightbyte; long double parts are COMPLEX_X87 (memory, returned in st0/st1).
    argClass: part.kind === 'x87' ? 'MEMORY' : part.kind === 'float' ? ['SSE'] : ['SSE', 'SSE'], sret: false };
}

function vectorType(name: string, lane: Scalar, bytes: number, category: Category): CType {
  const leaves = Array.from({ length: bytes / lane.size }, (_, i) => ({ path: `$[${i}]`, scalar: lane }));
  return { name, ident: ident(name), size: bytes, align: bytes, category, labels: [category, name], leaves,
    argClass: ['SSE'], sret: false };
}

/** The non-aggregate types of each category. */
export function basicTypes(): CType[] {
  return [
    ...INTEGERS.map((s) => scalarType(s, 'integer')),
    scalarType(BOOL, 'bool'),
    ...POINTERS.map((s) => scalarType(s, 'pointer')),
    scalarType(FLOAT, 'float'),
    scalarType(DOUBLE, 'double'),
    scalarType(X87, 'long double'),
    ...INT128.map((s) => scalarType(s, '__int128')),
    complexType(FLOAT, '_Complex float'),
    complexType(DOUBLE, '_Complex double'),
    complexType(X87, '_Complex long double'),
    vectorType('__m128', FLOAT, 16, '__m128'),
    vectorType('__m128i', LONG_LONG, 16, '__m128'),
    vectorType('__m128d', DOUBLE, 16, '__m128d'),
    vectorType('__m256', FLOAT, 32, '__m256'),
    vectorType('__m256d', DOUBLE, 32, '__m256d'),
    vectorType('__m512', FLOAT, 64, '__m512'),
    vectorType('__m512d', DOUBLE, 64, '__m512d'),
  ];
}

/** AAPCS64's vector types (<arm_neon.h>) and homogeneous aggregates of 1-4 floats, doubles or vectors. */
export function neonTypes(): CType[] {
  const pick = (n: string): Scalar => INTEGERS.find((t) => t.name === n)!;
  const vectors = [
    vectorType('float32x4_t', FLOAT, 16, 'neon'), vectorType('float64x2_t', DOUBLE, 16, 'neon'),
    vectorType('int8x16_t', pick('signed char'), 16, 'neon'), vectorType('uint16x8_t', pick('unsigned short'), 16, 'neon'),
    vectorType('int32x2_t', pick('int'), 8, 'neon'), vectorType('float32x2_t', FLOAT, 8, 'neon'),
  ];
  const homogeneous = (category: 'HFA' | 'HVA', member: string, lanes: Scalar[], size: number, n: number): CType => {
    const name = `${category}_${ident(member)}_${n}`;
    const leaves = Array.from({ length: n }, (_, i) =>
      lanes.length === 1 ? [{ path: `$.m[${i}]`, scalar: lanes[0] }] : lanes.map((l, k) => ({ path: `$.m[${i}][${k}]`, scalar: l }))).flat();
    return { name, ident: name, size: size * n, align: size, category, labels: [category, `${category} of ${n}`], leaves,
      argClass: n <= 4 ? Array(n).fill('SSE') : 'MEMORY', sret: false,
      definition: `struct ${name} { ${member} m[${n}]; };\nstatic_assert(sizeof(${name}) == ${size * n}, "${name}: the generator's layout model");` };
  };
  const aggregates = [1, 2, 3, 4].flatMap((n) => [
    homogeneous('HFA', 'float', [FLOAT], 4, n), homogeneous('HFA', 'double', [DOUBLE], 8, n),
    homogeneous('HVA', 'float32x4_t', Array(4).fill(FLOAT), 16, n), homogeneous('HVA', 'float64x2_t', Array(2).fill(DOUBLE), 16, n),
  ]);
  return [...vectors, ...aggregates];
}

/** SVE's sizeless types (<arm_sve.h>): vectors of every lane width in z registers, the predicate
 *  in a p register, and tuples in consecutive z registers. Their one leaf stands for the whole
 *  register (svcntb() bytes, or one bit per byte for svbool_t); argClass has one entry per register. */
export function sveTypes(): CType[] {
  const sizeless = (name: string, category: Category, regs: number): CType => ({
    name, ident: name, size: 0, align: 16, category, labels: [category, name],
    leaves: [{ path: '$', scalar: scalar(name, 'int', 0) }], argClass: Array(regs).fill('SSE'), sret: false, sizeless: true,
  });
  return [
    ...['svint8_t', 'svuint16_t', 'svint32_t', 'svuint64_t', 'svfloat16_t', 'svfloat32_t', 'svfloat32_t', 'svfloat64_t', 'svfloat64_t']
      .map((n) => sizeless(n, 'sve', 1)),
    sizeless('svbool_t', 'svbool', 1),
    sizeless('svfloat32x2_t', 'sve tuple', 2), sizeless('svint64x3_t', 'sve tuple', 3), sizeless('svfloat64x4_t', 'sve tuple', 4),
  ];
}

/** The scalar types that may follow `...` (already promoted: no char, short, bool or float). */
export function variadicTypes(): CType[] {
  const pick = (n: string): Scalar => INTEGERS.find((s) => s.name === n)!;
  return [
    scalarType(pick('int'), 'integer'), scalarType(pick('unsigned int'), 'integer'), scalarType(pick('long'), 'integer'),
    scalarType(pick('long long'), 'integer'), scalarType(POINTERS[0], 'pointer'),
    scalarType(DOUBLE, 'double'), scalarType(DOUBLE, 'double'), scalarType(DOUBLE, 'double'),
    scalarType(X87, 'long double'),
  ];
}

// ---- structs and unions -------------------------------------------------

export interface Member {
  scalar: Scalar;
  /** Array length, 0 for a plain member. */
  count: number;
}

const memberSize = (m: Member): number => m.scalar.size * Math.max(m.count, 1);
const arr = (s: Scalar, count: number): Member => ({ scalar: s, count });
const FLOAT3 = arr(FLOAT, 3);

/** What a struct member may be: every scalar, some twice for weight, and a few arrays. */
const MEMBERS: Member[] = [
  ...[...INTEGERS, BOOL, POINTERS[0], POINTERS[2], FLOAT, FLOAT, FLOAT, DOUBLE, DOUBLE, DOUBLE, X87].map((s) => arr(s, 0)),
  FLOAT3, FLOAT3, arr(FLOAT, 2), arr(INTEGERS[0], 3), arr(INTEGERS[3], 3), arr(INTEGERS[5], 2), arr(DOUBLE, 2),
];

/** A union's first member: it fills the union exactly (no padding), so hashing it hashes every byte. */
const UNION_KEYS: Member[] = [
  arr(LONG_LONG, 0), arr(DOUBLE, 0), arr(INTEGERS[5], 0), arr(FLOAT, 0), arr(FLOAT, 2), arr(DOUBLE, 2),
  arr(INTEGERS[5], 4), arr(LONG_LONG, 2), arr(FLOAT, 4), arr(INTEGERS[2], 8), arr(INTEGERS[3], 4), arr(DOUBLE, 3),
];

interface Placed {
  leaves: Leaf[];
  offsets: number[];
}

function place(members: Member[], union: boolean): { placed: Placed; size: number; align: number } {
  const placed: Placed = { leaves: [], offsets: [] };
  let end = 0;
  let align = 1;
  members.forEach((m, i) => {
    const at = union ? 0 : Math.ceil(end / m.scalar.align) * m.scalar.align;
    for (let k = 0; k < Math.max(m.count, 1); k++) {
      placed.leaves.push({ path: m.count ? `$.m${i}[${k}]` : `$.m${i}`, scalar: m.scalar });
      placed.offsets.push(at + k * m.scalar.size);
    }
    end = Math.max(end, at + memberSize(m));
    align = Math.max(align, m.scalar.align);
  });
  return { placed, size: Math.ceil(end / align) * align, align };
}

/** psABI 3.2.3 for aggregates of scalars: the class of each eightbyte, or MEMORY / X87. */
function classify(p: Placed, size: number): RegClass[] | 'MEMORY' | 'X87' {
  if (size > 16) return 'MEMORY';
  if (p.leaves.some((l) => l.scalar.kind === 'x87')) return 'X87'; // only {long double} itself fits in 16 bytes
  const classes: RegClass[] = [];
  p.leaves.forEach((leaf, i) => {
    const first = Math.floor(p.offsets[i] / 8);
    const last = Math.floor((p.offsets[i] + leaf.scalar.size - 1) / 8);
    const sse = leaf.scalar.kind === 'float' || leaf.scalar.kind === 'double';
    for (let e = first; e <= last; e++) classes[e] = classes[e] === 'INTEGER' || !sse ? 'INTEGER' : 'SSE';
  });
  return classes;
}

/** A struct or union of these members, laid out and classified as the psABI does. */
export function aggregate(kind: 'struct' | 'union', name: string, members: Member[]): CType {
  const { placed, size, align } = place(members, kind === 'union');
  const cls = classify(placed, size);
  const label = cls === 'MEMORY' || cls === 'X87' ? cls
    : cls.every((c) => c === 'INTEGER') ? 'INTEGER' : cls.every((c) => c === 'SSE') ? 'SSE' : 'INTEGER+SSE';
  const category: Category = kind === 'union' ? 'union' : (`struct ${label}` as Category);
  const labels = [category, `${kind} ${label}`];
  if (kind === 'struct' && members.some((m) => m.scalar === FLOAT && m.count === 3)) labels.push('struct float[3]');
  const body = members.map((m, i) => `${m.scalar.name} m${i}${m.count ? `[${m.count}]` : ''};`).join(' ');
  const firstCount = members[0].count ? members[0].count : 1;
  // AAPCS64: every member of one floating-point type, at most 4 of them: in SIMD registers.
  const base = members[0].scalar;
  const homogeneous = ['float', 'double', 'x87'].includes(base.kind) && members.every((m) => m.scalar === base) && size / base.size <= 4;
  return {
    hfa: homogeneous ? size / base.size : undefined,
    name, ident: name, size, align, category, labels: [...new Set(labels)],
    leaves: kind === 'union' ? placed.leaves.slice(0, firstCount) : placed.leaves,
    argClass: cls === 'MEMORY' || cls === 'X87' ? 'MEMORY' : cls,
    sret: cls === 'MEMORY', // {long double} (X87, X87UP) comes back in st0
    definition: `${kind} ${name} { ${body} };\n` +
      `static_assert(sizeof(${name}) == ${size} && alignof(${name}) == ${align}, "${name}: the generator's layout model");`,
  };
}

/** How many aggregates of each label the pool must hold. */
const QUOTAS: Record<string, number> = {
  'struct INTEGER': 6, 'struct SSE': 6, 'struct INTEGER+SSE': 6, 'struct MEMORY': 6, 'struct X87': 1,
  'struct float[3]': 5, 'union INTEGER': 3, 'union SSE': 3, 'union MEMORY': 2,
};

/** Random structs (1-4 members) and unions until every psABI class has its quota. */
export function aggregates(rng: Rng): CType[] {
  const pool: CType[] = [];
  const have = new Map<string, number>();
  const wanted = (t: CType): boolean => t.labels.some((l) => (have.get(l) ?? 0) < (QUOTAS[l] ?? 0));
  for (let attempt = 0; Object.entries(QUOTAS).some(([l, n]) => (have.get(l) ?? 0) < n); attempt++) {
    if (attempt > 100_000) throw new Error('aggregate quotas unreachable');
    const union = rng.chance(0.3);
    const members: Member[] = [];
    if (union) {
      const key = rng.pick(UNION_KEYS);
      const fits = MEMBERS.filter((m) => m.scalar.kind !== 'x87' && memberSize(m) <= memberSize(key) && m.scalar.align <= key.scalar.align);
      members.push(key);
      for (let n = rng.int(0, 3); n > 0; n--) members.push(rng.pick(fits));
    } else {
      for (let n = rng.int(1, 4); n > 0; n--) members.push(rng.pick(MEMBERS));
    }
    const t = aggregate(union ? 'union' : 'struct', `${union ? 'U' : 'S'}${pool.length}`, members);
    if (!wanted(t)) continue;
    pool.push(t);
    for (const l of t.labels) have.set(l, (have.get(l) ?? 0) + 1);
  }
  return pool;
}
