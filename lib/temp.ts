// A private temporary directory per icc++ run, removed on success, on failure
// and when a signal stops the build (unless ICC_DEBUG keeps it).

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Owns the temp directory and the signal handlers that must clean it up. */
export class TempDir {
  private dir: string | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  /** `existing`: a directory of icc++'s own to use (the launcher's, early.ts), removed the same way. */
  constructor(private readonly keep: boolean, private readonly onSignal: (signal: NodeJS.Signals) => void, existing?: string) {
    this.dir = existing;
    for (const signal of SIGNALS) {
      const handler = (): void => this.stop(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** The directory, created on first use (runs that only pass through never create one). */
  get path(): string {
    if (this.dir === undefined) {
      this.dir = mkdtempSync(path.join(os.tmpdir(), 'icc-'));
      if (this.keep) process.stderr.write(`icc++: keeping temporary files in ${this.dir}\n`);
    }
    return this.dir;
  }

  file(name: string): string {
    return path.join(this.path, name);
  }

  /** Removes the directory, then the handlers: a signal in between still finds nothing left. */
  dispose(): void {
    if (this.dir !== undefined && !this.keep) {
      try {
        // Retries: the launcher's waiter (early.ts) may still be writing clang's status there.
        rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 10 });
      } catch (error) {
        process.stderr.write(`icc++: warning: cannot remove ${this.dir}: ${(error as Error).message}\n`);
      }
    }
    this.dir = undefined;
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }

  /** A signal arrived: stop the child, clean up, then die of the same signal as clang would. */
  private stop(signal: NodeJS.Signals): void {
    this.onSignal(signal);
    this.dispose();
    process.kill(process.pid, signal);
  }
}
