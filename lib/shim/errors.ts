// icc-shim's one user-facing error: printed `icc-shim: error: …` (or at a file's
// line), exit code 1, never a stack.

export class ShimError extends Error {
  constructor(
    message: string,
    readonly where = 'icc-shim',
  ) {
    super(message);
    this.name = 'ShimError';
  }

  format(): string {
    return `${this.where}: error: ${this.message}`;
  }
}
