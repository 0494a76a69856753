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
    const decided = new Map(selectLightPaths(object).map((d) => [d.symbol, d.bailOut ? 'bail' : d.light ? 'light' : d.reason]));
    assert.equal(Object.fromEntries(decided), {
      tail_r11: 'light',
      restored_rdx: 'an indirect jump not through r11',
      calls: 'a call',
      vex: 'a VEX/EVEX instruction',
      jumps_out: 'a jump out of the core',
      syscall_core: 'a system call or state instruction',
      long_ops: 'light',
      indirect_call: 'a call',
      lazy_bail: 'bail',
      store_first: 'a call',
      writes_rax: 'a call',
      store_after: 'bail',
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
    // A light core that nothing bails out of loses its pad: the section ends with the core.
    const { stdout: headers } = await execa('readelf', ['-SW', object]);
    const sizeOf = (section: string): number => parseInt(new RegExp(`\\] ${section.replace(/\./g, '\\.')} +\\S+ +\\S+ +\\S+ +([0-9a-f]+) `).exec(headers)?.[1] ?? 'NaN', 16);
    const { stdout: symbols } = await execa('readelf', ['-sW', object]);
    const coreSize = Number(/ (\d+) FUNC +\w+ +\w+ +\d+ __icc_light\.0$/m.exec(symbols)?.[1]);
    assert.ok(coreSize > 0 && sizeOf('.text.__icc_light.0') === coreSize, `${coreSize}\n${headers}`);
    assert.is(sizeOf('.text.__icc_light.8'), 0x30 + 12, 'a core that bails out keeps its pad');
  }));

test('a core that calls on one path gets a fast entry past its saves, and that path jumps to the bail-out pad', () =>
  inScratch('light-bail', async (out) => {
    const object = path.join(out, 'cores.o');
    await execa('clang', ['-c', path.join(fixtures, 'light-check', 'cores.S'), '-o', object]);
    selectLightPaths(object);
    const { stdout } = await execa('llvm-objdump', ['-dr', '--no-show-raw-insn', '-j', '.text.__icc_light.8', object]);
    const insns = [...stdout.matchAll(/^\s+([0-9a-f]+):\s+(\S+)\s*([^#\n]*)/gm)].filter((m) => !m[2].endsWith(':')).map((m) => ({ at: parseInt(m[1], 16), op: m[2], args: m[3].trim() }));
    // The public symbol names the first instruction after the saves (push, sub, movaps: 9 bytes).
    assert.match(stdout, /^0000000000000009 <lazy_bail>:/m, stdout);
    const jne = insns.findIndex((i) => i.op === 'jne');
    // The call's path now jumps to the pad; the call's relocation is gone, so the linker can't write over the jump.
    assert.match(`${insns[jne + 1].op} ${insns[jne + 1].args}`, /^jmp 0x[0-9a-f]+ <__icc_light\.8\.bail>$/, stdout);
    assert.not.match(stdout, /R_X86_64_PLT32\s+helper/, stdout);
    // The path that calls nothing leaves where the restores began: `jmp *%r11` written over them.
    const hot = insns.find((i) => i.at === parseInt(/0x([0-9a-f]+)/.exec(insns[jne].args)![1], 16));
    assert.is(`${hot?.op} ${hot?.args}`, 'jmpq *%r11', stdout);
  }));

test.run();
