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
    const scanned = scanFile(file);
    if (!scanned || scanned.mentions || !scanned.includes) return true;
    for (const inc of scanned.includes) {
      const dirs = inc.quoted ? [path.dirname(file), ...search.quote] : search.angle;
      for (const dir of path.isAbsolute(inc.name) ? [''] : dirs) {
        const candidate = path.resolve(dir, inc.name);
        if (!isFile(candidate)) continue;
        queue.push(candidate);
        if (!inc.every) break;
      }
    }
  }
  return false;
}

interface Include {
  name: string;
  quoted: boolean;
  /** #include_next: every match along the path is read, not only the first. */
  every: boolean;
}

/** What one file says: whether it mentions an interceptor, and what it includes (undefined when a
 *  `#include MACRO` leaves that to the preprocessor). Read once per process: the sources of one
 *  command share most of their headers. */
interface Scanned {
  mentions: boolean;
  includes: Include[] | undefined;
}

const scannedFiles = new Map<string, Scanned | undefined>();

/** The file's scan, or undefined when it can't be read. */
function scanFile(file: string): Scanned | undefined {
  if (scannedFiles.has(file)) return scannedFiles.get(file);
  let scanned: Scanned | undefined;
  try {
    const text = readFileSync(file, 'latin1');
    const includes: Include[] = [];
    const mentions = text.includes('interceptor');
    let resolvable = !mentions; // a mention settles it: its includes don't matter
    for (const m of resolvable ? text.matchAll(INCLUDE) : []) {
      const target = TARGET.exec(m[2]);
      if (!target) {
        resolvable = false;
        break;
      }
      includes.push({ name: (target[1] ?? target[2]).trim(), quoted: target[1] !== undefined, every: m[1] === 'include_next' });
    }
    scanned = { mentions, includes: resolvable ? includes : undefined };
  } catch {
    scanned = undefined;
  }
  scannedFiles.set(file, scanned);
  return scanned;
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
