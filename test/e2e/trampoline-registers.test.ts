// What the trampoline must preserve and how it starts: callee-saved registers
// of SysV and Microsoft-convention callers (assembler callers with canaries),
// r10 and AL, stack arguments and alignment, endbr64 under -fcf-protection,
// and a vector width detected once per process, not per call.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, have, iccOk, requireTool, run, scratch } from '../helpers.js';

const test = suite('trampoline-registers');
const dir = path.join(fixtures, 'trampoline');
const src = (file: string): string => path.join(dir, file);

async function build(out: string, name: string, args: string[]): Promise<string> {
  const exe = path.join(out, name);
  await iccOk([...args, '-o', exe]);
  return exe;
}

// The cores overwrite rbp, so regs.cpp is built optimised (no frame pointer).
for (const flags of [['-O2'], ['-O1', '-fPIE', '-pie']]) {
  test(`canaries survive SysV and ms_abi callers; r10 and rax reach the target (${flags.join(' ')})`, async () => {
    const { dir: out, cleanup } = scratch('regs');
    try {
      const exe = await build(out, 'regs', [...flags, '-fomit-frame-pointer', src('regs.cpp'), src('regs.S')]);
      const r = await run(exe);
      const text = String(r.stdout);
      assert.not.match(text, /FAIL/, text);
      for (const pass of ['detecting', 'cached']) {
        const block = text.split(`pass ${pass}\n`)[1]?.split('pass ')[0] ?? '';
        assert.match(block, /^ok sysv caller: result 0x1b7b \(want 0x1b7b\), lost: none$/m, text);
        assert.match(block, /^ok ms_abi caller: result 0x9fbf1 \(want 0x9fbf1\), lost: none$/m, text);
        assert.match(block, /^ok sysv caller, parameter-reading core: result 0x1b7b \(want 0x1b7b\), lost: none$/m, text);
        assert.match(block, /^ok sysv caller, parameters as the body read them: result 0x1b7b/m, text);
        assert.match(block, /^ok ms_abi caller, parameter-reading core: result 0x9fbf1 \(want 0x9fbf1\), lost: none$/m, text);
        assert.match(block, /^ok ms_abi caller, parameters as the body read them: result 0x9fbf1/m, text);
        assert.match(block, /^ok ms_abi caller, SysV parameter-reading core: result 0x9fbf1 \(want 0x9fbf1\), lost: none$/m, text);
        assert.match(block, /^ok r10 \(static chain\): result 0x1234567890abcdef/m, text);
        assert.match(block, /^ok rax \(AL: vector count\): result 0xfedcba987654305/m, text);
      }
      assert.is(r.exitCode, 0);
    } finally {
      cleanup();
    }
  });
}

for (const flags of [['-O0'], ['-O2']]) {
  test(`stack arguments, stack alignment and variadic doubles at ${flags.join(' ')}`, async () => {
    const { dir: out, cleanup } = scratch('stack');
    try {
      const exe = await build(out, 'stack', [...flags, src('stack.cpp')]);
      const r = await run(exe);
      assert.is(String(r.stdout), [
        'ok 18 arguments, 4 on the stack: got 11540085.8125 want 11540085.8125',
        'printf 1.250 2.500 3.125',
        'ok stack 16-byte aligned in the target: got 0 want 0',
        'variadic printf 0.50 -3.25 42 end',
        'ok variadic, 10 doubles (8 in registers, AL = 8): got 385 want 385',
        '',
      ].join('\n'));
      assert.is(r.exitCode, 0, String(r.stderr));
    } finally {
      cleanup();
    }
  });
}

/** Disassembles a file (or one symbol of it) with llvm-objdump, or GNU objdump where that is missing. */
async function objdump(file: string, symbol?: string): Promise<string> {
  const llvm = await have('llvm-objdump');
  const only = symbol ? [llvm ? `--disassemble-symbols=${symbol}` : `--disassemble=${symbol}`] : [];
  const r = await execa(llvm ? 'llvm-objdump' : 'objdump', ['-d', '--no-show-raw-insn', ...only, file], { reject: false });
  assert.is(r.exitCode, 0, String(r.stderr));
  return String(r.stdout);
}

/** The instructions of one symbol. */
async function disassemble(file: string, symbol: string): Promise<string[]> {
  const text = await objdump(file, symbol);
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes(`<${symbol}>:`));
  assert.ok(start >= 0, `${symbol} not found in ${file}:\n${text}`);
  return lines.slice(start + 1).filter((l) => /^\s*[0-9a-f]+:/.test(l));
}

test('-fcf-protection=full starts the public symbol with endbr64; without it, no endbr64', async () => {
  const { dir: out, cleanup } = scratch('cet');
  try {
    const cet = await build(out, 'cet', ['-O2', '-fcf-protection=full', src('cached.cpp')]);
    const plain = await build(out, 'plain', ['-O2', '-fcf-protection=none', src('cached.cpp')]);
    const [first] = await disassemble(cet, '_ZN2ns5CountEi');
    assert.match(first ?? '', /endbr64/);
    const [plainFirst] = await disassemble(plain, '_ZN2ns5CountEi');
    assert.not.match(plainFirst ?? '', /endbr64/);
    for (const exe of [cet, plain]) {
      const r = await run(exe);
      assert.match(String(r.stdout), /^sum 45$/m);
      assert.is(r.exitCode, 0, String(r.stderr));
    }
  } finally {
    cleanup();
  }
});

test('the vector width is detected on the first call and cached: CPUID runs once', async () => {
  const { dir: out, cleanup } = scratch('width');
  try {
    // Not position-independent, so gdb can break at the addresses objdump prints.
    const exe = await build(out, 'cached', ['-O2', '-fno-pie', '-no-pie', src('cached.cpp')]);
    const r = await run(exe);
    const text = String(r.stdout);
    assert.match(text, /^width before 0$/m);
    const after = [...text.matchAll(/^width after call \d: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.is(after.length, 5, text);
    assert.ok(after[0] >= 1 && after[0] <= 3, text);
    assert.ok(after.every((w) => w === after[0]), text);

    if (!(await requireTool('gdb'))) return;
    // Every cpuid instruction in the program (glibc's own are in libc.so): each may run at most once
    // over five intercepted calls, and detection must have run one of them.
    const sites = [...(await objdump(exe)).matchAll(/^\s*([0-9a-f]+):\s+cpuid\b/gm)].map((m) => m[1]);
    assert.ok(sites.length > 0, 'the program has cpuid instructions');
    const breaks = sites.flatMap((a, i) => ['-ex', `break *0x${a}`, '-ex', `ignore ${i + 1} 1000`]);
    const gdb = await execa('gdb', ['-nx', '-batch', ...breaks, '-ex', 'run', '-ex', 'info breakpoints', exe], { reject: false });
    const transcript = String(gdb.stdout);
    assert.match(transcript, /^sum 45$/m, transcript);
    const hits = [...transcript.matchAll(/breakpoint already hit (\d+) times?/g)].map((m) => Number(m[1]));
    assert.ok(hits.length > 0, `no cpuid ran:\n${transcript}`);
    assert.ok(hits.every((n) => n === 1), `a cpuid ran more than once:\n${transcript}`);
  } finally {
    cleanup();
  }
});

test.run();
