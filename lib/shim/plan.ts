// icc-shim: which exports get an interceptor, and why each other one does not.

import type { ElfExport, ElfLibrary } from './elf.js';

/** Functions the shim's own runtime (shim/runtime.cpp) and icc++'s interceptor support call:
 *  intercepting one of them in a shim over libc would make the shim call itself.
 *  test/e2e/shim.test.ts checks this list against the runtime object's imports. */
export const RUNTIME_IMPORTS: ReadonlySet<string> = new Set([
  'dlopen', 'dlsym', 'dlerror', 'syscall', 'getenv', 'clock_gettime', 'pthread_atfork',
  'abort', 'strlen', '__cxa_demangle', '__tls_get_addr', '__cxa_finalize', '__cxa_atexit', '__stack_chk_fail',
]);

export interface Skipped {
  name: string;
  reason: string;
}

export interface ShimPlan {
  /** The functions to intercept, in the library's symbol order. */
  functions: string[];
  skipped: Skipped[];
  /** How many functions --only left out (not listed one by one). */
  unselected: number;
  /** The default version of each intercepted function the library versions (the shim defines it there). */
  versions: Map<string, string>;
}

const KIND_REASONS: Record<string, string> = {
  data: 'data symbol (only functions can be intercepted)',
  tls: 'thread-local data symbol',
  other: 'symbol without a type (not known to be a function)',
};

/** Decides, for each export, intercept or skip (with a one-line reason); `only` selects by name. */
export function planShim(library: ElfLibrary, only?: ReadonlySet<string>): ShimPlan {
  const functions: string[] = [];
  const skipped: Skipped[] = [];
  const taken = new Set<string>();
  const versions = new Map<string, string>();
  let unselected = 0;
  const defaultVersions = new Set(library.exports.filter((e) => !e.hidden && isCode(e)).map((e) => e.name));
  for (const e of library.exports) {
    if (only && !only.has(e.name)) {
      unselected++;
      continue;
    }
    const reason = whyNot(e, defaultVersions);
    if (reason) skipped.push({ name: e.version ? `${e.name}@${e.version}` : e.name, reason });
    else if (!taken.has(e.name)) {
      taken.add(e.name);
      functions.push(e.name);
      if (e.version) versions.set(e.name, e.version);
    }
  }
  return { functions, skipped, unselected, versions };
}

/** A linker version script that defines each function at the library's default version of it
 *  (`realpath@@GLIBC_2.3`), so a program bound to a compat version (`realpath@GLIBC_2.2.5`, which the
 *  plan skips) still reaches the library's own compat code, not the shim; undefined if nothing is versioned. */
export function versionScript(functions: readonly string[], versions: ReadonlyMap<string, string>): string | undefined {
  const nodes = new Map<string, string[]>();
  for (const f of functions) {
    const v = versions.get(f);
    if (v) nodes.set(v, [...(nodes.get(v) ?? []), f]);
  }
  if (nodes.size === 0) return undefined;
  return [...nodes].map(([v, names]) => `${v} {\n  global:\n${names.map((n) => `    ${n};`).join('\n')}\n};`).join('\n') + '\n';
}

function isCode(e: ElfExport): boolean {
  return e.kind === 'function' || e.kind === 'ifunc';
}

function whyNot(e: ElfExport, defaultVersions: ReadonlySet<string>): string | undefined {
  if (!isCode(e)) return KIND_REASONS[e.kind];
  if (e.hidden)
    return defaultVersions.has(e.name)
      ? `compat-only version ${e.version} (the default version is intercepted)`
      : `compat-only version ${e.version} (no default version: programs linked today cannot call it)`;
  if (e.version && /_PRIVATE$/.test(e.version))
    return `private version ${e.version}: the library's own parts (ld.so, dlopen) call it, programs cannot link to it`;
  if (!/^[A-Za-z_.$][\w.$]*$/.test(e.name)) return 'name the assembler cannot spell';
  if (e.name === '_init' || e.name === '_fini') return 'the library\'s own initialiser/finaliser';
  if (RUNTIME_IMPORTS.has(e.name)) return 'called by the shim\'s own runtime';
  return undefined;
}
