// Picks the asm/ macros for the target and fills in their parameters.
// The assembler itself lives in asm/*.S and what differs per architecture in
// lib/arch/; this module only embeds the macro files into the translation
// unit and writes one macro invocation per symbol.

import { archForAbi, archForTarget, type Abi, type StubOptions } from './arch/index.js';
import { macroText as filesText } from './arch/arch.js';

export { cString } from './arch/arch.js';
export type { Abi, Binding, StubOptions, Visibility } from './arch/index.js';

/** Chooses the trampoline ABI for a clang target triple (default: the host's). */
export function abiForTarget(triple: string | undefined, hostArch = process.arch): Abi {
  return archForTarget(triple, hostArch).abi;
}

/** The macro file as GAS text without comments, ready to embed in a string literal. */
export function macroText(abi: Abi): string {
  return filesText(archForAbi(abi).asmFiles);
}

/** The file-scope text that defines the macros (guarded, so -flto can concatenate it) and the shared
 *  trampoline (`pic`: for code that may end up in a shared object); with `replay`, the thunk that interceptors reading their parameters call (x86_64-replay.S). */
export function macroDefinitions(abi: Abi, replay = false, pic = false): string {
  return archForAbi(abi).definitions(macroText(abi), replay, pic);
}

/** The replay thunk's symbol per ABI that has one (asm/x86_64-replay.S); the prelude declares it. */
export const REPLAY_THUNK: Partial<Record<Abi, string>> = { sysv: '__icc_sysv_replay', ms: '__icc_ms_replay' };

/** SysV light cores (asm/x86_64-sysv.S): the emitter names them, lib/light.ts finds them by name. */
export const LIGHT_CORE_PREFIX = '__icc_light.';
/** The sections of an interceptor with a light core: its light core, and its full core. */
export const lightCoreSection = (core: string, which: 'light' | 'full'): string => (which === 'light' ? `.text.${core}` : `.text.${core}.core`);
/** The bail-out pad after a light core in its section (asm/x86_64-sysv.S, lib/light-bail.ts). */
export const lightBailPad = (core: string): string => `${core}.bail`;
/** The section the stub of a light core's interceptor goes in (the stub macro's `light` parameter). */
export const lightStubSection = (core: string): string => `.text.${core}.stub`;
/** The shared trampoline every SysV stub is assembled to jump to; lib/light.ts points a stub at its light core instead. */
export const FULL_TRAMPOLINE = '__icc_sysv_trampoline';
/** A stub's record (asm/x86_64-sysv.S), named after the public symbol; record+8 holds a light core's null entry. */
export const RECORD_PREFIX = '.L__icc_rec_';

/** The asm template for one symbol; %c0 is the public symbol, %c1 the core, %c2 the light core. */
export function stubInvocation(abi: Abi, stub: StubOptions): string {
  return archForAbi(abi).stubInvocation(stub);
}
