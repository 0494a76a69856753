// Picks the asm/ macros for the target ABI and fills in their parameters.
// The assembler itself lives in asm/*.S; this module only embeds that file
// into the translation unit and writes one macro invocation per symbol.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IccError } from './diagnostics.js';
import { packageRoot } from './paths.js';

/** sysv: x86-64 System V on ELF (Linux); ms: Microsoft x64 on COFF (Windows, mingw or MSVC). */
export type Abi = 'sysv' | 'ms';

/** How the public symbol is bound in the object file. */
export type Binding = 'globl' | 'weak' | 'local';

const asmDir = path.join(packageRoot, 'asm');

/** Chooses the trampoline ABI for a clang target triple (default: the host's). */
export function abiForTarget(triple: string | undefined, hostArch = process.arch): Abi {
  const t = (triple ?? '').toLowerCase();
  const arch = t ? t.split('-')[0] : hostArch === 'x64' ? 'x86_64' : hostArch;
  const windows = /windows|mingw|cygwin|win32/.test(t);
  if (arch === 'x86_64' || arch === 'amd64') return windows ? 'ms' : 'sysv';
  throw new IccError(`interceptors are not supported yet for target '${triple ?? arch}' (${arch}); supported: x86_64 Linux/ELF and x86_64 Windows/COFF`);
}

const macroCache = new Map<Abi, string>();

/** The macro file as GAS text without comments, ready to embed in a string literal. */
export function macroText(abi: Abi): string {
  let text = macroCache.get(abi);
  if (text === undefined) {
    // The shared macros (vector saves, width detection) come first: both ABI files use them.
    const raw = ['x86_64-common.S', 'x86_64-replay.S', fileFor(abi)].map((f) => readFileSync(path.join(asmDir, f), 'utf8')).join('\n');
    text = raw
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '')
      .join('\n');
    macroCache.set(abi, text);
  }
  return text;
}

function fileFor(abi: Abi): string {
  return abi === 'sysv' ? 'x86_64-sysv.S' : 'x86_64-ms.S';
}

/** A C string literal holding `s` (one line, so no line numbers move). */
export function cString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/** The file-scope text that defines the macros (guarded, so -flto can concatenate it) and the shared
 *  trampoline; with `replay`, the thunk that interceptors reading their parameters call (x86_64-replay.S). */
export function macroDefinitions(abi: Abi, replay = false): string {
  if (abi === 'sysv') return `__asm__(${cString(macroText(abi) + `\nicc_${abi}_trampoline\n` + (replay ? `icc_x86_64_replay_elf ${REPLAY_THUNK.sysv}, __icc_sysv_width\n` : ''))});`;
  // COFF: the shared trampoline and its width byte are defined in C++, where the
  // compiler gives them COMDATs that -flto understands too (asm/x86_64-ms.S).
  return (
    `__asm__(${cString(macroText(abi))}); ` +
    'extern "C" { __attribute__((selectany, used)) unsigned char __icc_ms_width = 0; ' +
    '[[gnu::naked, gnu::used, gnu::nocf_check]] inline void __icc_ms_trampoline() { __asm__("icc_ms_trampoline"); }' +
    (replay ? ` [[gnu::naked, gnu::used, gnu::nocf_check]] inline void ${REPLAY_THUNK.ms}(void *, __SIZE_TYPE__, void *, char **) { __asm__("icc_x86_64_replay_coff ${REPLAY_THUNK.ms}, __icc_ms_width"); }` : '') +
    ' }'
  );
}

/** The replay thunk's symbol per ABI (asm/x86_64-replay.S); the prelude declares it. */
export const REPLAY_THUNK: Record<Abi, string> = { sysv: '__icc_sysv_replay', ms: '__icc_ms_replay' };

/** SysV light cores (asm/x86_64-sysv.S): the emitter names them, lib/light.ts finds them by name. */
export const LIGHT_CORE_PREFIX = '__icc_light.';
/** The sections of an interceptor with a light core: its light core, and its full core. */
export const lightCoreSection = (core: string, which: 'light' | 'full'): string => (which === 'light' ? `.text.${core}` : `.text.${core}.core`);
/** The section the stub of a light core's interceptor goes in (the stub macro's `light` parameter). */
export const lightStubSection = (core: string): string => `.text.${core}.stub`;
/** The shared trampoline every SysV stub is assembled to jump to; lib/light.ts points a stub at its light core instead. */
export const FULL_TRAMPOLINE = '__icc_sysv_trampoline';
/** A stub's record (asm/x86_64-sysv.S), named after the public symbol; record+8 holds a light core's null entry. */
export const RECORD_PREFIX = '.L__icc_rec_';

/** What the emitter knows about one public symbol. */
export interface StubOptions {
  binding: Binding;
  /** In a COMDAT group of its own (inline functions, template specializations). */
  comdat: boolean;
  /** Start with endbr64 (-fcf-protection). */
  cet: boolean;
  /** Declared dllexport (Windows targets: the object must carry an export directive). */
  dllexport: boolean;
  /** ELF visibility of the public symbol (ignored on COFF). */
  visibility: Visibility;
  /** SysV: %c2 is a light core the stub may be redirected to after the compile (lib/light.ts). */
  light?: boolean;
}

export type Visibility = 'default' | 'hidden' | 'protected';

/** The asm template for one symbol; %c0 is the public symbol, %c1 the core, %c2 the light core. */
export function stubInvocation(abi: Abi, stub: StubOptions): string {
  const group = stub.comdat ? 'comdat' : 'none';
  const common = `icc_${abi}_stub %c0, %c1, ${stub.binding}, ${group}, ${stub.cet ? 1 : 0}`;
  // COFF has no visibility: a DLL exports what a linker directive names.
  return cString(abi === 'ms' ? `${common}, ${stub.dllexport ? 1 : 0}` : `${common}, ${stub.visibility}${stub.light ? ', %c2' : ''}`);
}
