import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAMILIES, OPTIONS, lookupFamily, lookupOption } from '../../lib/args/options.js';

const row = (name: string) => {
  const option = OPTIONS.find((candidate) => candidate.name === name);
  if (!option) throw new Error(`no row '${name}'`);
  return option;
};
const phasesOf = (name: string): string => [...row(name).phases].sort().join(' ');

test('the table is sorted by name, with no name twice (lookups rely on it)', () => {
  for (let i = 1; i < OPTIONS.length; i++) {
    const before = OPTIONS[i - 1]!.name;
    const after = OPTIONS[i]!.name;
    assert.ok(before < after, `'${before}' must sort before '${after}'`);
  }
  for (let i = 1; i < FAMILIES.length; i++) assert.ok(FAMILIES[i - 1]!.name < FAMILIES[i]!.name);
});

test('aliases name rows of the table; only multi-arg rows carry a count', () => {
  for (const option of OPTIONS) {
    if (option.alias !== undefined) {
      assert.ok(OPTIONS.some((o) => o.name === option.alias), `${option.name} → ${option.alias}`);
    }
    assert.is(option.count !== undefined, option.kind === 'multi-arg', option.name);
  }
  assert.is(row('-sectcreate').count, 3);
});

test('every option reaches a step, unless the driver handles it itself (stage, -o, -x)', () => {
  for (const option of OPTIONS) {
    const handled = ['mode', 'output', 'lang'].some((role) => option.roles.has(role as 'mode'));
    assert.ok(option.phases.size > 0 || handled, option.name);
  }
});

test('the longest spelling that accepts the word wins, as in clang', () => {
  const cases: Array<[word: string, name: string, rest: string]> = [
    ['-fsyntax-only', '-fsyntax-only', ''],
    ['-includefoo.h', '-include', 'foo.h'],
    ['-include-pch', '-include-pch', ''],
    ['-Wl,-rpath,/x', '-Wl,', '-rpath,/x'],
    ['-Wall', '-Wall', ''],
    ['-Wextra', '-W', 'extra'],
    ['-O2', '-O', '2'],
    ['-O', '-O', ''],
    ['-O0', '-O0', ''],
    ['-Ofast', '-Ofast', ''],
    ['-MFdep.d', '-MF', 'dep.d'],
    ['-std=c++17', '-std=', 'c++17'],
    ['--target=x86_64-pc-windows-msvc', '--target=', 'x86_64-pc-windows-msvc'],
    ['-xc++', '-x', 'c++'],
    // a separate-only spelling never takes glued text: a shorter joined one does (clang agrees)
    ['-lazy_frameworkX', '-l', 'azy_frameworkX'],
    ['-Xclangfoo', '-X', 'clangfoo'],
  ];
  for (const [word, name, rest] of cases) {
    const match = lookupOption(word);
    assert.is(match?.option.name, name, word);
    assert.is(match?.rest, rest, word);
  }
});

test('words no row accepts are not options of the table', () => {
  assert.is(lookupOption('-mllvmfoo'), undefined); // -mllvm only takes a separate value
  assert.is(lookupOption('-fsyntax-onlyx'), undefined);
  assert.is(lookupOption('-zzz'), undefined);
});

test('value kinds of the options builds use', () => {
  assert.is(row('-I').kind, 'joined-or-separate');
  assert.is(row('-o').kind, 'joined-or-separate');
  assert.is(row('-x').kind, 'joined-or-separate');
  assert.is(row('-isystem').kind, 'joined-or-separate');
  assert.is(row('-MF').kind, 'joined-or-separate');
  assert.is(row('-Xclang').kind, 'separate');
  assert.is(row('-Xlinker').kind, 'separate');
  assert.is(row('-mllvm').kind, 'separate');
  assert.is(row('-target').kind, 'separate');
  assert.is(row('-Wl,').kind, 'comma-joined');
  assert.is(row('-Wp,').kind, 'comma-joined');
  assert.is(row('--target=').kind, 'joined');
  assert.is(row('-Xarch_').kind, 'joined-and-separate');
});

test('what each option affects', () => {
  assert.is(phasesOf('-I'), 'pp');
  assert.is(phasesOf('-D'), 'pp');
  assert.is(phasesOf('-include'), 'pp');
  assert.is(phasesOf('-Wp,'), 'pp');
  assert.is(phasesOf('-MD'), 'pp');
  assert.ok(row('-MD').roles.has('dep'));
  assert.is(phasesOf('-std='), 'cc pp');
  assert.is(phasesOf('-O'), 'cc ld pp'); // __OPTIMIZE__, and -flto links optimise
  assert.is(phasesOf('-march='), 'cc ld pp');
  assert.is(phasesOf('-fsanitize='), 'cc ld pp'); // __has_feature, runtime libraries
  assert.is(phasesOf('-Wa,'), 'cc');
  assert.is(phasesOf('-Xclang'), 'cc pp');
  assert.is(phasesOf('-stdlib='), 'ld pp'); // include paths and libraries, nothing for a .ii
  assert.is(phasesOf('-Wl,'), 'ld');
  assert.ok(row('-Wl,').roles.has('link-input'));
  assert.ok(row('-l').roles.has('link-input'));
  assert.is(phasesOf('-L'), 'ld');
  assert.is(phasesOf('-shared'), 'ld');
  assert.is(phasesOf('-pthread'), 'cc ld pp');
  assert.is(phasesOf('--target='), 'cc ld pp');
  assert.ok(row('-target').roles.has('target'));
  assert.is(row('-target').alias, '--target=');
});

test('stage, output, language and info options are marked for the driver', () => {
  for (const name of ['-E', '-S', '-c', '-fsyntax-only', '-M', '-MM']) {
    assert.ok(row(name).roles.has('mode'), name);
    assert.is(row(name).phases.size, 0, name);
  }
  for (const name of ['--version', '-###', '-dumpmachine', '-print-search-dirs', '--help']) {
    assert.ok(row(name).roles.has('info'), name);
  }
  assert.not.ok(row('-v').roles.has('info')); // -v with inputs still compiles
  assert.not.ok(row('-print-ivar-layout').roles.has('info')); // an Objective-C codegen flag
  assert.ok(row('-o').roles.has('output'));
  assert.ok(row('-x').roles.has('lang'));
});

test('families classify spellings newer than clang 14', () => {
  assert.is(lookupFamily('-fnew-feature')?.name, '-f');
  assert.is(lookupFamily('-mnew-cpu-thing')?.name, '-m');
  assert.ok(lookupFamily('-print-something-new')?.roles.has('info'));
  assert.is(lookupFamily('-f'), undefined);
  assert.is(lookupFamily('-zzz'), undefined);
});

test.run();
