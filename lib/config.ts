// icc++'s own settings: the ICC_* environment and --icc-* options, validated
// once here and passed inward as typed values.

import { IccError } from './diagnostics.js';
import type { Config } from './config-schema.js'; // the type only: zod is not loaded here

export type { Config };

export const DEFAULT_CLANG = 'clang++';

const FLAG = '--icc-';

/** An ICC_* switch: set, not empty and not 0. */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0';
}

/** Splits icc++'s options from clang's and validates the result with the environment. */
/** icc++'s own commands, instead of a compile: --icc-version, --icc-doctor (about.ts). */
export type OwnCommand = 'version' | 'doctor';

export async function loadConfig(argv: string[], env: Record<string, string | undefined>): Promise<{ config: Config; clangArgs: string[]; command?: OwnCommand }> {
  const own = argv.filter((a) => a.startsWith(FLAG));
  const clangArgs = argv.filter((a) => !a.startsWith(FLAG));
  const options = own.length > 0 ? await parseOwnOptions(own) : {};
  const raw = {
    clang: options.clang ?? (env.ICC_CLANG || undefined),
    debug: options.debug ?? envFlag(env.ICC_DEBUG),
    nested: envFlag(env.ICC_ACTIVE),
    scan: env.ICC_SCAN === undefined || envFlag(env.ICC_SCAN),
  };
  // zod is loaded only when the user supplied a value to check: its ~20 ms load would otherwise be
  // paid by every compile (bench:build).
  const command = options.command;
  if (raw.clang === undefined) return { config: { ...raw, clang: DEFAULT_CLANG }, clangArgs, ...(command && { command }) };
  const parsed = (await import('./config-schema.js')).ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IccError(`invalid icc++ setting '${issue.path.join('.')}': ${issue.message}`);
  }
  return { config: parsed.data, clangArgs, ...(command && { command }) };
}

/** --icc-* options via yargs, loaded only when such an option is present (start-up time matters). */
async function parseOwnOptions(words: string[]): Promise<{ clang?: string; debug?: boolean; command?: OwnCommand }> {
  const { default: yargs } = await import('yargs');
  let failure: string | undefined;
  const parsed = await yargs(words)
    .parserConfiguration({ 'camel-case-expansion': false })
    .option('icc-clang', { type: 'string', describe: 'the real clang++ to run' })
    .option('icc-debug', { type: 'boolean', describe: 'keep temporary files and print every command' })
    .option('icc-version', { type: 'boolean', describe: "print icc++'s version and the clang it runs" })
    .option('icc-doctor', { type: 'boolean', describe: 'check what icc++ needs (launcher, clang, llvm-nm, lld) and say what to do' })
    .strictOptions()
    .exitProcess(false)
    .version(false)
    .help(false)
    .fail((message) => {
      failure = message;
    })
    .parse();
  if (failure !== undefined) {
    const unknown = /Unknown arguments?: (.*)/.exec(failure);
    throw new IccError(unknown ? `unknown argument: '--${unknown[1].split(',')[0].trim().replace(/^-+/, '')}'` : failure);
  }
  const clang = parsed['icc-clang'];
  if (words.some((w) => w === '--icc-clang')) throw new IccError("--icc-clang needs a value: --icc-clang=PATH");
  const command: OwnCommand | undefined = parsed['icc-doctor'] ? 'doctor' : parsed['icc-version'] ? 'version' : undefined;
  return { clang: typeof clang === 'string' ? clang : undefined, debug: parsed['icc-debug'] as boolean | undefined, ...(command && { command }) };
}
