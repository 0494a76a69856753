// Fuzzing the rewriter with seeded, generated input (test/fuzz/generate.ts): whatever it is fed,
// it returns or throws an IccError printed the way clang prints, within a time budget; text
// without interceptors passes through byte for byte; valid interceptor programs keep every line.
//
// Reproduce or explore: FUZZ_SEED=<n> (default 0x1cc) regenerates the same inputs; FUZZ_TRACE=1
// prints each case before running it, for a hang that never returns. A failure prints the seed,
// the case, the input (JSON) and a shrunken input that fails the same way.
import { suite } from 'uvu';
import { IccError, IccErrors } from '../../lib/diagnostics.js';
import { rewriteInterceptors, type RewriteResult } from '../../lib/rewrite/interceptors.js';
import { preludeText } from '../../lib/rewrite/prelude.js';
import { TokenStream } from '../../lib/rewrite/tokens.js';
import {
  EDGES, Rng, SCALING, caseSeed, count, deepShapes, hugeShapes, mutate, passThrough, programText, randomChars,
  randomStream, tokenEnds, validProgram, type Program, type Shaped,
} from '../fuzz/generate.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x1cc;
const TRACE = Boolean(process.env.FUZZ_TRACE);
const opts = { abi: 'sysv' as const, cet: false, fileName: 'x.cpp' };
const PRELUDE = preludeText('sysv');
/** With an interceptor that reads its parameters, the prelude also carries the replay support. */
const PRELUDE_PARAMS = preludeText('sysv', 'weak');

/** One line of a clang diagnostic: `file:line:col: error: message`. The file may be empty: clang
 *  prints `:1:9: error: …` under a `# 1 ""` marker too. */
const CLANG_LINE = /^[^\n:]*:\d+:[1-9]\d*: error: .+$/;

// ---------------------------------------------------------------------------------------------
// Running one input and judging the outcome

interface Outcome {
  ms: number;
  result?: RewriteResult;
  error?: unknown;
}

/** Runs the rewriter on `src`. Over budget, it runs twice more and keeps the fastest time: a
 *  super-linear input is slow every time, a pause of the machine's (GC, a busy CI neighbour) is not. */
function attempt(src: string, where: string): Outcome {
  if (TRACE) process.stderr.write(`fuzz: ${where} (${src.length} chars)\n`);
  let outcome = once(src);
  for (let again = 0; again < 2 && outcome.ms > budgetMs(src.length); again++) outcome = { ...outcome, ms: Math.min(outcome.ms, once(src).ms) };
  if (TRACE) process.stderr.write(`      ${outcome.ms.toFixed(1)} ms\n`);
  return outcome;
}

function once(src: string): Outcome {
  const t0 = performance.now();
  try {
    const result = rewriteInterceptors(src, opts);
    return { ms: performance.now() - t0, result };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

/** Time allowed for one input: ~1 s for 100 KB, proportionally more for MBs. A linear rewriter
 *  needs well under a tenth of this; only super-linear work or a hang exceeds it. */
const budgetMs = (chars: number): number => 100 + chars / 100;

interface Problem {
  kind: string;
  detail: string;
  /** The detail is only an example: every problem of this kind is the same problem. */
  same?: boolean;
  /** What tells this problem from others of its kind, when not the whole detail. */
  key?: string;
}

const newlines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/** A thrown value that is not an IccError, or an IccError that doesn't print as clang does. */
function errorProblem(e: unknown): Problem | undefined {
  if (!(e instanceof IccError)) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`;
    return { kind: 'crash (not an IccError)', detail: what };
  }
  const each = e instanceof IccErrors ? e.errors : [e];
  for (const x of each) {
    const loc = x.location;
    if (!loc) return { kind: 'error without a location', detail: x.format() };
    const fine = Number.isSafeInteger(loc.line) && loc.line >= 0 && Number.isSafeInteger(loc.col) && loc.col >= 1;
    if (!fine || /\n/.test(loc.file + x.message) || x.message.trim() === '') return { kind: 'error not clang-shaped', detail: JSON.stringify(x.format()) };
  }
  const lines = e.format().split('\n');
  if (e instanceof IccErrors) {
    const n = e.errors.length;
    if (lines.pop() !== `${n} error${n === 1 ? '' : 's'} generated.`) return { kind: 'error not clang-shaped', detail: 'no "N errors generated." line' };
  }
  const bad = lines.find((l) => !CLANG_LINE.test(l));
  return bad === undefined ? undefined : { kind: 'error not clang-shaped', detail: JSON.stringify(bad) };
}

/** Offset in `text` of an `[[interceptor]]` attribute left outside any other attribute, or -1. */
function leftoverAttribute(text: string): number {
  const ts = new TokenStream(text);
  for (let i = 0; i < ts.length; i++) {
    if (!(ts.isPunct(i, '[') && ts.isPunct(i + 1, '[') && ts.match[i] > i)) continue;
    const close = ts.match[i];
    for (let k = i + 2; k < close - 1; k++) {
      if (ts.isIdent(k, 'interceptor') && (k === i + 2 || ts.isPunct(k - 1, ',')) && !ts.isPunct(k + 1, '::')) return ts.toks[k].start;
      if (ts.match[k] > k) k = ts.match[k];
    }
    i = close;
  }
  return -1;
}

/** The user's part of a rewritten text (after the prelude), or a problem with its shape. */
function userPart(src: string, r: RewriteResult): string | Problem {
  const first = /^# 1 "[^\n]*"\n/.exec(src)?.[0] ?? '';
  const prelude = [PRELUDE, PRELUDE_PARAMS].find((p) => r.text.startsWith(first + p));
  if (prelude === undefined) return { kind: 'output not first marker + prelude + input', detail: JSON.stringify(r.text.slice(0, 80)) };
  return r.text.slice(first.length + prelude.length);
}

/** What must hold of any successful rewrite. */
function resultProblem(src: string, r: RewriteResult): Problem | undefined {
  if (r.interceptors === 0) {
    if (r.text !== src) return { kind: 'text changed without interceptors', detail: `${src.length} chars in, ${r.text.length} out` };
    return undefined;
  }
  const user = userPart(src, r);
  if (typeof user !== 'string') return user;
  if (newlines(user) !== newlines(src)) return { kind: 'lines moved', detail: `${newlines(src)} newlines in, ${newlines(user)} out` };
  const left = leftoverAttribute(user);
  if (left >= 0) return { kind: "'[[interceptor]]' neither rewritten nor reported (clang only warns: unknown attribute)", detail: JSON.stringify(user.slice(Math.max(0, left - 40), left + 20)), same: true };
  return undefined;
}

/** Return-or-IccError, clang-shaped, in time, lines kept. */
function robustness(src: string, o: Outcome): Problem | undefined {
  if (o.ms > budgetMs(src.length)) return { kind: 'too slow', detail: `${o.ms.toFixed(0)} ms for ${src.length} chars (budget ${budgetMs(src.length).toFixed(0)} ms)` };
  if (o.error !== undefined) return errorProblem(o.error);
  return resultProblem(src, o.result!);
}

// ---------------------------------------------------------------------------------------------
// Collecting, shrinking and reporting failures

/** Problems that differ only in names, numbers or offsets are one problem. */
const signature = (p: Problem): string => (p.same ? p.kind : `${p.kind}: ${(p.key ?? p.detail).replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').slice(0, 90)}`);

interface Finding {
  problem: Problem;
  where: string;
  src: string;
  recipe?: string;
  program?: Program;
  hits: number;
}

class Findings {
  readonly bySignature = new Map<string, Finding>();
  inputs = 0;

  constructor(readonly group: string) {}

  add(finding: Omit<Finding, 'hits'>): void {
    const sig = signature(finding.problem);
    const seen = this.bySignature.get(sig);
    if (!seen) this.bySignature.set(sig, { ...finding, hits: 1 });
    else {
      seen.hits++;
      if (finding.src.length < seen.src.length && !seen.recipe) Object.assign(seen, finding, { hits: seen.hits });
    }
  }

  /** Throws a report of every distinct problem: seed, case, input and a shrunken input. */
  check(shrink?: (f: Finding, sig: string) => string | undefined): void {
    if (this.bySignature.size === 0) return;
    const show = (s: string): string => (s.length > 700 ? JSON.stringify(s.slice(0, 700)) + ` … (${s.length} chars)` : JSON.stringify(s));
    const parts = [`${this.group}: ${this.bySignature.size} distinct problem(s) in ${this.inputs} inputs (FUZZ_SEED=${SEED})`];
    let k = 0;
    for (const [sig, f] of this.bySignature) {
      parts.push(`${++k}) ${f.problem.kind}: ${f.problem.detail}`, `   ${f.hits} input(s); smallest at ${f.where}`);
      if (f.recipe) parts.push(`   input: ${f.recipe}`);
      else {
        const small = shrink?.(f, sig);
        if (small !== undefined && small !== f.src) parts.push(`   shrunk: ${show(small)}`);
        parts.push(`   input:  ${show(f.src)}`);
      }
    }
    // uvu prints the message, then `details`, then the stack.
    throw Object.assign(new Error(parts[0]), { details: parts.slice(1).join('\n') });
  }
}

/** Deletes chunks of characters while the same problem persists (bounded in tries and time). */
function shrinkChars(src: string, sig: string): string {
  if (src.length > 20_000) return src;
  const deadline = performance.now() + 400;
  let cur = src;
  for (let chunk = cur.length >> 1; chunk >= 1; chunk >>= 1) {
    for (let at = 0; at < cur.length && performance.now() < deadline;) {
      const cand = cur.slice(0, at) + cur.slice(at + chunk);
      const p = robustness(cand, attempt(cand, 'shrink'));
      if (p && p.kind !== 'too slow' && signature(p) === sig) cur = cand;
      else at += chunk;
    }
  }
  return cur;
}

/** Drops whole pieces of a generated program while the same property failure persists. */
function shrinkPieces(program: Program, judge: (p: Program) => Problem | undefined, sig: string): string {
  let cur = program;
  for (let i = cur.pieces.length - 1; i >= 0; i--) {
    const cand = { pieces: cur.pieces.filter((_, k) => k !== i) };
    const p = judge(cand);
    if (p && signature(p) === sig) cur = cand;
  }
  return programText(cur);
}

/** Runs `n` generated programs of one group through a property (`judge`), and reports each
 *  distinct failure with the program shrunk piece by piece. */
function checkPrograms(name: string, group: number, n: number, gen: (rng: Rng) => Program, judge: (p: Program) => Problem | undefined): void {
  const findings = new Findings(name);
  for (let i = 0; i < n; i++) {
    const program = gen(new Rng(caseSeed(SEED, group, i)));
    findings.inputs++;
    const problem = judge(program);
    if (problem) findings.add({ problem, where: `case ${i} (group ${group})`, src: programText(program), program });
  }
  findings.check((f, sig) => shrinkPieces(f.program!, judge, sig));
}

/** Runs `n` generated inputs of one group through the robustness check. */
function fuzz(group: number, name: string, n: number, gen: (rng: Rng, index: number) => string): Findings {
  const findings = new Findings(name);
  for (let i = 0; i < n; i++) {
    const where = `case ${i} (group ${group})`;
    const src = gen(new Rng(caseSeed(SEED, group, i)), i);
    findings.inputs++;
    const problem = robustness(src, attempt(src, where));
    if (problem) findings.add({ problem, where, src });
  }
  return findings;
}

function runShapes(name: string, shapes: Shaped[]): Findings {
  const findings = new Findings(name);
  for (const s of shapes) {
    findings.inputs++;
    const problem = robustness(s.src, attempt(s.src, s.name));
    if (problem) findings.add({ problem: { kind: `${s.name}: ${problem.kind}`, detail: problem.detail }, where: s.name, src: s.src, recipe: s.recipe });
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// 1. Return or IccError, clang-shaped, in time

const robust = suite('fuzz: any input returns or throws a clang-shaped IccError in time');

robust('random streams of C++ and interceptor fragments (4,000)', () => {
  fuzz(1, 'random streams', 4000, (rng) => randomStream(rng)).check((f, sig) => shrinkChars(f.src, sig));
});

robust('random code units: controls, lone surrogates, astral characters (1,000)', () => {
  fuzz(2, 'random code units', 1000, (rng) => randomChars(rng)).check((f, sig) => shrinkChars(f.src, sig));
});

robust('valid interceptor programs cut at every token boundary and one character before it (≥ 4,000)', () => {
  const findings = new Findings('truncations');
  const rng = new Rng(caseSeed(SEED, 3, 0));
  for (let p = 0; findings.inputs < 4000; p++) {
    const src = programText(validProgram(rng));
    const cuts = new Set<number>();
    for (const end of tokenEnds(src)) cuts.add(end).add(end - 1);
    for (const cut of cuts) {
      const where = `program ${p} cut at ${cut}`;
      const part = src.slice(0, cut);
      findings.inputs++;
      const problem = robustness(part, attempt(part, where));
      if (problem) findings.add({ problem, where, src: part });
    }
  }
  findings.check((f, sig) => shrinkChars(f.src, sig));
});

robust('valid interceptor programs with token-level mutations (2,000)', () => {
  fuzz(4, 'mutations', 2000, (rng) => mutate(rng, programText(validProgram(rng)))).check((f, sig) => shrinkChars(f.src, sig));
});

robust('hand-written edges: literals spanning lines in heads, splices, odd markers and forms', () => {
  const findings = new Findings('edges');
  EDGES.forEach((src, i) => {
    for (const variant of [src, '# 1 "x.cpp"\n' + src]) {
      findings.inputs++;
      const problem = robustness(variant, attempt(variant, `edge ${i}`));
      if (problem) findings.add({ problem, where: `edge ${i}`, src: variant });
    }
  });
  findings.check((f, sig) => shrinkChars(f.src, sig));
});

robust('10,000 levels of nesting: namespaces, classes, extern "C", brackets, bodies', () => {
  runShapes('deep nesting', deepShapes(10_000)).check();
});

robust('literals, comments and tokens of 4 MB', () => {
  runShapes('huge inputs', hugeShapes(4)).check();
});

robust('repeated shapes take time linear in their size, 2 KB to 128 KB (no O(n²) walk)', () => {
  // From the first size whose time is clearly measurable to 128 KB, the time may grow at most 4x
  // more than the input (best of 5 runs each). Over a range of 8x or more, a quadratic walk grows
  // at least 8x more than the input, while a busy machine slowing one size down rarely reaches
  // 4x in all five runs: comparing two far-apart sizes, not each doubling, keeps the margin wide.
  // And no size may exceed the budget.
  const findings = new Findings('scaling');
  const best = (src: string, where: string): Outcome => {
    let o = attempt(src, where);
    for (let k = 0; k < 4; k++) { const again = attempt(src, where); if (again.ms < o.ms) o = again; }
    return o;
  };
  for (const s of SCALING) {
    const text = (reps: number): string => s.prefix + s.unit.repeat(reps) + s.suffix;
    const recipe = (reps: number): string => `${JSON.stringify(s.prefix)} + ${JSON.stringify(s.unit)}×${reps} + ${JSON.stringify(s.suffix)}`;
    let first: { reps: number; ms: number } | undefined;
    for (let reps = Math.ceil(2000 / s.unit.length); ; reps *= 2) {
      const src = text(reps);
      findings.inputs++;
      const o = best(src, `${s.name} ×${reps}`);
      let problem = robustness(src, o);
      if (!first && o.ms >= 5) first = { reps, ms: o.ms };
      const last = src.length >= 128_000;
      if (!problem && last && first && reps >= 8 * first.reps && o.ms > 50 && o.ms / first.ms > 4 * (reps / first.reps)) {
        problem = { kind: 'time grows faster than the input', detail: `${first.ms.toFixed(0)} ms for ${first.reps} repetitions, ${o.ms.toFixed(0)} ms for ${reps}` };
      }
      if (problem) {
        findings.add({ problem: { kind: `${s.name}: ${problem.kind}`, detail: problem.detail }, where: `${reps} repetitions`, src, recipe: recipe(reps) });
        break;
      }
      if (last) break;
    }
  }
  findings.check();
});

robust.run();

// ---------------------------------------------------------------------------------------------
// 2. Text without interceptors passes through byte for byte

const through = suite('fuzz: text without interceptors passes through byte for byte');

function passThroughProblem(p: Program): Problem | undefined {
  const src = programText(p);
  const o = attempt(src, 'pass-through');
  if (o.error !== undefined) return errorProblem(o.error) ?? { kind: 'rejected text without interceptors', detail: (o.error as IccError).format(), key: (o.error as IccError).message };
  if (o.ms > budgetMs(src.length)) return { kind: 'too slow', detail: `${o.ms.toFixed(0)} ms for ${src.length} chars` };
  const r = o.result!;
  if (r.text !== src) return { kind: 'text changed', detail: `${src.length} chars in, ${r.text.length} out` };
  if (r.interceptors !== 0 || r.templates.length !== 0) return { kind: 'interceptors found where there are none', detail: `${r.interceptors}` };
  return undefined;
}

through('mentions only in literals, comments, directives, names and other attributes (2,000)', () =>
  checkPrograms('pass-through', 10, 2000, passThrough, passThroughProblem));

through.run();

// ---------------------------------------------------------------------------------------------
// 3. Valid interceptors: all found, every goto -> rewritten, no line moved

const valid = suite('fuzz: valid interceptor programs keep their lines and are all rewritten');

function validProblem(p: Program): Problem | undefined {
  const src = programText(p);
  const o = attempt(src, 'valid');
  if (o.error !== undefined) {
    const e = o.error as IccError;
    const first = e instanceof IccErrors ? e.errors[0]! : e;
    return errorProblem(e) ?? { kind: 'rejected a valid interceptor', detail: first.format(), key: first.message };
  }
  const general = robustness(src, o);
  if (general) return general;
  const r = o.result!;
  const expected = count(p, 'interceptors');
  if (r.interceptors !== expected) return { kind: 'wrong interceptor count', detail: `${r.interceptors} reported, ${expected} written` };
  const user = r.interceptors === 0 ? src : (userPart(src, r) as string);
  const jumps = user.split('::__icc::to_target(').length - 1; // a core's `return ::__icc::to_target(` or a __params_X's `leave<…>(::__icc::to_target(`
  if (jumps !== count(p, 'gotos')) return { kind: "wrong number of 'goto ->' rewritten", detail: `${jumps} rewritten, ${count(p, 'gotos')} written` };
  return undefined;
}

valid('free, static, inline, extern "C", template, namespaced and static member interceptors (2,000)', () =>
  checkPrograms('valid programs', 20, 2000, validProgram, validProblem));

valid.run();
