// The light trampoline (asm/x86_64-sysv.S, lib/light.ts): which cores get it,
// that what it runs is correct, that it stops on a null target, that debuggers
// see through it, and that objects icc++ could not check keep the full path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execa } from 'execa';
import { fixtures, iccxx, iccxxPaths, inScratch, requireTool, run, iccOk } from '../helpers.js';

const test = suite('light-path');
const src = (f: string): string => path.join(fixtures, 'light', f);

/** Compiles with ICC_DEBUG and returns each public symbol's path as icc++ decided it. */
async function decisions(args: string[], env: Record<string, string>): Promise<Map<string, string>> {
  const { result, paths } = await iccxxPaths(args, env);
  assert.is(result.exitCode, 0, String(result.stderr));
  return paths;
}

/** What each stub's jump names in the object (llvm-objdump -r): the full trampoline, a light
 *  core (`__icc_light.N`), or, from a light core's null entry, `__icc_sysv_null`. */
async function stubTargets(object: string): Promise<string[]> {
  const { stdout } = await execa('llvm-objdump', ['-r', object]);
  return [...stdout.matchAll(/R_X86_64_PLT32\s+(__icc_[\w.]+?)(?:-0x4)?$/gm)].map((m) => m[1]);
}
const isLightCore = (t: string): boolean => t.startsWith('__icc_light.');

/** Where each defined symbol of an object is: `section index:value`. */
async function symbolPlaces(object: string): Promise<Map<string, string>> {
  const { stdout } = await execa('llvm-readelf', ['-s', '--wide', object]);
  return new Map([...stdout.matchAll(/^\s*\d+: ([0-9a-f]+)\s+\d+ \w+\s+\w+\s+\w+\s+(\d+) (\S+)$/gm)].map((m) => [m[3], `${m[2]}:${m[1]}`]));
}

const LIGHT = ['_Z6Cachedll', '_Z7Countedll'];
const FULL = ['_Z4Loudll', '_Z8TailCallll'];
const BAIL_OUT = 'light path, bailing out to the full path where it calls';

for (const opt of ['-O0', '-O2']) {
  test(`${opt}: cores that call nothing get the light path, cores that may call keep the full one; both run correctly`, () =>
    inScratch('light', async (out, env) => {
      const object = path.join(out, 'd.o');
      const seen = await decisions([opt, '-c', src('decisions.cpp'), '-o', object], env);
      for (const s of LIGHT) assert.is(seen.get(s), 'light path', s);
      for (const s of FULL) assert.match(seen.get(s) ?? 'none', /^full path: /, s);
      // The lazy loader's first call bails out to the full path; at -O0 its code uses the stack everywhere.
      assert.is(seen.get('_Z4Lazyll'), opt === '-O0' ? 'full path: a call' : BAIL_OUT);
      assert.is(seen.get('_Z7WithAsmll'), undefined, 'a core with asm of its own gets no light core at all');
      assert.is(seen.get('_Z8Floatingll'), 'light path', 'legacy SSE keeps the upper halves of ymm/zmm');
      const targets = await stubTargets(object);
      // The bodies with no call syntax are written alone, with no stub: their public symbol is the core.
      assert.is(targets.filter(isLightCore).length, 0, targets.join(' '));
      const at = await symbolPlaces(object);
      for (const [pub, core] of [['_Z6Cachedll', '__icc_light.0'], ['_Z7Countedll', '__icc_light.1'], ['_Z8Floatingll', '__icc_light.5']])
        assert.is(at.get(pub), at.get(core) ?? 'none', `${pub} is defined at ${core}`);
      // The full trampoline: the stubs of FULL, Lazy (whose bail-outs enter it) and WithAsm, and the
      // bail-out pads after the three light cores compiled beside a full core.
      assert.is(targets.filter((t) => t === '__icc_sysv_trampoline').length, FULL.length + 2 + 3, targets.join(' '));
      const exe = path.join(out, 'd');
      await iccOk([object, '-o', exe], { env });
      const r = await run(exe);
      assert.is(String(r.stdout), 'loud\nsum 105 count 1 total 1\n');
      assert.is(r.exitCode, 0);
    }));
}

test('-O2 -fcf-protection: a light core written alone starts with endbr64, its public symbol too; the asm-labelled extern "C" one as well', () =>
  inScratch('light-cet', async (out, env) => {
    const object = path.join(out, 'd.o');
    const seen = await decisions(['-O2', '-fcf-protection', '-c', src('decisions.cpp'), '-o', object], env);
    for (const s of LIGHT) assert.is(seen.get(s), 'light path', s);
    const { stdout } = await execa('llvm-objdump', ['-d', '--no-show-raw-insn', '--section=.text.__icc_light.0', object]);
    assert.match(stdout, /^0000000000000020 <[^>]+>:\n\s+20:\s+endbr64$/m, stdout);
    const at = await symbolPlaces(object);
    assert.is(at.get('_Z6Cachedll')?.split(':')[1], '0000000000000020', 'the public symbol is at the core');
    const exe = path.join(out, 'd');
    await iccOk(['-fcf-protection', object, '-o', exe], { env });
    assert.is(String((await run(exe)).stdout), 'loud\nsum 105 count 1 total 1\n');
  }));

for (const opt of ['-O0', '-O1', '-O2']) {
  test(`${opt}: a light core whose tail jump is not through r11 keeps the full path (what its code does decides)`, () =>
    inScratch('light-busy', async (out, env) => {
      const object = path.join(out, 'busy.o');
      const seen = await decisions([opt, '-c', src('busy.cpp'), '-o', object], env);
      const { stdout } = await execa('llvm-objdump', ['-d', '--no-show-raw-insn', object]);
      const core = stdout.split(/\n(?=\S)/).find((f) => f.includes('<__icc_light.0>:') || f.includes('<_Z4Busyll>:')) ?? '';
      const jumps = [...core.matchAll(/jmpq?\s+\*%(\w+)/g)].map((m) => m[1]);
      // A core written alone that passes jumps to the check before it, which jumps through r11.
      const checked = [...core.matchAll(/jmp\s+0x18 </g)].length;
      assert.ok(jumps.length + checked > 0, core);
      const expected = jumps.every((r) => r === 'r11') ? 'light path' : 'full path: an indirect jump not through r11';
      assert.is(seen.get('_Z4Busyll'), expected, core);
      const exe = path.join(out, 'busy');
      await iccOk([object, '-o', exe], { env });
      assert.is(String((await run(exe)).stdout), '55\n');
    }));
}

for (const flags of [['-O1'], ['-O2'], ['-O2', '-fcf-protection']]) {
  test(`${flags.join(' ')}: lazy loaders resolve once on the full path, then take the fast entry; a store before the call keeps the full path`, () =>
    inScratch('light-lazy', async (out, env) => {
      const exe = path.join(out, 'lazy');
      const seen = await decisions([...flags, src('lazy.cpp'), '-o', exe], env);
      if (flags.includes('-fcf-protection')) {
        // An indirect call may land on the fast entry: it starts with endbr64, as the core did.
        const { stdout } = await execa('llvm-objdump', ['-d', '--no-show-raw-insn', `--disassemble-symbols=_Z4Lazyldld`, exe]);
        assert.match(stdout, /<_Z4Lazyldld>:\n\s+[0-9a-f]+:\s+endbr64\n/, stdout);
      }
      assert.is(seen.get('_Z4Lazyldld'), BAIL_OUT);
      assert.is(seen.get('_Z5Flakyldld'), BAIL_OUT);
      assert.is(seen.get('_Z7Countedldld'), 'full path: a call', 'starting again would count the first call twice');
      const r = await run(exe);
      assert.is(String(r.stdout), 'caught not yet\nsum 500555 resolves 2 calls 1000 attempts 2\n');
      assert.is(r.exitCode, 0);
    }));
}

test('gdb: a backtrace from a lazy loader\'s fast entry and from its target shows the caller', async () => {
  if (!(await requireTool('gdb'))) return;
  await inScratch('light-lazy-gdb', async (out, env) => {
    const exe = path.join(out, 'lazy');
    const seen = await decisions(['-O2', '-g', src('lazy.cpp'), '-o', exe], env);
    assert.is(seen.get('_Z4Lazyldld'), BAIL_OUT);
    // The second call of Lazy takes the fast entry: stop there (by address: it has no line of its own) and in mix.
    const gdb = await execa('gdb', ['-nx', '-batch', '-ex', "break *'_Z4Lazyldld'", '-ex', 'run', '-ex', 'continue', '-ex', 'bt',
      '-ex', 'delete', '-ex', 'break mix', '-ex', 'continue', '-ex', 'bt', '-ex', 'delete', '-ex', 'continue', exe], { reject: false });
    const transcript = `${gdb.stdout}\n${gdb.stderr}`;
    assert.match(transcript, /exited normally/, transcript);
    const stops = transcript.split(/^Breakpoint \d+, /m).slice(1).map((s) => s.split('\n').filter((l) => /^#\d+ /.test(l)));
    assert.is(stops.length, 3, transcript);
    const [, inEntry, inTarget] = stops;
    // At the fast entry: the light core (the body inlined in it), then its caller and main.
    assert.match(inEntry.join('\n'), /^#0 [^\n]*__core_Lazy_\w+ \(\)[^\n]*\n#1 +__icc_light\.0 \(\)[^\n]*\n#2 [^\n]* original_caller \(i=i@entry=1\)[^\n]*\n#3 [^\n]* main \(\)/, inEntry.join('\n'));
    assert.match(inTarget[0] ?? '', /mix \(a=1, /, inTarget.join('\n'));
    assert.match(inTarget[1] ?? '', / original_caller \(i=i@entry=1\)/, inTarget.join('\n'));
  });
});

test('the copy of a body a program never runs is left out at link time, with GNU ld and with lld', () =>
  inScratch('light-exclude', async (out, env) => {
    const object = path.join(out, 'd.o');
    await decisions(['-O2', '-c', src('decisions.cpp'), '-o', object], env);
    const { stdout: headers } = await execa('readelf', ['-SW', object]);
    const excluded = new Set([...headers.matchAll(/\] (\.text\.__icc_light\.\d+(?:\.core|\.stub)?) .* AXE /g)].map((m) => m[1]));
    // Full: the light core goes (WithAsm has none); the lazy loader (3) keeps all three: its bail-outs
    // run the full core. The bodies with no call syntax, 0, 1 and 5, Floating, are written alone: no
    // stub and no full core at all, and what icc++ read to define their symbols goes.
    assert.equal([...excluded].sort(), ['.text.__icc_light.2', '.text.__icc_light.4']);
    assert.not.match(headers, /\.text\.__icc_light\.[015]\.(core|stub)/, 'no full core or stub beside a light core compiled alone');
    assert.match(headers, /\] \.icc_lean\.default .* WAE /);
    for (const linker of ['bfd', 'lld']) {
      const exe = path.join(out, `d-${linker}`);
      await iccOk([`-fuse-ld=${linker}`, object, '-o', exe], { env });
      assert.is(String((await run(exe)).stdout), 'loud\nsum 105 count 1 total 1\n', linker);
      const { stdout: symbols } = await execa('llvm-nm', [exe]);
      const defined = new Set([...symbols.matchAll(/^[0-9a-f]+ [tT] (\S+)$/gm)].map((m) => m[1]));
      for (const gone of ['_Z22__core_Cached_dc2699f9v', '_Z23__core_Counted_dc2699f9v', '__icc_light.2', '__icc_light.4'])
        assert.not.ok(defined.has(gone), `${linker}: ${gone} is still in the program`);
      for (const kept of ['_Z20__core_Loud_dc2699f9v', '__icc_light.0', '__icc_light.5', '_Z20__core_Lazy_dc2699f9v', '__icc_light.3']) assert.ok(defined.has(kept), `${linker}: ${kept} is missing`);
    }
  }));

test('a body compiled alone that calls all the same is compiled again with its full core: diagnostics once, program correct', () =>
  inScratch('light-again', async (out, env) => {
    const object = path.join(out, 'again.o');
    const { result, paths } = await iccxxPaths(['-O2', '-Wall', '-c', src('again.cpp'), '-o', object], env);
    assert.is(result.exitCode, 0, String(result.stderr));
    const stderr = String(result.stderr);
    assert.is(stderr.match(/again\.cpp:15:\d+: warning: unused variable 'unused'/g)?.length, 1, stderr);
    assert.is(stderr.match(/^1 warning generated\.$/gm)?.length, 1, stderr);
    assert.match(stderr, /^icc\+\+: compiling again with a full core beside __icc_light\.0$/m);
    assert.is(paths.get('_Z7Guardedll'), 'full path: a call');
    assert.is(paths.get('_Z7Countedll'), 'light path');
    const { stdout: symbols } = await execa('llvm-nm', [object]);
    assert.match(symbols, / [tT] _Z\d+__core_Guarded_\w+v$/m, 'the full core, for the full path');
    assert.not.match(symbols, /__core_Counted/, 'no full core where the light core alone passed');
    await iccOk([object, '-o', path.join(out, 'again')], { env });
    const r = await run(path.join(out, 'again'));
    assert.is(String(r.stdout), 'wide 1000000000000000000 sum 10 count 1\n');
    assert.is(r.exitCode, 0);
  }));

test('-mavx: floating point in a core is VEX-encoded, so it keeps the full path', () =>
  inScratch('light-avx', async (out, env) => {
    const seen = await decisions(['-O2', '-mavx', '-c', src('decisions.cpp'), '-o', path.join(out, 'd.o')], env);
    assert.match(seen.get('_Z8Floatingll') ?? 'none', /^full path: a VEX\/EVEX instruction/);
    assert.is(seen.get('_Z6Cachedll'), 'light path');
  }));

test('instrumentation that calls (-pg, -finstrument-functions) keeps the full path', () =>
  inScratch('light-pg', async (out, env) => {
    for (const flag of ['-pg', '-finstrument-functions']) {
      const seen = await decisions(['-O2', flag, '-c', src('decisions.cpp'), '-o', path.join(out, 'd.o')], env);
      for (const s of [...LIGHT, ...FULL]) assert.match(seen.get(s) ?? 'none', /^full path: /, `${flag} ${s}`);
    }
  }));

test('compile and link in one command: the temporary object is checked too, and the program runs', () =>
  inScratch('light-link', async (out, env) => {
    const exe = path.join(out, 'd');
    const seen = await decisions(['-O2', src('decisions.cpp'), '-o', exe], env);
    for (const s of LIGHT) assert.is(seen.get(s), 'light path', s);
    assert.is(String((await run(exe)).stdout), 'loud\nsum 105 count 1 total 1\n');
  }));

test('objects icc++ cannot check keep the full path: -flto (bitcode) and -S, and still run', () =>
  inScratch('light-lto', async (out, env) => {
    const exe = path.join(out, 'lto');
    const seen = await decisions(['-O2', '-flto', '-fuse-ld=lld', src('decisions.cpp'), '-o', exe], env);
    assert.is(seen.size, 0, 'no decision on bitcode');
    assert.is(String((await run(exe)).stdout), 'loud\nsum 105 count 1 total 1\n');
    const asm = path.join(out, 'd.s');
    assert.is((await iccxx(['-O2', '-S', src('decisions.cpp'), '-o', asm], { env })).exitCode, 0);
    const object = path.join(out, 'd.o');
    assert.is((await execa('clang++', ['-c', asm, '-o', object], { reject: false })).exitCode, 0);
    const targets = await stubTargets(object);
    assert.ok(targets.includes('__icc_sysv_trampoline') && !targets.some(isLightCore), targets.join(' '));
  }));

for (const opt of ['-O0', '-O2']) {
  test(`${opt}: a null target from a light core stops the program naming the interceptor`, () =>
    inScratch('light-null', async (out, env) => {
      const exe = path.join(out, 'null');
      const seen = await decisions([opt, src('null.cpp'), '-o', exe], env);
      assert.is(seen.get('_ZN2ns5QuietEi'), 'light path');
      const r = await run(exe);
      assert.is(String(r.stdout), 'calling\n', 'nothing ran after the core');
      assert.ok(String(r.stderr).includes("icc++: interceptor 'ns::Quiet(int)' returned a null target\n"), String(r.stderr));
      assert.is(r.signal, 'SIGABRT');
    }));
}

test('gdb: a backtrace from a light core and from its target shows the caller', async () => {
  if (!(await requireTool('gdb'))) return;
  await inScratch('light-gdb', async (out, env) => {
    const exe = path.join(out, 'debug');
    const seen = await decisions(['-O2', '-g', src('debug.cpp'), '-o', exe], env);
    assert.is(seen.get('_ZN2ns5LightEi'), 'light path');
    const gdb = await execa('gdb', ['-nx', '-batch', '-ex', "break '__icc_light.0'", '-ex', 'break light_target',
      '-ex', 'run', '-ex', 'bt', '-ex', 'continue', '-ex', 'bt', '-ex', 'continue', exe], { reject: false });
    const transcript = `${gdb.stdout}\n${gdb.stderr}`;
    assert.match(transcript, /exited normally/, transcript);
    const stops = transcript.split(/^Breakpoint \d+, /m).slice(1).map((s) => s.split('\n').filter((l) => /^#\d+ /.test(l)));
    assert.is(stops.length, 2, transcript);
    const [inCore, inTarget] = stops;
    // The public symbol is the light core itself: no frame of icc++'s between it and the caller.
    // (A core written alone has its C++ name in the debug information: ns::__icc_light_0.)
    assert.match(inCore.join('\n'), /^#0 +(ns::)?__icc_light[._]0 \(\)[^\n]*\n#1 [^\n]* original_caller \(x=x@entry=4\)[^\n]*\n#2 [^\n]* main \(\)/, inCore.join('\n'));
    assert.match(inTarget[0] ?? '', /light_target \(x=4\)/);
    assert.match(inTarget[1] ?? '', / original_caller \(x=x@entry=4\)/, inTarget.join('\n'));
  });
});

test.run();
