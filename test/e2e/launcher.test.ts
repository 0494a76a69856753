// The native launcher (bin/launcher.c) decides the fast path without Node. It must never take it
// where the driver would not (an interceptor compiled by plain clang is a build error), and it
// must take it where the driver does for the command lines build systems write, or the build
// pays Node's start-up for nothing. Each case runs bin/icc++ with ICC_LAUNCHER_TRACE=1 and
// compares the launcher's decision with the driver's own scan (lib/scan.ts) on the same files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { classifyArgs } from '../../lib/args/classify.js';
import { mayContainInterceptors, REWRITTEN_LANGUAGES } from '../../lib/scan.js';
import { icc, root, scratch, writeTree } from '../helpers.js';

const test = suite('launcher');
const { dir, cleanup } = scratch('launcher');
test.after(cleanup);

const HOOK = '[[interceptor]] void Logger(void) { goto -> nullptr; }\n';
const files: Record<string, string> = {
  'src/plain.cpp': '#include <vector>\n#include "local.h"\nint main() {}\n',
  'src/local.h': '#pragma once\n#include <lib.h>\ninline int local() { return 1; }\n',
  'inc/lib.h': 'inline int lib() { return 2; }\n',
  'inc2/lib.h': `// the interceptor is in the second lib.h\n${HOOK}`,
  'hooks/hooked.h': HOOK,
  'src/uses-hooked.cpp': '#include "hooked.h"\nint main() {}\n',
  'src/angle-hooked.cpp': '#include <hooked.h>\nint main() {}\n',
  'src/macro.cpp': '#define H "local.h"\n#include H\n',
  'src/next.cpp': '#include_next <lib.h>\n',
  'src/cr-only.cpp': 'int a;\r#include <hooked.h>\rint b;\r',
  'src/crlf.cpp': '#include <vector>\r\n#  include  "local.h"\r\nint c;\r\n',
  'src/commented.cpp': '// no interceptor here, only the word\nint main() {}\n',
  'src/spaced.cpp': '#include " hooked.h\t"\n',
  'src/dotdot.cpp': '#include "../hooks/hooked.h"\n',
  'src/import.cpp': '#import <hooked.h>\n',
  'src/not-a-directive.cpp': '#includes <hooked.h>\nint x; // #include <hooked.h> after code\n',
  'src/main.c': '#include <hooked.h>\n',
  'src/header.hpp': '#include <hooked.h>\n',
  'src/asm.s': '',
};
writeTree(dir, files);
fs.writeFileSync(path.join(dir, 'src/absolute.cpp'), `#include "${path.join(dir, 'hooks/hooked.h')}"\n`);

/** What the launcher did: 'clang' (the fast path) or 'node', and its trace line. */
async function launcherDecision(args: string[], env: Record<string, string> = {}): Promise<{ decision: string; line: string }> {
  // /bin/true stands in for clang: the decision is what is tested, not the compile.
  const r = await execa(icc, args, { cwd: dir, reject: false, env: { ICC_CLANG: '/bin/true', ...env, ICC_LAUNCHER_TRACE: '1' } });
  const line = String(r.stderr).split('\n').find((l) => l.startsWith('icc++: launcher: ')) ?? '';
  return { decision: /^icc\+\+: launcher: (clang|node)/.exec(line)?.[1] ?? 'none', line };
}

/** The driver's decision for the same command: the fast path when its scan clears every source. */
function driverDecision(args: string[]): string {
  const plan = classifyArgs(args);
  const sources = plan.inputs.filter((i) => REWRITTEN_LANGUAGES.has(i.lang));
  return sources.some((i) => mayContainInterceptors(plan, i, dir)) ? 'node' : 'clang';
}

// Command lines as build systems write them, and the corners of the scan: the launcher's
// decision must equal the driver's on each.
const SAME = [
  '-c src/plain.cpp -o plain.o',
  '-Iinc -c src/plain.cpp',
  '-O2 -g -fPIC -std=gnu++17 -DNDEBUG -D FOO=1 -Wall -Wextra -Iinc -isystem inc2 -MD -MT plain.o -MF plain.o.d -o plain.o -c src/plain.cpp',
  '-Wp,-MD,plain.d -c src/plain.cpp',
  '-c src/uses-hooked.cpp',
  '-Ihooks -c src/uses-hooked.cpp',
  '-I hooks -c src/uses-hooked.cpp',
  '--include-directory=hooks -c src/uses-hooked.cpp',
  '-iquote hooks -c src/uses-hooked.cpp',
  '-iquote hooks -c src/angle-hooked.cpp',
  '-isystem hooks -c src/angle-hooked.cpp',
  '-idirafter hooks -c src/angle-hooked.cpp',
  '-idirafterhooks -c src/angle-hooked.cpp',
  '-include hooks/hooked.h -c src/plain.cpp',
  '-imacros hooks/hooked.h -c src/plain.cpp',
  '--include=hooks/hooked.h -c src/plain.cpp',
  '-include missing.h -c src/plain.cpp',
  '-c src/macro.cpp',
  '-Iinc -Iinc2 -c src/next.cpp',
  '-Iinc -c src/next.cpp',
  '-Ihooks -c src/cr-only.cpp',
  '-Iinc -c src/crlf.cpp',
  '-c src/commented.cpp',
  '-Ihooks -c src/spaced.cpp',
  '-c src/dotdot.cpp',
  '-c src/absolute.cpp',
  '-Ihooks -c src/import.cpp',
  '-Ihooks -c src/not-a-directive.cpp',
  '-Ihooks -c src/main.c',
  '-Ihooks src/header.hpp',
  '-Ihooks -c src/asm.s',
  '-Ihooks src/plain.cpp a.o libx.a',
  '-o src/uses-hooked.cpp -Ihooks -c src/plain.cpp',
  '-MF src/uses-hooked.cpp -Ihooks -c src/plain.cpp',
  '-Xclang -ast-dump -Ihooks -c src/plain.cpp',
  '-sectcreate seg sect src/uses-hooked.cpp -Ihooks -c src/plain.cpp',
  '-Ihooks -c src/plain.cpp src/uses-hooked.cpp',
  '-Ihooks -c src/missing.cpp',
  '--frobnicate -Ihooks -c src/plain.cpp',
  '-fsome-new-flag -mavx2 -c src/plain.cpp',
  '-dumpversion',
];

for (const command of SAME) {
  test(`same decision as the driver: icc++ ${command}`, async () => {
    const args = command.split(' ');
    const { decision, line } = await launcherDecision(args);
    assert.is(decision, driverDecision(args), line);
  });
}

// Where the launcher leaves the decision to the driver although the driver may then take the fast
// path itself: it is never wrong to start Node, only slower.
const TO_NODE: { args: string; env?: Record<string, string> }[] = [
  { args: '-x c++ src/plain.cpp -c' },
  { args: '-ObjC++ -c src/plain.cpp' },
  { args: '-c -' },
  { args: '@args.rsp' },
  { args: '--icc-debug -c src/plain.cpp' },
  { args: '-c -- src/plain.cpp' },
  { args: '-c src/plain.cpp', env: { ICC_SCAN: '0' } },
  { args: '-c src/plain.cpp', env: { ICC_DEBUG: '1' } },
  { args: '-c src/plain.cpp', env: { ICC_CLANG: 'no-such-clang' } },
  { args: '--version' }, // the driver prints icc++'s version line after clang's text (lib/about.ts)
  { args: '-v' },
];

for (const { args, env } of TO_NODE) {
  test(`leaves it to the driver: ${Object.entries(env ?? {}).map(([k, v]) => `${k}=${v} `).join('')}icc++ ${args}`, async () => {
    const { decision, line } = await launcherDecision(args.split(' '), env);
    assert.is(decision, 'node', line);
  });
}

// For a source with interceptors, the launcher starts the driver's clang -E before Node, and the
// driver adopts it when it is exactly its own command: the outputs are those of the driver's run.
const hooked = path.join(root, 'test', 'fixtures', 'driver', 'hello.cpp');
fs.copySync(hooked, path.join(dir, 'early', 'hello.cpp'));
fs.mkdirsSync(path.join(dir, 'early', 'sub'));
const EARLY = [
  '-c hello.cpp -o a.o',
  '-O2 -g -DX=1 -Iinc -MD -MT a.o -MF a.d -c hello.cpp -o a.o',
  '-MD -c hello.cpp',
  '-MMD -c hello.cpp -o sub/a.o',
  '-Wall -Wextra -fPIC -std=gnu++17 -fno-color-diagnostics -c hello.cpp -o a.o',
  '-c hello.cpp -o a.o -Wl,--as-needed -lm -pthread',
];
for (const command of EARLY) {
  test(`the driver adopts the launcher's early clang -E, with the same outputs: icc++ ${command}`, async () => {
    const cwd = path.join(dir, 'early');
    const outputs = (): string[] => ['a.o', 'a.d', 'hello.o', 'hello.d', 'sub/a.o', 'sub/a.d'].filter((f) => fs.existsSync(path.join(cwd, f)));
    const run = async (env: Record<string, string>): Promise<{ stderr: string; files: Map<string, Buffer> }> => {
      for (const f of outputs()) fs.removeSync(path.join(cwd, f));
      const r = await execa(icc, command.split(' '), { cwd, reject: false, env: { ...env, ICC_LAUNCHER_TRACE: '1' } });
      assert.is(r.exitCode, 0, String(r.stderr));
      return { stderr: String(r.stderr), files: new Map(outputs().map((f) => [f, fs.readFileSync(path.join(cwd, f))])) };
    };
    const early = await run({});
    assert.match(early.stderr, 'clang -E started early');
    assert.match(early.stderr, 'early clang -E adopted');
    const own = await run({ ICC_NO_EARLY: '1' });
    assert.not.match(own.stderr, 'started early');
    assert.equal([...early.files.keys()], [...own.files.keys()]);
    for (const [f, bytes] of early.files) assert.ok(bytes.equals(own.files.get(f)!), `${f} is the same either way`);
  });
}

for (const command of ['hello.cpp -o prog', '-S hello.cpp', '-c hello.cpp src/plain.cpp', '-E hello.cpp']) {
  test(`no early clang -E where the driver's first step is not one -E of one source for -c: icc++ ${command}`, async () => {
    const { line } = await launcherDecision(command.split(' ').map((w) => (w === 'hello.cpp' ? 'early/hello.cpp' : w)));
    assert.match(line, /^icc\+\+: launcher: node: /);
    assert.not.match(line, 'started early');
  });
}

test('the launcher is built (npm run build) and used by bin/icc++', async () => {
  assert.ok(fs.existsSync(path.join(root, 'dist', 'icc++-launch')), 'dist/icc++-launch exists: scripts/launcher.mjs built it');
  const { decision } = await launcherDecision(['-c', 'src/plain.cpp']);
  assert.is(decision, 'clang');
});

test('the fast path execs clang itself: the process icc++ started is clang, with the arguments as given', async () => {
  const fake = path.join(dir, 'fake-clang');
  fs.writeFileSync(fake, '#!/bin/sh\necho "pid=$$ active=$ICC_ACTIVE args=$*"\n', { mode: 0o755 });
  const child = execa(icc, ['-O2', '-c', 'src/plain.cpp', '-o', 'x y.o'], { cwd: dir, env: { ICC_CLANG: fake } });
  const r = await child;
  assert.is(r.stdout, `pid=${child.pid} active=1 args=-O2 -c src/plain.cpp -o x y.o`);
});

// A build tool's SIGINT reaches the launcher and its early clang -E's waiter at any instant. Before
// the launcher held signals back from creating its temp dir until the waiter forwarded them, 41 of
// 300 such runs left an icc-XXXXXX/args behind (the whole-suite make -j8 test caught one).
test('SIGINT at any instant of the early clang -E: no temp dir left behind', async () => {
  const tmp = fs.mkdtempSync(path.join(dir, 'sigint-'));
  fs.writeFileSync(path.join(tmp, 'hook.cpp'), `${HOOK}int main() {}\n`);
  const env = { ...process.env, TMPDIR: tmp };
  for (let run = 0; run < 120; run++) {
    const child = execa(icc, ['-c', 'hook.cpp', '-o', 'hook.o'], { cwd: tmp, env, detached: true, reject: false });
    // 0-6 ms: from before the launcher's mkdtemp to the driver's start
    await new Promise((resolve) => setTimeout(resolve, (run % 13) * 0.5));
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // already ended
    }
    await child;
  }
  // A waiter still cleaning up after its clang ends: give it a moment.
  const deadline = Date.now() + 5000;
  const left = (): string[] => fs.readdirSync(tmp).filter((f) => f.startsWith('icc-'));
  while (left().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(left(), [], 'no icc-* directory left in TMPDIR');
});

test.run();
