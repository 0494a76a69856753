// A source on standard input (`-`): whatever icc++ reads from stdin to decide its path must reach
// clang byte for byte, through the native launcher and through the Node driver alone, for -E, -c,
// -S and a link, with and without an interceptor, beside other inputs, and when stdin is empty.
// Without an interceptor the reference is clang++ itself on the same stdin; with one, clang++
// can't build it, so the reference is icc++ on the same source as a file (the path the other
// tests check), and the program's own output.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, icc, inScratch, root, run } from '../helpers.js';

const test = suite('stdin');
const dir = path.join(fixtures, 'stdin');
const source = (name: string): string => fs.readFileSync(path.join(dir, name), 'latin1');

/** The two ways icc++ starts: bin/icc++ (the native launcher, when built) and the Node driver alone. */
const DRIVERS = {
  launcher: (args: string[]) => [icc, args] as const,
  node: (args: string[]) => ['node', [path.join(root, 'bin', 'icc++.mjs'), ...args]] as const,
};
type Driver = keyof typeof DRIVERS;

async function icc_(driver: Driver, args: string[], input: string, cwd: string, env: Record<string, string>): Promise<Result> {
  const [file, words] = DRIVERS[driver](args);
  const r = await execa(file, words, { cwd, input, reject: false, stripFinalNewline: false, env: { ...env, ICC_LAUNCHER_TRACE: '1' } });
  if (driver === 'launcher' && args.includes('-') && fs.existsSync(path.join(root, 'dist', 'icc++-launch'))) {
    // The launcher never reads stdin: a `-` sends the command to Node, which does.
    assert.match(String(r.stderr), /^icc\+\+: launcher: node: /m, 'the launcher passed the command to Node');
  }
  return { ...r, stderr: String(r.stderr).replace(/^icc\+\+: launcher: .*\n/gm, '') } as Result;
}

const clangxx = (args: string[], input: string, cwd: string): Promise<Result> =>
  execa('clang++', args, { cwd, input, reject: false, stripFinalNewline: false });

for (const driver of Object.keys(DRIVERS) as Driver[]) {
  test(`${driver}: no interceptor on stdin: -E, -c, -S and a link give clang++'s results`, () =>
    inScratch(`plain-${driver}`, async (out, env) => {
      const text = source('plain.cpp');
      for (const stage of [['-E'], ['-S', '-o', '-'], ['-fsyntax-only']]) {
        const mine = await icc_(driver, ['-x', 'c++', '-', ...stage], text, out, env);
        const theirs = await clangxx(['-x', 'c++', '-', ...stage], text, out);
        assert.is(mine.exitCode, theirs.exitCode, `${stage.join(' ')}: ${mine.stderr}`);
        assert.is(String(mine.stdout), String(theirs.stdout), `${stage.join(' ')}: the same text`);
      }
      const compiled = await icc_(driver, ['-x', 'c++', '-', '-c', '-o', 'mine.o'], text, out, env);
      assert.is(compiled.exitCode, 0, String(compiled.stderr));
      await clangxx(['-x', 'c++', '-', '-c', '-o', 'theirs.o'], text, out);
      assert.ok(fs.readFileSync(path.join(out, 'mine.o')).equals(fs.readFileSync(path.join(out, 'theirs.o'))), '-c: the same object');
      const linked = await icc_(driver, ['-x', 'c++', '-', '-o', 'prog'], text, out, env);
      assert.is(linked.exitCode, 0, String(linked.stderr));
      const ran = await run(path.join(out, 'prog'));
      assert.is(String(ran.stdout), 'plain 2\n');
      assert.is(ran.exitCode, 3);
    }));

  test(`${driver}: an interceptor on stdin: -E, -c, -S and a link as from the same source in a file`, () =>
    inScratch(`hooked-${driver}`, async (out, env) => {
      const text = source('hooked.cpp');
      fs.writeFileSync(path.join(out, 'hooked.cpp'), text);
      const fromStdin = await icc_(driver, ['-x', 'c++', '-', '-E', '-P'], text, out, env);
      const fromFile = await icc_(driver, ['-E', '-P', 'hooked.cpp'], '', out, env);
      assert.is(fromStdin.exitCode, 0, String(fromStdin.stderr));
      assert.is(String(fromStdin.stdout), String(fromFile.stdout), '-E -P: the same rewritten text');
      assert.not.match(String(fromStdin.stdout), /\[\[interceptor\]\]/);
      const asm = await icc_(driver, ['-x', 'c++', '-', '-S', '-o', 'hooked.s'], text, out, env);
      assert.is(asm.exitCode, 0, String(asm.stderr));
      assert.match(fs.readFileSync(path.join(out, 'hooked.s'), 'latin1'), /__icc_sysv_trampoline/);
      const object = await icc_(driver, ['-x', 'c++', '-', '-c', '-o', 'hooked.o'], text, out, env);
      assert.is(object.exitCode, 0, String(object.stderr));
      for (const [args, name] of [[['-x', 'c++', '-', '-o', 'prog'], 'prog'], [['hooked.o', '-o', 'from-object'], 'from-object']] as const) {
        const built = await icc_(driver, [...args], name === 'prog' ? text : '', out, env);
        assert.is(built.exitCode, 0, String(built.stderr));
        const ran = await run(path.join(out, name));
        assert.is(String(ran.stdout), 'hello from stdin\n', name);
        assert.is(ran.exitCode, 5, name);
      }
    }));

  test(`${driver}: \`-\` among other inputs, with the interceptor on either side`, () =>
    inScratch(`mixed-${driver}`, async (out, env) => {
      const cases = [
        { file: 'helper.cpp', stdin: 'uses-helper.cpp', stdout: 'wrapped\n', code: 7 },
        { file: 'hooked-helper.cpp', stdin: 'plain-main.cpp', stdout: 'wrapped in a file\n', code: 9 },
      ];
      for (const c of cases) {
        const args = [path.join(dir, c.file), '-x', 'c++', '-', '-o', 'prog'];
        const built = await icc_(driver, args, source(c.stdin), out, env);
        assert.is(built.exitCode, 0, `${c.stdin}: ${built.stderr}`);
        const ran = await run(path.join(out, 'prog'));
        assert.is(String(ran.stdout), c.stdout, c.stdin);
        assert.is(ran.exitCode, c.code, c.stdin);
        fs.removeSync(path.join(out, 'prog'));
      }
    }));

  test(`${driver}: an empty stdin gives clang++'s result`, () =>
    inScratch(`empty-${driver}`, async (out, env) => {
      for (const args of [['-E'], ['-c', '-o', 'empty.o'], ['-o', 'prog']]) {
        const mine = await icc_(driver, ['-x', 'c++', '-', ...args], '', out, env);
        const theirs = await clangxx(['-x', 'c++', '-', ...args], '', out);
        assert.is(mine.exitCode, theirs.exitCode, `${args.join(' ')}: ${mine.stderr}`);
        assert.is(String(mine.stdout), String(theirs.stdout), args.join(' '));
        const normal = (s: string): string => s.replace(/\/tmp\/\S+/g, 'TMP').replace(/clang(\+\+)?: error/g, 'E');
        assert.is(normal(String(mine.stderr)), normal(String(theirs.stderr)), `${args.join(' ')}: the same diagnostics`);
      }
    }));
}

test.run();
