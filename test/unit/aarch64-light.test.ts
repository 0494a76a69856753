// The AArch64 light-path check's instruction classes (lib/arch/aarch64-light.ts),
// on encodings taken from the assembler: what touches no vector register and
// stays in the core passes; the rest keeps the full path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { whyNotLightInstruction } from '../../lib/arch/aarch64-light.js';

const passes: [string, number][] = [
  ['ret', 0xd65f03c0], ['add x0, x1, #4', 0x91001020], ['ldr x0, [x1, #8]', 0xf9400420],
  ['stp x29, x30, [sp, #-16]!', 0xa9bf7bfd], ['bti c', 0xd503245f], ['paciasp', 0xd503233f],
  ['mrs x0, tpidr_el0', 0xd53bd040], ['ldadd x0, x1, [x2]', 0xf8200041], ['madd x0, x1, x2, x3', 0x9b020c20],
  ['b.eq +8', 0x54000040], ['cbz x0, +8', 0xb4000040],
];
const fails: [string, number][] = [
  ['ldr q0, [x0]', 0x3dc00000], ['fmov d0, x0', 0x9e670000], ['bl', 0x94000000], ['blr x8', 0xd63f0100],
  ['br x16', 0xd61f0200], ['svc #0', 0xd4000001], ['ptrue p0.b (SVE)', 0x2518e3e0], ['msr tpidr_el0, x0', 0xd51bd040],
  ['ld1 {v0.16b}, [x0]', 0x4c407000],
];

test('instructions that leave vector registers alone and stay in the core pass', () => {
  for (const [name, insn] of passes) assert.is(whyNotLightInstruction(insn, 0, 64), undefined, name);
});

test('vector, SVE, call, register-branch and system instructions keep the full path', () => {
  for (const [name, insn] of fails) assert.type(whyNotLightInstruction(insn, 0, 64), 'string', name);
});

test('a b within the core passes, a b out of it does not', () => {
  assert.is(whyNotLightInstruction(0x14000002, 8, 64), undefined, 'b +8 from +8');
  assert.type(whyNotLightInstruction(0x14000010, 8, 64), 'string', 'b +64 from +8: past the end');
  assert.type(whyNotLightInstruction(0x17fffffe, 4, 64), 'string', 'b -8 from +4: before the start');
});

test.run();
