// The fast path: can this source contain an interceptor at all? A cheap scan
// of the source and the headers it includes from the user's include
// directories answers without running the preprocessor, so a source without
// interceptors costs one clang run, as with clang++ itself.
//
// The scan over-approximates: every #include line counts, taken or not, and
// any mention of "interceptor" (even in a comment) sends the source through
// the full pipeline. Headers found only in the compiler's own system
// directories are not read; an interceptor hidden there makes clang reject
// the `goto ->` loudly, never compile it wrongly.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InputItem, Plan } from './args/classify.js';

/** Languages whose sources may hold interceptors (a header only to be told it can't, yet). */
export const REWRITTEN_LANGUAGES: ReadonlySet<string> = new Set(['c++', 'c++-header']);

const INCLUDE = /^[ \t]*#[ \t]*(include|include_next|import)\b(.*)$/gm;
const TARGET = /^[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)/;
const LIMIT_FILES = 5000;

interface SearchPath {
  quote: string[];
  angle: string[];
}

/** True unless the scan proves that `input` and its user headers never mention an interceptor. */
export function mayContainInterceptors(plan: Plan, input: InputItem, cwd: string): boolean {
  if (input.word === '-') return true;
  const search = searchPath(plan, cwd);
  const queue = [path.resolve(cwd, input.word), ...forcedIncludes(plan, cwd)];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (seen.size > LIMIT_FILES) return true;
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      return true;
    }
    if (text.includes('interceptor')) return true;
    for (const m of text.matchAll(INCLUDE)) {
      const target = TARGET.exec(m[2]);
      if (!target) return true; // #include MACRO: only the preprocessor knows
      const quoted = target[1] !== undefined;
      const name = (target[1] ?? target[2]).trim();
      const dirs = quoted ? [path.dirname(file), ...search.quote] : search.angle;
      const every = m[1] === 'include_next';
      for (const dir of path.isAbsolute(name) ? [''] : dirs) {
        const candidate = path.resolve(dir, name);
        if (!isFile(candidate)) continue;
        queue.push(candidate);
        if (!every) break;
      }
    }
  }
  return false;
}

function searchPath(plan: Plan, cwd: string): SearchPath {
  const iquote: string[] = [];
  const angle: string[] = [];
  const after: string[] = [];
  for (const item of plan.items) {
    if (item.kind !== 'option' || item.value === undefined) continue;
    const dir = path.resolve(cwd, item.value);
    if (item.canonical === '-iquote') iquote.push(dir);
    else if (item.canonical === '-I' || item.canonical === '-isystem') angle.push(dir);
    else if (item.canonical === '-idirafter') after.push(dir);
  }
  return { quote: [...iquote, ...angle, ...after], angle: [...angle, ...after] };
}

function forcedIncludes(plan: Plan, cwd: string): string[] {
  return plan.items.flatMap((item) =>
    item.kind === 'option' && (item.canonical === '-include' || item.canonical === '-imacros') && item.value !== undefined
      ? [path.resolve(cwd, item.value)]
      : [],
  );
}

const fileCache = new Map<string, boolean>();

function isFile(p: string): boolean {
  let known = fileCache.get(p);
  if (known === undefined) {
    try {
      known = statSync(p).isFile();
    } catch {
      known = false;
    }
    fileCache.set(p, known);
  }
  return known;
}
