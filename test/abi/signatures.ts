// Random function signatures for the ABI torture suite: argument lists of
// every type category (mostly 8-20 arguments, so some travel on the stack),
// variadic tails mixing integers and doubles, and returns of every kind,
// large structs (hidden sret pointer) among them.

import type { Rng } from './random.js';
import { basicTypes, categoriesFor, isArm, neonTypes, sveTypes, variadicTypes, type Category, type CType, type Variant } from './types.js';

export interface Signature {
  id: number;
  /** null: returns void. */
  ret: CType | null;
  params: CType[];
  /** The types passed after `...`, or null when not variadic. */
  varargs: CType[] | null;
  /** Coverage labels: every type's labels plus the shape of the call. */
  labels: string[];
}

/** The most arguments a signature passes (fixed and variadic), the size of the callee's per-argument hash table. */
export const MAX_ARGS = 24;

/** Whether a call passes anything on the stack: psABI register assignment, 6 integer and 8 vector registers. */
function usesStack(sig: Omit<Signature, 'labels'>): boolean {
  let ints = sig.ret?.sret ? 5 : 6; // the hidden pointer takes rdi
  let sses = 8;
  for (const t of [...sig.params, ...(sig.varargs ?? [])]) {
    if (t.argClass === 'MEMORY') return true;
    const needInt = t.argClass.filter((c) => c === 'INTEGER').length;
    const needSse = t.argClass.length - needInt;
    if (needInt > ints || needSse > sses) return true;
    ints -= needInt;
    sses -= needSse;
  }
  return false;
}

/** How AAPCS64 (Linux) passes these arguments: whether any travels on the stack, whether an SVE value
 *  travels by reference (z0-z7 or p0-p3 used up). x0-x7 (NGRN), v0-v7/z0-z7 (NSRN), p0-p3 (NPRN). */
export function aapcs64(params: CType[], varargs: CType[] | null): { stack: boolean; sveByReference: boolean } {
  let ngrn = 0, nsrn = 0, nprn = 0;
  let stack = false, sveByReference = false;
  const gprs = (n: number, even: boolean): void => {
    if (even) ngrn += ngrn & 1;
    if (ngrn + n <= 8) ngrn += n;
    else (ngrn = 8), (stack = true);
  };
  const simd = (n: number): void => {
    if (nsrn + n <= 8) nsrn += n;
    else (nsrn = 8), (stack = true);
  };
  for (const t of [...params, ...(varargs ?? [])]) {
    if (t.sizeless) {
      const n = (t.argClass as string[]).length;
      if (t.category === 'svbool' && nprn < 4) nprn++;
      else if (t.category !== 'svbool' && nsrn + n <= 8) nsrn += n;
      else (sveByReference = true), gprs(1, false); // a pointer to a copy
      continue;
    }
    const fp = ['float', 'double', 'long double', 'neon'].includes(t.category) ? 1
      : t.category.startsWith('_Complex') ? 2
      : t.category === 'HFA' || t.category === 'HVA' ? (t.argClass as string[]).length : t.hfa ?? 0;
    if (fp) simd(fp);
    else if (t.size > 16) gprs(1, false); // a composite over 16 bytes: a pointer to a copy
    else gprs(Math.ceil(t.size / 8), t.align === 16);
  }
  return { stack, sveByReference };
}

/** Whether Microsoft x64 passes a value of this type by reference: neither 1, 2, 4 nor 8 bytes
 *  (so every __m128, long double, __int128 and _Complex double), or any vector. */
export const msByReference = (t: CType): boolean => ![1, 2, 4, 8].includes(t.size) || t.category.startsWith('__m');

/** The call shapes the Microsoft x64 convention has (its rows label signatures with these too). */
export const MS_SHAPES = ['ms: by reference', 'ms: __m128 by reference', 'ms: float in xmm by position', 'ms: 5+ arguments (stack)',
  'ms: variadic doubles', 'ms: sret'] as const;

function msLabels(sig: Omit<Signature, 'labels'>): string[] {
  const out: string[] = [];
  const all = [...sig.params, ...(sig.varargs ?? [])];
  if (all.some(msByReference)) out.push('ms: by reference');
  if (sig.params.some((t) => t.category === '__m128' || t.category === '__m128d')) out.push('ms: __m128 by reference');
  // A float in the register of its position (xmm1-3) after an integer one: the slots are shared.
  const floating = (t: CType): boolean => t.category === 'float' || t.category === 'double';
  if (sig.params.slice(1, 4).some((t, i) => floating(t) && !floating(sig.params[i]))) out.push('ms: float in xmm by position');
  const sret = sig.ret !== null && (msByReference(sig.ret) || sig.ret.definition !== undefined && ![1, 2, 4, 8].includes(sig.ret.size));
  if (sig.params.length + (sig.varargs?.length ?? 0) + (sret ? 1 : 0) > 4) out.push('ms: 5+ arguments (stack)');
  if (sig.varargs?.some((t) => t.category === 'double')) out.push('ms: variadic doubles');
  if (sret) out.push('ms: sret');
  return out;
}

/** The shapes __vectorcall adds: vectors, and homogeneous aggregates of 1-4 floats or doubles
 *  (HVAs, the struct members in xmm registers), among the first six arguments. */
export const VECTORCALL_SHAPES = ['vectorcall: vector in xmm', 'vectorcall: HVA'] as const;

function vectorcallLabels(sig: Omit<Signature, 'labels'>): string[] {
  const out: string[] = [];
  const first = sig.params.slice(0, 6);
  if (first.some((t) => t.category === '__m128' || t.category === '__m128d')) out.push('vectorcall: vector in xmm');
  const hva = (t: CType): boolean => t.definition !== undefined && t.category.startsWith('struct') && t.leaves.length <= 4 &&
    (t.leaves.every((l) => l.scalar.kind === 'float') || t.leaves.every((l) => l.scalar.kind === 'double'));
  if (sig.params.some(hva)) out.push('vectorcall: HVA');
  return out;
}

/** `count` signatures using the categories `variant` allows and the given structs and unions. */
export function signatures(rng: Rng, variant: Variant, count: number, aggregates: CType[]): Signature[] {
  const byCategory = new Map<Category, CType[]>();
  const add = (c: Category, t: CType): void => void byCategory.set(c, [...(byCategory.get(c) ?? []), t]);
  for (const t of [...basicTypes(), ...aggregates, ...(isArm(variant) ? neonTypes() : []), ...(variant === 'sve' ? sveTypes() : [])]) {
    add(t.category, t);
    if (t.labels.includes('struct float[3]')) add('struct float[3]', t);
  }
  const categories = categoriesFor(variant).filter((c) => byCategory.has(c));
  // SVE: two in five arguments sizeless (so many calls pass more than z0-z7 or p0-p3 hold: by reference).
  const sizeless = categories.filter((c) => c.startsWith('sv'));
  const anyType = (): CType =>
    rng.pick(byCategory.get(rng.pick(sizeless.length && rng.chance(0.4) ? sizeless : categories))!);
  const lastFixed = basicTypes().filter((t) => ['int', 'long', 'double', 'void*'].includes(t.name));
  const varTypes = variadicTypes();

  const out: Signature[] = [];
  for (let id = 0; id < count; id++) {
    const r = rng.next32() % 100;
    const ret = r < 10 ? null : r < 25 ? rng.pick(byCategory.get('struct MEMORY')!) : anyType();
    let params: CType[];
    let varargs: CType[] | null = null;
    if (rng.chance(0.15) && variant !== 'vectorcall') { // (a vectorcall function can't be variadic)
      params = Array.from({ length: rng.int(0, 5) }, anyType);
      params.push(rng.pick(lastFixed)); // va_start needs a named parameter that is not promoted
      varargs = Array.from({ length: rng.int(1, 16) }, () => rng.pick(varTypes));
    } else {
      params = Array.from({ length: rng.chance(0.15) ? rng.int(0, 7) : rng.int(8, 20) }, anyType);
    }
    // clang 14 drops the store of an SVE value passed by reference when the call also passes
    // something on the stack (the callee reads stale memory, called directly or not; LLVM
    // issue 66370, fixed in LLVM 17): such calls are drawn again, without `...`.
    for (let p = aapcs64(params, varargs); variant === 'sve' && p.sveByReference && p.stack; p = aapcs64(params, varargs)) {
      params = Array.from({ length: rng.int(1, 12) }, anyType);
      varargs = null;
    }
    const sig = { id, ret, params, varargs };
    const labels = new Set([...params, ...(ret ? [ret] : [])].flatMap((t) => t.labels));
    if (varargs) {
      labels.add('variadic');
      if (varargs.some((t) => t.category === 'double') && varargs.some((t) => t.category === 'integer')) labels.add('variadic ints and doubles');
    }
    if (!ret) labels.add('void return');
    if (ret?.sret) labels.add('sret');
    if (isArm(variant) ? aapcs64(params, varargs).stack : usesStack(sig)) labels.add('stack arguments');
    if (isArm(variant)) { // AAPCS64's composites that are no HFA: 9-16 bytes in two x registers, larger by reference
      const plain = params.filter((t) => t.definition && !t.hfa && t.category !== 'HFA' && t.category !== 'HVA');
      if (plain.some((t) => t.size > 8 && t.size <= 16)) labels.add('composite in a register pair');
      if (plain.some((t) => t.size > 16)) labels.add('composite by reference');
    }
    if (params.length >= 8) labels.add('8-20 arguments');
    if (variant === 'sve' && aapcs64(params, varargs).sveByReference) labels.add('SVE by reference');
    if (variant === 'ms' || variant === 'ms-avx512' || variant === 'mingw' || variant === 'vectorcall') for (const l of msLabels(sig)) labels.add(l);
    if (variant === 'vectorcall') for (const l of vectorcallLabels(sig)) labels.add(l);
    out.push({ ...sig, labels: [...labels] });
  }
  return out;
}

/** The signature as a C++ function type, for messages. */
export function signatureText(sig: Signature): string {
  const params = sig.params.map((t) => t.name);
  if (sig.varargs) params.push(`... /* ${sig.varargs.map((t) => t.name).join(', ')} */`);
  return `${sig.ret?.name ?? 'void'} (${params.join(', ')})`;
}
