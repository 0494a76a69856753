// clang's diagnostics for rewritten text, retold in the user's terms: the core
// is the user's function (`Logger`, not `__core_Logger_1a2b3c4d`), a bad
// `goto ->` target is named as such, notes that point into icc++'s prelude
// (code the user never wrote) are dropped, and columns and source snippets are
// the user's, not the rewritten line's.

import { readFileSync } from 'node:fs';

/** Where each core's body ends in the user's file: a return-type error there means a missing `goto ->`. */
export interface CoreEnd {
  file: string;
  line: number;
  name: string;
  /** For a body that reads its parameters (lib/rewrite/params.ts): the line its body starts on. */
  readsFrom?: number;
}

/** One rewriter edit on a user's line: at original column `col`, `removed` bytes became `inserted` bytes. */
export interface LineEdit {
  file: string;
  line: number;
  col: number;
  /** Infinity: the rest of the line was removed (a removal that spans lines). */
  removed: number;
  inserted: number;
}

const ANSI = '(?:\\x1b\\[[0-9;]*m)*';
const HEADER = new RegExp(`^(${ANSI})(.+?):(\\d+):(\\d+)(: ${ANSI}(?:error|warning|note|remark|fatal error): )`);
const INTERNAL_FILE = /^<icc\+\+ (prelude|instantiations)>$/;
const POINTER_TARGET = "'goto ->' needs a pointer target: a void*, a function pointer or FARPROC";
/** clang's errors about converting a `goto ->` target: to_target's overloads (prelude.ts) take no
 *  such argument, or the conversion a core written alone writes in place (emit.ts) rejects it. */
const BAD_TARGET = /no matching function for call to 'to_target'|non-pointer operand type '[^']*' incompatible with nullptr|reinterpret_cast from '[^']*' to 'unsigned long' is not allowed|left operand to \? is void, but right operand is of type '[^']*'|right operand to \? is void, but left operand is of type '[^']*'|reference to overloaded function could not be resolved; did you mean to call it\?/;
const CORE_NAME = /__(?:core|params)_([A-Za-z_$][\w$]*?)(?:_[0-9a-f]{8})?\b/g;

/** What the compile of rewritten text needs to retell its diagnostics. */
export interface FilterContext {
  coreEnds?: readonly CoreEnd[];
  lineEdits?: readonly LineEdit[];
  /** Warning headers the preprocessing step already printed: the compile repeats them. */
  alreadyReported?: ReadonlySet<string>;
  /** Warnings the preprocessing step printed without a summary line: counted in this one. */
  extraWarnings?: number;
}

/** The header lines (without colors) of the warnings in a stderr text. */
export function warningHeaders(text: string): Set<string> {
  return new Set(text.split('\n').map(stripAnsi).filter((l) => / warning: /.test(l) && HEADER.test(l)));
}

/** Rewrites one compile's stderr text (colored or not). */
export function filterDiagnostics(text: string, context: FilterContext = {}): string {
  const { coreEnds = [], lineEdits = [], alreadyReported = new Set<string>(), extraWarnings = 0 } = context;
  const out: string[] = [];
  const counts = { warning: extraWarnings, error: 0, dropped: 0 };
  const summary = (): string => {
    const parts = [counts.warning && `${counts.warning} warning${counts.warning > 1 ? 's' : ''}`, counts.error && `${counts.error} error${counts.error > 1 ? 's' : ''}`].filter(Boolean);
    return parts.length > 0 ? `${parts.join(' and ')} generated.` : '';
  };
  let summarized = false;
  for (const block of splitBlocks(text)) {
    const m = HEADER.exec(block[0]);
    if (!m) {
      const isSummary = /^(\d+ (errors?|warnings?)( and \d+ errors?)? generated\.)$/.test(stripAnsi(block[0]));
      if (isSummary && (counts.dropped > 0 || extraWarnings > 0)) {
        summarized = true;
        const line = summary();
        out.push(...(line ? [line] : []), ...block.slice(1).filter((l, k, all) => l !== '' || (line !== '' && k === all.length - 1)));
        continue;
      }
      out.push(...block.map((l) => l.replace(CORE_NAME, '$1')));
      continue;
    }
    const severity = / warning: /.test(stripAnsi(block[0])) ? 'warning' : / (fatal )?error: /.test(stripAnsi(block[0])) ? 'error' : 'other';
    if (severity === 'warning' && alreadyReported.has(stripAnsi(block[0]))) {
      counts.dropped++;
      continue;
    }
    if (severity !== 'other') counts[severity]++;
    const [, lead, fileRaw, lineText, colText, sep] = m;
    const file = stripAnsi(fileRaw);
    if (INTERNAL_FILE.test(file) && / note: /.test(stripAnsi(sep))) continue;
    const line = Number(lineText);
    const edits = lineEdits.filter((e) => e.file === file && e.line === line);
    const col = edits.length > 0 ? originalColumn(Number(colText), edits) : Number(colText);
    let header = lead + fileRaw + `:${line}:${col}` + sep + block[0].slice(m[0].length);
    // Where a `goto ->` of the user's was rewritten, an error about converting its target is that the
    // target is not a pointer, however the core converts it.
    if (edits.length > 0 && BAD_TARGET.test(header) && /^goto\b/.test(sourceLine(file, line)?.slice(col - 1) ?? '')) header = header.replace(BAD_TARGET, POINTER_TARGET);
    const reader = coreEnds.find((c) => c.readsFrom !== undefined && c.file === file && c.readsFrom <= line && line <= c.line);
    if (reader) {
      // A parameter is const in __params_X: say why, and drop clang's note that points at the body's brace.
      if (/ note: /.test(stripAnsi(sep)) && /variable '[^']*' declared const here/.test(block[0])) continue;
      header = header
        .replace(/cannot assign to variable '([^']*)' with const-qualified type '[^']*'/, "cannot assign to parameter '$1': parameters of an interceptor are read-only; the target receives the caller's original arguments")
        .replace(/'va_start' used in function with fixed args/, `'va_start' used in interceptor '${reader.name}', which is not variadic (declare it with '...')`);
    }
    const end = coreEnds.find((c) => c.file === file && c.line === line);
    if (end && /non-void function does not return a value/.test(header)) {
      header = header
        .replace(/non-void function does not return a value( in all control paths)?/, `interceptor '${end.name}' can reach the end of its body without 'goto -> target;'`)
        .replace(/ \[(-Werror,)?-Wreturn-type\]/, '');
    }
    out.push(header.replace(CORE_NAME, '$1'));
    const snippet = block.slice(1);
    const original = edits.length > 0 ? sourceLine(file, line) : undefined;
    if (original !== undefined && snippet.length >= 2) {
      // The snippet clang printed is the rewritten line: show the user's line and caret instead.
      const caretColor = /\x1b\[[0-9;]*m/.exec(snippet[1])?.[0] ?? '';
      out.push(original, ' '.repeat(Math.max(0, col - 1)) + caretColor + '^' + (caretColor ? '\x1b[0m' : ''));
    } else out.push(...snippet.map((l) => l.replace(CORE_NAME, '$1')));
  }
  if (!summarized && extraWarnings > 0) {
    // clang printed no summary (no diagnostics of its own, or text ended without one).
    const line = summary();
    if (out.length > 0 && out[out.length - 1] === '') out.pop();
    out.push(line, '');
  }
  return out.join('\n');
}

/** Maps a column of the rewritten line back to the user's line. */
function originalColumn(rewritten: number, edits: readonly LineEdit[]): number {
  let shift = 0;
  for (const e of [...edits].sort((a, b) => a.col - b.col)) {
    const at = e.col + shift;
    if (rewritten < at) break;
    if (rewritten < at + e.inserted) return e.col;
    if (!Number.isFinite(e.removed)) return e.col;
    shift += e.inserted - e.removed;
  }
  return Math.max(1, rewritten - shift);
}

const files = new Map<string, string[] | undefined>();

function sourceLine(file: string, line: number): string | undefined {
  if (!files.has(file)) {
    try {
      files.set(file, readFileSync(file, 'latin1').split('\n'));
    } catch {
      files.set(file, undefined);
    }
  }
  return files.get(file)?.[line - 1];
}

/** Splits stderr into diagnostics: a header line and the snippet/caret lines under it. */
function splitBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  for (const line of text.split('\n')) {
    if (blocks.length === 0 || HEADER.test(line) || /^(In file included from|\d+ (errors?|warnings?)( and \d+ errors?)? generated)/.test(stripAnsi(line))) blocks.push([line]);
    else blocks[blocks.length - 1].push(line);
  }
  return blocks;
}

function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
