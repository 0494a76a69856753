// The ABI torture suite's 32-bit x86 generator: seed → C++ text, like
// generate.ts but with the i386 types (4-byte long, 12-byte long double, no
// __int128) and one calling convention per signature: cdecl (with variadic
// tails), stdcall, fastcall, thiscall, vectorcall and regparm(3), `count` of
// each. callee.cpp (plain clang++) hashes every argument leaf by leaf;
// main.cpp (icc++) calls each callee directly and through an interceptor whose
// core clobbers eax ecx edx and every vector register, and compares.

import { Rng } from './random.js';

export const CONVENTIONS = ['cdecl', 'stdcall', 'fastcall', 'thiscall', 'vectorcall', 'regparm(3)'] as const;
export type Convention = (typeof CONVENTIONS)[number];
/** Linux (ELF, every convention) or Windows (COFF, i686-w64-mingw32: no regparm, which is GCC's). */
export type I386Os = 'linux' | 'windows';
const conventionsOf = (os: I386Os): readonly Convention[] => (os === 'windows' ? CONVENTIONS.filter((c) => c !== 'regparm(3)') : CONVENTIONS);
/** The trampoline's width byte as the generated main.cpp declares it (asm/i386-sysv.S, asm/i386-ms.S). */
const WIDTH_DECLARATION: Record<I386Os, [string, string]> = {
  linux: ['__icc_i386_sysv_width', 'extern "C" unsigned char __icc_i386_sysv_width __attribute__((visibility("hidden")));'],
  windows: ['__icc_i386_ms_width', 'extern "C" unsigned char __icc_i386_ms_width __asm__("__icc_i386_ms_width");'],
};
export type I386Variant = 'sse' | 'avx';
/** The compiler flags of a variant's two files (besides the optimisation level). */
export const I386_FLAGS: Record<I386Variant, string[]> = { sse: ['-m32', '-msse2'], avx: ['-m32', '-mavx2'] };

type Kind = 'int' | 'float' | 'x87' | 'ptr' | 'bool';
interface Leaf { path: string; kind: Kind; name: string; size: number }
interface T { name: string; leaves: Leaf[]; definition?: string; vector?: boolean }
interface Sig { id: number; conv: Convention; ret: T | null; params: T[]; varargs: T[] | null }

const scalar = (name: string, kind: Kind, size: number): T => ({ name, leaves: [{ path: '$', kind, name, size }] });
const INTS: [string, number][] = [['char', 1], ['signed char', 1], ['unsigned char', 1], ['short', 2], ['unsigned short', 2], ['int', 4],
  ['unsigned int', 4], ['long', 4], ['unsigned long', 4], ['long long', 8], ['unsigned long long', 8]];
const SCALARS: T[] = [
  ...INTS.map(([n, s]) => scalar(n, 'int', s)), scalar('bool', 'bool', 1), scalar('void*', 'ptr', 4),
  scalar('float', 'float', 4), scalar('double', 'float', 8), scalar('long double', 'x87', 10),
];
const complex = (part: string, kind: Kind, size: number): T => ({
  name: `_Complex ${part}`, leaves: [{ path: '__real__ $', kind, name: part, size }, { path: '__imag__ $', kind, name: part, size }] });
const COMPLEX = [complex('float', 'float', 4), complex('double', 'float', 8), complex('long double', 'x87', 10)];
const vector = (name: string, lane: string, lanes: number): T =>
  ({ name, vector: true, leaves: Array.from({ length: lanes }, (_, i) => ({ path: `$[${i}]`, kind: 'float' as Kind, name: lane, size: lane === 'float' ? 4 : 8 })) });
const VECTORS: Record<I386Variant, T[]> = {
  sse: [vector('__m128', 'float', 4), vector('__m128d', 'double', 2)],
  avx: [vector('__m128', 'float', 4), vector('__m256', 'float', 8), vector('__m256d', 'double', 4)],
};
const MEMBERS = ['char', 'short', 'int', 'float', 'double', 'long long'];

/** Small structs of 1-4 members, and large ones (returned through a hidden pointer). */
function structs(rng: Rng): T[] {
  const out: T[] = [];
  for (let i = 0; i < 12; i++) {
    const n = i < 9 ? rng.int(1, 4) : rng.int(5, 8);
    const members = Array.from({ length: n }, () => rng.pick(MEMBERS));
    const name = `S${i}`;
    out.push({
      name, definition: `struct ${name} { ${members.map((m, k) => `${m} m${k};`).join(' ')} };`,
      leaves: members.map((m, k) => ({ path: `$.m${k}`, kind: m === 'float' || m === 'double' ? 'float' : 'int', name: m, size: SCALARS.find((s) => s.name === m)!.leaves[0].size })),
    });
  }
  return out;
}

function signatures(rng: Rng, variant: I386Variant, count: number, aggregates: T[], os: I386Os): Sig[] {
  const pools = [SCALARS, SCALARS, COMPLEX, aggregates, VECTORS[variant]];
  const any = (): T => rng.pick(rng.pick(pools));
  const varTypes = [scalar('int', 'int', 4), scalar('long long', 'int', 8), scalar('double', 'float', 8), scalar('void*', 'ptr', 4)];
  const out: Sig[] = [];
  // clang 14 crashes lowering some vectorcall signatures with aggregates or x87 values on
  // Linux (vectorcall is a Windows convention there): those get scalars and vectors only.
  const plain = [...SCALARS.filter((t) => t.leaves[0].kind !== 'x87'), ...VECTORS[variant]];
  // clang 14 disagrees with itself on how many bytes a callee-pop function with vector arguments
  // pops (a direct stdcall call already misaligns the stack): vectors go to cdecl and vectorcall.
  const noVectors = [SCALARS, SCALARS, COMPLEX, aggregates];
  for (const conv of conventionsOf(os)) for (let k = 0; k < count; k++) {
    const pick = conv === 'vectorcall' ? (): T => rng.pick(plain) : conv === 'cdecl' ? any : (): T => rng.pick(rng.pick(noVectors));
    const r = rng.int(0, 99);
    const ret = r < 10 ? null : r < 25 && conv !== 'vectorcall' ? rng.pick(aggregates) : pick();
    let varargs: T[] | null = null;
    let params: T[];
    if (conv === 'cdecl' && rng.chance(0.15)) {
      params = [...Array.from({ length: rng.int(0, 4) }, any), rng.pick(varTypes.slice(0, 3))];
      varargs = Array.from({ length: rng.int(1, 12) }, () => rng.pick(varTypes));
    } else {
      params = Array.from({ length: rng.chance(0.15) ? rng.int(0, 7) : rng.int(8, 20) }, pick);
    }
    if (conv === 'thiscall') params.unshift(scalar('void*', 'ptr', 4)); // `this`, in ecx
    out.push({ id: out.length, conv, ret, params, varargs });
  }
  return out;
}

const FNV = '0xcbf29ce484222325ull';
const at = (l: Leaf, v: string): string => l.path.replace('$', v);
const hashOf = (t: T, v: string): string => t.leaves.reduce((h, l) => `mixb(${h}, ${l.kind === 'x87' ? `x87(${at(l, v)})` : `&tmp(${at(l, v)})`}, ${l.size})`, FNV);
const params = (s: Sig, named: boolean): string => [...s.params.map((t, i) => (named ? `${t.name} a${i}` : t.name)), ...(s.varargs ? ['...'] : [])].join(', ');
const decl = (s: Sig): string => `${s.ret?.name ?? 'void'} __attribute__((${s.conv})) callee_${s.id}`;

function common(seed: number, variant: I386Variant, aggregates: T[], sigs: Sig[]): string {
  return `// Generated by test/abi/i386.ts, seed 0x${seed.toString(16)}, variant ${variant}: do not edit.
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <immintrin.h>
typedef unsigned long long u64;
__attribute__((noinline)) static u64 mixb(u64 h, const void *p, unsigned n)
{
    const unsigned char *b = static_cast<const unsigned char *>(p);
    for (unsigned i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
template <class V> struct Tmp { V v; };
template <class V> static inline const V *tmpp(const Tmp<V> &t) { return &t.v; }
#define tmp(x) (*tmpp(Tmp<__typeof__(x)>{x}))
struct X87 { unsigned char b[16]; };
static inline const unsigned char *x87b(const X87 &x) { return x.b; }
#define x87(x) x87b([](long double v) { X87 r{}; std::memcpy(r.b, &v, 10); return r; }(x))
extern u64 g_hash;
extern u64 g_args[24];
${aggregates.map((t) => t.definition).join('\n')}
${sigs.map((s) => `${decl(s)}(${params(s, false)});`).join('\n')}
`;
}

function literal(l: Leaf, rng: Rng): string {
  const sign = rng.chance(0.5) ? '-' : '';
  switch (l.kind) {
    case 'bool': return rng.chance(0.5) ? 'true' : 'false';
    case 'ptr': return `(void*)0x${rng.bits(32).toString(16)}u`;
    case 'int': return `(${l.name})0x${rng.bits(l.size * 8).toString(16)}ull`;
    case 'float': return l.size === 4 ? `${sign}0x1.${(rng.bits(23) << 1n).toString(16).padStart(6, '0')}p${rng.int(-40, 40)}f`
      : `${sign}0x1.${rng.bits(52).toString(16).padStart(13, '0')}p${rng.int(-300, 300)}`;
    case 'x87': return `${sign}0x${(8 + rng.int(0, 7)).toString(16)}.${rng.bits(60).toString(16).padStart(15, '0')}p${rng.int(-2000, 2000)}L`;
  }
}

function callee(s: Sig): string {
  const lines = [`${decl(s)}(${params(s, true)})`, '{'];
  s.params.forEach((t, i) => lines.push(`    g_args[${i}] = ${hashOf(t, `a${i}`)};`));
  if (s.varargs) {
    lines.push('    va_list ap;', `    va_start(ap, a${s.params.length - 1});`);
    s.varargs.forEach((t, k) => lines.push(`    { ${t.name} v = va_arg(ap, ${t.name}); g_args[${s.params.length + k}] = ${hashOf(t, 'v')}; }`));
    lines.push('    va_end(ap);');
  }
  const n = s.params.length + (s.varargs?.length ?? 0);
  lines.push(`    u64 h = ${FNV} ^ ${s.id}u;`, `    for (int i = 0; i < ${n}; ++i) h = mixb(h, &g_args[i], 8);`, '    g_hash = h;');
  if (s.ret) {
    lines.push(`    ${s.ret.name} r{};`);
    s.ret.leaves.forEach((l, i) => {
      const v = `(h * ${2 * i + 3}u + ${i})`;
      lines.push(`    ${at(l, 'r')} = ${l.kind === 'float' || l.kind === 'x87' ? `(${l.name})(long long)(${v} >> 20) * 0x1p-12` : `(${l.name})${v}`};`);
    });
    lines.push('    return r;');
  }
  lines.push('}');
  return lines.join('\n');
}

const mainPrelude = `static int g_cores, g_mismatches, g_failing;
// Overwrites what a core may clobber: eax ecx edx, xmm0-7, ymm0-7 and zmm0-7 where the CPU has them.
// What a light core may clobber: eax ecx edx, no vector register.
__attribute__((always_inline)) static inline void clobber_gprs()
{
    asm volatile("mov $0x5a5a5a5a, %%eax\\n\\tmov %%eax, %%ecx\\n\\tmov %%eax, %%edx" ::: "eax", "ecx", "edx", "cc");
}
__attribute__((always_inline)) static inline void clobber_all()
{
    asm volatile("mov $0x5a5a5a5a, %%eax\\n\\tmov %%eax, %%ecx\\n\\tmov %%eax, %%edx" ::: "eax", "ecx", "edx", "cc");
    asm volatile(".irp n,0,1,2,3,4,5,6,7\\n\\tpcmpeqb %%xmm\\\\n, %%xmm\\\\n\\n\\t.endr" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
    if (__builtin_cpu_supports("avx"))
        asm volatile(".irp n,0,1,2,3,4,5,6,7\\n\\tvpcmpeqb %%ymm\\\\n, %%ymm\\\\n, %%ymm\\\\n\\n\\t.endr" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
    if (__builtin_cpu_supports("avx512f"))
        asm volatile(".irp n,0,1,2,3,4,5,6,7\\n\\tvpternlogd $0xff, %%zmm\\\\n, %%zmm\\\\n, %%zmm\\\\n\\n\\t.endr" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
}
static void begin_call() { g_hash = 0; std::memset(g_args, 0xee, sizeof g_args); }
static u64 end_call(u64 *args) { std::memcpy(args, g_args, sizeof g_args); return g_hash; }
static void compare(int id, const char *sig, int n, u64 hd, u64 ht, const u64 *ad, const u64 *at, u64 rd, u64 rt, int cores)
{
    int bad = 0;
    for (int i = 0; i < n; ++i)
        if (ad[i] != at[i]) bad++, std::printf("MISMATCH callee_%d %s: argument %d: direct %016llx, through the interceptor %016llx\\n", id, sig, i, ad[i], at[i]);
    if (hd != ht && !bad) bad++, std::printf("MISMATCH callee_%d %s: argument hash\\n", id, sig);
    if (rd != rt) bad++, std::printf("MISMATCH callee_%d %s: return value: direct %016llx, through the interceptor %016llx\\n", id, sig, rd, rt);
    if (cores != 1) bad++, std::printf("MISMATCH callee_%d %s: the core ran %d times, not once\\n", id, sig, cores);
    g_mismatches += bad;
    g_failing += bad != 0;
}
`;

/** Whether a signature's interceptor gets a core for the light path. */
const isLight = (s: Sig): boolean => s.id % 3 === 0;

function check(s: Sig, rng: Rng): string {
  const args = [...s.params, ...(s.varargs ?? [])];
  // The target as void*: clang's Itanium mangling leaves stdcall, fastcall, thiscall and regparm
  // out of function types, so to_target<F> for two conventions of one type would be one symbol.
  // Every third core calls nothing and touches no vector register: the light path (lib/arch/i386-light.ts).
  const body = isLight(s) ? '++g_cores; clobber_gprs();' : '++g_cores; clobber_all();';
  const lines = [`[[interceptor]] void fwd_${s.id}(void) { ${body} goto -> reinterpret_cast<void *>(&callee_${s.id}); }`, `static void check_${s.id}()`, '{'];
  args.forEach((t, i) => {
    lines.push(`    ${t.name} a${i}{};`);
    for (const l of t.leaves) lines.push(`    ${at(l, `a${i}`)} = ${literal(l, rng)};`);
  });
  const list = args.map((_, i) => `a${i}`).join(', ');
  const keep = (v: string): string => (s.ret ? `${s.ret.name} ${v} = ` : '');
  const text = `${s.conv} ${s.ret?.name ?? 'void'} (${params(s, false)})`;
  lines.push('    u64 ad[24], at[24];', '    int cores = g_cores;',
    `    begin_call(); ${keep('rd')}callee_${s.id}(${list}); u64 hd = end_call(ad);`,
    '    int direct = g_cores - cores;',
    `    begin_call(); ${keep('rt')}reinterpret_cast<decltype(&callee_${s.id})>(&fwd_${s.id})(${list}); u64 ht = end_call(at);`,
    `    compare(${s.id}, ${JSON.stringify(text)}, ${args.length}, hd, ht, ad, at, ${s.ret ? `${hashOf(s.ret, 'rd')}, ${hashOf(s.ret, 'rt')}` : '0, 0'}, g_cores - cores - direct);`,
    '}');
  return lines.join('\n');
}

/** callee.cpp and main.cpp for one seed and variant: `count` signatures per convention of `os`. */
/** `light`: the mangled names of the interceptors whose cores call nothing and touch no vector register. */
export function generateI386(seed: number, variant: I386Variant, count = 200, os: I386Os = 'linux'): { callee: string; main: string; count: number; light: string[] } {
  const rng = new Rng(seed);
  const aggregates = structs(rng);
  const sigs = signatures(rng, variant, count, aggregates, os);
  const head = common(seed, variant, aggregates, sigs);
  const [width, widthDeclaration] = WIDTH_DECLARATION[os];
  const main = `${head}\n${widthDeclaration}\n${mainPrelude}\n${sigs.map((s) => check(s, rng)).join('\n')}
static void (*const checks[])() = { ${sigs.map((s) => `check_${s.id}`).join(', ')} };
int main()
{
    int width = -1;
    for (unsigned i = 0; i < sizeof checks / sizeof checks[0]; ++i) {
        checks[i]();
        if (width <= 0) width = ${width}; // chosen on the first call through the full trampoline (a light one needs none)
    }
    std::printf("width %d\\n", width);
    std::printf("summary: seed=0x${seed.toString(16)} variant=i386-${os === 'windows' ? 'windows-' : ''}${variant} signatures=%u failing=%d mismatches=%d cores=%d\\n",
                (unsigned)(sizeof checks / sizeof checks[0]), g_failing, g_mismatches, g_cores);
    return g_mismatches != 0;
}
`;
  return { callee: `${head}\nu64 g_hash;\nu64 g_args[24];\n${sigs.map(callee).join('\n')}`, main, count: sigs.length, light: sigs.filter(isLight).map((s) => `_Z${`fwd_${s.id}`.length}fwd_${s.id}v`) };
}
