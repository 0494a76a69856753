// Dependency files as clang++ writes them. icc++ preprocesses a source with interceptors itself
// (clang -E without the user's -o) and compiles rewritten text from a temp dir, so the target and
// the dep file's name that clang's driver derives from -o or the source must be spelled out: the
// grid below runs icc++ and clang++ over -M/-MM/-MD/-MMD/-Wp,-MD,f/-Wp,-MMD,f, with and without -o,
// -c and compile+link, one and two sources, with and without interceptors, each with a rotating
// choice of -MF, -MT/-MQ and -MP, and compares every file written besides objects and programs,
// byte for byte, with stdout and the exit code. clang++ can't compile an interceptor: its side
// builds a twin source with the same name and includes and a plain function in its place. No
// difference remains to explain.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { icc, scratch, writeTree } from '../helpers.js';

const test = suite('depfiles');
const { dir, cleanup } = scratch('depfiles');
test.after(cleanup);

const header = { 'a.h': '#pragma once\n#include "sub/b.h"\ninline int a() { return b(); }\n', 'sub/b.h': 'inline int b() { return 40; }\n' };
/** x.cpp has main; y.cpp is the second source. `hooked`: the interceptor versions (icc++'s side). */
function sources(hooked: boolean): Record<string, string> {
  const hello = hooked ? '[[interceptor]] int Hello(int) { goto -> &answer; }' : 'int Hello(int x) { return answer(x); }';
  const other = hooked ? '[[interceptor]] int Other(int) { goto -> &answer; }' : 'int Other(int x) { return answer(x); }';
  return {
    ...header,
    'x.cpp': `#include <stddef.h>\n#include "a.h"\nextern "C" int answer(int x) { return x + a(); }\n${hello}\nint main() { return Hello(2) == 42 ? 0 : 1; }\n`,
    'y.cpp': `#include "sub/b.h"\nextern "C" int answer(int x);\n${other}\n`,
  };
}

const MODES = [['-M'], ['-MM'], ['-MD'], ['-MMD'], ['-Wp,-MD,wp.d'], ['-Wp,-MMD,wp.d']];
const FILES = [[], ['-MF', 'named.d']];
const TARGETS = [[], ['-MT', 'tgt one'], ['-MQ', 'q u$ote']];
const PHONY = [[], ['-MP']];
/** -o names with a space and a $: the driver quotes the target it derives from them. */
const OUTPUT = { c: ['-o', 'o u$t.o'], link: ['-o', 'pro g$'] };

interface Case {
  args: string[];
  hooked: boolean;
}

function grid(): Case[] {
  const cases: Case[] = [];
  let k = 0;
  for (const mode of MODES)
    for (const hooked of [false, true])
      for (const stage of ['c', 'link'] as const)
        for (const withOutput of [false, true])
          for (const inputs of [['x.cpp'], ['x.cpp', 'y.cpp']]) {
            if (stage === 'link' && (mode[0] === '-M' || mode[0] === '-MM')) continue; // -M/-MM stop after preprocessing: -c is the same command
            const variant = k++;
            const extra = [...FILES[variant % 2], ...TARGETS[Math.floor(variant / 2) % 3], ...PHONY[Math.floor(variant / 6) % 2]];
            const args = [...mode, ...extra, ...(stage === 'c' ? ['-c'] : []), ...inputs, ...(withOutput ? OUTPUT[stage] : [])];
            cases.push({ args, hooked });
          }
  return cases;
}

interface Written {
  result: Result;
  /** Every file the command wrote, by name; objects and programs as '(binary)'. */
  files: Map<string, string>;
}

async function runIn(where: string, compiler: string, c: Case, hooked: boolean): Promise<Written> {
  fs.removeSync(where);
  writeTree(where, sources(hooked));
  const before = new Set(listFiles(where));
  const result = await execa(compiler, c.args, { cwd: where, reject: false, stripFinalNewline: false, env: { TMPDIR: path.join(dir, 'tmp') } });
  const files = new Map<string, string>();
  for (const f of listFiles(where).filter((f) => !before.has(f))) {
    const bytes = fs.readFileSync(path.join(where, f));
    files.set(f, bytes.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1')) ? '(binary)' : bytes.toString('latin1'));
  }
  return { result, files };
}

function listFiles(where: string): string[] {
  return fs.readdirSync(where, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(where, f)).isFile()).sort();
}

const show = (w: Written): string => [...w.files].map(([f, t]) => `--- ${f}\n${t}`).join('\n');

test('icc++ writes the dep files clang++ writes, over the whole grid', async () => {
  fs.mkdirpSync(path.join(dir, 'tmp'));
  const cases = grid();
  let compared = 0;
  // Two at a time: the machine's cores, not more.
  const lanes = [0, 1].map(async (lane) => {
    for (let n = lane; n < cases.length; n += 2) {
      const c = cases[n];
      const mine = await runIn(path.join(dir, `icc-${lane}`), icc, c, c.hooked);
      const theirs = await runIn(path.join(dir, `clang-${lane}`), 'clang++', c, false);
      const what = `${c.hooked ? 'with interceptors' : 'plain'}: ${c.args.join(' ')}`;
      assert.is(mine.result.exitCode, theirs.result.exitCode, `${what}: exit code\n${mine.result.stderr}`);
      assert.is(String(mine.result.stdout), String(theirs.result.stdout), `${what}: stdout`);
      assert.is(show(mine), show(theirs), `${what}: the files written`);
      for (const [f, text] of mine.files) assert.not.match(text, /icc-|\/tmp\//, `${what}: ${f} names a temp file`);
      compared++;
    }
  });
  await Promise.all(lanes);
  assert.is(compared, cases.length);
  assert.equal(fs.readdirSync(path.join(dir, 'tmp')), [], 'no temp files left');
});

test.run();
