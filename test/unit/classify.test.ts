import os from 'node:os';
import path from 'node:path';
import fse from 'fs-extra';
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyArgs, wordsFor, type OptionItem, type Phase, type Plan } from '../../lib/args/classify.js';
import {
  ResponseFileError,
  expandResponseFiles,
  responseFileQuoting,
  tokenizeGnu,
  tokenizeWindows,
} from '../../lib/args/response-files.js';

const plan = (command: string): Plan => classifyArgs(command.split(' '));
const forPhase = (p: Plan, phase: Phase): string[] => wordsFor(p, (item) => item.phases.has(phase));
const option = (p: Plan, name: string): OptionItem => {
  const found = p.items.find((item): item is OptionItem => item.kind === 'option' && item.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};
const languages = (p: Plan): string[][] => p.inputs.map((input) => [input.word, p.languageOf(input)]);

test('a compile: stage, output, input, and the words each step gets', () => {
  const p = plan('-c -O2 -Iinc -DX=1 a.cpp -o a.o');
  assert.is(p.stage, 'c');
  assert.is(p.output, 'a.o');
  assert.equal(languages(p), [['a.cpp', 'c++']]);
  assert.equal(forPhase(p, 'pp'), ['-O2', '-Iinc', '-DX=1']);
  assert.equal(forPhase(p, 'cc'), ['-O2']);
  assert.is(p.info, false);
});

test('every word lands in exactly one item, in order', () => {
  for (const command of [
    '-c -O2 -Iinc -DX=1 a.cpp -o a.o',
    '-I inc -Xclang -ast-dump -x c++ - -o - -MF d.d -target x86_64-pc-windows-msvc b.c',
    '-fbogus -- -odd.cpp -c',
  ]) {
    const p = plan(command);
    assert.equal(p.items.flatMap((item) => (item.kind === 'input' ? [item.word] : item.words)), command.split(' '));
    let next = 0;
    for (const item of p.items) {
      assert.is(item.index, next);
      next += item.kind === 'input' ? 1 : item.words.length;
    }
  }
});

test('-x c++ - -o -: stdin as C++, written to stdout', () => {
  const p = plan('-x c++ - -o -');
  assert.equal(languages(p), [['-', 'c++']]);
  assert.is(p.output, '-');
  assert.is(p.stage, 'link');
});

test('stdin without -x is C even for clang++, while a .c file is C++', () => {
  assert.equal(languages(plan('-E -')), [['-', 'c']]);
  assert.equal(languages(plan('-c a.c b.h c.i d.ii')), [
    ['a.c', 'c++'],
    ['b.h', 'c++-header'],
    ['c.i', 'c++-cpp-output'],
    ['d.ii', 'c++-cpp-output'],
  ]);
  assert.equal(languages(plan('-c -x c a.c')), [['a.c', 'c']]);
});

test('-x applies to later inputs only, until -x none', () => {
  const p = plan('x.cpp -x c++ a.txt -x none b.o s.S t.s lib.a');
  assert.equal(languages(p), [
    ['x.cpp', 'c++'],
    ['a.txt', 'c++'],
    ['b.o', 'object'],
    ['s.S', 'assembler-with-cpp'],
    ['t.s', 'assembler'],
    ['lib.a', 'object'],
  ]);
});

test('-ObjC makes every source input Objective-C, but not objects', () => {
  assert.equal(languages(plan('a.cpp b.o -ObjC')), [['a.cpp', 'objective-c'], ['b.o', 'object']]);
});

test('dependency flags, including -Wp,-MD,<file>', () => {
  const p = plan('-MD -MF dep.d -MT foo.o -c a.cpp');
  assert.equal(p.depFlags.map((item) => item.words), [['-MD'], ['-MF', 'dep.d'], ['-MT', 'foo.o']]);
  assert.is(option(p, '-MF').value, 'dep.d');
  assert.equal(p.inputs.map((input) => input.word), ['a.cpp']);
  assert.equal(plan('-Wp,-MD,dep.d -c a.cpp').depFlags.map((item) => item.words), [['-Wp,-MD,dep.d']]);
  assert.equal(plan('-Wp,-DX -c a.cpp').depFlags, []);
  assert.is(plan('-M a.cpp').stage, 'E'); // -M and -MM imply -E
});

test('a link line keeps linker inputs in order among the objects', () => {
  const p = plan('-Wl,-rpath,/x -lfoo -L. main.o a.cpp');
  assert.is(p.stage, 'link');
  assert.equal(option(p, '-Wl,').values, ['-rpath', '/x']);
  assert.equal(languages(p), [['main.o', 'object'], ['a.cpp', 'c++']]);
  const objectOf = (input: { word: string }) => [input.word.replace(/\.cpp$/, '.o')];
  const linkLine = wordsFor(p, (item) => item.phases.has('ld'), objectOf);
  assert.equal(linkLine, ['-Wl,-rpath,/x', '-lfoo', '-L.', 'main.o', 'a.o']);
  assert.equal(forPhase(p, 'pp'), []);
});

test('separate values are taken, whatever they look like', () => {
  const p = plan('-I inc -Xclang -ast-dump -c a.cpp');
  assert.equal(option(p, '-I').words, ['-I', 'inc']);
  assert.is(option(p, '-I').value, 'inc');
  assert.equal(option(p, '-Xclang').words, ['-Xclang', '-ast-dump']);
  assert.equal(p.inputs.map((input) => input.word), ['a.cpp']);
  assert.equal(forPhase(p, 'pp'), ['-I', 'inc', '-Xclang', '-ast-dump']);
  assert.equal(forPhase(p, 'cc'), ['-Xclang', '-ast-dump']);
});

test('-std= and aliases of GNU long options', () => {
  assert.is(option(plan('-std=c++17 a.cpp'), '-std=').value, 'c++17');
  const p = plan('--std c++20 --output=out.o --include-directory inc -c a.cpp');
  assert.is(option(p, '--std').canonical, '-std=');
  assert.is(p.output, 'out.o');
  assert.equal(option(p, '--include-directory').phases, new Set(['pp']));
  assert.equal(p.inputs.map((input) => input.word), ['a.cpp']);
});

test('the target, from --target= or -target, last one wins', () => {
  assert.is(plan('--target=x86_64-w64-mingw32 -c a.cpp').target, 'x86_64-w64-mingw32');
  assert.is(plan('-target x86_64-pc-windows-msvc -c a.cpp').target, 'x86_64-pc-windows-msvc');
  const both = plan('--target=x86_64-w64-mingw32 -target x86_64-pc-windows-msvc a.cpp');
  assert.is(both.target, 'x86_64-pc-windows-msvc');
  assert.is(plan('-c a.cpp').target, undefined);
});

test('the stage: -E beats -fsyntax-only beats -S beats -c beats link', () => {
  assert.is(plan('-E -c a.cpp').stage, 'E');
  assert.is(plan('-c -E a.cpp').stage, 'E');
  assert.is(plan('-S -fsyntax-only a.cpp').stage, 'fsyntax-only');
  assert.is(plan('-c -S a.cpp').stage, 'S');
  assert.is(plan('-S -c a.cpp').stage, 'S');
  assert.is(plan('-c a.cpp').stage, 'c');
  assert.is(plan('--compile a.cpp').stage, 'c');
  assert.is(plan('a.cpp').stage, 'link');
  assert.is(plan('-E -c a.cpp').stageOption?.name, '-E');
});

test('unknown options stay, in order, as one word for every step', () => {
  const p = plan('-fbogus -O1 -zzz a.cpp --weird');
  assert.equal(p.inputs.map((input) => input.word), ['a.cpp']);
  assert.equal(forPhase(p, 'pp'), ['-fbogus', '-O1', '-zzz', '--weird']);
  assert.equal(forPhase(p, 'ld'), ['-fbogus', '-O1', '-zzz', '--weird']);
  assert.is(option(p, '-zzz').known, false);
  assert.is(option(p, '-O').known, true);
});

test('-- ends the options; a trailing separate option misses its value', () => {
  const p = plan('-c -- -odd.cpp -');
  assert.equal(p.inputs.map((input) => [input.word, input.afterDoubleDash]), [['-odd.cpp', true], ['-', true]]);
  assert.is(p.output, undefined);
  const q = plan('a.cpp -o');
  assert.is(option(q, '-o').missingValue, true);
  assert.is(q.output, undefined);
});

test('info options make the whole command a pass-through; -v does not', () => {
  for (const command of ['--version', '-### -c a.cpp', '-print-file-name=libc.so', '-dumpmachine', '-print-new-thing']) {
    assert.is(plan(command).info, true, command);
  }
  assert.is(plan('-v -c a.cpp').info, false);
});

const rsp = suite('response files');
let dir = '';
rsp.before.each(() => {
  dir = fse.mkdtempSync(path.join(os.tmpdir(), 'icc-rsp-'));
});
rsp.after.each(() => {
  fse.removeSync(dir);
});
const write = (name: string, text: string) => fse.outputFileSync(path.join(dir, name), text);

rsp('GNU quoting, as clang 14 tokenizes it', () => {
  write('a.rsp', `-DA='x\\y' -DB="p q" -DC=a\\ b '' ""\n\t-Iinc\r\n`);
  assert.equal(expandResponseFiles(['@a.rsp', '-c'], dir, 'gnu'), ['-DA=xy', '-DB=p q', '-DC=a b', '-Iinc', '-c']);
});

rsp('nested response files resolve against the working directory, not their own', () => {
  write('outer.rsp', '-O2 @sub/inner.rsp -c');
  write('sub/inner.rsp', '@leaf.rsp -g');
  write('leaf.rsp', '-DLEAF');
  write('sub/leaf.rsp', '-DWRONG');
  const argv = expandResponseFiles(['@outer.rsp', 'a.cpp'], dir, 'gnu');
  assert.equal(argv, ['-O2', '-DLEAF', '-g', '-c', 'a.cpp']);
  assert.equal(classifyArgs(argv).inputs.map((input) => input.word), ['a.cpp']);
});

rsp('a missing file stays as it is; a file used twice side by side is fine', () => {
  write('x.rsp', '-DX');
  assert.equal(expandResponseFiles(['@nope.rsp', '@x.rsp', '@x.rsp'], dir, 'gnu'), ['@nope.rsp', '-DX', '-DX']);
});

rsp('a response file that includes itself is an error naming the chain', () => {
  write('a.rsp', '-c @b.rsp');
  write('b.rsp', '@a.rsp');
  try {
    expandResponseFiles(['@a.rsp'], dir, 'gnu');
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, ResponseFileError);
    assert.match((error as Error).message, /a\.rsp -> .*b\.rsp -> .*a\.rsp/);
  }
});

rsp('Windows quoting follows the Microsoft rules', () => {
  write('w.rsp', '"C:\\Program Files\\x" a\\\\"b c" "say ""hi""" \\"q\\" "" x');
  const words = expandResponseFiles(['@w.rsp'], dir, 'windows');
  assert.equal(words, ['C:\\Program Files\\x', 'a\\b c', 'say "hi"', '"q"', '', 'x']);
});

rsp.run();

test('tokenizers: edge cases at the end of the text', () => {
  assert.equal(tokenizeGnu('a "b c'), ['a', 'b c']); // an unclosed quote runs to the end
  assert.equal(tokenizeGnu('a\\'), ['a\\']);
  assert.equal(tokenizeWindows('-I ""'), ['-I', '']);
  assert.equal(tokenizeWindows('-I "abc'), ['-I']); // clang 14 drops a word whose quote never closes
  assert.equal(tokenizeWindows('-I abc\\'), ['-I', 'abc\\']);
});

test('the quoting clang would use for response files', () => {
  assert.is(responseFileQuoting(['-c']), 'gnu');
  assert.is(responseFileQuoting(['--rsp-quoting=windows']), 'windows');
  assert.is(responseFileQuoting(['--driver-mode=cl']), 'windows');
  assert.is(responseFileQuoting(['--driver-mode=cl', '--rsp-quoting=posix']), 'gnu');
  assert.is(responseFileQuoting(['--target=x86_64-pc-windows-msvc']), 'gnu'); // the target does not matter
});

test('-Xclang -include / -include-pch pairs affect preprocessing only; other -Xclang options stay with the compile', () => {
  const plan = classifyArgs(['-Xclang', '-include-pch', '-Xclang', 'p.pch', '-Xclang', '-ast-dump', '-c', 'a.cpp']);
  const xclang = plan.items.filter((i): i is OptionItem => i.kind === 'option' && i.canonical === '-Xclang');
  assert.equal(xclang.map((o) => [o.value, [...o.phases].sort()]), [
    ['-include-pch', ['pp']],
    ['p.pch', ['pp']],
    ['-ast-dump', ['cc', 'pp']],
  ]);
});

test.run();
