// icc-shim: one command from a shared library to an LD_PRELOAD tracer (or, for a
// DLL, a proxy DLL). Phases: options → read the export table → plan → (print
// the plan | generate the source → build it with icc++ → move it into place).

import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { packageRoot } from '../paths.js';
import { isElf, readElfExports, type ElfLibrary } from './elf.js';
import { ShimError } from './errors.js';
import { generateShim, type ShimMode } from './generate.js';
import { planShim, versionScript, type ShimPlan } from './plan.js';
import { findBodies } from './hooks.js';
import { loggedSignature } from './args.js';
import { formatPrototype, readPrototypes, type Prototype } from './header.js';
import { isPe, readPeExports, type PeLibrary } from './pe.js';
import { mingwFlags, planProxy, type ProxyPlan } from './proxy.js';

interface Options {
  library: string;
  output?: string;
  mode: ShimMode;
  hooks?: string;
  out: string;
  list: boolean;
  only?: Set<string>;
  real?: string;
  target: string;
  verbose: boolean;
  header?: string;
}

const HOST_MACHINE: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386' };

/** Runs icc-shim with the arguments after the program name; returns the exit code, never throws. */
export async function main(argv: string[]): Promise<number> {
  const temps: string[] = [];
  try {
    const options = await parseOptions(argv);
    if (!options) return 0;
    const buf = readInput(options.library);
    const prototypes = options.header ? await readPrototypes(options.header) : undefined;
    if (isPe(buf)) {
      const library = readPeExports(buf, options.library);
      if (library.machine !== 'x86_64') throw new ShimError(`'${options.library}' is a ${library.machine} DLL, but proxy DLLs are built for x86_64 only`);
      const dllName = path.basename(options.output ?? library.dllName);
      const plan = planProxy(library, dllName, options.real ?? `${dllName.replace(/\.dll$/i, '')}-real.dll`, options.only);
      if (options.list) process.stdout.write(describePlan(options.library, plan, prototypes));
      else await buildProxy(options, library, plan, temps, prototypes);
      return 0;
    }
    if (!isElf(buf)) throw new ShimError(`'${options.library}' is not a shared library (no ELF header)`);
    const library = readElfExports(buf, options.library);
    if (library.machine !== options.target)
      throw new ShimError(`'${options.library}' is a ${library.machine} library, but the shim is built for ${options.target}`);
    const plan = planShim(library, options.only);
    if (options.list) process.stdout.write(describePlan(options.library, plan, prototypes));
    else await build(options, library, plan, temps, prototypes);
    return 0;
  } catch (error) {
    if (error instanceof ShimError) {
      process.stderr.write(error.format() + '\n');
      return 1;
    }
    process.stderr.write(`icc-shim: error: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 70;
  } finally {
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  }
}

async function parseOptions(argv: string[]): Promise<Options | undefined> {
  const args = await yargs(argv)
    .scriptName('icc-shim')
    .usage('$0 LIBRARY [options]\n\nBuilds a shim over every function LIBRARY exports: an LD_PRELOAD library that counts, logs or runs your own body for each call, then passes it on untouched.')
    .option('o', { alias: 'output', type: 'string', describe: 'the shim to write (default: ./<library>.shim.so)' })
    .option('count', { type: 'boolean', describe: 'count calls per function, printed at exit sorted by count (default)' })
    .option('log', { type: 'boolean', describe: 'one line per call: monotonic time, thread id, function (and its arguments, with --header)' })
    .option('body', { type: 'string', describe: 'a C++ file of bodies: ICC_SHIM_BODY(default) and ICC_SHIM_BODY(name) (see shim/icc-shim.h)' })
    .option('out', { type: 'string', default: '', describe: 'where the counts or the log go at run time (default: stderr; ICC_SHIM_OUT overrides)' })
    .option('list', { type: 'boolean', default: false, describe: 'print the plan (intercepted and skipped, with reasons) and build nothing' })
    .option('only', { type: 'string', describe: 'comma-separated function names: intercept only these' })
    .option('real', { type: 'string', describe: 'the library the shim forwards to, as opened at run time (default: LIBRARY\'s real path)' })
    .option('target', { type: 'string', default: HOST_MACHINE[process.arch] ?? process.arch, describe: 'the architecture to build for' })
    .option('header', { type: 'string', describe: 'a C header declaring the functions (read with clang\'s JSON AST dump): --log prints their arguments, --list their prototypes' })
    .option('verbose', { type: 'boolean', default: false, describe: 'print the icc++ command' })
    .conflicts('count', ['log', 'body'])
    .conflicts('log', 'body')
    .example('$0 /usr/lib/x86_64-linux-gnu/libz.so.1 -o libz-count.so', 'count calls into zlib')
    .example('LD_PRELOAD=./libz-count.so python3 -c "import zlib; zlib.compress(b\'x\')"', 'run any program with it')
    .example('$0 libz.so.1 --log --out /tmp/z.log -o libz-log.so', 'log every call to a file')
    .example('$0 libz.so.1 --log --header /usr/include/zlib.h -o libz-args.so', 'log every call with its arguments')
    .example('$0 libz.so.1 --body hooks.cpp -o libz-hooks.so', 'run your own C++ before each call')
    .example('$0 /lib/x86_64-linux-gnu/libc.so.6 --only fopen,fread,fwrite --list', 'show what would be intercepted')
    .strictOptions()
    .help()
    .version(false)
    .fail((msg, err) => {
      throw new ShimError(err?.message ?? msg);
    })
    .parserConfiguration({ 'boolean-negation': false })
    .wrap(null)
    .check((a) => {
      if (a.help) return true;
      if (a._.length !== 1) throw new Error(a._.length ? `one library expected, got ${a._.length}` : 'no library given');
      return true;
    })
    .exitProcess(false)
    .parseAsync();
  if (args.help) return undefined;
  const library = String(args._[0]);
  return {
    library,
    output: args.o,
    mode: args.log ? 'log' : args.body !== undefined ? 'body' : 'count',
    hooks: args.body,
    out: args.out,
    list: args.list,
    only: args.only ? new Set(args.only.split(',').map((s) => s.trim()).filter(Boolean)) : undefined,
    real: args.real,
    target: args.target,
    verbose: args.verbose,
    header: args.header,
  };
}

function readInput(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ShimError(`cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code}`);
  }
}

/** The plan as --list prints it: one line per function, one per skipped symbol with its reason. */
export function describePlan(file: string, plan: ShimPlan, prototypes?: Map<string, Prototype>): string {
  const lines = [`# icc-shim plan for ${file}: ${plan.functions.length} intercepted, ${plan.skipped.length} skipped`];
  for (const f of plan.functions) {
    const p = prototypes?.get(f);
    lines.push(p ? `intercept ${f}: ${formatPrototype(p)}` : `intercept ${f}`);
  }
  for (const s of plan.skipped) lines.push(`skip ${s.name}: ${s.reason}`);
  if (plan.unselected) lines.push(`# ${plan.unselected} more not selected by --only`);
  return lines.join('\n') + '\n';
}

/** A file written beside its final name, renamed into place only once the build succeeded. */
function stage(output: string, temps: string[]): string {
  const staging = `${output}.icc-shim-${process.pid}`;
  try {
    fs.writeFileSync(staging, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ShimError(`cannot write '${output}': ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code}`);
  }
  temps.push(staging);
  return staging;
}

function commit(staging: string, output: string, temps: string[]): void {
  fs.renameSync(staging, output);
  temps.splice(temps.indexOf(staging), 1);
}

/** --body: which functions get an interceptor, and which body each runs. */
function bodies(options: Options, plan: ShimPlan, libraryName: string) {
  if (options.mode !== 'body') return { keep: (_: string) => true, overrides: undefined, hasDefaultBody: false };
  const found = findBodies(options.hooks!, plan, libraryName);
  return { keep: (f: string) => found.hasDefault || found.overrides.has(f), overrides: found.overrides, hasDefaultBody: found.hasDefault };
}

/** Runs icc++ on the generated source, the runtime and the user's hooks. */
async function compile(options: Options, generated: string, runtime: string, extra: string[], temps: string[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-shim-'));
  temps.push(dir);
  const source = path.join(dir, 'shim.cpp');
  fs.writeFileSync(source, generated);
  const shimDir = path.join(packageRoot, 'shim');
  const args = ['-O2', `-I${shimDir}`, source, path.join(shimDir, runtime)];
  if (options.hooks) args.push(options.hooks);
  args.push(...extra);
  const icc = path.join(packageRoot, 'bin', 'icc++');
  if (options.verbose) process.stderr.write(`icc-shim: ${icc} ${args.join(' ')}\n`);
  const built = await execa(icc, args, { reject: false, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.exitCode !== 0) throw new ShimError(`building the shim failed (icc++ exit code ${built.exitCode ?? built.signal})`);
}

async function build(options: Options, library: ElfLibrary, plan: ShimPlan, temps: string[], prototypes?: Map<string, Prototype>): Promise<void> {
  const output = path.resolve(options.output ?? `${path.basename(options.library).replace(/\.so(\.[\d.]+)?$/, '')}.shim.so`);
  const staging = stage(output, temps);
  const { keep, overrides, hasDefaultBody } = bodies(options, plan, library.soname ?? path.basename(options.library));
  const functions = plan.functions.filter(keep);
  if (functions.length === 0) throw new ShimError(`nothing to intercept in '${options.library}'`);
  const real = options.real ?? fs.realpathSync(options.library);
  const signatures = prototypes && options.mode === 'log' ? functions.map((f) => withPrototype(prototypes.get(f))) : undefined;
  const source = generateShim({ mode: options.mode, library: real, out: options.out, functions, overrides, hasDefaultBody, signatures });
  const link = ['-fPIC', '-shared', '-o', staging, '-ldl', '-pthread'];
  const script = versionScript(functions, plan.versions);
  if (script) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-shim-'));
    temps.push(dir);
    fs.writeFileSync(path.join(dir, 'versions.map'), script);
    link.push(`-Wl,--version-script=${path.join(dir, 'versions.map')}`);
  }
  await compile(options, source, 'runtime.cpp', link, temps);
  commit(staging, output, temps);
  process.stderr.write(`icc-shim: ${output}: ${functions.length} functions intercepted (${options.mode}), ${plan.skipped.length} skipped (--list names them)\n`);
}

function withPrototype(p: Prototype | undefined) {
  return p && loggedSignature(p);
}

/** A proxy DLL named like the original, its import library and .def file beside it. */
async function buildProxy(options: Options, library: PeLibrary, plan: ProxyPlan, temps: string[], prototypes?: Map<string, Prototype>): Promise<void> {
  if (!options.output) throw new ShimError(`a proxy DLL needs -o (it takes the original's name, '${library.dllName}', in another folder)`);
  const output = path.resolve(options.output);
  const base = path.basename(output).replace(/\.dll$/i, '');
  const implib = path.join(path.dirname(output), `lib${base}.dll.a`);
  const def = path.join(path.dirname(output), `${base}.def`);
  const staged = [output, implib, def].map((f) => stage(f, temps));
  fs.writeFileSync(staged[2], plan.def);
  // Every export stays in a proxy (programs import them all): without a default body, the
  // functions that have no override of their own just forward.
  const { overrides, hasDefaultBody } = bodies(options, plan, library.dllName);
  const chosen = plan.functions.map((_, i) => i);
  if (chosen.length === 0) throw new ShimError(`nothing to intercept in '${options.library}'`);
  const real = options.real ?? `${base}-real.dll`;
  const source = generateShim({
    mode: options.mode, library: real, out: options.out, overrides, hasDefaultBody,
    functions: chosen.map((i) => plan.lookups[i]),
    symbols: chosen.map((i) => plan.symbols[i]),
    signatures: prototypes && options.mode === 'log' ? chosen.map((i) => withPrototype(prototypes.get(plan.lookups[i]))) : undefined,
  });
  // The linker knows a module-definition file by its extension.
  const defDir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-shim-'));
  temps.push(defDir);
  const linkDef = path.join(defDir, `${base}.def`);
  fs.writeFileSync(linkDef, plan.def);
  await compile(options, source, 'runtime-win.cpp', [...mingwFlags(), '-shared', linkDef, '-o', staged[0], `-Wl,--out-implib,${staged[1]}`], temps);
  [output, implib, def].forEach((f, i) => commit(staged[i], f, temps));
  process.stderr.write(`icc-shim: ${output}: proxy of ${library.dllName} forwarding to ${real}, ${chosen.length} functions intercepted (${options.mode}), ${plan.skipped.length} skipped; import library ${implib}\n`);
}
