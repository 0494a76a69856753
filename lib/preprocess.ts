// The first phase for a command whose sources may hold interceptors: clang -E
// with the user's flags, one source after another. It lives apart from the
// rest of the pipeline so that clang starts before the rewriter is loaded:
// loading it overlaps the preprocessor's run instead of preceding it.

import path from 'node:path';
import type { InputItem, OptionItem, Plan } from './args/classify.js';
import { wordsFor } from './args/classify.js';
import type { Outcome, Runner } from './clang.js';
import { RestartScan } from './rewrite/lexer.js';
import type { TempDir } from './temp.js';
import { stopEarly, type EarlyPreprocess } from './early.js';
import { REWRITTEN_LANGUAGES } from './scan.js';

/** One source's preprocessed text and clang -E's diagnostics for it, held until the pipeline
 *  knows whether the original command runs instead (it then prints them itself). */
export interface Preprocessed {
  input: InputItem;
  text: string;
  stderr: string;
  /** The rewriter's restart-point scan, fed while clang wrote the text (lexer.ts RestartScan). */
  restartScan: RestartScan;
}

/** How much new output makes it worth feeding the scan again. */
const FEED_STEP = 256 * 1024;

const STAGE_OPTIONS = new Set(['-E', '-S', '-c', '-fsyntax-only']);

export const isStage = (o: OptionItem): boolean => STAGE_OPTIONS.has(o.canonical);
export const isOutput = (o: OptionItem): boolean => o.canonical === '-o';
export const isLanguage = (o: OptionItem): boolean => o.canonical === '-x';
export const only = (o: OptionItem, phase: 'pp' | 'cc' | 'ld'): boolean => o.phases.size === 1 && o.phases.has(phase);

/** Preprocesses every source the pipeline reads; on a failure, prints its diagnostics and stops. */
export async function preprocessAll(runner: Runner, clang: string, plan: Plan, temp: TempDir, early?: EarlyPreprocess): Promise<Preprocessed[] | Outcome> {
  const inputs = plan.inputs.filter((i) => REWRITTEN_LANGUAGES.has(i.lang) || (plan.stage === 'E' && i.lang !== 'object'));
  const texts: Preprocessed[] = [];
  for (const [n, input] of inputs.entries()) {
    const args = preprocessArgs(plan, input);
    let scan = scanAsItComes();
    let pre = n === 0 && early ? await adoptEarly(runner, early, [clang, ...args], scan.feed) : undefined;
    if (!pre) {
      scan = scanAsItComes();
      pre = await runner.capture(clang, args, temp.file(`preprocessed-${n}.ii`), scan.feed, input.word === '-' ? 'held' : 'inherit');
    }
    if (pre.code !== 0) {
      process.stderr.write(Buffer.from(pre.stderr, 'latin1'));
      return pre.signal ? { signal: pre.signal } : { code: pre.code };
    }
    texts.push({ input, text: pre.stdout, stderr: pre.stderr, restartScan: scan.restartScan });
  }
  return texts;
}

/** A RestartScan and the function that feeds it clang -E's output as it comes (every FEED_STEP). */
function scanAsItComes(): { restartScan: RestartScan; feed: (text: string) => void } {
  const restartScan = new RestartScan();
  let fed = 0;
  const feed = (text: string): void => {
    if (text.length - fed < FEED_STEP) return;
    fed = text.length;
    restartScan.feed(text);
  };
  return { restartScan, feed };
}

/** The launcher's early clang -E (early.ts), if it is exactly `command`; else stopped. */
async function adoptEarly(runner: Runner, early: EarlyPreprocess, command: string[], feed: (text: string) => void) {
  const same = early.command.length === command.length && command.every((w, k) => w === early.command[k]);
  if (process.env.ICC_LAUNCHER_TRACE) process.stderr.write(`icc++: launcher: early clang -E ${same ? 'adopted' : "not the driver's command: run again"}\n`);
  if (same) return runner.adopt(early, feed);
  stopEarly(early);
  return undefined;
}

/** clang -E with the user's flags: its errors and warnings go to the user as they are. */
function preprocessArgs(plan: Plan, input: InputItem): string[] {
  const args = wordsFor(plan, (o) => !isStage(o) && !isOutput(o) && !isLanguage(o) && (plan.stage === 'E' || !only(o, 'ld')));
  if (plan.stage !== 'E') args.push('-Qunused-arguments');
  args.push(...depTarget(plan, input));
  args.push('-E', '-x', input.lang, input.word);
  if (process.stderr.isTTY && !colorChosen(plan)) args.push('-fcolor-diagnostics');
  return args;
}

/** -MD/-MMD (or -Wp,-MD,file) without -MT/-MQ or -MF: clang's driver would name the target and
 *  the dep file after the user's -o or source (Clang.cpp, RenderDependencyOptions); clang -E here
 *  has neither, so it gets them spelled out, quoted as the driver quotes them (-MQ). */
function depTarget(plan: Plan, input: InputItem): string[] {
  const wp = plan.depFlags.filter((d) => d.canonical === '-Wp,' && d.values.length === 2); // clang's rewrite to -MD -MF file
  const names = new Set(plan.depFlags.map((d) => d.canonical));
  if (!names.has('-MD') && !names.has('-MMD') && wp.length === 0) return [];
  const extra: string[] = [];
  const stem = path.basename(input.word).replace(/\.[^.]*$/, '');
  if (!names.has('-MT') && !names.has('-MQ')) extra.push('-MQ', plan.output ?? `${stem}.o`);
  if (!names.has('-MF') && wp.length === 0) extra.push('-MF', plan.output !== undefined ? plan.output.replace(/\.[^./]*$/, '') + '.d' : `${stem}.d`);
  return extra;
}

/** Where clang would put the -c/-S output of one input. */
export function outputFor(plan: Plan, input: InputItem): string {
  if (plan.output !== undefined) return plan.output;
  const base = path.basename(input.word).replace(/\.[^.]*$/, '');
  return base + (plan.stage === 'S' ? '.s' : '.o');
}

/** The user chose colors (or none) for clang's diagnostics. */
export function colorChosen(plan: Plan): boolean {
  return plan.argv.some((w) => /^-f(no-)?(color-diagnostics|diagnostics-color)/.test(w));
}
