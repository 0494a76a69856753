// icc-shim for a DLL: the plan of a proxy DLL (every export of the original,
// under the same name and ordinal) and its module-definition file, from which
// the linker makes the proxy's export table and an import library, so that
// programs link against the proxy as against the original.

import fs from 'node:fs';
import path from 'node:path';
import type { PeLibrary } from './pe.js';
import type { ShimPlan } from './plan.js';

export interface ProxyPlan extends ShimPlan {
  /** What the runtime looks up for each function: its name, or `#N`. */
  lookups: string[];
  /** The symbol each interceptor defines (its name, or icc_shim_ordN). */
  symbols: string[];
  /** The .def file's text. */
  def: string;
}

/** Intercepts each function export; forwarders stay forwarders, data exports are skipped with a reason. */
export function planProxy(library: PeLibrary, dllName: string, real: string, only?: ReadonlySet<string>): ProxyPlan {
  // A real DLL named without a folder can be the target of forwarders: exported data then
  // stays reachable through the proxy (the loader resolves it in the real DLL).
  const realModule = /[\\/]/.test(real) ? undefined : real.replace(/\.dll$/i, '');
  const plan: ProxyPlan = { functions: [], skipped: [], unselected: 0, versions: new Map(), lookups: [], symbols: [], def: '' };
  const lines = [`LIBRARY "${dllName}"`, 'EXPORTS'];
  for (const e of library.exports) {
    const label = e.name ?? `#${e.ordinal}`;
    if (only && !only.has(label)) {
      plan.unselected++;
      continue;
    }
    if (e.forward) {
      plan.skipped.push({ name: label, reason: `forwarded to ${e.forward} (kept as a forwarder)` });
      if (e.name) lines.push(`  ${e.name} = ${e.forward} @${e.ordinal}`);
      continue;
    }
    if (e.data) {
      if (realModule && e.name) {
        plan.skipped.push({ name: label, reason: `data export (forwarded to ${realModule}.${e.name}, not intercepted)` });
        lines.push(`  ${e.name} = ${realModule}.${e.name} @${e.ordinal} DATA`);
      } else plan.skipped.push({ name: label, reason: 'data export (only functions can be proxied; --real names a path, so no forwarder)' });
      continue;
    }
    const symbol = e.name ?? `icc_shim_ord${e.ordinal}`;
    plan.functions.push(label);
    plan.lookups.push(label);
    plan.symbols.push(symbol);
    lines.push(`  ${symbol} @${e.ordinal}${e.name ? '' : ' NONAME'}`);
  }
  plan.def = lines.join('\n') + '\n';
  return plan;
}

/** Flags that let Debian's clang build for mingw-w64 (its GCC folder is named 12-win32, which
 *  clang 14 does not find by itself); -static keeps libgcc and libstdc++ inside the proxy. */
export function mingwFlags(): string[] {
  const base = '/usr/lib/gcc/x86_64-w64-mingw32';
  const gcc = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => v.endsWith('-win32')).sort().pop() : undefined;
  const flags = ['--target=x86_64-w64-mingw32', '-fuse-ld=lld', '-static'];
  if (gcc) {
    const dir = path.join(base, gcc);
    flags.push('-isystem', path.join(dir, 'include/c++'), '-isystem', path.join(dir, 'include/c++/x86_64-w64-mingw32'), `-L${dir}`);
  }
  return flags;
}
