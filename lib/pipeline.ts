// The phases for a command with C++ sources: preprocess each source, rewrite
// its interceptors, compile the rewritten text, and link as the user asked.
// A command whose sources contain no interceptor is handed to clang as it is.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InputItem, Plan } from './args/classify.js';
import { wordsFor } from './args/classify.js';
import { clangDir, type Outcome, type Runner } from './clang.js';
import { IccError } from './diagnostics.js';
import { colorChosen, isLanguage, isOutput, isStage, only, outputFor, type Preprocessed } from './preprocess.js';
import { filterDiagnostics, warningHeaders } from './rewrite/diagnostics-filter.js';
import { REWRITTEN_LANGUAGES as REWRITTEN } from './scan.js';
import { rewriteInterceptors, type RewriteResult } from './rewrite/interceptors.js';
import { instantiationsText } from './rewrite/prelude.js';
import { archForAbi } from './arch/index.js';
import type { TempDir } from './temp.js';
import { instantiationsFor } from './templates.js';
import { abiForTarget, type Abi, type Visibility } from './trampoline.js';
import type { Demangler } from './rewrite/params-prelude.js';

export interface Context {
  clang: string;
  runner: Runner;
  plan: Plan;
  temp: TempDir;
}

interface Source {
  input: InputItem;
  rewrite: RewriteResult;
  /** clang -E's diagnostics for this source, without its "N warnings generated." line. */
  preprocessor: { text: string; warnings: number; headers: Set<string> };
  /** The rewritten text on disk, for the compile. */
  file: string;
  /** The explicit instantiations of template emitters appended to the rewritten text ('' for none). */
  instantiations: string;
  /** The rewrite again, with a full core beside the given light cores, or beside every one (none given). */
  again(fullCores?: ReadonlySet<string>): RewriteResult;
}

/** The text compiled for a source: the rewrite, then any template instantiations. */
function textOf(s: Source): string {
  return s.rewrite.text + s.instantiations;
}

/** Runs the phases after preprocessing (preprocess.ts) for a plan with at least one C++ source. */
export async function runPipeline(ctx: Context, preprocessed: Promise<Preprocessed[] | Outcome>): Promise<Outcome> {
  const { plan } = ctx;
  // clang -E's diagnostics are held: if no source has interceptors, the original command runs
  // and prints them itself; otherwise they are printed once, before the compile's.
  const texts = await preprocessed;
  if (!Array.isArray(texts)) return texts;

  const target = targetAbi(plan);
  const options = { abi: target.abi, cet: cetEnabled(plan), pic: picEnabled(plan), latin1: true, demangler: demanglerFor(target.abi, targetTriple(plan)), lightAlone: objectChecked(plan), fileScopeStubs: !ltoEnabled(plan), pedantic: compileFlags(plan).some((f) => PEDANTIC_WARNINGS.test(f)), ...visibilityOf(plan) };
  const sources: Source[] = [];
  const errors: IccError[] = [];
  for (const { input, text, stderr, restartScan } of texts) {
    if (!REWRITTEN.has(input.lang)) continue;
    try {
      const rewrite = rewriteInterceptors(text, { ...options, fileName: input.word, restartScan });
      if (rewrite.interceptors > 0 && input.lang === 'c++-header') {
        const at = rewrite.locations().coreEnds[0];
        throw new IccError("a precompiled header can't define interceptors yet; include the header from the sources instead", { file: at.file, line: at.line, col: 1 });
      }
      const again = (fullCores?: ReadonlySet<string>): RewriteResult =>
        rewriteInterceptors(text, { ...options, fileName: input.word, lightAlone: fullCores !== undefined, fullCores });
      if (rewrite.interceptors > 0) sources.push({ input, rewrite, file: '', instantiations: '', again, preprocessor: splitSummary(stderr) });
    } catch (e) {
      if (e instanceof IccError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0) {
    for (const e of errors) process.stderr.write(e.format() + '\n');
    return { code: 1 };
  }
  if (sources.length === 0) return ctx.runner.run(ctx.clang, plan.argv, { stdin: 'held' });
  if (target.error) throw target.error;
  if (archForAbi(target.abi).format === 'coff' && plan.argv.some((w) => /^-flto(=|$)/.test(w))) {
    // lld's COFF LTO resolves symbols before code generation, when asm-defined stubs are invisible.
    throw new IccError('-flto is not supported yet for Windows targets in sources with interceptors');
  }

  for (const [n, s] of sources.entries()) {
    // <n>/<stem>.ii: -save-temps names its files after the input's stem, as for the user's source.
    const stem = s.input.word === '-' ? '-' : path.basename(s.input.word).replace(/\.[^.]*$/, '');
    s.file = ctx.temp.file(path.join(String(n), `${stem}.ii`));
    mkdirSync(path.dirname(s.file), { recursive: true });
    writeFileSync(s.file, s.rewrite.text, 'latin1');
    if (s.rewrite.templates.length > 0) {
      const learned = await usedSpecializations(ctx, s);
      if (typeof learned !== 'string') return learned;
      const instantiations = instantiationsText(instantiationsFor(s.rewrite.templates, learned));
      appendFileSync(s.file, instantiations, 'latin1');
      s.instantiations = instantiations;
    }
    keepPreprocessed(plan, s);
  }

  if (plan.stage === 'E') {
    for (const t of texts) process.stderr.write(Buffer.from(t.stderr, 'latin1'));
    return writePreprocessed(plan, texts, sources);
  }
  for (const s of sources) process.stderr.write(Buffer.from(s.preprocessor.text, 'latin1'));
  return plan.stage === 'link' ? compileAndLink(ctx, sources) : compileEach(ctx, sources);
}

/** -save-temps keeps the preprocessed source where clang would: ours is the rewritten text. */
function keepPreprocessed(plan: Plan, s: Source): void {
  const flag = plan.argv.filter((w) => /^-{1,2}save-temps(=|$)/.test(w)).pop();
  if (!flag || plan.stage === 'E') return;
  const dir = flag.endsWith('=obj') && plan.output && plan.output !== '-' ? path.dirname(plan.output) : '.';
  writeFileSync(path.join(dir, path.basename(s.file)), textOf(s), 'latin1');
}

/** How a body's `__icc_symbol` demangles (lib/rewrite/params-prelude.ts): ELF programs link
 *  libstdc++/libc++ dynamically, where a weak reference finds __cxa_demangle. A mingw or cygwin
 *  program references it strongly (only a body that names `__icc_symbol` does): a COFF weak
 *  reference doesn't pull it out of a static libstdc++ with lld, and it made the user's own calls to
 *  __cxa_demangle in that file weak too (address 0: a crash). MSVC names are not Itanium names. */
function demanglerFor(abi: Abi, triple: string | undefined): Demangler {
  const arch = archForAbi(abi);
  if (!arch.params) return 'none'; // no body there reads __icc_symbol
  if (arch.format === 'elf') return 'weak';
  return /msvc/.test(triple ?? '') ? 'none' : 'strong';
}

function targetAbi(plan: Plan): { abi: Abi; error?: IccError } {
  try {
    return { abi: abiForTarget(targetTriple(plan)) };
  } catch (e) {
    if (e instanceof IccError) return { abi: 'sysv', error: e };
    throw e;
  }
}

/** The triple clang compiles for: --target, with -m32/-m64 (last wins) picking the x86 variant as clang does. */
function targetTriple(plan: Plan): string | undefined {
  const width = plan.argv.filter((w) => w === '-m32' || w === '-m64').pop();
  if (!width) return plan.target;
  const [arch = '', ...rest] = (plan.target ?? (process.arch === 'x64' ? 'x86_64-linux-gnu' : process.arch === 'ia32' ? 'i386-linux-gnu' : '')).split('-');
  const x86 = /^(x86_64|amd64|i[3-6]86)$/.test(arch);
  if (!x86) return plan.target;
  return [width === '-m32' ? (arch.startsWith('i') ? arch : 'i386') : 'x86_64', ...rest].join('-');
}

/** -fvisibility= (last wins) and -fvisibility-inlines-hidden, as clang applies them to definitions. */
function visibilityOf(plan: Plan): { visibility: Visibility; inlinesHidden: boolean } {
  let visibility: Visibility = 'default';
  let inlinesHidden = false;
  for (const w of plan.argv) {
    const m = /^-fvisibility=(default|hidden|protected|internal)$/.exec(w);
    if (m) visibility = m[1] === 'internal' ? 'hidden' : (m[1] as Visibility);
    else if (w === '-fvisibility-inlines-hidden') inlinesHidden = true;
    else if (w === '-fno-visibility-inlines-hidden') inlinesHidden = false;
  }
  return { visibility, inlinesHidden };
}

/** Whether the code may end up in a shared object: the last of clang's PIC/PIE options is -fPIC or
 *  -fpic, or the command links with -shared. (Debian's clang defaults to neither, and a PIE is an executable.) */
function picEnabled(plan: Plan): boolean {
  let pic = false;
  for (const item of plan.items) {
    if (item.kind !== 'option') continue;
    const w = item.words.join('');
    if (w === '-shared') return true;
    if (/^-f(no-)?(pic|PIC|pie|PIE)$/.test(w)) pic = w === '-fPIC' || w === '-fpic';
  }
  return pic;
}

function cetEnabled(plan: Plan): boolean {
  let on = false;
  for (const item of plan.items) {
    if (item.kind !== 'option') continue;
    const w = item.words.join('');
    if (w === '-fcf-protection' || w === '-fcf-protection=full' || w === '-fcf-protection=branch') on = true;
    else if (w === '-fcf-protection=none' || w === '-fcf-protection=return') on = false;
  }
  return on;
}




/** Flags that may turn on the warnings generated declarations trip (reserved names, C++98
 *  compatibility): only with them does the rewriter quiet each declaration (lib/rewrite/emit.ts). */
const PEDANTIC_WARNINGS = /^-W(no-)?(error=)?(everything|reserved|c\+\+98)|^-Xclang$|^--config/;

/** Flags for compiling rewritten text: everything but preprocessing, linking, language and output. */
function compileFlags(plan: Plan): string[] {
  const deps = new Set(plan.depFlags);
  const flags = wordsFor(plan, (o) => !isStage(o) && !isOutput(o) && !isLanguage(o) && !deps.has(o) && !only(o, 'pp') && !only(o, 'ld'));
  // Its stderr is filtered through a pipe: keep the colors clang would use on the user's terminal.
  if (process.stderr.isTTY && !colorChosen(plan)) flags.push('-fcolor-diagnostics');
  return flags;
}


/** Whether icc++ reads the object it compiles (lib/light.ts) and can compile it again: then a light
 *  core may be the only copy of its body (lib/rewrite/emit.ts). Not for -S, -flto's bitcode, an object
 *  on stdout, or text kept for plain clang (-save-temps). */
function objectChecked(plan: Plan): boolean {
  if (plan.stage !== 'link' && (plan.stage !== 'c' || plan.output === '-')) return false;
  return !ltoEnabled(plan) && !plan.argv.some((w) => /^(-emit-llvm|-{1,2}save-temps(=.*)?)$/.test(w));
}

/** -flto (any kind), as the last -f[no-]lto word leaves it. */
function ltoEnabled(plan: Plan): boolean {
  const lto = plan.argv.filter((w) => /^-f(no-)?lto(=|$)/.test(w)).pop();
  return lto !== undefined && !lto.startsWith('-fno-');
}

/** Points the stubs whose light cores pass the check at the light trampoline (lib/light.ts). A light
 *  core written alone (lib/rewrite/emit.ts) that doesn't pass outright needs the full core it has no
 *  copy of: the source is compiled again, quietly (its diagnostics were shown), with one beside it;
 *  should any fail again, with one beside every light core. */
async function chooseLightPaths(ctx: Context, s: Source, object: string, args: string[]): Promise<Outcome | undefined> {
  const arch = archForAbi(targetAbi(ctx.plan).abi);
  if (arch.lightCores && s.rewrite.lightCores === 0) return undefined;
  let decisions = arch.selectLightPaths(object);
  for (let round = 0; ; round++) {
    const passed = new Set(decisions.filter((d) => d.light && !d.bailOut).map((d) => d.core));
    const failed = s.rewrite.alone.filter((c) => !passed.has(c));
    if (failed.length === 0) break;
    ctx.runner.note(`compiling again with a full core beside ${round === 0 ? failed.join(', ') : 'every light core'}`);
    s.rewrite = s.again(round === 0 ? new Set(failed) : undefined);
    writeFileSync(s.file, textOf(s), 'latin1');
    let shown = '';
    const r = await ctx.runner.run(ctx.clang, args, { stderrFilter: (text) => ((shown = filterDiagnostics(text, s.rewrite.locations())), '') });
    if (r.signal) return r;
    if (r.code !== 0) {
      process.stderr.write(Buffer.from(shown, 'latin1'));
      return r;
    }
    decisions = arch.selectLightPaths(object);
  }
  for (const d of decisions) ctx.runner.note(`${d.symbol} (${d.core}): ${d.light ? (d.bailOut ? 'light path, bailing out to the full path where it calls' : 'light path') : `full path: ${d.reason}`}`);
  return undefined;
}

/** Runs clang on one rewritten source, retelling its diagnostics in the user's terms; the final
 *  compile (not the one that learns template specializations) also counts -E's warnings. */
function compileRewritten(ctx: Context, s: Source, args: string[], final = true): Promise<Outcome> {
  return ctx.runner.run(ctx.clang, args, {
    stderrFilter: (text) =>
      filterDiagnostics(text, {
        ...(text === '' ? { coreEnds: [], lineEdits: [] } : s.rewrite.locations()),
        alreadyReported: s.preprocessor.headers,
        extraWarnings: final ? s.preprocessor.warnings : 0,
      }),
  });
}

/** -E's stderr without its summary line, and the warnings that line counted. */
function splitSummary(stderr: string): Source['preprocessor'] {
  const m = /^(\d+) warnings? generated\.\n?/m.exec(stderr);
  if (!m) return { text: stderr, warnings: 0, headers: warningHeaders(stderr) };
  return { text: stderr.slice(0, m.index) + stderr.slice(m.index + m[0].length), warnings: Number(m[1]), headers: warningHeaders(stderr) };
}

/** A quick -O0 compile of the rewritten text; its undefined symbols name the used specializations. */
async function usedSpecializations(ctx: Context, s: Source): Promise<string | Outcome> {
  const flags = compileFlags(ctx.plan).filter((w) => !/^-(O|g|flto)/.test(w));
  const object = s.file.replace(/\.ii$/, '.learn.o');
  const compiled = await compileRewritten(ctx, s, [...flags, '-O0', '-w', '-c', '-x', 'c++-cpp-output', s.file, '-o', object], false);
  if (compiled.code !== 0) return compiled;
  const tools = clangDir(ctx.clang);
  // llvm-nm -C knows Itanium names only; MSVC names go through llvm-undname.
  const msvc = isMsvcTarget(ctx.plan.target);
  // i386 mingw: names carry COFF's `_` prefix (and `@N` for stdcall), which llvm-nm -C leaves alone.
  const underscored = targetAbi(ctx.plan).abi === 'i386_mingw';
  const listed = await ctx.runner.run(path.join(tools, 'llvm-nm'), ['-u', '-j', ...(msvc || underscored ? [] : ['-C']), object], { capture: true, stdin: 'ignore' });
  if (listed.code !== 0) throw new IccError(`llvm-nm failed on ${object}; is llvm installed beside clang?`);
  if (underscored) {
    const names = listed.stdout.split('\n').map((n) => n.replace(/^_/, '').replace(/@\d+$/, '')).join('\n');
    const filtered = await ctx.runner.run(path.join(tools, 'llvm-cxxfilt'), [], { capture: true, input: names });
    if (filtered.code !== 0) throw new IccError('llvm-cxxfilt failed; is llvm installed beside clang?');
    return filtered.stdout;
  }
  if (!msvc) return listed.stdout;
  const names = listed.stdout.split('\n').filter((n) => n.startsWith('?')).join('\n') + '\n';
  const undname = await ctx.runner.run(path.join(tools, 'llvm-undname'), [], { capture: true, input: names });
  if (undname.code !== 0) throw new IccError('llvm-undname failed; is llvm installed beside clang?');
  return undname.stdout;
}

/** The Microsoft C++ ABI (MSVC mangling): windows targets other than mingw/cygwin. */
function isMsvcTarget(triple: string | undefined): boolean {
  const t = (triple ?? '').toLowerCase();
  return /windows|win32/.test(t) && !/gnu|mingw|cygwin|cygnus/.test(t);
}

function writePreprocessed(plan: Plan, texts: { input: InputItem; text: string }[], sources: Source[]): Outcome {
  const rewritten = new Map(sources.map((s) => [s.input, textOf(s)]));
  const out = texts.map(({ input, text }) => rewritten.get(input) ?? text).join('');
  if (plan.output === undefined || plan.output === '-') process.stdout.write(Buffer.from(out, 'latin1'));
  else writeFileSync(plan.output, out, 'latin1');
  return { code: 0 };
}


/** -c, -S, -fsyntax-only: each rewritten source alone, then clang for whatever else the command names. */
async function compileEach(ctx: Context, sources: Source[]): Promise<Outcome> {
  const { plan } = ctx;
  const flags = compileFlags(plan);
  const stage = plan.stage === 'S' ? '-S' : plan.stage === 'c' ? '-c' : '-fsyntax-only';
  let failed: Outcome | undefined;
  for (const s of sources) {
    const output = stage === '-fsyntax-only' ? undefined : outputFor(plan, s.input);
    const args = [...flags, stage, '-x', 'c++-cpp-output', s.file, ...(output ? ['-o', output] : [])];
    let r: Outcome = await compileRewritten(ctx, s, args);
    if (r.code === 0 && stage === '-c' && output && output !== '-') r = (await chooseLightPaths(ctx, s, output, args)) ?? r;
    if (r.signal) return r;
    if (r.code !== 0) failed ??= r;
  }
  const rest = remainingCommand(plan, sources);
  if (rest) {
    const r = await ctx.runner.run(ctx.clang, rest, { stdin: 'held' });
    if (r.signal) return r;
    if (r.code !== 0) failed ??= r;
  }
  return failed ?? { code: 0 };
}

/** The original command without the rewritten sources, or undefined when no input is left. */
function remainingCommand(plan: Plan, sources: Source[]): string[] | undefined {
  const done = new Set(sources.map((s) => s.input));
  if (plan.inputs.every((i) => done.has(i))) return undefined;
  return wordsFor(plan, () => true, (input) => (done.has(input) ? [] : [input.word]));
}

/** Compile+link: rewritten sources become temp objects placed where the sources stood. */
async function compileAndLink(ctx: Context, sources: Source[]): Promise<Outcome> {
  const { plan } = ctx;
  const flags = compileFlags(plan);
  const objects = new Map<InputItem, string>();
  let failed: Outcome | undefined;
  for (const s of sources) {
    const object = s.file.replace(/\.ii$/, '.o');
    const args = [...flags, '-c', '-x', 'c++-cpp-output', s.file, '-o', object];
    let r: Outcome = await compileRewritten(ctx, s, args);
    if (r.code === 0) r = (await chooseLightPaths(ctx, s, object, args)) ?? r;
    if (r.signal) return r;
    if (r.code !== 0) failed ??= r;
    objects.set(s.input, object);
  }
  if (failed) return failed;
  const args: string[] = [];
  let language = 'none';
  for (const item of plan.items) {
    if (item.kind === 'option' && item.canonical === '-x') language = item.value ?? 'none';
    const object = item.kind === 'input' ? objects.get(item) : undefined;
    if (object === undefined) args.push(...(item.kind === 'input' ? [item.word] : item.words));
    else if (language === 'none') args.push(object);
    else args.push('-x', 'none', object, '-x', language);
  }
  if (plan.inputs.every((i) => objects.has(i) || i.lang === 'object')) args.push('-Qunused-arguments');
  return ctx.runner.run(ctx.clang, args, { stdin: 'held' });
}
