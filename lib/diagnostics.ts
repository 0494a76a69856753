// The one user-facing error type, printed the way clang prints diagnostics.

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A problem in the user's input or command line: printed clang-style, never with a stack. */
export class IccError extends Error {
  readonly location: SourceLocation | undefined;
  /** The exit code clang uses for the same kind of failure. */
  readonly exitCode: number;

  constructor(message: string, location?: SourceLocation, exitCode = 1) {
    super(message);
    this.name = 'IccError';
    this.location = location;
    this.exitCode = exitCode;
  }

  /** `file:line:col: error: message`, or `icc++: error: message` without a location. */
  format(): string {
    const where = this.location
      ? `${this.location.file}:${this.location.line}:${this.location.col}`
      : 'icc++';
    return `${where}: error: ${this.message}`;
  }
}

/** Several errors found in one pass (the rewriter reports all it finds, like clang). */
export class IccErrors extends IccError {
  readonly errors: IccError[];

  constructor(errors: IccError[]) {
    super(errors.map((e) => e.message).join('; '), errors[0]?.location);
    this.errors = errors;
  }

  override format(): string {
    const n = this.errors.length;
    const lines = this.errors.map((e) => e.format());
    lines.push(`${n} error${n === 1 ? '' : 's'} generated.`);
    return lines.join('\n');
  }
}

/** Prints an error to stderr the way clang would and returns the exit code to use. */
export function report(error: unknown, debug: boolean): number {
  if (error instanceof IccError) {
    process.stderr.write(error.format() + '\n');
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`icc++: error: internal error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  else process.stderr.write('icc++: note: set ICC_DEBUG=1 for details\n');
  return 70;
}
