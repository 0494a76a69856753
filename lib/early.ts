// A clang -E the native launcher started before Node (bin/launcher.c start_early), to run while
// Node starts. The driver adopts it only for exactly the command it would run itself.

import { readFileSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import type { Outcome } from './clang.js';

export interface EarlyPreprocess {
  /** The launcher's waiter process: it runs clang, forwards signals to it, then writes `status`. */
  pid: number;
  /** A temp dir of icc++'s own: args (the command, NUL-separated), out, err, status. */
  dir: string;
  command: string[];
}

/** The launcher's early clang -E, if it started one. The variable is removed, so the commands
 *  the driver runs don't see it. */
export function takeEarly(env: Record<string, string | undefined>): EarlyPreprocess | undefined {
  const value = env.ICC_EARLY_E;
  delete env.ICC_EARLY_E;
  const m = /^(\d+):(\/.+)$/.exec(value ?? '');
  if (!m) return undefined;
  try {
    const command = readFileSync(`${m[2]}/args`, 'latin1').split('\0');
    command.pop(); // the list ends with a NUL
    return { pid: Number(m[1]), dir: m[2], command };
  } catch {
    return undefined;
  }
}

/** Stops the early run if it still runs (the driver runs its own -E, or stopped before). */
export function stopEarly(early: EarlyPreprocess): void {
  try {
    process.kill(early.pid, 'SIGTERM');
  } catch {
    // already done
  }
}

/** Its files, when the driver made no temp dir to take them. */
export function removeEarly(early: EarlyPreprocess): void {
  rmSync(early.dir, { recursive: true, force: true });
}

/** How clang ended: an outcome once it has, 'running' while it runs, and 'lost' when the waiter
 *  died without saying (the driver then runs its own -E). */
export function earlyStatus(early: EarlyPreprocess): Outcome | 'running' | 'lost' {
  const status = (): string | undefined => {
    try {
      return readFileSync(`${early.dir}/status`, 'latin1');
    } catch {
      return undefined;
    }
  };
  // The waiter writes its status before it ends: read again after finding it gone.
  const text = status() ?? (waiterAlive(early.pid) ? undefined : status());
  if (text === undefined) return waiterAlive(early.pid) ? 'running' : 'lost';
  const m = /^(exit|signal) (\d+)$/.exec(text);
  if (!m) return 'lost';
  if (m[1] === 'exit') return { code: Number(m[2]) };
  const name = Object.entries(constants.signals).find(([, n]) => n === Number(m[2]))?.[0];
  return name ? { signal: name as NodeJS.Signals } : { code: 128 + Number(m[2]) };
}

/** The waiter is no child of Node's as far as libuv knows, so it is never reaped: a zombie is gone. */
function waiterAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}
