// The trampoline under concurrency: many threads through one interceptor while
// the first-call width detection races, and signal handlers that call
// interceptors while the thread they interrupted is inside one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { WIDTH_NAMES, fixtures, have, hostWidth, iccxx, run, scratch } from '../helpers.js';

const test = suite('concurrency');
const dir = path.join(fixtures, 'concurrency');
const { dir: out, cleanup } = scratch('concurrency');
test.after(() => cleanup());

async function build(name: string, flags: string[]): Promise<string> {
  const exe = path.join(out, name);
  const r = await iccxx(['-O2', ...flags, path.join(dir, `${name}.cpp`), '-o', exe]);
  assert.is(r.stderr, '', 'no diagnostics');
  assert.is(r.exitCode, 0);
  return exe;
}

// Built once, on first use inside a test: uvu reports a failing before-hook as a pass.
let threads: Promise<string> | undefined;
let signals: Promise<string> | undefined;

/** The size of the shared trampoline in the built program, from its symbol table. */
async function trampolineSize(exe: string): Promise<number> {
  const nm = (await have('nm')) ? 'nm' : 'llvm-nm';
  const r = await execa(nm, ['-S', exe], { reject: false });
  const line = String(r.stdout).split('\n').find((l) => / __icc_sysv_trampoline$/.test(l));
  assert.ok(line, `${nm} -S lists __icc_sysv_trampoline`);
  return parseInt(line.trim().split(/\s+/)[1], 16);
}

/** The number printed after `label` on its own line of the program's output. */
function figure(text: string, label: string): number {
  const m = text.match(new RegExp(`^${label}: (\\d+)`, 'm'));
  assert.ok(m, `output has "${label}: N"\n${text}`);
  return Number(m[1]);
}

test('8 threads x 1,000,000 calls through one interceptor, detection racing', async () => {
  const exe = await (threads ??= build('threads', ['-pthread']));
  const r = await run(exe);
  const text = String(r.stdout);
  assert.not.match(text, /FAIL/, text);
  for (let t = 0; t < 8; t++) assert.match(text, new RegExp(`^thread ${t}: 1000000 ok, 0 wrong$`, 'm'), text);
  // No call had been made when the threads were started and parked.
  assert.match(text, /^width at start 0$/m);
  // However the detections raced, every one of them settled on this CPU's width.
  assert.match(text, new RegExp(`^widths after the rounds: ${WIDTH_NAMES[hostWidth]}$`, 'm'), text);
  assert.match(text, /^calls 8000000 ok 8000000 wrong 0$/m);
  assert.match(text, /^core calls 8000000$/m, 'the core ran exactly once per call');
  assert.is(r.exitCode, 0);
  console.log(`  (${text.match(/^rounds where .*$/m)?.[0]})`);
});

test('signal handlers call interceptors while the interrupted thread is inside one', async () => {
  const exe = await (signals ??= build('signals', []));
  const size = await trampolineSize(exe);
  assert.ok(size > 0);
  const r = await run(exe, [String(size)]);
  const text = String(r.stdout);
  assert.not.match(text, /FAIL/, text);
  assert.match(text, /^main loop: \d+ calls, 0 wrong$/m, text);
  assert.match(text, /^handler: \d+ runs, 0 wrong results$/m, text);
  const runs = figure(text, 'handler');
  const inCore = figure(text, 'signals inside a core');
  const inTrampoline = figure(text, 'signals inside the trampoline');
  const places = figure(text, 'trampoline instructions interrupted');
  const unknown = figure(text, 'signals while the width was unknown');
  console.log(`  (${figure(text, 'main loop')} calls; ${runs} signals: ${inCore} in a core, ${inTrampoline} in the trampoline at ${places} instructions, ${unknown} while the width was unknown)`);
  assert.ok(runs > 100, `the handler ran ${runs} times`);
  assert.ok(inCore > 0, 'some signals interrupted a core');
  assert.ok(inTrampoline > 0, 'some signals interrupted the trampoline itself');
  assert.is(r.exitCode, 0);
});

test.run();
