// The 32-bit x86 light path on COFF (lib/arch/i386-coff-light.ts, read through
// lib/arch/coff-file.ts): mingw programs under 32-bit wine and MSVC objects.
// Cores that call nothing and touch no vector register take the light
// trampoline (vectorcall __m128 arguments, stdcall callee-pop, fastcall, a
// static interceptor, canaries), the others keep the full one (a call, SSE,
// inline, a throw: its exception still reaches the caller). A bigobj object
// (past 65279 sections) with a section of more than 65535 relocations is read
// like a classic one, and the reader agrees with llvm-readobj.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'fs-extra';
import path from 'node:path';
import { execa } from 'execa';
import { CoffFile } from '../../lib/arch/coff-file.js';
import { fixtures, iccOk, iccxxPaths, requireTool, scratch } from '../helpers.js';
import { haveWine32Tools, mingwI686Flags, Wine } from '../wine.js';

const test = suite('i386-coff-light');
const src = path.join(fixtures, 'i386-windows', 'light.cpp');
const canary = path.join(fixtures, 'i386-windows', 'canary.S');
const { dir: out, cleanup } = scratch('i386-coff-light');
const wine = new Wine(() => out);

test.after(async () => {
  await wine.stop();
  cleanup();
});

/** The decisions light.cpp's interceptors get, by COFF symbol (mingw and MSVC decorate C and stdcall
 *  names alike; the C++ ones differ). */
const decisions = (msvc: boolean): Record<string, RegExp> => ({
  'VLight@@36': /^light path$/,
  '_SLight@12': /^light path$/,
  '@FLight@12': /^light path$/,
  [msvc ? '?Local@@YAHH@Z' : '__ZL5Locali']: /^light path$/,
  '_Canary@8': /^light path$/,
  _Calls: /^full path: relocation type 20 \(a call or a jump\)$/,
  'Floats@@36': /^full path: an SSE or MMX instruction/,
  [msvc ? '?Inlined@@YAHH@Z' : '__Z7Inlinedi']: /^full path: inline or template \(COMDAT\)$/,
  '_Throws@12': /^full path: relocation type 20 \(a call or a jump\)$/,
});

/** Compiles light.cpp (or a file that includes it) with icc++ -c, checks every decision, and that each
 *  stub's call in the object names the trampoline its decision says. */
async function compileChecked(flags: string[], object: string, msvc: boolean, source = src): Promise<void> {
  const { result, paths } = await iccxxPaths([...flags, '-msse2', '-mfpmath=sse', '-c', source, '-o', object]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const want = decisions(msvc);
  for (const [symbol, pattern] of Object.entries(want)) assert.match(paths.get(symbol) ?? 'no decision', pattern, symbol);
  assert.is(paths.size, Object.keys(want).length, [...paths].join('\n'));
  const called = await stubCalls(object);
  for (const [symbol, decided] of paths) {
    assert.is(called.get(symbol), decided === 'light path' ? '__icc_i386_ms_light' : '__icc_i386_ms_trampoline', symbol);
  }
}

/** What each stub calls, from llvm-readobj's symbols and relocations: the relocation right after a
 *  function symbol's first byte (the call's opcode), or after endbr32 and the opcode. */
async function stubCalls(object: string): Promise<Map<string, string>> {
  const { symbols, relocations } = await readobj(object);
  const names = new Map(symbols.map((s) => [s.index, s.name]));
  const calls = new Map<string, string>();
  for (const r of relocations) {
    if (r.type !== 'IMAGE_REL_I386_REL32' || !names.get(r.symbol)?.startsWith('__icc_i386_ms_')) continue;
    // (The section's own symbol may share the first stub's address: every symbol there is named.)
    for (const s of symbols) if (s.section === r.section && (s.value === r.offset - 1 || s.value === r.offset - 5)) calls.set(s.name, names.get(r.symbol)!);
  }
  return calls;
}

const expectedRun = [
  'ok vectorcall, light: 60',
  'ok stdcall callee-pop, light: 123',
  'ok stdcall callee-pop, light: 123',
  'ok stdcall callee-pop, light: 123',
  'ok fastcall, light: 1230',
  'ok static, light: 42',
  'ok canaries through the light path: ebx esi edi ebp esp lost (mask): 0',
  'ok canaries: stdcall result, DF clear at the target: 42',
  'ok a call, full: 3',
  'ok SSE, full: 59',
  'ok inline, full: 14',
  'ok stdcall, full: 456',
  'ok caught from a full core: 7',
  'ok every core ran: 23',
  'ALL OK',
  '',
].join('\n');

async function runUnderWine(object: string, linker: 'lld' | 'bfd'): Promise<void> {
  const exe = object.replace(/\.o$/, '.exe');
  await iccOk([...mingwI686Flags(linker), object, canary, '-o', exe]);
  const r = await wine.run(exe);
  assert.is(r.stdout, expectedRun, r.stderr);
  assert.is(r.code, 0, r.stderr);
}

const rows: [string[], 'lld' | 'bfd'][] = [
  [['-O0'], 'lld'],
  [['-O2'], 'bfd'],
  [['-O2', '-g'], 'bfd'],
  [['-O2', '-ffunction-sections', '-fcf-protection'], 'lld'],
];
for (const [flags, linker] of rows) {
  test(`mingw ${flags.join(' ')}: light and full cores decided, the stubs call them, and all run under wine (${linker === 'bfd' ? 'GNU ld' : 'lld'})`, async () => {
    if (!(await haveWine32Tools())) return;
    const object = path.join(out, `light${flags.join('')}.o`);
    await compileChecked([...mingwI686Flags(linker), ...flags], object, false);
    await runUnderWine(object, linker);
  });
}

for (const flags of [['-O2'], ['-O0', '-g']]) {
  test(`--target=i686-pc-windows-msvc ${flags.join(' ')} -c: the light stubs call __icc_i386_ms_light, the others the full trampoline`, async () => {
    if (!(await requireTool('llvm-objdump'))) return;
    await compileChecked(['--target=i686-pc-windows-msvc', ...flags], path.join(out, `light-msvc${flags.join('')}.obj`), true);
  });
}

/** light.cpp plus 66000 globals in sections of their own (-fdata-sections) and a table of their
 *  addresses: LLVM writes bigobj past 65279 sections, and the table's section has more than
 *  65535 relocations (COFF's overflow count). */
async function bigObject(): Promise<string> {
  const file = path.join(out, 'big.cpp');
  const globals = Array.from({ length: 66000 }, (_, i) => `int g${i} = ${i};`);
  const table = `int *table[] = {${Array.from({ length: 66000 }, (_, i) => `&g${i}`).join(', ')}};`;
  fs.writeFileSync(file, `#include ${JSON.stringify(src)}\n${globals.join('\n')}\n${table}\n`);
  return file;
}

test('mingw bigobj with an overflowing relocation count: the same decisions, and it runs under wine', async () => {
  if (!(await haveWine32Tools())) return;
  const object = path.join(out, 'big.o');
  await compileChecked([...mingwI686Flags('lld'), '-O2', '-fdata-sections'], object, false, await bigObject());
  const head = fs.readFileSync(object).subarray(0, 4);
  assert.equal([...head], [0, 0, 0xff, 0xff], 'a bigobj header');
  await runUnderWine(object, 'lld');
});

interface Listed {
  sections: string[];
  symbols: { index: number; name: string; value: number; section: number }[];
  relocations: { section: number; offset: number; type: string; symbol: number }[];
}

/** llvm-readobj's view of an object: section names, symbols (index, name, value, section number) and relocations. */
async function readobj(object: string): Promise<Listed> {
  const { stdout } = await execa('llvm-readobj', ['--sections', '--symbols', '--relocations', object], { maxBuffer: 1 << 30 });
  const text = String(stdout);
  const sections = [...text.matchAll(/^  Section \{\n    Number: (\d+)\n    Name: (.*?) \(/gm)].map((m) => `${m[1]} ${m[2]}`);
  const symbols: Listed['symbols'] = [];
  let index = 0;
  for (const m of text.matchAll(/^  Symbol \{\n    Name: (.*)\n    Value: (\d+)\n    Section: .*\((-?\d+)\)\n(?:.*\n)*?    AuxSymbolCount: (\d+)/gm)) {
    symbols.push({ index, name: m[1], value: Number(m[2]), section: Number(m[3]) });
    index += 1 + Number(m[4]);
  }
  const relocations: Listed['relocations'] = [];
  for (const block of text.matchAll(/^  Section \((\d+)\) .* \{\n((?:    .*\n)*)  \}/gm)) {
    for (const r of block[2].matchAll(/^    0x([0-9A-F]+) (IMAGE_REL_I386_\w+) .* \((\d+)\)$/gm)) {
      relocations.push({ section: Number(block[1]), offset: parseInt(r[1], 16), type: r[2], symbol: Number(r[3]) });
    }
  }
  return { sections, symbols, relocations };
}

const RELOCATION_NAMES: Record<number, string> = { 0x06: 'IMAGE_REL_I386_DIR32', 0x07: 'IMAGE_REL_I386_DIR32NB', 0x0a: 'IMAGE_REL_I386_SECTION', 0x0b: 'IMAGE_REL_I386_SECREL', 0x14: 'IMAGE_REL_I386_REL32' };

test('the COFF reader agrees with llvm-readobj: sections, symbols with aux records and long names, relocations (classic, bigobj, overflow)', async () => {
  if (!(await requireTool('llvm-readobj'))) return;
  const classic = path.join(out, 'reader.obj');
  const big = path.join(out, 'reader-big.obj');
  // MSVC: long section names (.text$<symbol>), .debug$S with SECREL and SECTION relocations under -g.
  await iccOk(['--target=i686-pc-windows-msvc', '-msse2', '-O1', '-g', '-c', src, '-o', classic]);
  await iccOk(['--target=i686-pc-windows-msvc', '-msse2', '-O1', '-fdata-sections', '-c', await bigObject(), '-o', big]);
  for (const object of [classic, big]) {
    const coff = CoffFile.parse(fs.readFileSync(object), 0x14c);
    assert.ok(coff, object);
    const want = await readobj(object);
    assert.equal(coff.sections.map((s) => `${s.number} ${s.name}`), want.sections);
    const line = (s: { index: number; name: string; value: number; section: number }): string => `${s.index} ${s.name} ${s.value} ${s.section}`;
    assert.equal(coff.symbols.map(line), want.symbols.map(line));
    const got = coff.sections.flatMap((s) => coff.relocationsOf(s.number).map((r) => `${s.number} ${r.offset} ${RELOCATION_NAMES[r.type] ?? r.type} ${r.symbol}`));
    assert.equal(got, want.relocations.map((r) => `${r.section} ${r.offset} ${r.type} ${r.symbol}`));
    assert.ok(got.some((r) => / IMAGE_REL_I386_SECREL /.test(r)) || object === big, 'SECREL relocations read (-g)');
    if (object === big) assert.ok(coff.sections.some((s) => coff.relocationsOf(s.number).length > 65535), 'a section past 65535 relocations');
  }
});

test.run();
