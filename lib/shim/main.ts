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
import { planShim, type ShimPlan } from './plan.js';
import { findBodies } from './hooks.js';

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
}

const HOST_MACHINE: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386' };

/** Runs icc-shim with the arguments after the program name; returns the exit code, never throws. */
export async function main(argv: string[]): Promise<number> {
  const temps: string[] = [];
  try {
    const options = await parseOptions(argv);
    if (!options) return 0;
    const buf = readInput(options.library);
    if (!isElf(buf)) throw new ShimError(`'${options.library}' is not a shared library (no ELF header)`);
    const library = readElfExports(buf, options.library);
    if (library.machine !== options.target)
      throw new ShimError(`'${options.library}' is a ${library.machine} library, but the shim is built for ${options.target}`);
    const plan = planShim(library, options.only);
    if (options.list) {
      process.stdout.write(describePlan(options.library, plan));
      return 0;
    }
    await build(options, library, plan, temps);
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
    .option('log', { type: 'boolean', describe: 'one line per call: monotonic time, thread id, function' })
    .option('body', { type: 'string', describe: 'a C++ file of bodies: ICC_SHIM_BODY(default) and ICC_SHIM_BODY(name) (see shim/icc-shim.h)' })
    .option('out', { type: 'string', default: '', describe: 'where the counts or the log go at run time (default: stderr; ICC_SHIM_OUT overrides)' })
    .option('list', { type: 'boolean', default: false, describe: 'print the plan (intercepted and skipped, with reasons) and build nothing' })
    .option('only', { type: 'string', describe: 'comma-separated function names: intercept only these' })
    .option('real', { type: 'string', describe: 'the library the shim forwards to, as opened at run time (default: LIBRARY\'s real path)' })
    .option('target', { type: 'string', default: HOST_MACHINE[process.arch] ?? process.arch, describe: 'the architecture to build for' })
    .option('verbose', { type: 'boolean', default: false, describe: 'print the icc++ command' })
    .conflicts('count', ['log', 'body'])
    .conflicts('log', 'body')
    .example('$0 /usr/lib/x86_64-linux-gnu/libz.so.1 -o libz-count.so', 'count calls into zlib')
    .example('LD_PRELOAD=./libz-count.so python3 -c "import zlib; zlib.compress(b\'x\')"', 'run any program with it')
    .example('$0 libz.so.1 --log --out /tmp/z.log -o libz-log.so', 'log every call to a file')
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
export function describePlan(file: string, plan: ShimPlan): string {
  const lines = [`# icc-shim plan for ${file}: ${plan.functions.length} intercepted, ${plan.skipped.length} skipped`];
  for (const f of plan.functions) lines.push(`intercept ${f}`);
  for (const s of plan.skipped) lines.push(`skip ${s.name}: ${s.reason}`);
  if (plan.unselected) lines.push(`# ${plan.unselected} more not selected by --only`);
  return lines.join('\n') + '\n';
}

async function build(options: Options, library: ElfLibrary, plan: ShimPlan, temps: string[]): Promise<void> {
  const output = path.resolve(options.output ?? `${path.basename(options.library).replace(/\.so(\.[\d.]+)?$/, '')}.shim.so`);
  // The shim is written beside its final name and renamed into place: nothing half-written stays.
  const staging = `${output}.icc-shim-${process.pid}`;
  try {
    fs.writeFileSync(staging, '');
  } catch (e) {
    throw new ShimError(`cannot write '${output}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as NodeJS.ErrnoException).code}`);
  }
  temps.push(staging);
  let functions = plan.functions;
  let overrides: Set<string> | undefined;
  let hasDefaultBody = false;
  if (options.mode === 'body') {
    const bodies = findBodies(options.hooks!, plan, library.soname ?? path.basename(options.library));
    overrides = bodies.overrides;
    hasDefaultBody = bodies.hasDefault;
    if (!hasDefaultBody) functions = functions.filter((f) => overrides!.has(f));
  }
  if (functions.length === 0) throw new ShimError(`nothing to intercept in '${options.library}'`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-shim-'));
  temps.push(dir);
  const real = options.real ?? fs.realpathSync(options.library);
  const source = path.join(dir, 'shim.cpp');
  fs.writeFileSync(source, generateShim({ mode: options.mode, library: real, out: options.out, functions, overrides, hasDefaultBody }));
  const shimDir = path.join(packageRoot, 'shim');
  const args = ['-O2', '-fPIC', '-shared', `-I${shimDir}`, source, path.join(shimDir, 'runtime.cpp')];
  if (options.hooks) args.push(options.hooks);
  args.push('-o', staging, '-ldl', '-pthread');
  const icc = path.join(packageRoot, 'bin', 'icc++');
  if (options.verbose) process.stderr.write(`icc-shim: ${icc} ${args.join(' ')}\n`);
  const built = await execa(icc, args, { reject: false, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.exitCode !== 0) throw new ShimError(`building the shim failed (icc++ exit code ${built.exitCode ?? built.signal})`);
  fs.renameSync(staging, output);
  temps.splice(temps.indexOf(staging), 1);
  process.stderr.write(`icc-shim: ${output}: ${functions.length} functions intercepted (${options.mode}), ${plan.skipped.length} skipped (--list names them)\n`);
}
