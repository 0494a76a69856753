// What every architecture module provides (lib/arch/<arch>.ts), and the helpers
// they share. The pipeline and the rewriter see only this interface; which
// module serves a target is decided by the table in lib/arch/index.ts.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';

/** One calling-convention family the trampoline macros serve; names the macros (icc_<abi>_stub). */
export type Abi = 'sysv' | 'ms' | 'aapcs64' | 'i386_sysv' | 'i386_mingw' | 'i386_msvc';

/** How the public symbol is bound in the object file. */
export type Binding = 'globl' | 'weak' | 'local';

export type Visibility = 'default' | 'hidden' | 'protected';

/** What the emitter knows about one public symbol. */
export interface StubOptions {
  binding: Binding;
  /** In a COMDAT group of its own (inline functions, template specializations). */
  comdat: boolean;
  /** Start with endbr64 (-fcf-protection). */
  cet: boolean;
  /** Declared dllexport (Windows targets: the object must carry an export directive). */
  dllexport: boolean;
  /** The code may end up in a shared object (-fPIC/-fpic or -shared). */
  pic?: boolean;
  /** ELF visibility of the public symbol (ignored on COFF). */
  visibility: Visibility;
  /** SysV: %c2 is a light core the stub may be redirected to after the compile (lib/light.ts). */
  light?: boolean;
}

/** A light core's stub that may be pointed at the light trampoline after the compile. */
export interface LightDecision {
  /** The light core's symbol, and the public symbol its stub defines (mangled). */
  core: string;
  symbol: string;
  light: boolean;
  /** Light with a bail-out: the path that calls starts again on the full path (lib/light-bail.ts). */
  bailOut?: boolean;
  /** Why the full path stays, when it does. */
  reason?: string;
}

/** One architecture and ABI: its asm macros and what the driver must know about them. */
export interface Arch {
  abi: Abi;
  /** The object format its targets write: what the driver's COFF limits and the prelude's weak
   *  references depend on (a COFF weak external is left at address 0 by lld). */
  format: 'elf' | 'coff';
  /** The asm/ files that define the macros, embedded in this order. */
  asmFiles: string[];
  /** Attributes the core gets besides visibility (e.g. ms_abi), as written inside __attribute__((…)). */
  coreAttributes: string[];
  /** The asm operand constraint that prints a symbol's name with %c: `s` on x86, `S` on AArch64 (clang 14 has no `s` there). */
  symbolConstraint: 's' | 'S';
  /** Whether interceptors get a light core too (lib/rewrite/emit.ts) for the check after the compile. */
  lightCores: boolean;
  /** The file-scope text that defines the macros and the shared trampoline; `macros` is asmFiles' text;
   *  `replay`: also the thunk parameter-reading interceptors call (an Arch without one refuses them);
   *  `pic`: the code may end up in a shared object. */
  definitions(macros: string, replay?: boolean, pic?: boolean): string;
  /** Whether interceptor bodies may read their parameters here (a replay thunk exists). */
  params: boolean;
  /** Which extern "C" interceptors' stubs may be a file-scope asm line with the symbols spelled out
   *  (lib/rewrite/emit.ts emitNamed): 'c-names' where a C function's symbol is its name or asm label;
   *  'asm-labels' where only a label says it (i386 COFF: `_f`, `_f@8`, `@f@8` by convention). */
  namedStubs?: 'c-names' | 'asm-labels';
  /** The asm template of one stub; %c0 is the public symbol, %c1 the core, %c2 the light core. */
  stubInvocation(stub: StubOptions): string;
  /** With light cores: the asm template that ends a light core (its stub is stubInvocation's, at the
   *  light core's entry: no emitter function); %0 is the target register, %c1 the public symbol. */
  lightInvocation?(): string;
  /** With light cores: the file-scope asm statement put before a light core written alone (its
   *  body's only copy), in its section: the null report naming `name`, and the check its tail jumps go
   *  through once the object is checked. */
  leanEntry?(core: string, name: string, pub?: { symbol: string; binding: Binding; visibility: Visibility }): string;
  /** `write_stderr(const char *)` inside namespace __icc, for the null-target report. */
  stderrWriter: string;
  /** After the compile: checks the object's light cores and redirects the stubs of those that pass. */
  selectLightPaths(object: string): LightDecision[];
}

const asmDir = path.join(packageRoot, 'asm');
const macroCache = new Map<string, string>();

/** The macro files as GAS text without comments, ready to embed in a string literal. */
export function macroText(files: string[]): string {
  const key = files.join('\n');
  let text = macroCache.get(key);
  if (text === undefined) {
    const raw = files.map((f) => readFileSync(path.join(asmDir, f), 'utf8')).join('\n');
    text = raw
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '')
      .join('\n');
    macroCache.set(key, text);
  }
  return text;
}

/** A C string literal holding `s` (one line, so no line numbers move). */
export function cString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}
