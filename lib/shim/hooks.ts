// icc-shim --body: which bodies a hooks file defines, found by their
// ICC_SHIM_BODY(name) macro (shim/icc-shim.h); an override naming no
// intercepted function is an error at its line.

import fs from 'node:fs';
import { ShimError } from './errors.js';
import type { ShimPlan } from './plan.js';

export interface Bodies {
  hasDefault: boolean;
  overrides: Set<string>;
}

/** The default body's presence and the overridden names; errors point at the hooks file's line. */
export function findBodies(file: string, plan: ShimPlan, libraryName: string): Bodies {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ShimError(`cannot read '${file}'`);
  }
  const known = new Set(plan.functions);
  const skipped = new Map(plan.skipped.map((s) => [s.name.replace(/@.*/, ''), s.reason]));
  const overrides = new Set<string>();
  let hasDefault = false;
  for (const m of text.matchAll(/\bICC_SHIM_BODY\s*\(\s*(\w+)\s*\)/g)) {
    const name = m[1];
    if (name === 'default') {
      hasDefault = true;
      continue;
    }
    if (!known.has(name)) {
      const before = text.slice(0, m.index);
      const line = before.split('\n').length;
      const col = m.index - before.lastIndexOf('\n');
      const why = skipped.has(name) ? ` (skipped: ${skipped.get(name)})` : '';
      throw new ShimError(`ICC_SHIM_BODY(${name}) names no function icc-shim intercepts in ${libraryName}${why}`, `${file}:${line}:${col}`);
    }
    overrides.add(name);
  }
  if (!hasDefault && overrides.size === 0) throw new ShimError(`'${file}' defines no ICC_SHIM_BODY`);
  return { hasDefault, overrides };
}
