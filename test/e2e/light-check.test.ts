// lib/light.ts on hand-written light cores (test/fixtures/light-check/cores.S):
// what it accepts, what it refuses and why, and what it changes in the object.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { selectLightPaths } from '../../lib/light.js';
import { fixtures, inScratch } from '../helpers.js';

const test = suite('light-check');

test('each hand-written core gets the decision its code calls for', () =>
  inScratch('light-check', async (out) => {
    const object = path.join(out, 'cores.o');
    await execa('clang', ['-c', path.join(fixtures, 'light-check', 'cores.S'), '-o', object]);
    const decided = new Map(selectLightPaths(object).map((d) => [d.symbol, d.light ? 'light' : d.reason]));
    assert.equal(Object.fromEntries(decided), {
      tail_r11: 'light',
      restored_rdx: 'an indirect jump not through r11',
      calls: 'a call',
      vex: 'a VEX/EVEX instruction',
      jumps_out: 'a jump out of the core',
      syscall_core: 'a system call or state instruction',
      long_ops: 'light',
      indirect_call: 'a call',
    });
    // The public symbols of light cores now name the cores; the others still name their stubs.
    const { stdout } = await execa('llvm-nm', [object]);
    const address = (name: string): string => new RegExp(`^([0-9a-f]+) \\w ${name.replace('.', '\\.')}$`, 'm').exec(stdout)?.[1] ?? '?';
    const { stdout: sections } = await execa('llvm-objdump', ['-t', object]);
    const sectionOf = (name: string): string => new RegExp(`^\\S+\\s.*\\s(\\S+)\\s+\\S+\\s${name.replace('.', '\\.')}$`, 'm').exec(sections)?.[1] ?? '?';
    assert.is(sectionOf('tail_r11'), '.text.__icc_light.0');
    assert.is(address('tail_r11'), address('__icc_light.0'));
    assert.is(sectionOf('long_ops'), '.text.__icc_light.6');
    assert.is(sectionOf('restored_rdx'), '.text.__icc_light.1.stub');
  }));

test.run();
