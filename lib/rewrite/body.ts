// The body of an interceptor: every `goto -> E;` at the interceptor's own
// level becomes `return ::__icc::to_target(E);` in the core.

import type { EditList } from './edit.js';
import type { TokenStream } from './tokens.js';

type Report = (tokenIndex: number, message: string) => void;

export interface Jump {
  goto: number;
  semicolon: number;
}

/** Checks an interceptor body [open, close]; reports problems, and returns its jumps when it can be rewritten. */
export function checkBody(ts: TokenStream, open: number, close: number, nameIndex: number, report: Report): Jump[] | undefined {
  const { jumps, ok } = scan(ts, open, close, report);
  if (ok && jumps.length === 0) {
    report(nameIndex, `interceptor '${ts.text(nameIndex)}' never reaches 'goto -> target;'`);
    return undefined;
  }
  return ok ? jumps : undefined;
}

/** Plans the edits that turn each `goto -> E;` (as checkBody found them) into a return of E as the
 *  jump target. E is one expression, parenthesized: `goto -> a, b;` jumps to b, as a lean core's does. */
export function rewriteBody(ts: TokenStream, jumps: readonly Jump[], edits: EditList, open = 'return ::__icc::to_target(', close = ')'): void {
  for (const j of jumps) {
    edits.replace(ts.toks[j.goto].start, ts.toks[j.goto + 1].end, `${open}(`);
    edits.insert(ts.toks[j.semicolon].start, `)${close}`);
  }
}

function scan(ts: TokenStream, open: number, close: number, report: Report): { jumps: Jump[]; ok: boolean } {
  const jumps: Jump[] = [];
  let ok = true;
  const lambdaEnds: number[] = [];
  for (let i = open + 1; i < close; i++) {
    if (ts.isPunct(i, '[') && ts.isPunct(i + 1, '[') && ts.match[i] > i && attributeListHas(ts, i + 2, ts.match[i] - 1, 'interceptor')) {
      report(i + 2, "'[[interceptor]]' must be on a function definition at namespace or class scope");
      ok = false;
    }
  }
  // A `goto ->` whose `;` search already ran into a `}` at `noSemicolonBefore`: later ones before it fail too.
  let noSemicolonBefore = -1;
  for (let i = open + 1; i < close; i++) {
    while (lambdaEnds.length > 0 && i > lambdaEnds[lambdaEnds.length - 1]) lambdaEnds.pop();
    const inLambda = lambdaEnds.length > 0;
    const t = ts.text(i);
    if (t === '{' && ts.match[i] > i && isLambdaBody(ts, i, open)) lambdaEnds.push(ts.match[i]);
    else if (t === 'return' && !inLambda) {
      report(i, "'return' is not allowed in an interceptor; leave it with 'goto -> target;'");
      ok = false;
    } else if (t === 'goto' && ts.isPunct(i + 1, '->')) {
      if (inLambda) {
        report(i, "'goto ->' inside a lambda can't leave the interceptor");
        ok = false;
        continue;
      }
      if (ts.isPunct(i + 2, ';') || i + 2 >= close) {
        report(i + 1, "expected a jump target after 'goto ->'");
        ok = false;
        continue;
      }
      const semicolon = i < noSemicolonBefore ? -1 : statementEnd(ts, i + 2, close);
      if (semicolon < 0) {
        if (i >= noSemicolonBefore) noSemicolonBefore = blockEnd(ts, i + 2, close);
        report(i, "expected ';' after 'goto ->' target");
        ok = false;
        continue;
      }
      jumps.push({ goto: i, semicolon });
      i = semicolon;
    }
  }
  return { jumps, ok };
}

/** Whether the attribute list [from, to) names `name` as one of its attributes (`[[a, name]]`). */
export function attributeListHas(ts: TokenStream, from: number, to: number, name: string): boolean {
  return attributeIndex(ts, from, to, name) >= 0;
}

/** Index of attribute `name` in the list [from, to), or -1: first in the list or after a comma, not a namespace. */
export function attributeIndex(ts: TokenStream, from: number, to: number, name: string): number {
  for (let i = from; i < to; i++) {
    if (ts.isIdent(i, name) && (i === from || ts.isPunct(i - 1, ',')) && !ts.isPunct(i + 1, '::')) return i;
    if (ts.match[i] > i) i = ts.match[i];
  }
  return -1;
}

/** Index of the `}` that ends the statement search from `from` (or `close`). */
function blockEnd(ts: TokenStream, from: number, close: number): number {
  for (let i = from; i < close; i++) {
    if (ts.isPunct(i, '}')) return i;
    if ((ts.isPunct(i, '(') || ts.isPunct(i, '[') || ts.isPunct(i, '{')) && ts.match[i] > i) i = ts.match[i];
  }
  return close;
}

function statementEnd(ts: TokenStream, from: number, close: number): number {
  for (let i = from; i < close; i++) {
    if (ts.isPunct(i, ';')) return i;
    if (ts.isPunct(i, '}')) return -1;
    if ((ts.isPunct(i, '(') || ts.isPunct(i, '[') || ts.isPunct(i, '{')) && ts.match[i] > i) i = ts.match[i];
  }
  return -1;
}

const SKIPPABLE_CALLS = /^(noexcept|decltype|throw|__attribute__|requires)$/;

/** Whether the `{` at b opens a lambda's body (`[..](..) mutable -> T {`), looking back a few tokens. */
function isLambdaBody(ts: TokenStream, b: number, limit: number): boolean {
  for (let k = b - 1, steps = 0; k > limit && steps < 64; steps++) {
    const t = ts.text(k);
    if (t === ';' || t === '{' || t === '}') return false;
    if (t === ')') {
      const m = ts.match[k];
      if (m < 0) return false;
      if (ts.isPunct(m - 1, ']')) return true;
      if (SKIPPABLE_CALLS.test(ts.text(m - 1))) {
        k = m - 2;
        continue;
      }
      return false;
    }
    if (t === ']') {
      const m = ts.match[k];
      if (m < 0) return false;
      if (ts.isPunct(m + 1, '[') && ts.match[m + 1] === k - 1) {
        k = m - 1;
        continue;
      }
      const before = ts.toks[m - 1];
      return !(before && (before.kind === 'ident' || ts.isPunct(m - 1, ')') || ts.isPunct(m - 1, ']')));
    }
    k--;
  }
  return false;
}
