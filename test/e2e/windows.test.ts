// Microsoft x64: Windows programs and DLLs built with --target=x86_64-w64-mingw32
// and run under wine (register, stack, by-reference, __vectorcall and variadic
// arguments, callee-saved registers, real Win32 functions, SEH unwinding from
// the core, DLL exports), MSVC COFF objects with .pdata/.xdata, the Windows
// examples, and mixed conventions on x86-64 Linux (ms_abi and sysv_abi
// interceptors), which need no wine.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { abiForTarget } from '../../lib/trampoline.js';
import { checkWindowsExamples, Wine } from '../wine.js';
import { fixtures, iccOk, iccxx, mingwFlags, requireTool, root, run, scratch } from '../helpers.js';

const test = suite('windows');
const src = (file: string): string => path.join(fixtures, 'windows', file);

let out = '';
let cleanup = (): void => {};
test.before(() => {
  ({ dir: out, cleanup } = scratch('windows'));
});
test.after(async () => {
  await wine.stop();
  cleanup();
});

const wine = new Wine(() => out);

/** What wine runs and what cross-builds need; skips locally (with a reason) when missing, fails in CI. */
async function haveWindowsTools(): Promise<boolean> {
  for (const tool of ['wine', 'x86_64-w64-mingw32-g++', 'ld.lld']) if (!(await requireTool(tool))) return false;
  return true;
}

test('the trampoline ABI follows the target triple', () => {
  for (const t of ['x86_64-w64-mingw32', 'x86_64-pc-windows-msvc', 'x86_64-w64-windows-gnu', 'x86_64-pc-cygwin']) {
    assert.is(abiForTarget(t), 'ms', t);
  }
  assert.is(abiForTarget('x86_64-pc-linux-gnu'), 'sysv');
  assert.is(abiForTarget(undefined, 'x64'), 'sysv');
  assert.throws(() => abiForTarget('aarch64-w64-mingw32'), /not supported yet for target 'aarch64-w64-mingw32'/);
});

/** Lines every pass of calls.exe prints, at the vector width the trampoline uses in that pass. */
function passLines(width: number): RegExp[] {
  return [
    /^ok 4 register arguments, int and double: got 4576 /m,
    /^ok 10 arguments, 6 on the stack: got 400 /m,
    /^ok 32-byte structs by reference, returned through rcx: got 134\.5 /m,
    /^ok __m128 by reference: got 8780 /m,
    width >= 2 ? /^ok __vectorcall __m256, int, HVA of 2 __m256, __m128: got 2597 /m : /^ok __vectorcall __m256: not at width 1$/m,
    width === 3 ? /^ok __vectorcall __m512d: got 630 /m : /^ok __vectorcall __m512d: not at width [12]$/m,
    /^ok stack 16-byte aligned in the core and the target: got 7 /m,
    /^ok variadic doubles \(read from the integer registers\): got 31\.625 /m,
    /^ok sysv_abi caller and target: got 211 /m,
    /^ok MulDiv from kernel32\.dll via GetProcAddress: got 233 /m,
    /^ok wsprintfA from user32\.dll \(variadic\), "42-abc-ff": got 9 /m,
    /^ok _snprintf from msvcrt\.dll \(variadic doubles\), "1\.25 7 -2\.500": got 13 /m,
    /^ok inline and template interceptors from two TUs: got 2226 /m,
    /^ok assembler caller \(cached\): result 654321, lost: none$/m,
    /^ok SEH unwind from the core: trampoline, then the caller: got 1 /m,
    /^target returns: returned 42\ncore throws: caught from core\ntarget throws: caught from target$/m,
    /^ok every core ran: (\d+) of \1 calls$/m,
  ];
}

/** calls.exe runs every check at the detected width, then at each narrower one (forced). */
function checkCalls(stdout: string): void {
  assert.not.match(stdout, /FAIL/, stdout);
  const head = /^width before 0\nok assembler caller \(detecting\): result 654321, lost: none\nwidth after ([123])\n/.exec(stdout);
  assert.ok(head, stdout);
  const detected = Number(head![1]);
  const passes = stdout.split(/^pass width /m).slice(1);
  assert.equal(passes.map((p) => Number(p[0])), [3, 2, 1].filter((w) => w <= detected), stdout);
  for (const pass of passes) for (const line of passLines(Number(pass[0]))) assert.match(pass, line, pass);
}

for (const [flags, linker] of [[['-O0'], 'lld'], [['-O2'], 'bfd']] as const) {
  test(`Microsoft x64 calls under wine at ${flags.join(' ')} (${linker === 'bfd' ? 'GNU ld' : 'lld'})`, async () => {
    if (!(await haveWindowsTools())) return;
    const exe = path.join(out, `calls-${flags.join('')}-${linker}`, 'calls.exe');
    fs.mkdirpSync(path.dirname(exe));
    // calls.cpp casts interceptors to __vectorcall and sysv_abi types on purpose.
    await iccOk([...mingwFlags(linker), ...flags, '-Wno-cast-calling-convention', src('calls.cpp'), src('calls2.cpp'), src('targets.cpp'), src('canaries.S'), '-o', exe]);
    const r = await wine.run(exe);
    checkCalls(r.stdout);
    assert.is(r.code, 0, r.stderr);
  });
}

// Interceptors that read their parameters (issue 12): the Linux fixture, built for Windows, with the
// same output (__icc_symbol demangled by libstdc++'s __cxa_demangle, which main.cpp calls too).
for (const [flags, linker] of [[['-O0'], 'lld'], [['-O2'], 'bfd']] as const) {
  test(`parameter-reading interceptors under wine at ${flags.join(' ')} (${linker === 'bfd' ? 'GNU ld' : 'lld'})`, async () => {
    if (!(await haveWindowsTools())) return;
    const dir = path.join(fixtures, 'params');
    const exe = path.join(out, `params-${flags.join('')}-${linker}`, 'params.exe');
    fs.mkdirpSync(path.dirname(exe));
    // Mingw's own printf formats long double (msvcrt's can't).
    await iccOk([...mingwFlags(linker), ...flags, '-std=c++17', '-D__USE_MINGW_ANSI_STDIO=1', path.join(dir, 'main.cpp'), path.join(dir, 'other.cpp'), '-o', exe]);
    const r = await wine.run(exe);
    assert.is(r.stdout, fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8'));
    assert.is(r.code, 0, r.stderr);
  });
}

test('a null target under wine stops with the interceptor\'s name', async () => {
  if (!(await haveWindowsTools())) return;
  const exe = path.join(out, 'null', 'null.exe');
  fs.mkdirpSync(path.dirname(exe));
  await iccOk([...mingwFlags('lld'), '-O2', src('null.cpp'), '-o', exe]);
  const r = await wine.run(exe);
  assert.is(r.stdout, 'core ran\n');
  // Demangled when the program links __cxa_demangle (weak reference), else the mangled name.
  assert.match(r.stderr, /icc\+\+: interceptor '(ns::Logger\(int\)|_ZN2ns6LoggerEi)' returned a null target/);
  assert.is.not(r.code, 0);
});

for (const linker of ['lld', 'bfd'] as const) {
  test(`a DLL's dllexport interceptors called from an EXE (${linker === 'bfd' ? 'GNU ld' : 'lld'})`, async () => {
    if (!(await haveWindowsTools())) return;
    const folder = path.join(out, `dll-${linker}`);
    fs.mkdirpSync(folder);
    const dll = path.join(folder, 'hooks.dll');
    const implib = path.join(folder, 'libhooks.dll.a');
    await iccOk([...mingwFlags(linker), '-O2', '-shared', src('hooks-dll.cpp'), '-o', dll, `-Wl,--out-implib,${implib}`]);
    const exports = await execa('llvm-readobj', ['--coff-exports', dll], { reject: false });
    const names = [...String(exports.stdout).matchAll(/^\s*Name: (\S+)$/gm)].map((m) => m[1]).sort();
    assert.equal(names, ['CMulDiv', '_ZN3dll3MixEidididi', 'dll_core_throws', 'dll_hits']);

    const exe = path.join(folder, 'main.exe');
    await iccOk([...mingwFlags(linker), '-O2', src('dll-main.cpp'), implib, '-o', exe]);
    const r = await wine.run(exe);
    assert.is(r.stdout, [
      'Mix through the import library: 146',
      'CMulDiv through the import library: 233',
      'CMulDiv through GetProcAddress: 750',
      'Chain (an interceptor in the EXE) -> CMulDiv: 43',
      "caught from the DLL's target",
      "caught from the DLL's core",
      'Private exported: no',
      'DLL cores ran 6 times',
      '',
    ].join('\n'));
    assert.is(r.code, 0, r.stderr);
  });
}

test('examples/windows: the seed example and the proxy DLL', async () => {
  if (!(await haveWindowsTools())) return;
  if (!(await requireTool('make'))) return;
  const build = path.join(out, 'examples');
  const made = await execa('make', ['-s', '-C', path.join(root, 'examples', 'windows'), `BUILD=${build}`, 'all'], { reject: false, all: true });
  assert.is(made.exitCode, 0, String(made.all));

  await checkWindowsExamples(wine, build);
});

test('--target=x86_64-pc-windows-msvc -c: MSVC names, export directives and .pdata/.xdata', async () => {
  if (!(await requireTool('llvm-readobj'))) return;
  const obj = path.join(out, 'msvc.obj');
  await iccOk(['--target=x86_64-pc-windows-msvc', '-O2', '-c', src('msvc.cpp'), '-o', obj]);
  const readobj = async (...args: string[]): Promise<string> => {
    const r = await execa('llvm-readobj', [...args, obj], { reject: false });
    assert.is(r.exitCode, 0, String(r.stderr));
    return String(r.stdout);
  };
  assert.match(await readobj('--file-headers'), /Format: COFF-x86-64/);

  // The public symbols, defined, with their MSVC names (quoted by LLVM in assembly).
  const nm = String((await execa('llvm-nm', [obj])).stdout);
  for (const sym of ['?Logger@ns@@YAXH@Z', '?Twice@ns@@YANN@Z', 'CHook', '__icc_ms_trampoline']) {
    assert.match(nm, new RegExp(`^[0-9a-f]+ T ${sym.replace(/[?$@]/g, '\\$&')}$`, 'm'), nm);
  }
  assert.match(nm, /^[0-9a-f]+ B __icc_ms_width$/m);

  // dllexport: the directives clang writes for a definition (the inline one is not exported).
  const drectve = await readobj('--coff-directives');
  assert.ok(drectve.includes(' -export:"?Logger@ns@@YAXH@Z"'), drectve);
  assert.ok(drectve.includes(' -export:"CHook"'), drectve);
  assert.not.ok(drectve.includes('Twice'), drectve);

  // The trampoline's unwind information: rbp pushed, then the frame register.
  const unwind = await readobj('--unwind');
  const entry = unwind.split('RuntimeFunction {').find((f) => f.includes('StartAddress: __icc_ms_trampoline'));
  assert.ok(entry, unwind);
  assert.match(entry!, /FrameRegister: RBP/);
  assert.match(entry!, /SET_FPREG reg=RBP, offset=0x0[\s\S]*PUSH_NONVOL reg=RBP/);

  // The inline interceptor's stub is a COMDAT in a section of its own (named after it, as
  // mingw's ld needs); the others share a plain section.
  const sections = (await readobj('--sections')).split('Section {');
  const named = (name: string): string[] => sections.filter((s) => s.includes(`Name: ${name} (`));
  assert.is(named('.text$?Twice@ns@@YANN@Z').length, 1, sections.join(''));
  assert.match(named('.text$?Twice@ns@@YANN@Z')[0], /IMAGE_SCN_LNK_COMDAT/);
  assert.is(named('.text$__icc_stub').length, 1, sections.join(''));
  assert.not.match(named('.text$__icc_stub')[0], /IMAGE_SCN_LNK_COMDAT/);
});

for (const flags of [['-O0'], ['-O2']]) {
  test(`Linux: ms_abi interceptors and sysv_abi ones called from ms_abi code at ${flags.join(' ')}`, async () => {
    const exe = path.join(out, `mixed${flags.join('')}`);
    await iccOk([...flags, src('mixed-linux.cpp'), '-o', exe]);
    const r = await run(exe);
    assert.is(String(r.stdout), [
      'ok ms_abi interceptor, 8 arguments, 4 on the stack: got 214 want 214',
      'ok ms_abi struct by reference and hidden result pointer: got 34.5 want 34.5',
      'ok ms_abi __m128 by reference: got 15 want 15',
      'ok ms_abi variadic doubles: got 59.125 want 59.125',
      'ok sysv_abi interceptor called from ms_abi code: got 292 want 292',
      'target returns: returned 42',
      'core throws: caught from core',
      'target throws: caught from target',
      '',
    ].join('\n'));
    assert.is(r.exitCode, 0, String(r.stderr));
  });
}


test('--target=x86_64-pc-windows-msvc: template specializations are learned from MSVC names', async () => {
  const obj = path.join(out, 'msvc-template.obj');
  await iccOk(['--target=x86_64-pc-windows-msvc', '-c', src('msvc-template.cpp'), '-o', obj]);
  const nm = String((await execa('llvm-nm', [obj])).stdout);
  // Twice<int> and Twice<ns::P *>: both public symbols are defined by their stubs.
  assert.match(nm, /^[0-9a-f]+ T \?\?\$Twice@H@ns@@YAHH@Z$/m, nm);
  assert.match(nm, /^[0-9a-f]+ T \?\?\$Twice@PEAUP@ns@@@ns@@YAPEAUP@0@PEAU10@@Z$/m, nm);
});

test('-flto for a Windows target with interceptors is a clear error', async () => {
  const r = await iccxx(['--target=x86_64-w64-mingw32', '-flto', '-c', src('msvc-template.cpp'), '-o', path.join(out, 'lto.o')]);
  assert.is(r.exitCode, 1);
  assert.is(String(r.stderr), 'icc++: error: -flto is not supported yet for Windows targets in sources with interceptors\n');
});

test.run();
