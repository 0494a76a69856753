// The package as users install it: `npm pack`, then `npm i -g` of the tarball into a temporary
// prefix. The install script builds the native launcher from the shipped C source with clang;
// the installed icc++ must use it, say its own version, build the logger example and a CMake
// project (with the shipped toolchain file), and, once the launcher is gone, still compile
// through Node while `--icc-doctor` says what is missing and how to build it.
// The tarball is packed with --ignore-scripts: `npm test` has just built dist/, which is what
// `prepare` (npm run build) would build again; the dependencies come from the npm registry
// (or npm's cache: --prefer-offline).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { requireTool, root, run, scratch } from '../helpers.js';

const test = suite('package');
const { dir, cleanup } = scratch('package');
test.after(cleanup);

const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const prefix = path.join(dir, 'prefix');
const installed = path.join(prefix, 'lib', 'node_modules', 'icc-plus-plus');
const iccxx = path.join(prefix, 'bin', 'icc++');
const launcher = path.join(installed, 'dist', 'icc++-launch');
let tarball = '';

const sh = (file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> =>
  execa(file, args, { reject: false, all: true, cwd: options.cwd ?? dir, env: options.env });
const ok = (r: Result, what: string): void => assert.is(r.exitCode, 0, `${what}:\n${r.all}`);

test('npm pack, then npm i -g into a prefix: the install script builds the launcher, no devDependency comes', async () => {
  const packed = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root });
  ok(packed, 'npm pack');
  tarball = path.join(dir, `icc-plus-plus-${version}.tgz`);
  const listed = await sh('tar', ['tzf', tarball]);
  for (const f of ['bin/launcher.c', 'dist/launcher-options.h', 'scripts/build-launcher.mjs', 'cmake/icc++.cmake', 'asm/x86_64-sysv.S', 'asm/x86_64-ms.S', 'dist/icc.mjs']) {
    assert.match(String(listed.stdout), new RegExp(`^package/${f.replace(/[.+]/g, '\\$&')}$`, 'm'), `the tarball carries ${f}`);
  }
  assert.not.match(String(listed.stdout), /icc\+\+-launch|\/test\//, 'no binary and no tests in the tarball');
  const install = await sh('npm', ['i', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  ok(install, 'npm i -g');
  assert.ok(fs.existsSync(launcher), 'the launcher was built at install time');
  for (const dev of ['typescript', 'esbuild', 'uvu']) {
    assert.not.ok(fs.existsSync(path.join(installed, 'node_modules', dev)) || fs.existsSync(path.join(prefix, 'lib', 'node_modules', dev)), `${dev} is not installed`);
  }
});

test('the installed icc++ uses its launcher and says its version beside clang\'s', async () => {
  fs.writeFileSync(path.join(dir, 'plain.cpp'), 'int main() { return 0; }\n');
  const traced = await sh(iccxx, ['-c', 'plain.cpp', '-o', 'plain.o'], { env: { ICC_LAUNCHER_TRACE: '1' } });
  ok(traced, 'icc++ -c');
  assert.match(String(traced.all), /^icc\+\+: launcher: clang: /m, 'the fast path through the installed launcher');
  const own = await sh(iccxx, ['--icc-version']);
  ok(own, '--icc-version');
  assert.match(String(own.stdout), new RegExp(`^icc\\+\\+ ${version.replace(/\./g, '\\.')}\\nclang: \\S+ \\(.*clang version`));
  const clangs = await sh('clang++', ['--version']);
  const ours = await sh(iccxx, ['--version']);
  assert.is(String(ours.stdout), `${clangs.stdout}\nicc++ version ${version} (drives the clang++ above)`, "clang's text, then one line of icc++'s");
});

test('npx runs icc++ from the tarball, with its launcher', async () => {
  const r = await sh('npx', ['--yes', '--prefer-offline', '--package', tarball, 'icc++', '-c', 'plain.cpp', '-o', 'npx.o'], { env: { ICC_LAUNCHER_TRACE: '1' } });
  ok(r, 'npx icc++');
  assert.match(String(r.all), /^icc\+\+: launcher: clang: /m);
  assert.ok(fs.existsSync(path.join(dir, 'npx.o')));
});

test('the installed icc++ builds and runs examples/logger', async () => {
  if (!(await requireTool('make'))) return;
  const build = path.join(dir, 'logger');
  ok(await sh('make', ['-C', path.join(root, 'examples', 'logger'), `ICCXX=${iccxx}`, `BUILD=${build}`]), 'make');
  const ran = await run(path.join(build, 'logger'));
  assert.is(ran.exitCode, 0, String(ran.stderr));
  assert.match(String(ran.stdout), /^OK: every argument and the return value went through$/m);
});

test("the installed icc++ builds examples/cmake with the package's toolchain file", async () => {
  if (!(await requireTool('cmake'))) return;
  const src = path.join(dir, 'cmake-src');
  fs.copySync(path.join(root, 'examples', 'cmake'), src);
  const build = path.join(dir, 'cmake-build');
  ok(await sh('cmake', ['-S', src, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${path.join(installed, 'cmake', 'icc++.cmake')}`]), 'cmake');
  const files = path.join(build, 'CMakeFiles');
  const compiler = fs.readdirSync(files).map((d) => path.join(files, d, 'CMakeCXXCompiler.cmake')).find((f) => fs.existsSync(f));
  assert.ok(compiler, 'CMakeCXXCompiler.cmake');
  const text = fs.readFileSync(compiler, 'utf8');
  assert.ok(text.includes(`set(CMAKE_CXX_COMPILER "${installed}/bin/icc++")`), 'the installed icc++');
  assert.ok(text.includes('set(CMAKE_CXX_COMPILER_ID "Clang")'), 'identified as Clang');
  ok(await sh('cmake', ['--build', build, '-j', '2']), 'cmake --build');
  const ran = await run(path.join(build, 'app'));
  assert.is(String(ran.stdout), 'OK\n');
});

test('without its launcher, icc++ compiles through Node and --icc-doctor says what is missing', async () => {
  fs.rmSync(launcher);
  const traced = await sh(iccxx, ['plain.cpp', '-o', 'plain'], { env: { ICC_LAUNCHER_TRACE: '1' } });
  ok(traced, 'icc++ without the launcher');
  assert.not.match(String(traced.all), /launcher:/, 'no launcher ran');
  const doctor = await sh(iccxx, ['--icc-doctor']);
  assert.is(doctor.exitCode, 0, 'the launcher is optional');
  assert.match(String(doctor.stdout), /^ {2}missing +native launcher: .*node scripts\/build-launcher\.mjs/m);
  assert.match(String(doctor.stdout), /^ {2}ok +clang\+\+/m);
  const rebuilt = await sh('node', [path.join(installed, 'scripts', 'build-launcher.mjs')]);
  ok(rebuilt, 'the command the doctor gave');
  assert.ok(fs.existsSync(launcher), 'the launcher is back');
  const noClang = await sh(iccxx, ['--icc-doctor'], { env: { ICC_CLANG: '/nonexistent/clang++' } });
  assert.is(noClang.exitCode, 1);
  assert.match(String(noClang.stdout), /^ {2}MISSING +clang\+\+ \(\/nonexistent\/clang\+\+\): apt-get install clang/m);
});

test.run();
