// icc++: the phases, top to bottom. classify arguments → (pass straight to
// clang | preprocess → rewrite → compile → link).

import { classifyArgs, type Plan } from './args/classify.js';
import { expandResponseFiles, ResponseFileError, responseFileQuoting } from './args/response-files.js';
import { findClang, Runner, type Outcome } from './clang.js';
import { envFlag, loadConfig } from './config.js';
import { IccError, report } from './diagnostics.js';
import { preprocessAll } from './preprocess.js';
import { mayContainInterceptors, REWRITTEN_LANGUAGES } from './scan.js';
import { TempDir } from './temp.js';
import { doctor, printVersion, versionLine, versionQuery } from './about.js';
import { removeEarly, stopEarly, takeEarly } from './early.js';

export type { Outcome };

/** Runs icc++ with the arguments after the program name; never throws. */
export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<Outcome> {
  let debug = envFlag(env.ICC_DEBUG); // before the config is read, for errors reading it
  let temp: TempDir | undefined;
  const early = takeEarly(env);
  try {
    const { config, clangArgs, command } = await loadConfig(argv, env);
    debug = config.debug;
    if (command === 'version') return { code: printVersion(config, env.PATH) };
    if (command === 'doctor') return { code: doctor(config, env.PATH) };
    const clang = findClang(config, env.PATH);
    const runner = new Runner(debug);
    const plan = classify(clangArgs);
    if (passesStraight(plan) || (config.scan && noInterceptorsPossible(plan))) {
      const outcome = reportSignal(await runner.exec(clang, clangArgs), clang);
      const query = versionQuery(clangArgs, plan.inputs.length > 0);
      if (query && outcome.code === 0) (query === 'stdout' ? process.stdout : process.stderr).write(versionLine());
      return outcome;
    }
    temp = new TempDir(debug, (signal) => runner.kill(signal), early?.dir);
    // clang -E reads `-` first, and the compile or link after it must read the same bytes.
    if (plan.inputs.some((i) => i.word === '-')) runner.holdStdin();
    // clang -E starts first; the rest of the pipeline loads while it runs. Loaded only when a
    // source may hold interceptors: the fast path never pays for the rewriter.
    const preprocessed = preprocessAll(runner, clang, plan, temp, early);
    preprocessed.catch(() => undefined); // awaited (and reported) by runPipeline
    const { runPipeline } = await import('./pipeline.js');
    return reportSignal(await runPipeline({ clang, runner, plan, temp }, preprocessed), clang);
  } catch (error) {
    return { code: report(error, debug) };
  } finally {
    if (early) stopEarly(early);
    if (early && !temp) removeEarly(early);
    temp?.dispose();
  }
}

/** The fast path: no C++ source (or header it includes from the user's directories) mentions an interceptor. */
function noInterceptorsPossible(plan: Plan): boolean {
  return plan.inputs.filter((i) => REWRITTEN_LANGUAGES.has(i.lang)).every((i) => !mayContainInterceptors(plan, i, process.cwd()));
}

/** A compiler killed by a signal is reported (clang's driver does the same for its own jobs). */
function reportSignal(outcome: Outcome, clang: string): Outcome {
  if (outcome.signal && !USER_SIGNALS.has(outcome.signal)) {
    process.stderr.write(`icc++: error: ${clang} terminated by signal ${outcome.signal}\n`);
  }
  return outcome;
}

/** Signals a user or build tool sends to stop a build: passed on silently. */
export const USER_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']);

function classify(args: string[]): Plan {
  try {
    return classifyArgs(expandResponseFiles(args, process.cwd(), responseFileQuoting(args)));
  } catch (error) {
    if (error instanceof ResponseFileError) throw new IccError(error.message);
    throw error;
  }
}

/** Commands clang runs unchanged: no C++ source to rewrite, or clang only prints information. */
function passesStraight(plan: Plan): boolean {
  if (plan.info) return true;
  if (!plan.inputs.some((i) => REWRITTEN_LANGUAGES.has(i.lang))) return true;
  if (plan.depFlags.some((d) => d.canonical === '-M' || d.canonical === '-MM')) return true;
  const compiled = plan.inputs.filter((i) => i.lang !== 'object');
  // clang itself rejects -o with several outputs; let it say so.
  return plan.output !== undefined && plan.stage !== 'link' && compiled.length > 1;
}
