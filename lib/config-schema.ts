// The schema of icc++'s settings (config.ts), in a module of its own so zod is loaded only
// when there is a user-supplied value to validate.

// zod/mini: the same validation with a tree-shakable API (the full zod was 450 KB of the bundle).
import * as z from 'zod/mini';
import { DEFAULT_CLANG } from './config.js';

export const ConfigSchema = z.object({
  /** The real compiler: a path or a command name looked up on PATH. */
  clang: z._default(z.string().check(z.minLength(1, 'the compiler path is empty')), DEFAULT_CLANG),
  /** Keep temporary files and print every command run. */
  debug: z.boolean(),
  /** Set by icc++ for the compilers it runs: a second icc++ below it means a loop. */
  nested: z.boolean(),
  /** Skip the preprocessor for sources whose headers never mention an interceptor (ICC_SCAN=0 turns it off). */
  scan: z.boolean(),
});

export type Config = z.infer<typeof ConfigSchema>;
