// Shared by the end-to-end tests: run bin/icc++ like a user would, in a
// scratch directory, and run what it built.

import { execa, type Result } from 'execa';
import * as assert from 'uvu/assert';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const icc = path.join(root, 'bin', 'icc++');
export const fixtures = path.join(root, 'test', 'fixtures');

/** A fresh directory for one test's outputs, removed by `cleanup`. */
export function scratch(name: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `icc-test-${name}-`));
  return { dir, cleanup: () => fs.removeSync(dir) };
}

/** Runs icc++ (never rejects): exit code, stdout and stderr are for the test to check. */
export async function iccxx(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Result> {
  return execa(icc, args, { reject: false, cwd: options.cwd, env: { ...options.env }, input: options.input, stripFinalNewline: false });
}

/** Runs icc++ where the test needs it to succeed: fails with its stderr otherwise. */
export async function iccOk(args: string[], options: Parameters<typeof iccxx>[1] = {}): Promise<Result> {
  const r = await iccxx(args, options);
  assert.is(r.exitCode, 0, `icc++ ${args.join(' ')}:\n${String(r.stderr)}`);
  return r;
}

/** The CPU's feature flags (/proc/cpuinfo), and the vector width the trampoline must choose on it:
 *  1 SSE, 2 AVX, 3 AVX-512 (the OS enables their state on every Linux that runs these tests). */
export const cpuFlags: ReadonlySet<string> = new Set(fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].trim().split(/\s+/) ?? []);
export const hostWidth: 1 | 2 | 3 = cpuFlags.has('avx512f') ? 3 : cpuFlags.has('avx') ? 2 : 1;
export const WIDTH_NAMES = ['?', 'sse', 'avx', 'avx512'] as const;

/** Runs icc++ with ICC_DEBUG for its notes: each public symbol's trampoline path as it decided it
 *  (lib/light.ts), e.g. `_Z4Hookll` -> `light path`. The temporary files ICC_DEBUG keeps are removed. */
export async function iccxxPaths(args: string[], env: Record<string, string> = {}): Promise<{ result: Result; paths: Map<string, string> }> {
  const result = await iccxx(args, { env: { ...env, ICC_DEBUG: '1' } });
  const stderr = String(result.stderr);
  for (const m of stderr.matchAll(/^icc\+\+: keeping temporary files in (.*)$/gm)) fs.removeSync(m[1]);
  const found = [...stderr.matchAll(/^icc\+\+: (\S+) \([^)]*\): (light path(?:, .*)?|full path: .*)$/gm)]; // (the light core, or on AArch64 the core)
  return { result, paths: new Map(found.map((m) => [m[1], m[2]])) };
}

/** Runs a built program (never rejects). */
export async function run(file: string, args: string[] = [], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return execa(file, args, { reject: false, cwd: options.cwd, env: options.env, stripFinalNewline: false });
}

/** Whether a command exists on PATH (for tools a local run may lack; CI installs them). */
export async function have(tool: string): Promise<boolean> {
  const r = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
  return r.exitCode === 0;
}

/** Skips (with a printed reason) when a tool is missing locally; fails in CI, which must install it. */
export async function requireTool(tool: string): Promise<boolean> {
  if (await have(tool)) return true;
  if (process.env.CI) throw new Error(`${tool} is required in CI but is not installed`);
  console.log(`  (skipped: ${tool} is not installed; CI installs it)`);
  return false;
}

/** Writes files (path relative to `dir` → text), making their directories. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) fs.outputFileSync(path.join(dir, name), text);
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `ready` every 25 ms for up to 5 s; its last answer. */
export async function waitFor(ready: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !ready(); i++) await pause(25);
  return ready();
}

/** Lists files left in a directory tree (for "no temp files left" checks). */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String);
}

/** Runs a test body in a scratch directory that is also TMPDIR, then checks that icc++ left nothing there. */
export async function inScratch(name: string, body: (out: string, env: Record<string, string>) => Promise<void>): Promise<void> {
  const { dir: out, cleanup } = scratch(name);
  const tmp = path.join(out, 'tmp');
  fs.mkdirSync(tmp);
  try {
    await body(out, { TMPDIR: tmp });
    assert.equal(listTree(tmp), [], 'no temporary files left');
  } finally {
    cleanup();
  }
}

/** The AArch64 Linux sysroot Debian's cross packages install (libc6-dev-arm64-cross, libstdc++-12-dev-arm64-cross). */
export const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu';
/** Running an AArch64 program: qemu-aarch64 with the cross sysroot's loader and libraries. */
export const qemuAarch64 = (cpu: string, exe: string, args: string[] = []): string[] => ['-cpu', cpu, '-L', AARCH64_SYSROOT, exe, ...args];

/** Whether AArch64 programs can be built and run here (qemu-aarch64 and the cross sysroot); prints why not. */
export async function requireAarch64(): Promise<boolean> {
  if (!(await requireTool('qemu-aarch64'))) return false;
  if (fs.existsSync(path.join(AARCH64_SYSROOT, 'lib/crt1.o'))) return true;
  if (process.env.CI) throw new Error(`the AArch64 sysroot ${AARCH64_SYSROOT} is required in CI but is not installed`);
  console.log(`  (skipped: no AArch64 sysroot in ${AARCH64_SYSROOT}; CI installs it with scripts/setup)`);
  return false;
}

/**
 * Flags that let Debian's clang 14 build for mingw-w64: it does not find the
 * C++ headers and libraries in /usr/lib/gcc/x86_64-w64-mingw32/12-win32 by
 * itself. -static: wine then needs no path to libstdc++-6.dll.
 */
export function mingwFlags(linker: 'lld' | 'bfd'): string[] {
  const base = '/usr/lib/gcc/x86_64-w64-mingw32';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((d) => d.endsWith('-win32')) : [];
  versions.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  assert.ok(versions.length > 0, `no mingw-w64 GCC (win32 threads) in ${base}`);
  const gcc = path.join(base, versions[versions.length - 1]);
  return [
    '--target=x86_64-w64-mingw32',
    '-isystem', path.join(gcc, 'include/c++'),
    '-isystem', path.join(gcc, 'include/c++/x86_64-w64-mingw32'),
    '-isystem', path.join(gcc, 'include/c++/backward'),
    `-L${gcc}`,
    `-fuse-ld=${linker}`,
    '-static',
  ];
}
