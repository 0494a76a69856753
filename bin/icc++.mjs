#!/usr/bin/env node
// icc++: clang++ with [[interceptor]] functions. Everything lives in lib/;
// dist/icc.mjs is the same code bundled into one file, for start-up time.
import { existsSync } from 'node:fs';
import { constants } from 'node:os';

const bundle = new URL('../dist/icc.mjs', import.meta.url);
const { main, USER_SIGNALS } = await import(existsSync(bundle) ? bundle.href : '../dist/lib/main.js');
const outcome = await main(process.argv.slice(2));
if (outcome.signal && USER_SIGNALS.has(outcome.signal)) process.kill(process.pid, outcome.signal);
else process.exitCode = outcome.signal ? 128 + constants.signals[outcome.signal] : outcome.code;
