// 32-bit Windows: --target=i686-w64-mingw32 programs and DLLs run under 32-bit
// wine (interceptors declared in every Windows convention and called by their
// decorated names, canaries, exceptions from cores, the null-target report, the
// forms fixture, the ABI torture suite's Windows conventions (a third of them on
// the light path), the examples with a stdcall proxy DLL) and
// --target=i686-pc-windows-msvc objects (names, export directives). ICC_ABI_SEED=<n> tries another torture seed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { generateI386, type I386Variant } from '../abi/i386.js';
import { abiForTarget } from '../../lib/trampoline.js';
import { checkWindowsExamples, haveWine32Tools, MINGW, mingwI686Flags, Wine, WINE32 } from '../wine.js';
import { cpuFlags, fixtures, hostWidth, iccOk, iccxx, iccxxPaths, requireTool, root, scratch } from '../helpers.js';

const test = suite('i386-windows');
const src = (file: string): string => path.join(fixtures, 'i386-windows', file);
const { dir: out, cleanup } = scratch('i386-windows');
const wine = new Wine(() => out);

test.before(async () => {
  // The torture builds are the slow part of this file: start them now, beside the wine tests.
  if (process.env.CI || (fs.existsSync(WINE32) && fs.existsSync(MINGW))) for (const v of variants) torture(v).catch(() => {});
});

test.after(async () => {
  await wine.stop();
  cleanup();
});



test('the trampoline ABI follows the 32-bit Windows target triple', () => {
  for (const t of ['i686-w64-mingw32', 'i386-w64-windows-gnu', 'i686-pc-cygwin']) assert.is(abiForTarget(t), 'i386_mingw', t);
  for (const t of ['i686-pc-windows-msvc', 'i386-pc-win32', 'i686-pc-windows']) assert.is(abiForTarget(t), 'i386_msvc', t);
  assert.is(abiForTarget('i686-linux-gnu'), 'i386_sysv');
  assert.throws(() => abiForTarget('i386-apple-darwin'), /not supported yet for target 'i386-apple-darwin'/);
});

const callsLines = (width: number): string =>
  [
    'ok cdecl long long, double, struct, long double: 1.09951e+12',
    `width ${width}`,
    'ok stdcall, callee-pop: 123',
    'ok stdcall, callee-pop: 123',
    'ok stdcall, callee-pop: 123',
    'ok fastcall: 1234',
    'ok vectorcall __m128: 20',
    'ok thiscall, to a member function: 19',
    'ok a second TU: 450',
    'ok canaries: ebx esi edi ebp esp lost (mask): 0',
    'ok canaries: stdcall result, DF clear at the target: 42',
    'ok caught from the core',
    "ok caught from other.cpp's core",
    'ok every core ran: 9',
    'ALL OK',
    '',
  ].join('\n');

for (const [flags, linker] of [[['-O0'], 'lld'], [['-O2'], 'bfd'], [['-O2', '-g'], 'bfd']] as const) {
  test(`every Windows convention, canaries, exceptions and the null report under wine at ${flags.join(' ')} (${linker === 'bfd' ? 'GNU ld' : 'lld'})`, async () => {
    if (!(await haveWine32Tools())) return;
    const exe = path.join(out, `calls${flags.join('')}-${linker}`, 'calls.exe');
    fs.mkdirpSync(path.dirname(exe));
    await iccOk([...mingwI686Flags(linker), ...flags, src('calls.cpp'), src('other.cpp'), src('canary.S'), '-o', exe]);
    const r = await wine.run(exe);
    assert.is(r.stdout, callsLines(hostWidth));
    // The record holds the COFF symbol: the `_` prefix and stdcall's `@4` included.
    assert.is(r.stderr, "icc++: interceptor '__ZN2ns4NullEi@4' returned a null target\n");
    assert.is.not(r.code, 0);
  });
}

test('-g with GNU ld: an exception from a core reaches a caller placed right after the emitters', async () => {
  if (!(await haveWine32Tools())) return;
  const exe = path.join(out, 'after-emitters', 'after-emitters.exe');
  fs.mkdirpSync(path.dirname(exe));
  await iccOk([...mingwI686Flags('bfd'), '-O2', '-g', src('after-emitters.cpp'), '-o', exe]);
  const r = await wine.run(exe);
  assert.is(r.stdout, '123 1234 12\ncaught from the core\n', r.stderr);
  assert.is(r.code, 0);
});

test('mingw: decorated public symbols, as clang names them on i686', async () => {
  if (!(await requireTool('llvm-nm'))) return;
  const obj = path.join(out, 'names.o');
  await iccOk(['--target=i686-w64-mingw32', '-msse2', '-O2', '-c', src('names.cpp'), '-o', obj]);
  const nm = String((await execa('llvm-nm', [obj])).stdout);
  for (const sym of ['_CLog', '_SLog@16', '@FLog@16', 'VLog@@48', '_TLog', '__ZN2ns3LogEi@4', '__ZN2ns3LogEd', '__icc_i386_ms_trampoline']) {
    assert.match(nm, new RegExp(`^[0-9a-f]+ T ${sym.replace(/[?$@]/g, '\\$&')}$`, 'm'), nm);
  }
  assert.match(nm, /^[0-9a-f]+ B __icc_i386_ms_width$/m);
});

test('extern "C" interceptors named by asm labels: a named stub each (no emitter), in cdecl, stdcall and fastcall', async () => {
  if (!(await haveWine32Tools())) return;
  const exe = path.join(out, 'labels', 'labels.exe');
  fs.mkdirpSync(path.dirname(exe));
  const built = await iccOk([...mingwI686Flags('lld'), '-O2', '-Wall', '-Wextra', src('labels.cpp'), '-o', exe]);
  assert.is(String(built.stderr), '', 'no diagnostics');
  const r = await wine.run(exe);
  assert.is(r.stdout, '149 4 cores\n', r.stderr);
  assert.is(r.code, 0);
  const obj = path.join(out, 'labels', 'labels.o');
  await iccOk([...mingwI686Flags('lld'), '-O2', '-c', src('labels.cpp'), '-o', obj]);
  const nm = String((await execa('llvm-nm', [obj])).stdout);
  for (const sym of ['T sum_hook', 'T scaled_hook', 't diff_hook', 't __icc_core.sum_hook', 't __icc_core.scaled_hook', 't __icc_core.diff_hook']) assert.match(nm, new RegExp(`^[0-9a-f]+ ${sym.replace('.', '\\.')}$`, 'm'), nm);
  assert.not.match(nm, /__icc_emit_/, 'no emitter function');
});

for (const [name, flags, linker] of [['-O0', ['-O0'], 'bfd'], ['-O2', ['-O2'], 'lld'], ['-O1 -g', ['-O1', '-g'], 'bfd']] as const) {
  test(`all forms work under wine at ${name} (i686-w64-mingw32, ${linker === 'bfd' ? 'GNU ld' : 'lld'})`, async () => {
    if (!(await haveWine32Tools())) return;
    const exe = path.join(out, `forms${flags.join('')}`, 'forms.exe');
    fs.mkdirpSync(path.dirname(exe));
    const forms = ['main.cpp', 'a.cpp', 'b.cpp', 'targets.cpp'].map((f) => path.join(fixtures, 'forms', f));
    // dlsym from test/fixtures/i386-windows/compat/dlfcn.h finds the EXE's own exports.
    await iccOk([...mingwI686Flags(linker), '-std=c++17', ...flags, '-I', src('compat'), ...forms, '-Wl,--export-all-symbols', '-o', exe]);
    const r = await wine.run(exe);
    assert.not.match(r.stdout, /FAIL/, r.stdout);
    assert.match(r.stdout, /^InlineHook\n/m);
    assert.match(r.stdout, /^ALL OK$/m);
    assert.is(r.code, 0, r.stderr);
    const negated = await wine.run(exe, { ICC_TEST_NEGATE: '1' });
    assert.match(negated.stdout, /FAIL Choose\(8, 9\): got -8 want 17/);
  });
}

test("a DLL's dllexport interceptors in every convention, called through its import library", async () => {
  if (!(await haveWine32Tools())) return;
  const folder = path.join(out, 'dll');
  fs.mkdirpSync(folder);
  const dll = path.join(folder, 'hooks.dll');
  const implib = path.join(folder, 'libhooks.dll.a');
  // lld: GNU ld 2.40 can't export vectorcall names (`cannot export VLog@@48`; plain clang's too).
  await iccOk([...mingwI686Flags('lld'), '-O2', '-shared', src('names.cpp'), '-o', dll, `-Wl,--out-implib,${implib}`]);
  const exports = await execa('llvm-readobj', ['--coff-exports', dll], { reject: false });
  const names = [...String(exports.stdout).matchAll(/^\s*Name: (\S+)$/gm)].map((m) => m[1]).sort();
  // mingw's export names: without the C underscore, stdcall's @N kept (as clang exports a definition).
  assert.equal(names, ['@FLog@16', 'CLog', 'SLog@16', 'TLog', 'VLog@@48', '_ZN2ns3LogEd', '_ZN2ns3LogEi@4', 'hits']);
  const exe = path.join(folder, 'main.exe');
  await iccOk([...mingwI686Flags('lld'), '-O2', src('names-main.cpp'), implib, '-o', exe]);
  const r = await wine.run(exe);
  assert.is(r.stdout, 'CLog 13 SLog 123 FLog 1234 VLog 20 TLog 19 Log(int) 7 Log(double) 3.5; cores 7\n');
  assert.is(r.code, 0, r.stderr);
});

/** The torture suite's Windows conventions (test/abi/i386.ts): callee.cpp by plain clang++, main.cpp by icc++. */
async function buildTorture(variant: I386Variant): Promise<{ exe: string; count: number }> {
  const dir = path.join(out, `torture-${variant}`);
  fs.mkdirpSync(dir);
  const seed = process.env.ICC_ABI_SEED ? Number(process.env.ICC_ABI_SEED) >>> 0 : 0x1cc5eed;
  const t = generateI386(seed, variant, PER_CONVENTION, 'windows');
  fs.writeFileSync(path.join(dir, 'callee.cpp'), t.callee);
  fs.writeFileSync(path.join(dir, 'main.cpp'), t.main);
  // Mingw's own printf (msvcrt's has no %llx on old Windows); -mavx2 for the __m256 arguments.
  const flags = [...mingwI686Flags('lld'), '-O2', '-w', '-D__USE_MINGW_ANSI_STDIO=1', ...(variant === 'avx' ? ['-mavx2'] : [])];
  const file = (f: string): string => path.join(dir, f);
  const [callee, { result: main, paths }] = await Promise.all([
    execa('clang++', [...flags, '-c', file('callee.cpp'), '-o', file('callee.o')], { reject: false }),
    iccxxPaths([...flags, '-c', file('main.cpp'), '-o', file('main.o')]),
  ]);
  assert.is(callee.exitCode, 0, String(callee.stderr).slice(0, 3000));
  assert.is(main.exitCode, 0, String(main.stderr).slice(0, 3000));
  // The light cores (every third: no call, no vector register), and only they, take the light
  // path (lib/arch/i386-coff-light.ts); their COFF symbols carry the `_` prefix.
  const light = new Set(t.light.map((name) => `_${name}`));
  assert.ok(light.size > 50, `${light.size} light cores`);
  assert.is(paths.size, t.count, `a decision per interceptor (${variant})`);
  for (const [symbol, decided] of paths) {
    if (light.has(symbol)) assert.is(decided, 'light path', `${variant}: ${symbol}`);
    else assert.match(decided, /^full path: an SSE or MMX instruction|^full path: a VEX/, `${variant}: ${symbol}`);
  }
  await iccOk([...flags, file('main.o'), file('callee.o'), '-o', file('torture.exe')]);
  return { exe: file('torture.exe'), count: t.count };
}
const PER_CONVENTION = 200;
const variants: I386Variant[] = cpuFlags.has('avx2') ? ['sse', 'avx'] : ['sse'];
const tortures = new Map<I386Variant, Promise<{ exe: string; count: number }>>();
const torture = (v: I386Variant): Promise<{ exe: string; count: number }> => tortures.get(v) ?? tortures.set(v, buildTorture(v)).get(v)!;

test(`ABI torture under wine: ${PER_CONVENTION} signatures each of cdecl, stdcall, fastcall, thiscall, vectorcall (SSE and AVX builds)`, async () => {
  if (!(await haveWine32Tools())) return;
  // Both builds at once (two processes each), started by test.before.
  const built = await Promise.all(variants.map(torture));
  if (variants.length === 1) console.log('  (the AVX build is skipped: this CPU has no avx2)');
  for (const [i, { exe, count }] of built.entries()) {
    const r = await wine.run(exe);
    const context = `${variants[i]} build under wine`;
    const summary = /^summary: .* signatures=(\d+) failing=(\d+) mismatches=(\d+) cores=(\d+)$/m.exec(r.stdout);
    assert.ok(summary, `${context}: no summary (exit ${r.code})\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-1000)}`);
    const [, signatures, failing, mismatches, cores] = summary.map(Number);
    assert.is(mismatches, 0, `${context}: ${mismatches} mismatches in ${failing} signatures\n${r.stdout.split('\n').filter((l) => l.startsWith('MISMATCH')).slice(0, 12).join('\n')}`);
    assert.is(signatures, count, context);
    assert.is(count, 5 * PER_CONVENTION, context);
    assert.is(cores, count, `${context}: every interceptor's core runs once per call`);
    assert.match(r.stdout, new RegExp(`^width ${hostWidth}$`, 'm'), `${context}: the trampoline chose another vector width`);
    assert.is(r.code, 0, context);
  }
});

test('examples/windows: make run-i686 (the seed example, and an unmodified app.exe with a stdcall proxy DLL)', async () => {
  if (!(await haveWine32Tools())) return;
  if (!(await requireTool('make'))) return;
  const build = path.join(out, 'examples');
  const made = await execa('make', ['-s', '-C', path.join(root, 'examples', 'windows'), `BUILD=${build}`, 'all-i686'], { reject: false, all: true });
  assert.is(made.exitCode, 0, String(made.all));
  const i686 = `${build}-i686`;
  const readobj = String((await execa('llvm-readobj', ['--file-headers', path.join(i686, 'proxied', 'mathlib.dll')], { reject: false })).stdout);
  assert.match(readobj, /Format: COFF-i386/);

  // The same app.exe with the real mathlib.dll and with the proxy (stdcall exports, undecorated).
  await checkWindowsExamples(wine, i686);
  assert.ok(fs.readFileSync(path.join(i686, 'plain', 'app.exe')).equals(fs.readFileSync(path.join(i686, 'proxied', 'app.exe'))), 'app.exe is unmodified');
});

test('--target=i686-pc-windows-msvc -c: decorated and MSVC names, export directives, no unwind tables needed', async () => {
  if (!(await requireTool('llvm-readobj'))) return;
  const obj = path.join(out, 'msvc.obj');
  await iccOk(['--target=i686-pc-windows-msvc', '-msse2', '-O2', '-c', src('names.cpp'), '-o', obj]);
  const readobj = async (...args: string[]): Promise<string> => {
    const r = await execa('llvm-readobj', [...args, obj], { reject: false });
    assert.is(r.exitCode, 0, String(r.stderr));
    return String(r.stdout);
  };
  assert.match(await readobj('--file-headers'), /Format: COFF-i386/);
  const nm = String((await execa('llvm-nm', [obj])).stdout);
  for (const sym of ['_CLog', '_SLog@16', '@FLog@16', 'VLog@@48', '_TLog', '?Log@ns@@YGHH@Z', '?Log@ns@@YANN@Z', '__icc_i386_ms_trampoline']) {
    assert.match(nm, new RegExp(`^[0-9a-f]+ T ${sym.replace(/[?$@]/g, '\\$&')}$`, 'm'), nm);
  }
  // MSVC's export names are the symbols themselves (clang writes /EXPORT:"_SLog@16" for a definition).
  const drectve = await readobj('--coff-directives');
  for (const sym of ['_CLog', '_SLog@16', '@FLog@16', 'VLog@@48', '_TLog', '?Log@ns@@YGHH@Z', '?Log@ns@@YANN@Z', '_hits']) {
    assert.ok(drectve.includes(` -export:"${sym}"`) || drectve.includes(`/EXPORT:${sym}`) || drectve.includes(`/EXPORT:"${sym}"`), `${sym}: ${drectve}`);
  }
  // 32-bit MSVC exceptions walk the fs:[0] chain, not tables: no .eh_frame from the trampoline.
  assert.not.match(await readobj('--sections'), /Name: \.eh_frame/);
});

test('--target=i686-pc-windows-msvc -c: inline and template interceptors (specializations learned through llvm-undname)', async () => {
  if (!(await requireTool('llvm-readobj'))) return;
  const windows = (f: string): string => path.join(fixtures, 'windows', f);
  const [obj, templates] = [path.join(out, 'msvc-forms.obj'), path.join(out, 'msvc-template.obj')];
  await iccOk(['--target=i686-pc-windows-msvc', '-O2', '-c', windows('msvc.cpp'), '-o', obj]);
  await iccOk(['--target=i686-pc-windows-msvc', '-c', windows('msvc-template.cpp'), '-o', templates]);
  const nm = String((await execa('llvm-nm', [obj, templates])).stdout);
  for (const sym of ['?Logger@ns@@YAXH@Z', '?Twice@ns@@YANN@Z', '_CHook', '??$Twice@H@ns@@YAHH@Z', '??$Twice@PAUP@ns@@@ns@@YAPAUP@0@PAU10@@Z']) {
    assert.match(nm, new RegExp(`^[0-9a-f]+ T ${sym.replace(/[?$@]/g, '\\$&')}$`, 'm'), nm);
  }
  // The inline interceptor's stub is a COMDAT keyed by its symbol.
  const sections = String((await execa('llvm-readobj', ['--sections', obj])).stdout).split('Section {');
  const twice = sections.filter((x) => x.includes('Name: .text$?Twice@ns@@YANN@Z ('));
  assert.is(twice.length, 1, sections.join(''));
  assert.match(twice[0], /IMAGE_SCN_LNK_COMDAT/);
});

test('-flto for a 32-bit Windows target with interceptors is a clear error', async () => {
  const r = await iccxx(['--target=i686-w64-mingw32', '-flto', '-c', src('names.cpp'), '-o', path.join(out, 'lto.o')]);
  assert.is(r.exitCode, 1);
  assert.is(String(r.stderr), 'icc++: error: -flto is not supported yet for Windows targets in sources with interceptors\n');
});

test.run();
