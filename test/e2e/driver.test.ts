// icc++ as a drop-in clang++: modes, outputs, inputs, passthrough, exit codes,
// clang-shaped errors and no temporary files left behind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, icc, iccxx, inScratch, root, run, iccOk, waitFor } from '../helpers.js';

const test = suite('driver');
const dir = path.join(fixtures, 'driver');
const hello = path.join(dir, 'hello.cpp');

test('-c without -o writes <name>.o in the current directory', () =>
  inScratch('c', async (out, env) => {
    const r = await iccxx(['-c', hello], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    assert.ok(fs.existsSync(path.join(out, 'hello.o')));
    await iccOk(['hello.o', '-o', 'hello'], { cwd: out, env });
    assert.is(String((await run(path.join(out, 'hello'))).stdout), 'hello from the core\n');
  }));

test('-S writes assembly that defines the public symbol with the trampoline', () =>
  inScratch('S', async (out, env) => {
    const r = await iccxx(['-S', '-O2', hello, '-o', 'hello.s'], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    const asm = fs.readFileSync(path.join(out, 'hello.s'), 'utf8');
    assert.match(asm, /\.globl\s+_Z5Helloi\n(.*\n)*_Z5Helloi:\n\s+leaq\s+\.L__icc_rec__Z5Helloi\(%rip\), %r11\n\s+jmp\s+__icc_sysv_trampoline/);
    assert.match(asm, /\.long\s+_Z21__core_Hello_[0-9a-f]{8}v-/, 'the record points at the core');
  }));

test('-E output is plain C++ that plain clang++ builds into the same program', () =>
  inScratch('E', async (out, env) => {
    const r = await iccxx(['-E', hello, '-o', 'hello.ii'], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    const text = fs.readFileSync(path.join(out, 'hello.ii'), 'latin1');
    assert.not.match(text, /\[\[interceptor\]\]/);
    const built = await execa('clang++', ['hello.ii', '-o', 'plain'], { cwd: out, reject: false });
    assert.is(built.exitCode, 0, String(built.stderr));
    const ran = await run(path.join(out, 'plain'));
    assert.is(ran.exitCode, 0);
    assert.is(String(ran.stdout), 'hello from the core\n');
    const toStdout = await iccxx(['-E', hello], { cwd: out, env });
    assert.is(String(toStdout.stdout), text, '-E without -o prints the same text');
  }));

test('-save-temps keeps the rewritten source and the assembly under the source\'s name', () =>
  inScratch('save-temps', async (out, env) => {
    const r = await iccxx(['-save-temps', '-c', hello, '-o', 'hello.o'], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    assert.ok(fs.existsSync(path.join(out, 'hello.s')), 'hello.s');
    const kept = fs.readFileSync(path.join(out, 'hello.ii'), 'latin1');
    assert.match(kept, /__core_Hello_[0-9a-f]{8}\(\)/, 'hello.ii is the rewritten text');
    assert.equal(fs.readdirSync(out).sort(), ['hello.ii', 'hello.o', 'hello.s', 'tmp']);
  }));

test('-fsyntax-only checks the rewritten code and writes nothing', () =>
  inScratch('syntax', async (out, env) => {
    const r = await iccxx(['-fsyntax-only', hello], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    assert.equal(fs.readdirSync(out), ['tmp']);
  }));

test('-o - writes the object to stdout; stdin - with -x c++ is read', () =>
  inScratch('stdio', async (out, env) => {
    const source = fs.readFileSync(hello, 'utf8');
    const r = await execa(icc, ['-x', 'c++', '-c', '-', '-o', '-'], { cwd: out, env, input: source, encoding: 'buffer', reject: false });
    assert.is(r.exitCode, 0, Buffer.from(r.stderr).toString());
    const bytes = Buffer.from(r.stdout);
    assert.is(bytes.subarray(0, 4).toString('latin1'), '\x7fELF');
    fs.writeFileSync(path.join(out, 'stdin.o'), bytes);
    await iccOk(['stdin.o', '-o', 'prog'], { cwd: out, env });
    assert.is((await run(path.join(out, 'prog'))).exitCode, 0);
  }));

test('@response files and several sources in one command', () =>
  inScratch('rsp', async (out, env) => {
    fs.writeFileSync(path.join(out, 'two.cpp'), 'int two() { return 2; }\n');
    fs.writeFileSync(path.join(out, 'args.rsp'), `-O2 "${hello}" two.cpp -o 'my prog'\n`);
    const r = await iccxx(['@args.rsp'], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    assert.is((await run(path.join(out, 'my prog'))).exitCode, 0);
  }));

test('information commands pass straight to clang; --version and -v add one line naming icc++', async () => {
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const line = `icc++ version ${version} (drives the clang++ above)\n`;
  for (const args of [['--version'], ['-v'], ['-print-prog-name=ld'], ['-dumpmachine'], ['-###', '-c', hello]]) {
    const ours = await iccxx(args);
    const theirs = await execa('clang++', args, { reject: false, stripFinalNewline: false });
    assert.is(ours.exitCode, theirs.exitCode, args.join(' '));
    assert.is(String(ours.stdout), String(theirs.stdout) + (args[0] === '--version' ? line : ''), args.join(' '));
    if (args[0] === '-v') assert.is(String(ours.stderr), String(theirs.stderr) + line, '-v');
  }
});

test('sources that only mention interceptors in strings and comments compile exactly as with clang++', () =>
  inScratch('mentions', async (out, env) => {
    const src = path.join(dir, 'mentions.cpp');
    const ours = await iccxx(['-O2', '-c', src, '-o', 'ours.o'], { cwd: out, env });
    const theirs = await execa('clang++', ['-O2', '-c', src, '-o', 'theirs.o'], { cwd: out, reject: false });
    assert.is(ours.exitCode, 0, String(ours.stderr));
    assert.is(theirs.exitCode, 0);
    assert.ok(fs.readFileSync(path.join(out, 'ours.o')).equals(fs.readFileSync(path.join(out, 'theirs.o'))), 'identical objects');
  }));

test("clang's errors inside and outside an interceptor point at the user's lines, with clang's exit code", () =>
  inScratch('broken', async (out, env) => {
    const src = path.join(dir, 'broken.cpp');
    const ours = await iccxx(['-c', src, '-o', 'x.o'], { cwd: out, env });
    const theirs = await execa('clang++', ['-c', src, '-o', 'y.o'], { cwd: out, reject: false });
    assert.is(ours.exitCode, theirs.exitCode);
    const stderr = String(ours.stderr);
    assert.match(stderr, new RegExp(`${src}:7:9: error: cannot initialize a variable of type 'int'`));
    assert.match(stderr, new RegExp(`${src}:11:22: error: use of undeclared identifier 'undeclared_name'`));
    assert.not.match(stderr, /\.ii:|icc-|at .*\.js/, 'no temp file names, no stack trace');
    assert.not.ok(fs.existsSync(path.join(out, 'x.o')));
  }));

test("icc++'s own errors are clang-shaped", () =>
  inScratch('stray', async (out, env) => {
    const src = path.join(dir, 'stray.cpp');
    const r = await iccxx(['-c', src], { cwd: out, env });
    assert.is(r.exitCode, 1);
    assert.is(String(r.stderr), `${src}:5:5: error: 'goto ->' is only allowed in the body of an [[interceptor]] function\n`);
    const bad = await iccxx(['--icc-frobnicate', '-c', src], { cwd: out, env });
    assert.is(bad.exitCode, 1);
    assert.is(String(bad.stderr), "icc++: error: unknown argument: '--icc-frobnicate'\n");
  }));

test('the real compiler: ICC_CLANG, --icc-clang, never icc++ itself', () =>
  inScratch('clang', async (out, env) => {
    const missing = await iccxx(['-c', hello], { cwd: out, env: { ...env, ICC_CLANG: '/nonexistent/clang++' } });
    assert.is(missing.exitCode, 1);
    assert.match(String(missing.stderr), /^icc\+\+: error: cannot find the real compiler '\/nonexistent\/clang\+\+'/);
    const self = await iccxx(['-c', hello], { cwd: out, env: { ...env, ICC_CLANG: icc } });
    assert.is(self.exitCode, 1);
    assert.match(String(self.stderr), /is icc\+\+ itself/);
    fs.symlinkSync(icc, path.join(out, 'clang++'));
    const shadowed = await iccxx(['-c', hello, '-o', 'h.o'], { cwd: out, env: { ...env, PATH: `${out}:${process.env.PATH}` } });
    assert.is(shadowed.exitCode, 0, 'skips an icc++ named clang++ on PATH: ' + String(shadowed.stderr));
    await iccOk(['--icc-clang=/usr/bin/clang++', '-c', hello, '-o', 'h2.o'], { cwd: out, env });
  }));

test('a compiler that runs icc++ again is a loop, reported instead of recursing', () =>
  inScratch('loop', async (out, env) => {
    const wrapper = path.join(out, 'wrapper-clang');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${icc} "$@"\n`, { mode: 0o755 });
    const r = await iccxx(['-c', hello], { cwd: out, env: { ...env, ICC_CLANG: wrapper } });
    assert.is(r.exitCode, 1);
    assert.match(String(r.stderr), /icc\+\+: error: icc\+\+ was started by the compiler it runs \(a loop\)/);
  }));

test('-MD names the real output and the original sources and headers', () =>
  inScratch('deps', async (out, env) => {
    const src = path.join(fixtures, 'forms', 'a.cpp');
    const r = await iccxx(['-MD', '-c', src, '-o', 'a.o'], { cwd: out, env });
    assert.is(r.exitCode, 0, String(r.stderr));
    const deps = fs.readFileSync(path.join(out, 'a.d'), 'utf8');
    assert.ok(deps.startsWith(`a.o: ${src} \\\n  ${path.join(fixtures, 'forms', 'hooks.h')}`), deps.slice(0, 200));
    assert.not.match(deps, /\.ii|icc-/);
  }));

test('a compiler killed by a signal is reported and fails the build', () =>
  inScratch('signal', async (out, env) => {
    const fake = path.join(out, 'crashing-clang');
    fs.writeFileSync(fake, '#!/bin/sh\nkill -SEGV $$\n', { mode: 0o755 });
    const r = await iccxx(['-c', hello], { cwd: out, env: { ...env, ICC_CLANG: fake } });
    assert.is(r.exitCode, 128 + 11);
    assert.match(String(r.stderr), /terminated by signal SIGSEGV/);
  }));

/** A clang that runs the real one, except for the step whose command has the word `hangsOn`: that
 *  one records that it started, waits, and records the first signal that stops it, then dies of it.
 *  Later ones are ignored: a SIGTERM that follows (the launcher's waiter sends one when the driver
 *  is gone and clang is not) must not overwrite the record while the first one's trap runs. */
function slowClang(out: string, hangsOn: string): string {
  const slow = path.join(out, 'slow-clang');
  const stop = (sig: string): string => `trap 'trap "" INT TERM; kill $pid; echo ${sig} > ${out}/stopped; trap - ${sig}; kill -${sig} $$' ${sig}`;
  const lines = ['#!/bin/sh', `case " $* " in *" ${hangsOn} "*)`, `  ${stop('INT')}`, `  ${stop('TERM')}`, '  sleep 30 & pid=$!'];
  lines.push(`  echo started > ${out}/started`, '  wait $pid; exit 0;;', 'esac', 'exec clang++ "$@"');
  fs.writeFileSync(slow, lines.join('\n') + '\n', { mode: 0o755 });
  return slow;
}

// SIGINT to icc++ alone (as `kill -INT` or a build tool would send it, not the terminal's
// process group): icc++ must stop the clang it runs, leave no temporary file and die of SIGINT,
// at each step where clang can be running.
const interruptions = [
  { step: 'the fast path (no interceptors: clang runs the command as it is)', source: 'plain', hangsOn: '-c' },
  { step: 'clang -E (a source with interceptors; the launcher started it early)', source: 'hooked', hangsOn: '-E' },
  { step: 'the compile of the rewritten text', source: 'hooked', hangsOn: 'c++-cpp-output' },
];
for (const { step, source, hangsOn } of interruptions) {
  test(`SIGINT during ${step} stops clang and icc++, and leaves no temporary files`, () =>
    inScratch('sigint', async (out, env) => {
      const src = source === 'plain' ? path.join(out, 'plain.cpp') : hello;
      if (source === 'plain') fs.writeFileSync(src, 'int main() { return 0; }\n');
      const slow = slowClang(out, hangsOn);
      const child = execa(icc, ['-c', src], { cwd: out, env: { ...env, ICC_CLANG: slow, ICC_LAUNCHER_TRACE: '1' }, reject: false });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      assert.ok(await waitFor(() => fs.existsSync(path.join(out, 'started'))), `${step} started`);
      // An early clang -E runs before Node: interrupt once the driver has taken it over.
      if (hangsOn === '-E') assert.ok(await waitFor(() => stderr.includes('early clang -E adopted')), stderr);
      child.kill('SIGINT');
      const r = await child;
      assert.is(r.signal, 'SIGINT', `icc++ died of SIGINT: ${String(r.stderr)}`);
      assert.ok(await waitFor(() => fs.existsSync(path.join(out, 'stopped'))), 'the SIGINT reached the clang icc++ was running');
      assert.is(fs.readFileSync(path.join(out, 'stopped'), 'utf8'), 'INT\n');
      // The launcher's waiter may write clang's status as icc++ removes its files: it then removes
      // what is left once icc++ is gone.
      assert.ok(await waitFor(() => fs.readdirSync(env.TMPDIR).length === 0), `left in TMPDIR: ${fs.readdirSync(env.TMPDIR).join(' ')}`);
    }));
}

test('SIGINT while Node starts, with the early clang -E running: that clang stops and its files go', () =>
  inScratch('sigint-early', async (out, env) => {
    const slow = slowClang(out, '-E');
    const child = execa(icc, ['-c', hello], { cwd: out, env: { ...env, ICC_CLANG: slow }, reject: false });
    assert.ok(await waitFor(() => fs.existsSync(path.join(out, 'started'))), 'the early clang -E started');
    child.kill('SIGINT');
    const r = await child;
    assert.is(r.signal, 'SIGINT');
    // Whether Node was still starting (the launcher's waiter cleans up once it is gone) or had
    // taken the run over (it cleans up itself), clang stops and no file is left.
    assert.ok(await waitFor(() => fs.existsSync(path.join(out, 'stopped'))), 'the early clang was stopped');
    assert.ok(await waitFor(() => fs.readdirSync(env.TMPDIR).length === 0), `left in TMPDIR: ${fs.readdirSync(env.TMPDIR).join(' ')}`);
  }));

test.run();
