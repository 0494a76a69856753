// The ABI torture suite's generator: seed → C++ text. Pure and deterministic.
//
// callee.cpp (plain clang++): one function per signature that hashes every
// argument member by member (never padding; a long double's 10 significant
// bytes only) into g_args[i], folds them into g_hash, and returns a value of
// its return type derived from that hash.
// main.cpp (icc++): one [[interceptor]] per signature forwarding to its callee
// from a core that clobbers every caller-saved register, and a check that calls
// the callee directly and through the interceptor (cast to the callee's type)
// with the same random arguments, comparing hashes and return values bit for
// bit. It prints one MISMATCH line per difference, the width the trampoline
// chose, and a summary line.

import { Rng } from './random.js';
import { MAX_ARGS, signatures, signatureText, type Signature } from './signatures.js';
import { aggregates, isArm, type CType, type Scalar, type Variant } from './types.js';

export type { Signature } from './signatures.js';
export type { Variant } from './types.js';

export interface Torture {
  seed: number;
  variant: Variant;
  signatures: Signature[];
  /** For plain clang++: the functions the interceptors forward to. */
  callee: string;
  /** For icc++: the interceptors, the checks and main(). */
  main: string;
}

/** The compiler flags a variant's two files are built with (besides the optimisation level). */
export const VARIANT_FLAGS: Record<Variant, string[]> = {
  sse: [], avx: ['-mavx2'], avx512: ['-mavx512f'], aarch64: ['--target=aarch64-linux-gnu'], sve: ['--target=aarch64-linux-gnu', '-march=armv8-a+sve'],
  // Microsoft x64: ms_abi functions on Linux; a Windows program (the test adds the mingw-w64 paths, test/helpers.ts).
  ms: [], 'ms-avx512': ['-mavx512f'], mingw: ['--target=x86_64-w64-mingw32', '-D__USE_MINGW_ANSI_STDIO=1'],
  vectorcall: ['--target=x86_64-w64-mingw32', '-D__USE_MINGW_ANSI_STDIO=1'],
};

/** How a variant spells its functions' convention, its va_list and the trampoline's width byte. */
interface Spelling { cc: string; vaList: string; vaStart: string; vaEnd: string; width: string }
const SYSV: Spelling = { cc: '', vaList: 'va_list', vaStart: 'va_start', vaEnd: 'va_end', width: '__icc_sysv_width' };
const SPELLING: Record<Variant, Spelling> = {
  sse: SYSV, avx: SYSV, avx512: SYSV, aarch64: { ...SYSV, width: '__icc_aapcs64_vl' }, sve: { ...SYSV, width: '__icc_aapcs64_vl' },
  // ms_abi on Linux: its own va_list builtins; the trampoline is the System V one.
  ms: { cc: '__attribute__((ms_abi)) ', vaList: '__builtin_ms_va_list', vaStart: '__builtin_ms_va_start', vaEnd: '__builtin_ms_va_end', width: '__icc_sysv_width' },
  'ms-avx512': { cc: '__attribute__((ms_abi)) ', vaList: '__builtin_ms_va_list', vaStart: '__builtin_ms_va_start', vaEnd: '__builtin_ms_va_end', width: '__icc_sysv_width' },
  mingw: { ...SYSV, width: '__icc_ms_width' }, // the target's own convention: no attribute
  vectorcall: { ...SYSV, cc: '__vectorcall ', width: '__icc_ms_width' },
};

/** What each interceptor's core does besides counting itself and jumping to its callee:
 *  clobbering: overwrite every caller-saved register with asm (the full trampoline must save them);
 *  light: call nothing and use no vector register, only many integer registers at once (the light
 *  path: the core's compiled saves must keep them); params: declared with the callee's signature,
 *  the body hashes every parameter (and variadic argument, with va_arg) as the callee does, then
 *  clobbers every caller-saved register: what it read must be what the callee receives. */
export type CoreKind = 'clobbering' | 'light' | 'params';

/** Generates the torture sources for one seed and variant. */
export function generate(seed: number, variant: Variant, count = 200, cores: CoreKind = 'clobbering'): Torture {
  const rng = new Rng(seed);
  const pool = aggregates(rng);
  const sigs = signatures(rng, variant, count, pool);
  const used = usedTypes(sigs);
  const common = commonText(seed, variant, used, sigs);
  const sp = SPELLING[variant];
  // Windows is LLP64: the model's 8-byte `long` is spelled `long long` there.
  const spell = variant === 'mingw' || variant === 'vectorcall' ? (text: string): string => text.replace(/\b(?<!long )long\b(?! long| double)/g, 'long long') : (text: string): string => text;
  return {
    seed, variant, signatures: sigs,
    callee: spell(`${common}\nu64 g_hash;\nu64 g_args[${MAX_ARGS}];\n${calleePrelude}\n${sigs.map((s) => calleeText(s, sp)).join('\n')}`),
    main: spell(`${common}\n${isArm(variant) ? aarch64Prelude() : mainPrelude(sp)}\n${sigs.map((s) => checkText(s, rng, cores, sp)).join('\n')}\n${mainText(seed, variant, sigs)}`),
  };
}

function usedTypes(sigs: Signature[]): CType[] {
  const seen = new Map<string, CType>();
  for (const s of sigs) for (const t of [...s.params, ...(s.varargs ?? []), ...(s.ret ? [s.ret] : [])]) seen.set(t.name, t);
  return [...seen.values()];
}

const FNV = '0xcbf29ce484222325ull';
const composite = (t: CType): boolean => t.leaves.length > 1 || t.leaves[0].path !== '$';

/** An expression: h folded with every leaf of v. */
function hashExpr(t: CType, h: string, v: string): string {
  if (t.sizeless) return `mixsv(${h}, ${v})`;
  return composite(t) ? `hash_${t.ident}(${h}, ${v})` : `mixv(${h}, ${v})`;
}

const at = (leafPath: string, v: string): string => leafPath.replace('$', v);

// SVE's sizeless types: hashed whole through memory (svst1: svcntb() bytes, a predicate as
// one byte per lane), made from a seed (svld1 of splitmix64 bytes), both at the vector length in use.
const SVE_LANES = ['svint8_t:s8', 'svuint16_t:u16', 'svint32_t:s32', 'svuint64_t:u64', 'svint64_t:s64', 'svfloat16_t:f16', 'svfloat32_t:f32', 'svfloat64_t:f64']
  .map((p) => p.split(':'));
const sveText = `
static inline u64 mixsv(u64 h, svuint8_t v) { unsigned char b[256]; svst1_u8(svptrue_b8(), b, v); return mixb(h, b, (unsigned)svcntb()); }
static inline u64 mixsv(u64 h, svbool_t p) { return mixsv(h, svdup_n_u8_z(p, 1)); }
${SVE_LANES.map(([t, suffix]) => `static inline u64 mixsv(u64 h, ${t} v) { return mixsv(h, svreinterpret_u8_${suffix}(v)); }`).join('\n')}
static inline u64 mixsv(u64 h, svfloat32x2_t v) { return mixsv(mixsv(h, svget2(v, 0)), svget2(v, 1)); }
static inline u64 mixsv(u64 h, svint64x3_t v) { return mixsv(mixsv(mixsv(h, svget3(v, 0)), svget3(v, 1)), svget3(v, 2)); }
static inline u64 mixsv(u64 h, svfloat64x4_t v) { return mixsv(mixsv(mixsv(mixsv(h, svget4(v, 0)), svget4(v, 1)), svget4(v, 2)), svget4(v, 3)); }
__attribute__((noinline)) static svuint8_t sv_bytes(u64 s) // splitmix64 bytes, a vector length of them
{
    unsigned char b[256];
    for (unsigned i = 0; i < svcntb(); ++i) {
        u64 z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        b[i] = (unsigned char)((z ^ (z >> 27)) >> 32);
    }
    return svld1_u8(svptrue_b8(), b);
}
${SVE_LANES.map(([t, suffix]) => `static inline ${t} make_${t}(u64 s) { return svreinterpret_${suffix}_u8(sv_bytes(s)); }`).join('\n')}
static inline svbool_t make_svbool_t(u64 s) { return svcmpne_n_u8(svptrue_b8(), svand_n_u8_x(svptrue_b8(), sv_bytes(s), 1), 0); }
static inline svfloat32x2_t make_svfloat32x2_t(u64 s) { return svcreate2(make_svfloat32_t(s), make_svfloat32_t(~s)); }
static inline svint64x3_t make_svint64x3_t(u64 s) { return svcreate3(make_svint64_t(s), make_svint64_t(~s), make_svint64_t(s * 3)); }
static inline svfloat64x4_t make_svfloat64x4_t(u64 s) { return svcreate4(make_svfloat64_t(s), make_svfloat64_t(~s), make_svfloat64_t(s * 3), make_svfloat64_t(s * 5)); }
`;

function commonText(seed: number, variant: Variant, used: CType[], sigs: Signature[]): string {
  const defs = used.filter((t) => t.definition).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const hashes = used.filter((t) => composite(t) && !t.sizeless).map((t) =>
    `static inline u64 hash_${t.ident}(u64 h, const ${t.name} &v) { ` +
    `${t.leaves.map((l) => `h = mixv(h, ${at(l.path, 'v')});`).join(' ')} return h; }`);
  const decls = sigs.map((s) => `${SPELLING[variant].cc}${s.ret?.name ?? 'void'} callee_${s.id}(${paramList(s, false)});`);
  return `// Generated by test/abi/generate.ts, seed 0x${seed.toString(16)}, variant ${variant}: do not edit.
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
${isArm(variant) ? '#include <arm_neon.h>\n#include <sys/auxv.h>' : '#include <immintrin.h>'}${variant === 'sve' ? '\n#include <arm_sve.h>' : ''}

typedef unsigned long long u64;
__attribute__((noinline)) static u64 mixb(u64 h, const void *p, unsigned n) // FNV-1a, out of line (compiles faster)
{
    const unsigned char *b = static_cast<const unsigned char *>(p);
    for (unsigned i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
template <class T> static inline u64 mixv(u64 h, T v) { return mixb(h, &v, sizeof v); }
${isArm(variant) ? '' : 'static inline u64 mixv(u64 h, long double v) { return mixb(h, &v, 10); } // the rest is padding'}${variant === 'sve' ? sveText : ''}

extern u64 g_hash;           // all arguments of the last call
extern u64 g_args[${MAX_ARGS}];       // each argument of the last call

${defs.map((t) => t.definition).join('\n')}

${hashes.join('\n')}

${decls.join('\n')}
`;
}

function paramList(s: Signature, named: boolean): string {
  const ps = s.params.map((t, i) => (named ? `${t.name} a${i}` : t.name));
  if (s.varargs) ps.push('...');
  return ps.join(', ');
}

// ---- callee.cpp -----------------------------------------------------------

const calleePrelude = `static inline u64 nextv(u64 &s)   // splitmix64: the return value's bits
{
    u64 z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline unsigned __int128 next128(u64 &s) { u64 hi = nextv(s); return ((unsigned __int128)hi << 64) | nextv(s); }
`;

/** A value of scalar s made from the hash state `st`. */
function fromHash(s: Scalar): string {
  switch (s.kind) {
    case 'int': return `(${s.name})nextv(st)`;
    case 'bool': return '(nextv(st) & 1) != 0';
    case 'pointer': return `(${s.name})(uintptr_t)nextv(st)`;
    case 'int128': return `(${s.name})next128(st)`;
    case 'float': return '(float)(int)(unsigned)nextv(st) * 0x1p-12f';
    case 'double': return '(double)(long long)nextv(st) * 0x1p-24';
    case 'x87': return '(long double)(long long)nextv(st) * 0x1p-40L';
  }
}

function calleeText(s: Signature, sp: Spelling): string {
  const lines = [`${sp.cc}${s.ret?.name ?? 'void'} callee_${s.id}(${paramList(s, true)})`, '{'];
  s.params.forEach((t, i) => lines.push(`    g_args[${i}] = ${hashExpr(t, FNV, `a${i}`)};`));
  const n = s.params.length + (s.varargs?.length ?? 0);
  if (s.varargs) {
    lines.push(`    ${sp.vaList} ap;`, `    ${sp.vaStart}(ap, a${s.params.length - 1});`);
    s.varargs.forEach((t, k) =>
      lines.push(`    { ${t.name} v = __builtin_va_arg(ap, ${t.name}); g_args[${s.params.length + k}] = ${hashExpr(t, FNV, 'v')}; }`));
    lines.push(`    ${sp.vaEnd}(ap);`);
  }
  lines.push(`    u64 h = ${FNV} ^ ${s.id}u;`, `    for (int i = 0; i < ${n}; ++i) h = mixv(h, g_args[i]);`, '    g_hash = h;');
  if (s.ret?.sizeless) lines.push(`    return make_${s.ret.ident}(h);`);
  else if (s.ret) {
    lines.push(`    ${s.ret.name} r{};`, '    u64 st = h;');
    for (const l of s.ret.leaves) lines.push(`    ${at(l.path, 'r')} = ${fromHash(l.scalar)};`);
    lines.push('    return r;');
  }
  lines.push('}');
  return lines.join('\n');
}

// ---- main.cpp -------------------------------------------------------------

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const asmLines = (lines: string[]): string => lines.map((l) => `        "${l}\\n\\t"`).join('\n');
const clobbers = (regs: string[]): string => regs.map((r) => `"${r}"`).join(', ');

const countersText = `static int g_cores;          // how many times a core ran
static int g_mismatches;     // MISMATCH lines printed
static int g_failing;        // signatures with at least one
`;

// What every architecture's main.cpp shares after clobber_all.
const sharedText = `// Keeps twelve loaded values alive at once, so a core that calls nothing still
// writes most general registers (rdx rcx rsi rdi r8-r11 among them).
static volatile u64 g_churn[12];
__attribute__((always_inline)) static inline void churn_integers()
{
    u64 v0 = g_churn[0], v1 = g_churn[1], v2 = g_churn[2], v3 = g_churn[3], v4 = g_churn[4], v5 = g_churn[5];
    u64 v6 = g_churn[6], v7 = g_churn[7], v8 = g_churn[8], v9 = g_churn[9], v10 = g_churn[10], v11 = g_churn[11];
    g_churn[0] = v0 * v1 + v2; g_churn[1] = v3 * v4 + v5; g_churn[2] = v6 * v7 + v8; g_churn[3] = v9 * v10 + v11;
    g_churn[4] = v0 ^ v11; g_churn[5] = v1 ^ v10; g_churn[6] = v2 ^ v9; g_churn[7] = v3 ^ v8;
    g_churn[8] = v4 + v7; g_churn[9] = v5 + v6; g_churn[10] = v0 + v6; g_churn[11] = v11 + v5 + 1;
}

static u64 g_body[${MAX_ARGS}];       // each argument as an interceptor's body read it

static void begin_call() { g_hash = 0; std::memset(g_args, 0xee, sizeof g_args); std::memset(g_body, 0xdd, sizeof g_body); }
static u64 end_call(u64 *args) { std::memcpy(args, g_args, sizeof g_args); return g_hash; }

static void compare(int id, const char *sig, int n, u64 hd, u64 ht, const u64 *ad, const u64 *at, u64 rd, u64 rt, int cores, const u64 *ab)
{
    int bad = 0;
    for (int i = 0; ab && i < n; ++i)
        if (ad[i] != ab[i])
            bad++, std::printf("MISMATCH callee_%d %s: argument %d: direct %016llx, as the interceptor's body read it %016llx\\n", id, sig, i, ad[i], ab[i]);
    for (int i = 0; i < n; ++i)
        if (ad[i] != at[i])
            bad++, std::printf("MISMATCH callee_%d %s: argument %d: direct %016llx, through the interceptor %016llx\\n", id, sig, i, ad[i], at[i]);
    if (hd != ht && !bad)
        bad++, std::printf("MISMATCH callee_%d %s: argument hash: direct %016llx, through the interceptor %016llx\\n", id, sig, hd, ht);
    if (rd != rt)
        bad++, std::printf("MISMATCH callee_%d %s: return value: direct %016llx, through the interceptor %016llx\\n", id, sig, rd, rt);
    if (cores != 1)
        bad++, std::printf("MISMATCH callee_%d %s: the core ran %d times, not once\\n", id, sig, cores);
    g_mismatches += bad;
    g_failing += bad != 0;
}
`;

/** main.cpp's support code for AArch64: clobber_all overwrites x0-x17 (never x18, the platform
 *  register), v0-v31 and, where the CPU has SVE, z0-z31 and p0-p15 whole. */
function aarch64Prelude(): string {
  const x = range(18).map((i) => `x${i}`);
  const v = range(32).map((i) => `v${i}`);
  return `extern "C" unsigned long __icc_aapcs64_vl __attribute__((visibility("hidden")));
${countersText}
__attribute__((always_inline)) static inline void clobber_all()
{
    asm volatile(
        "mov x0, #0x5a5a\\n\\t"
${asmLines(x.slice(1).map((r) => `mov ${r}, x0`))}
        ::: ${clobbers(x)}, "cc");
    asm volatile(
${asmLines(v.map((r) => `movi ${r}.16b, #0xa5`))}
        ::: ${clobbers(v)});
    if (getauxval(AT_HWCAP) & HWCAP_SVE)
        asm volatile(
        ".arch_extension sve\\n\\t"
${asmLines([...range(32).map((i) => `dup z${i}.b, #-1`), ...range(16).map((i) => `pfalse p${i}.b`)])}
            ::: ${clobbers(v)});
}
${sharedText}`;
}

function mainPrelude(sp: Spelling): string {
  const gprs = ['rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11'];
  const xmm = (n: number): string[] => range(n).map((i) => `xmm${i}`);
  return `extern "C" unsigned char ${sp.width}${sp.width === '__icc_ms_width' ? '' : ' __attribute__((visibility("hidden")))'};
${countersText}
// Overwrites every register a core may clobber (the trampoline must have saved
// what carries arguments): all caller-saved GPRs (AL = 0, as if no vector
// registers were used), xmm0-15, ymm0-15 and zmm0-31 and k0-7 where the CPU has them.
__attribute__((always_inline)) static inline void clobber_all()
{
    asm volatile(
        "xor %%eax, %%eax\\n\\t"
        "movabs $0x5a5a5a5a5a5a5a5a, %%rcx\\n\\t"
${asmLines(gprs.slice(1).map((r) => `mov %%rcx, %%${r}`))}
        ::: "rax", ${clobbers(gprs)}, "cc");
    asm volatile(
${asmLines(range(16).map((i) => `pcmpeqb %%xmm${i}, %%xmm${i}`))}
        ::: ${clobbers(xmm(16))});
    if (__builtin_cpu_supports("avx"))
        asm volatile(
${asmLines(range(16).map((i) => `vpcmpeqb %%ymm${i}, %%ymm${i}, %%ymm${i}`))}
            ::: ${clobbers(xmm(16))});
    if (__builtin_cpu_supports("avx512f"))
        asm volatile(
${asmLines([...range(32).map((i) => `vpternlogd $0xff, %%zmm${i}, %%zmm${i}, %%zmm${i}`), ...range(8).map((i) => `kxnorw %%k${i}, %%k${i}, %%k${i}`)])}
            ::: ${clobbers([...xmm(32), ...range(8).map((i) => `k${i}`)])});
}

${sharedText}`;
}

/** A random value of scalar s, as a C++ expression. */
function literal(s: Scalar, rng: Rng): string {
  const sign = (): string => (rng.chance(0.5) ? '-' : '');
  switch (s.kind) {
    case 'bool':
      return rng.chance(0.5) ? 'true' : 'false';
    case 'int': {
      const bits = BigInt(s.size * 8);
      const edge = rng.int(0, 9);
      const v = edge === 0 ? 0n : edge === 1 ? (1n << bits) - 1n : edge === 2 ? 1n << (bits - 1n) : rng.bits(s.size * 8);
      return `(${s.name})0x${v.toString(16)}ull`;
    }
    case 'pointer':
      return `(${s.name})0x${rng.bits(47).toString(16)}ull`;
    case 'int128':
      return `(${s.name})(((unsigned __int128)0x${rng.bits(64).toString(16)}ull << 64) | 0x${rng.bits(64).toString(16)}ull)`;
    case 'float':
      if (rng.chance(0.04)) return '-0.0f';
      return `${sign()}0x1.${(rng.bits(23) << 1n).toString(16).padStart(6, '0')}p${rng.int(-40, 40)}f`;
    case 'double':
      if (rng.chance(0.04)) return '-0.0';
      return `${sign()}0x1.${rng.bits(52).toString(16).padStart(13, '0')}p${rng.int(-300, 300)}`;
    case 'x87': // 64 significant bits: a leading hex digit 8-f, then 60 bits
      return `${sign()}0x${(8 + rng.int(0, 7)).toString(16)}.${rng.bits(60).toString(16).padStart(15, '0')}p${rng.int(-2000, 2000)}L`;
  }
}

function checkText(s: Signature, rng: Rng, cores: CoreKind, sp: Spelling): string {
  const args = [...s.params, ...(s.varargs ?? [])];
  const work = cores === 'light' ? 'churn_integers();' : 'clobber_all();';
  const lines = cores === 'params'
    ? [`[[interceptor]] ${sp.cc}${s.ret?.name ?? 'void'} fwd_${s.id}(${paramList(s, true)})`, '{', '    ++g_cores;', ...bodyReads(s, sp), '    clobber_all();', `    goto -> &callee_${s.id};`, '}']
    : [`[[interceptor]] void fwd_${s.id}(void) { ++g_cores; ${work} goto -> &callee_${s.id}; }`];
  lines.push(`static void check_${s.id}()`, '{');
  args.forEach((t, i) => {
    if (t.sizeless) return void lines.push(`    ${t.name} a${i} = make_${t.ident}(0x${rng.bits(64).toString(16)}ull);`);
    lines.push(`    ${t.name} a${i}{};`);
    for (const l of t.leaves) lines.push(`    ${at(l.path, `a${i}`)} = ${literal(l.scalar, rng)};`);
  });
  const list = args.map((_, i) => `a${i}`).join(', ');
  const through = `reinterpret_cast<decltype(&callee_${s.id})>(&fwd_${s.id})`;
  const keep = (v: string): string => (s.ret ? `${s.ret.name} ${v} = ` : '');
  lines.push(
    `    u64 ad[${MAX_ARGS}], at[${MAX_ARGS}];`,
    '    int cores = g_cores;',
    `    begin_call(); ${keep('rd')}callee_${s.id}(${list}); u64 hd = end_call(ad);`,
    '    int direct_cores = g_cores - cores;',
    `    begin_call(); ${keep('rt')}${through}(${list}); u64 ht = end_call(at);`,
    `    u64 ab[${MAX_ARGS}]; std::memcpy(ab, g_body, sizeof ab);`,
    `    compare(${s.id}, ${JSON.stringify(signatureText(s))}, ${args.length}, hd, ht, ad, at, ` +
      `${s.ret ? `${hashExpr(s.ret, FNV, 'rd')}, ${hashExpr(s.ret, FNV, 'rt')}` : '0, 0'}, g_cores - cores - direct_cores, ${cores === 'params' ? 'ab' : 'nullptr'});`,
    '}');
  return lines.join('\n');
}

/** A parameter-reading body's statements: each argument hashed into g_body as the callee hashes it. */
function bodyReads(s: Signature, sp: Spelling): string[] {
  const lines = s.params.map((t, i) => `    g_body[${i}] = ${hashExpr(t, FNV, `a${i}`)};`);
  if (s.varargs) {
    lines.push(`    ${sp.vaList} ap;`, `    ${sp.vaStart}(ap, a${s.params.length - 1});`);
    s.varargs.forEach((t, k) => lines.push(`    { ${t.name} v = __builtin_va_arg(ap, ${t.name}); g_body[${s.params.length + k}] = ${hashExpr(t, FNV, 'v')}; }`));
    lines.push(`    ${sp.vaEnd}(ap);`);
  }
  return lines;
}

function mainText(seed: number, variant: Variant, sigs: Signature[]): string {
  return `
static void (*const checks[])() = {
${sigs.map((s) => `    check_${s.id},`).join('\n')}
};

int main()
{
    int width = -1;
    for (unsigned i = 0; i < sizeof checks / sizeof checks[0]; ++i) {
        checks[i]();
        if (i == 0) width = (int)${SPELLING[variant].width}; // chosen on the first call through a trampoline
    }
    std::printf("width %d\\n", width);
    std::printf("summary: seed=0x${seed.toString(16)} variant=${variant} signatures=%u failing=%d mismatches=%d cores=%d\\n",
                (unsigned)(sizeof checks / sizeof checks[0]), g_failing, g_mismatches, g_cores);
    return g_mismatches != 0;
}
`;
}
