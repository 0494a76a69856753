// What the Windows test files share (windows.test.ts for x86-64, i386-windows.test.ts
// for i686): one wine prefix per file, programs run in their own folder with Unix
// line ends, the check of examples/windows's programs, and what 32-bit mingw builds need.
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import fs from 'fs-extra';
import { requireTool } from './helpers.js';

export interface WineRun {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** One wine prefix (creating one takes seconds), no dialogs, no debug chatter. */
export class Wine {
  private started = false;

  /** `dir`: where the prefix goes (a function: a test file may make its scratch folder in `before`). */
  constructor(private readonly dir: () => string) {}

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { WINEPREFIX: path.join(this.dir(), 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', ...extra };
  }

  /** Runs a Windows program in its own folder; output with Windows line ends made Unix. */
  async run(exe: string, env: Record<string, string> = {}): Promise<WineRun> {
    this.started = true;
    const r = await execa('wine', [path.basename(exe)], { cwd: path.dirname(exe), env: this.env(env), reject: false, stripFinalNewline: false });
    const unix = (s: unknown): string => String(s).replace(/\r\n/g, '\n');
    // The first program in a new prefix: wine says it made it.
    const stderr = unix(r.stderr).replace(/^wine: (created the configuration directory|configuration in) .*\n/gm, '');
    return { code: r.exitCode, stdout: unix(r.stdout), stderr };
  }

  /** wineserver lingers a few seconds after the last program: stop it before removing its prefix. */
  async stop(): Promise<void> {
    if (this.started) await execa('wineserver', ['-k'], { env: this.env(), reject: false });
  }
}

/** examples/windows's programs as its Makefile built them in `build`: the seed example, and the same
 *  app.exe with the real mathlib.dll and with the proxy (same results, each call logged). */
export async function checkWindowsExamples(wine: Wine, build: string): Promise<void> {
  const logger = await wine.run(path.join(build, 'logger.exe'));
  assert.is(logger.stdout, [
    'Function called',
    'RotateMatrix saw id=7 angle=0.5 scale=3 row-sum=10 stack-sum=123',
    'RotateMatrix returned 7001.5',
    'OK: every argument and the return value went through',
    '',
  ].join('\n'));
  assert.is(logger.code, 0, logger.stderr);
  const results = 'Mean = 4\nCross = (0, 0, 1)\nFormat = "pi 3 3.142"\n';
  const plain = await wine.run(path.join(build, 'plain', 'app.exe'));
  assert.is(plain.stdout, results);
  assert.is(plain.stderr, '');
  const proxied = await wine.run(path.join(build, 'proxied', 'app.exe'));
  assert.is(proxied.stdout, results);
  assert.is(proxied.stderr, '[proxy] Mean\n[proxy] Cross\n[proxy] Format\n');
  assert.is(proxied.code, 0);
}

// Debian's wine32:i386 (scripts/setup) puts its 32-bit loader here; without it wine can't start a 32-bit program.
export const WINE32 = '/usr/lib/wine/wine';
export const MINGW = '/usr/lib/gcc/i686-w64-mingw32';

/** What cross-builds and 32-bit wine need; skips locally (with a reason) when missing, fails in CI. */
export async function haveWine32Tools(): Promise<boolean> {
  for (const tool of ['wine', 'i686-w64-mingw32-g++', 'ld.lld']) if (!(await requireTool(tool))) return false;
  if (fs.existsSync(WINE32)) return true;
  if (process.env.CI) throw new Error(`32-bit wine (${WINE32}, Debian's wine32:i386) is required in CI but is not installed`);
  console.log(`  (skipped: 32-bit wine is not installed: no ${WINE32}; CI installs wine32:i386)`);
  return false;
}

/**
 * Flags that let Debian's clang 14 build for i686 mingw-w64: the C++ headers and libraries in
 * /usr/lib/gcc/i686-w64-mingw32/<n>-win32, which it does not find by itself, and -B for GCC's
 * crtbegin.o/crtend.o there, which register the DWARF-2 unwind tables (Debian's i686 mingw is
 * built with DWARF-2 exceptions; without them every throw terminates). -msse2: clang's i686
 * default CPU has no SSE. -static: wine needs no path to libstdc++-6.dll.
 */
export function mingwI686Flags(linker: 'lld' | 'bfd'): string[] {
  const versions = fs.existsSync(MINGW) ? fs.readdirSync(MINGW).filter((d) => d.endsWith('-win32')) : [];
  versions.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  assert.ok(versions.length > 0, `no i686 mingw-w64 GCC (win32 threads) in ${MINGW}`);
  const gcc = path.join(MINGW, versions[versions.length - 1]);
  return [
    '--target=i686-w64-mingw32', '-msse2',
    '-isystem', path.join(gcc, 'include/c++'),
    '-isystem', path.join(gcc, 'include/c++/i686-w64-mingw32'),
    '-isystem', path.join(gcc, 'include/c++/backward'),
    `-L${gcc}`, `-B${gcc}`, `-fuse-ld=${linker}`, '-static',
  ];
}
