// The schema of icc++'s settings (config.ts), in a module of its own so zod is loaded only
// when there is a user-supplied value to validate.

// zod/mini: the same validation with a tree-shakable API (the full zod was 450 KB of the bundle).
import * as z from 'zod/mini';
import { DEFAULT_CLANG, type Config } from './config.js';

export const ConfigSchema: z.ZodMiniType<Config> = z.object({
  clang: z._default(z.string().check(z.minLength(1, 'the compiler path is empty')), DEFAULT_CLANG),
  debug: z.boolean(),
  nested: z.boolean(),
  scan: z.boolean(),
});
