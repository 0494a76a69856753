// What icc++ says about itself: its version (--icc-version, and one line after clang's own
// --version / -v text), and --icc-doctor, which checks what an installation needs and says
// what to do about each piece that is missing.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clangDir, findClang } from './clang.js';
import type { Config } from './config.js';
import { packageRoot } from './paths.js';

/** icc++'s own version, from its package.json (shipped in every installation). */
export function iccVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The line icc++ adds after clang's version text. Last, so that tools that read the first
 *  version number in it (Meson) or its first line (CMake) still find clang's. */
export function versionLine(): string {
  return `icc++ version ${iccVersion()} (drives the clang++ above)\n`;
}

/** A command that only asks for the version: --version anywhere (stdout), or -v with no input
 *  (stderr: clang prints it there). */
export function versionQuery(args: string[], hasInputs: boolean): 'stdout' | 'stderr' | undefined {
  if (args.includes('--version')) return 'stdout';
  if (args.includes('-v') && !hasInputs) return 'stderr';
  return undefined;
}

/** --icc-version: icc++'s version and the first line of the clang it runs. */
export function printVersion(config: Config, envPath: string | undefined): number {
  let clang: string;
  try {
    clang = findClang(config, envPath);
  } catch (error) {
    process.stdout.write(`icc++ ${iccVersion()}\n`);
    process.stderr.write(`icc++: error: ${(error as Error).message}\n`);
    return 1;
  }
  const first = firstLine(clang, ['--version']);
  process.stdout.write(`icc++ ${iccVersion()}\nclang: ${clang}${first ? ` (${first})` : ''}\n`);
  return 0;
}

interface Check {
  what: string;
  found?: string;
  /** What to do when it is missing. */
  fix: string;
  /** icc++ works without it (for some commands, or more slowly). */
  optional?: boolean;
}

/** --icc-doctor: one line per piece icc++ uses; exit code 1 when a required piece is missing. */
export function doctor(config: Config, envPath: string | undefined): number {
  const checks: Check[] = [];
  let clang: string | undefined;
  try {
    clang = findClang(config, envPath);
  } catch {
    clang = undefined;
  }
  checks.push({ what: `clang++ (${config.clang})`, found: clang, fix: 'apt-get install clang (Debian 12: clang 14), or set ICC_CLANG to the real clang++' });
  const launcher = path.join(packageRoot, 'dist', 'icc++-launch');
  checks.push({
    what: 'native launcher',
    found: executable(launcher) ? launcher : undefined,
    optional: true,
    fix: `every command starts Node (~60-80 ms each). Build it: cd ${packageRoot} && node scripts/build-launcher.mjs (needs clang)`,
  });
  const tools = clang ? clangDir(clang) : undefined;
  const nm = tools && path.join(tools, 'llvm-nm');
  checks.push({ what: 'llvm-nm (beside clang)', found: nm && executable(nm) ? nm : undefined, fix: 'apt-get install llvm (sources whose interceptors are templates need it)' });
  const lld = tools && ['ld.lld', 'lld-link'].map((t) => path.join(tools, t)).find(executable);
  checks.push({ what: 'lld (beside clang)', found: lld, optional: true, fix: 'apt-get install lld (Windows targets link with lld-link)' });
  const asm = path.join(packageRoot, 'asm', 'x86_64-sysv.S');
  checks.push({ what: 'asm macros', found: existsSync(asm) ? path.dirname(asm) : undefined, fix: 'reinstall icc++: its asm/ folder is missing' });
  const toolchain = path.join(packageRoot, 'cmake', 'icc++.cmake');
  checks.push({ what: 'CMake toolchain file', found: existsSync(toolchain) ? toolchain : undefined, optional: true, fix: 'reinstall icc++: cmake/icc++.cmake is missing' });

  process.stdout.write(`icc++ ${iccVersion()} in ${packageRoot}\n`);
  for (const c of checks) {
    if (c.found) process.stdout.write(`  ok       ${c.what}: ${c.found}\n`);
    else process.stdout.write(`  ${c.optional ? 'missing ' : 'MISSING '} ${c.what}: ${c.fix}\n`);
  }
  const failed = checks.some((c) => !c.found && !c.optional);
  process.stdout.write(failed ? 'icc++ cannot compile until the MISSING pieces are installed.\n' : 'icc++ can compile.\n');
  return failed ? 1 : 0;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function firstLine(file: string, args: string[]): string | undefined {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ICC_ACTIVE: '1' } });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}
