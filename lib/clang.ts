// Finding and running the real clang: exit codes, signals, and the commands
// printed under ICC_DEBUG.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { IccError } from './diagnostics.js';
import { earlyStatus, type EarlyPreprocess } from './early.js';
import type { Config } from './config.js';
import { packageRoot } from './paths.js';

/** How a child ended: an exit code, or the signal that killed it. */
export type Outcome = { code: number; signal?: undefined } | { code?: undefined; signal: NodeJS.Signals };

const selfBin = realpathSafe(path.join(packageRoot, 'bin', 'icc++'));

function realpathSafe(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The real clang++ to run: ICC_CLANG / --icc-clang, else clang++ on PATH, never icc++ itself. */
export function findClang(config: Config, envPath: string | undefined): string {
  if (config.nested) {
    throw new IccError('icc++ was started by the compiler it runs (a loop); set ICC_CLANG or --icc-clang to the real clang++');
  }
  const name = config.clang;
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : (envPath ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    if (!isExecutable(candidate)) continue;
    if (realpathSafe(candidate) === selfBin) {
      if (name.includes('/')) throw new IccError(`'${name}' is icc++ itself; set ICC_CLANG or --icc-clang to the real clang++`);
      continue;
    }
    return candidate;
  }
  throw new IccError(`cannot find the real compiler '${name}'; install clang (Debian: apt-get install clang lld) or set ICC_CLANG`, undefined, 1);
}

/** Directory of the clang installation (for llvm-nm beside it). */
export function clangDir(clang: string): string {
  return path.dirname(realpathSafe(clang));
}

export interface RunOptions {
  /** Capture stdout (as latin1 text: bytes round-trip exactly) instead of inheriting it. */
  capture?: boolean;
  /** 'held': the bytes icc++ read from its own stdin (Runner.holdStdin), for a command that reads
   *  `-`; the terminal's stdin when none were held. */
  stdin?: 'inherit' | 'ignore' | 'held';
  /** Text for the command's stdin (instead of `stdin`). */
  input?: string;
  /** Rewrites clang's stderr before it reaches the user (compiles of rewritten text). */
  stderrFilter?: (text: string) => string;
}

/** Added to every command's environment: a second icc++ started by it is a loop (config.nested). */
const CHILD_ENV = { ICC_ACTIVE: '1' };
const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...CHILD_ENV });

/** Signals that stop a build: forwarded to the command in flight, which then dies of them. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** execa, loaded once: started by the pipeline's first command so that its load overlaps clang. */
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = (): Promise<typeof import('execa')> => (execaModule ??= import('execa'));

/** Runs commands, remembering the one in flight so a signal can stop it. */
export class Runner {
  private current: { kill(signal: NodeJS.Signals): unknown } | undefined;
  /** icc++'s stdin, read once: every command that reads `-` gets these same bytes. */
  private stdinBytes: Buffer | undefined;

  constructor(private readonly debug: boolean) {}

  /**
   * The fast path: clang with the terminal and files exactly as icc++ got them, nothing captured.
   * node:child_process rather than execa here: execa's load is ~20 ms of every such run
   * (bench:build), and inheriting all three streams needs none of it.
   */
  exec(file: string, args: string[]): Promise<Outcome> {
    this.announce(file, args);
    const child = spawn(file, args, { stdio: 'inherit', env: childEnv() });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    return settled(child).finally(() => {
      for (const signal of FORWARDED) process.off(signal, forward);
    });
  }

  /**
   * The pipeline's first command (clang -E): stdout into the file `stdoutFile`, stderr captured, both
   * returned as latin1 text. Through node:child_process so that clang starts before execa and the
   * rewriter are loaded; their load (~40 ms, bench:build) then overlaps clang's run. A file, not a
   * pipe: clang never waits for icc++ to read, while icc++ reads what is there as it comes
   * (`onStdout`, every few ms) and works on it.
   */
  async capture(file: string, args: string[], stdoutFile: string, onStdout?: OnStdout, stdin: 'inherit' | 'held' = 'inherit'): Promise<Captured> {
    this.announce(file, args);
    const out = openSync(stdoutFile, 'w');
    const follower = new Follower(stdoutFile, onStdout);
    let timer: NodeJS.Timeout | undefined;
    try {
      const held = stdin === 'held' ? this.stdinBytes : undefined;
      const child = spawn(file, args, { stdio: [held ? 'pipe' : 'inherit', out, 'pipe'], env: childEnv() });
      this.current = child;
      closeSync(out);
      if (held) {
        child.stdin?.on('error', () => undefined); // clang stopped reading (an error it reports)
        child.stdin?.end(held);
      }
      void loadExeca();
      timer = setInterval(() => follower.poll(), POLL_MS);
      const stderr: Buffer[] = [];
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      const outcome = await settled(child);
      return { ...outcome, stdout: follower.all(), stderr: Buffer.concat(stderr).toString('latin1') };
    } finally {
      clearInterval(timer);
      follower.close();
      this.current = undefined;
    }
  }

  /** The same for the clang -E the launcher started (early.ts): waits for it. Undefined when it was
   *  lost and must run again. */
  async adopt(early: EarlyPreprocess, onStdout?: OnStdout): Promise<Captured | undefined> {
    void loadExeca();
    this.current = { kill: (signal) => process.kill(early.pid, signal) };
    const follower = new Follower(`${early.dir}/out`, onStdout);
    try {
      for (;;) {
        follower.poll();
        const status = earlyStatus(early);
        if (status === 'lost') return undefined;
        if (status !== 'running') return { ...status, stdout: follower.all(), stderr: readFileSync(`${early.dir}/err`, 'latin1') };
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      follower.close();
      this.current = undefined;
    }
  }

  /** Reads icc++'s stdin to its end, once, for the commands that read a `-` input ('held'): the
   *  preprocessor and then the compile or link must each see the same bytes. */
  holdStdin(): void {
    this.stdinBytes ??= readAllStdin();
  }

  /** A line for ICC_DEBUG / --icc-debug: what icc++ decided on its own. */
  note(text: string): void {
    if (this.debug) process.stderr.write(`icc++: ${text}\n`);
  }

  async run(file: string, args: string[], options: RunOptions = {}): Promise<Outcome & { stdout: string }> {
    this.announce(file, args);
    const { execa } = await loadExeca();
    const child = execa(file, args, {
      reject: false,
      ...this.stdinOption(options),
      stdout: options.capture ? 'pipe' : 'inherit',
      stderr: options.stderrFilter ? 'pipe' : 'inherit',
      encoding: 'latin1',
      stripFinalNewline: false,
      maxBuffer: 1024 * 1024 * 1024,
      env: CHILD_ENV,
    });
    this.current = child;
    try {
      const result = await child;
      const stdout = typeof result.stdout === 'string' ? result.stdout : '';
      if (options.stderrFilter && typeof result.stderr === 'string') {
        const shown = options.stderrFilter(result.stderr);
        if (shown !== '') process.stderr.write(Buffer.from(shown, 'latin1'));
      }
      if (result.signal) return { signal: result.signal, stdout };
      if (result.failed && result.exitCode === undefined) {
        throw new IccError(`unable to execute command: ${result.shortMessage ?? result.message}`);
      }
      return { code: result.exitCode ?? 1, stdout };
    } finally {
      this.current = undefined;
    }
  }

  private stdinOption(options: RunOptions): { input: string | Buffer } | { stdin: 'inherit' | 'ignore' } {
    if (options.input !== undefined) return { input: options.input };
    if (options.stdin === 'held') return this.stdinBytes ? { input: this.stdinBytes } : { stdin: 'inherit' };
    return { stdin: options.stdin ?? 'inherit' };
  }

  private announce(file: string, args: string[]): void {
    if (this.debug) process.stderr.write(`icc++: running ${[file, ...args].map(quote).join(' ')}\n`);
  }

  /** Forwards a signal to the command in flight, if any. */
  kill(signal: NodeJS.Signals): void {
    this.current?.kill(signal);
  }
}

/** All of fd 0 (empty when it is closed). A non-blocking stdin (a terminal another program left
 *  that way) answers EAGAIN: wait for it and read on. */
function readAllStdin(): Buffer {
  const chunks: Buffer[] = [];
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF' || code === 'EBADF') break;
      throw error;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** Called with all of a command's stdout so far, as latin1 text, each time more has come. */
type OnStdout = (text: string) => void;
type Captured = Outcome & { stdout: string; stderr: string };

/** How often a file another process writes is read for what is new. */
const POLL_MS = 4;

/** Reads a file while another process writes it. latin1 maps each byte to one character, so the
 *  text grows by decoding only what is new. */
class Follower {
  private readonly fd: number;
  private text = '';
  private bytes = 0;

  constructor(file: string, private readonly onStdout?: OnStdout) {
    this.fd = openSync(file, 'r');
  }

  /** Reads what is new, and hands the text so far to onStdout. */
  poll(): void {
    const size = fstatSync(this.fd).size;
    if (size <= this.bytes) return;
    const chunk = Buffer.allocUnsafe(size - this.bytes);
    const n = readSync(this.fd, chunk, 0, chunk.length, this.bytes);
    this.text += chunk.toString('latin1', 0, n);
    this.bytes += n;
    this.onStdout?.(this.text);
  }

  /** All of it: call once the writer has ended. */
  all(): string {
    this.poll();
    return this.text;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** How a child ended, once its output streams are closed too. */
function settled(child: ChildProcess): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new IccError(`unable to execute command: ${error.message}`)));
    child.on('close', (code, signal) => resolve(signal ? { signal } : { code: code ?? 1 }));
  });
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
