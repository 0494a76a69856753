// AArch64 Linux under qemu-aarch64: what the x86-64 trampoline tests prove,
// for asm/aarch64.S. Exceptions from the core reach the caller and a backtrace
// from the core shows it (gdb-multiarch against qemu-aarch64 -g, and the
// unwinder's own _Unwind_Backtrace; through the SVE path's variable frame and
// the light path too); a null target stops with the x86-64 message;
// callee-saved registers survive a core that clobbers everything; BTI and PAC
// hold on guarded pages on every path; the logger example runs; README's cost
// table is what qemu executes; unsupported Arm targets are refused by name.
// The ABI torture and forms tests have their own AArch64 rows.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { fixtures, icc, iccOk, iccxx, iccxxPaths, qemuAarch64, requireAarch64, requireTool, root, scratch } from '../helpers.js';
import { CAUGHT, checkDebugBacktraces, gdbBacktraces } from '../unwinding.js';
import { abiForTarget } from '../../lib/trampoline.js';
import { aarch64Costs } from '../../bench/aarch64.js';

const test = suite('aarch64');
const TARGET = '--target=aarch64-linux-gnu';
const src = (dir: string, file: string): string => path.join(fixtures, dir, file);
const qemu = (cpu: string, exe: string, args: string[] = []): Promise<Result> =>
  execa('qemu-aarch64', qemuAarch64(cpu, exe, args), { reject: false, stripFinalNewline: false });
/** The CPUs every run-time check runs on: no SVE (NEON path), and SVE at 128 and 512 bits. */
const CPUS = ['cortex-a57', 'max,sve-default-vector-length=16', 'max,sve-default-vector-length=64'];

for (const opt of ['-O0', '-O2']) {
  test(`exceptions from the core and the target reach the caller at ${opt}`, async () => {
    if (!(await requireAarch64())) return;
    const { dir: out, cleanup } = scratch('a64-unwind');
    try {
      const exe = path.join(out, 'unwind');
      await iccOk([TARGET, opt, src('trampoline', 'unwind.cpp'), src('trampoline', 'unwind-main.cpp'), '-o', exe]);
      for (const cpu of CPUS) {
        const r = await qemu(cpu, exe);
        assert.is(String(r.stdout), CAUGHT, cpu);
        assert.is(r.exitCode, 0, `${cpu}: ${r.stderr}`);
      }
    } finally {
      cleanup();
    }
  });

  // gdb-multiarch against qemu-aarch64 -g. qemu 7.2's gdb stub has no pointer-authentication
  // mask for gdb, which then cannot strip a signed return address (on Linux it reads it with
  // ptrace), so these CPUs have PAC off; the _Unwind_Backtrace test below covers signed frames.
  test(`gdb: a backtrace from the core (NEON and SVE frames) and from the target shows the caller, at ${opt}`, async () => {
    if (!(await requireAarch64()) || !(await requireTool('gdb-multiarch'))) return;
    const { dir: out, cleanup } = scratch('a64-gdb');
    try {
      const exe = path.join(out, 'debug');
      await iccOk([TARGET, '-g', opt, src('trampoline', 'debug.cpp'), '-o', exe]);
      for (const cpu of ['cortex-a57', 'max,pauth=off,sve-default-vector-length=64'])
        checkDebugBacktraces(await gdbBacktraces(exe, ['in_core', 'debug_target'], cpu), `${cpu} ${opt}`);
    } finally {
      cleanup();
    }
  });

  test(`_Unwind_Backtrace from the core shows the caller, then main, at ${opt}`, async () => {
    if (!(await requireAarch64())) return;
    const { dir: out, cleanup } = scratch('a64-backtrace');
    try {
      const exe = path.join(out, 'backtrace');
      await iccOk([TARGET, opt, '-rdynamic', src('aarch64', 'backtrace.cpp'), '-o', exe, '-ldl']);
      for (const cpu of CPUS) {
        const r = await qemu(cpu, exe);
        assert.is(String(r.stdout), 'frame _Z10the_calleri\nframe main\nresult 84\n', `${cpu}: ${r.stderr}`);
      }
    } finally {
      cleanup();
    }
  });

  test(`callee-saved x19-x28, x29, sp and d8-d15 survive a core that clobbers everything, at ${opt}`, async () => {
    if (!(await requireAarch64())) return;
    const { dir: out, cleanup } = scratch('a64-canaries');
    try {
      const exe = path.join(out, 'canaries');
      await iccOk([TARGET, opt, src('aarch64', 'canaries.cpp'), src('aarch64', 'canaries.S'), '-o', exe]);
      for (const cpu of CPUS) {
        const r = await qemu(cpu, exe);
        assert.is(String(r.stdout), 'changed=0 target_calls=2 sp_misaligned=0\n', `${cpu} (bits: 0-9 x19-x28, 10 x29, 11 sp, 12-19 d8-d15)`);
        assert.is(r.exitCode, 0, cpu);
      }
    } finally {
      cleanup();
    }
  });

  test(`a null target stops the program naming the interceptor at ${opt}`, async () => {
    if (!(await requireAarch64())) return;
    const { dir: out, cleanup } = scratch('a64-null');
    try {
      const exe = path.join(out, 'null');
      await iccOk([TARGET, opt, src('trampoline', 'null.cpp'), '-o', exe]);
      for (const cpu of ['cortex-a57', 'max']) {
        const r = await qemu(cpu, exe);
        assert.is(String(r.stdout), 'core ran\n', 'the core ran, nothing ran after it');
        assert.ok(String(r.stderr).includes("icc++: interceptor 'ns::Logger(int)' returned a null target\n"), `${cpu}: stderr was ${JSON.stringify(r.stderr)}`);
        assert.is(r.signal, 'SIGABRT', `${cpu}: exit code ${r.exitCode}, signal ${r.signal}`);
      }
    } finally {
      cleanup();
    }
  });
}

test('gdb: a backtrace from a light core and from its target shows the caller', async () => {
  if (!(await requireAarch64()) || !(await requireTool('gdb-multiarch'))) return;
  const { dir: out, cleanup } = scratch('a64-gdb-light');
  try {
    const exe = path.join(out, 'debug');
    const built = await iccxxPaths([TARGET, '-g', '-O2', src('light', 'debug.cpp'), '-o', exe]);
    assert.is(built.result.exitCode, 0, String(built.result.stderr));
    assert.is(built.paths.get('_ZN2ns5LightEi'), 'light path');
    const { transcript, stops } = await gdbBacktraces(exe, ['rbreak:__core_Light', 'light_target'], 'max,pauth=off');
    assert.match(transcript, /exited normally/, transcript);
    assert.is(stops.length, 2, transcript);
    const [inCore, inTarget] = stops;
    assert.match(inCore.join('\n'), /^#0 +ns::__core_Light_\w+ \(\)[^\n]*\n#1 [^\n]*__icc_aapcs64_light \(\)\n#2 [^\n]* original_caller \(x=x@entry=4\)[^\n]*\n#3 [^\n]* main \(\)/, inCore.join('\n'));
    assert.match(inTarget.join('\n'), /^#0 +light_target \(x=4\)[^\n]*\n#1 [^\n]* original_caller \(x=x@entry=4\)[^\n]*\n#2 [^\n]* main \(\)/, inTarget.join('\n'));
  } finally {
    cleanup();
  }
});

test('SVE arguments (svfloat32_t, svbool_t) at 128, 256 and 512 bits; SVE-PCS callee-saved z8-z23 and p4-p15 survive', async () => {
  if (!(await requireAarch64())) return;
  const { dir: out, cleanup } = scratch('a64-sve');
  try {
    const sve = [TARGET, '-march=armv8-a+sve', '-O2'];
    const callee = path.join(out, 'callee.o');
    const plain = await execa(process.env.ICC_CLANG ?? 'clang++', [...sve, '-c', src('aarch64', 'sve-callee.cpp'), '-o', callee], { reject: false });
    assert.is(plain.exitCode, 0, String(plain.stderr));
    const exe = path.join(out, 'sve');
    await iccOk([...sve, src('aarch64', 'sve.cpp'), callee, '-o', exe]);
    for (const vl of [16, 32, 64]) {
      const r = await qemu(`max,sve-default-vector-length=${vl}`, exe);
      assert.match(String(r.stdout), new RegExp(`^vl=${vl} through=(\\S+) direct=\\1 cores=1 OK\n$`), `VL ${vl * 8} bits: ${r.stdout}${r.stderr}`);
    }
  } finally {
    cleanup();
  }
});

test('BTI and PAC: -mbranch-protection=standard on guarded pages, through the NEON, SVE, light and null-target paths', async () => {
  if (!(await requireAarch64())) return;
  const { dir: out, cleanup } = scratch('a64-bti');
  try {
    const exe = path.join(out, 'bti');
    const built = await iccxxPaths([TARGET, '-O2', '-mbranch-protection=standard', '-nostartfiles', '-Wl,-z,force-bti', '-Wl,--fatal-warnings', src('aarch64', 'bti.cpp'), '-o', exe]);
    assert.is(built.result.exitCode, 0, String(built.result.stderr));
    const paths = [...built.paths].map(([sym, p]) => `${sym}: ${p.split(':')[0]}`).sort();
    assert.equal(paths, ['_ZN5hooks4LostEi: full path', '_ZN5hooks5QuickEi: light path', '_ZN5hooks7GuardedEi: full path', '_ZN5hooks9QuickLostEi: light path']);
    const notes = await execa('aarch64-linux-gnu-readelf', ['-n', exe], { reject: false });
    if (notes.exitCode === 0) assert.match(String(notes.stdout), /AArch64 feature: BTI, PAC/, 'the program is marked for BTI and PAC');
    for (const cpu of ['max', 'max,sve=off']) {
      const r = await qemu(cpu, exe);
      assert.is(String(r.stdout), 'core ran\nresult 42\ncore ran\nagain 6\nlight 15 3 calls 2\n', `${cpu}: ${r.stderr} (signal ${r.signal})`);
      for (const [mode, name] of [['null', 'hooks::Lost(int)'], ['light-null', 'hooks::QuickLost(int)']]) {
        const stop = await qemu(cpu, exe, [mode]);
        assert.ok(String(stop.stderr).includes(`icc++: interceptor '${name}' returned a null target\n`), `${cpu} ${mode}: ${stop.stderr}`);
        assert.is(stop.signal, 'SIGABRT', `${cpu} ${mode}: signal ${stop.signal}, exit ${stop.exitCode}`);
      }
    }
    // Enforcement is on: the same program dies branching to a function without a landing pad.
    const control = await qemu('max', exe, ['control']);
    assert.is(control.signal, 'SIGILL', `the control call must trap (signal ${control.signal}, exit ${control.exitCode})`);
  } finally {
    cleanup();
  }
});

test('make -C examples/logger run-aarch64', async () => {
  if (!(await requireAarch64())) return;
  const { dir: out, cleanup } = scratch('a64-logger');
  try {
    const r = await execa('make', ['-s', '-C', path.join(fixtures, '../../examples/logger'), `BUILD=${out}`, 'run-aarch64'], { reject: false });
    assert.match(String(r.stdout), /OK: every argument and the return value went through/, String(r.stderr));
    assert.is(r.exitCode, 0);
  } finally {
    cleanup();
  }
});

test('the stub writes only x17; the trampolines write no register but x0-x8 (restored), x16, x17, x29, x30, sp and vector registers (restored), never x18', async () => {
  if (!(await requireAarch64())) return;
  const { dir: out, cleanup } = scratch('a64-registers');
  try {
    const file = path.join(out, 'hooks.cpp');
    writeFileSync(file, 'extern "C" int target(int x) { return x; }\n[[interceptor]] int Hook(int) { goto -> &target; }\n');
    await iccOk([TARGET, '-O2', '-c', file, '-o', path.join(out, 'hooks.o')]);
    const dump = await execa('llvm-objdump', ['-d', '--mattr=+sve,+bti,+pauth', '--no-show-raw-insn', path.join(out, 'hooks.o')]);
    const fns = new Map<string, [string, string][]>();
    let current: [string, string][] = [];
    for (const line of dump.stdout.split('\n')) {
      const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
      if (head) fns.set(head[1], (current = []));
      const m = /^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(line);
      if (m) current.push([m[1], m[2].replace(/\s*\/\/.*$/, '')]);
    }
    assert.equal(fns.get('_Z4Hooki')?.map(([m, o]) => (m === 'b' ? m : `${m} ${o.split(',')[0]}`)), ['bti c', 'adrp x17', 'add x17', 'b'], 'the stub');
    const noDestination = /^(st|cmp|cb|tb|b$|b\.|br|blr|bl$|ret|bti|paciasp|autiasp|hint|brk|nop)/;
    for (const fn of ['__icc_aapcs64_trampoline', '__icc_aapcs64_light']) {
      const insns = fns.get(fn);
      assert.ok(insns && insns.length > 10, `${fn} is in the object`);
      for (const [mnemonic, operands] of insns!) {
        assert.not.match(operands, /\b[xw]18\b/, `${fn}: ${mnemonic} ${operands} touches x18`);
        if (noDestination.test(mnemonic)) continue;
        const written = operands.split(',').slice(0, mnemonic === 'ldp' ? 2 : 1).map((r) => r.trim());
        for (const r of written) {
          assert.ok(/^(x[0-8]|x1[67]|x29|x30|sp|[qzp]\d+(\.\w+)?)$/.test(r), `${fn}: ${mnemonic} ${operands} writes ${r}`);
          // Argument registers are only reloaded, but for x0 on the way to the null-target report.
          if (/^x[0-8]$|^[qzp]/.test(r)) assert.ok(/^ld/.test(mnemonic) || `${mnemonic} ${operands}` === 'add x0, x0, #4',
            `${fn}: ${mnemonic} ${operands}: an argument register is written other than by its restore`);
        }
      }
    }
  } finally {
    cleanup();
  }
});

test("README's per-call cost table is what qemu-aarch64 executes on each path (npm run bench's figures)", async () => {
  if (!(await requireAarch64())) return;
  const costs = await aarch64Costs(icc);
  if (typeof costs === 'string') assert.unreachable(costs);
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  for (const [name, c] of Object.entries(costs as Record<string, { instructions: number; loads: number; stores: number; bytes: string; detections: number[] }>)) {
    const row = `| ${name} | ${c.instructions} | ${c.loads} + ${c.stores} | ${c.bytes.replace(/ bytes$/, '')} |`;
    assert.ok(readme.includes(row), `README.md should have the row ${row}`);
    // SVE is detected on the first call through the full trampoline, never again (the light one has no vector state).
    assert.equal(c.detections, name === 'light' ? [0, 0] : [1, 0], `${name}: mrs ID_AA64PFR0_EL1 in the first and the last call`);
  }
  assert.is(Object.keys(costs).length, 3);
});

test('32-bit Arm, Windows on Arm and Apple arm64 are refused by name', async () => {
  assert.is(abiForTarget('aarch64-linux-gnu'), 'aapcs64');
  assert.is(abiForTarget('aarch64-unknown-linux-gnu'), 'aapcs64');
  assert.is(abiForTarget(undefined, 'arm64'), 'aapcs64');
  for (const t of ['armv7a-linux-gnueabihf', 'arm-linux-gnueabi', 'aarch64-pc-windows-msvc', 'aarch64-w64-mingw32', 'arm64-apple-darwin', 'arm64-apple-macos13', 'aarch64-apple-ios']) {
    assert.throws(() => abiForTarget(t), new RegExp(`not supported yet for target '${t}'`), t);
  }
  const { dir: out, cleanup } = scratch('a64-refused');
  try {
    const file = path.join(out, 'hook.cpp');
    writeFileSync(file, 'void target(int) {}\n[[interceptor]] void hook(int) { goto -> &target; }\n');
    for (const t of ['armv7a-linux-gnueabihf', 'aarch64-pc-windows-msvc', 'arm64-apple-darwin']) {
      const r = await iccxx([`--target=${t}`, '-c', file, '-o', path.join(out, 'hook.o')]);
      assert.is(r.exitCode, 1, t);
      assert.match(String(r.stderr), new RegExp(`^icc\\+\\+: error: interceptors are not supported yet for target '${t}'`, 'm'), t);
      assert.not.match(String(r.stderr), /\n\s+at /, `${t}: no stack trace`);
    }
  } finally {
    cleanup();
  }
});

test.run();
