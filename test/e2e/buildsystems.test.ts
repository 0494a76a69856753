// icc++ as CXX in real builds: CMake (CXX=icc++ and the shipped toolchain
// file; Makefile and Ninja generators), a plain Makefile, Meson, and make -j8
// over 64 TUs, also interrupted in the middle.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { icc, listTree, requireTool, root, run, scratch, pause } from '../helpers.js';

const test = suite('buildsystems');
const { dir: out, cleanup } = scratch('buildsystems');
test.after(() => cleanup());
const toolchain = path.join(root, 'cmake', 'icc++.cmake');
const tmp = path.join(out, 'tmp');
fs.mkdirSync(tmp);

/** Runs a build tool (never rejects) with TMPDIR in the scratch directory; stdout and stderr interleaved in `all`. */
function sh(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return execa(file, args, { reject: false, all: true, cwd: options.cwd ?? out, env: { TMPDIR: tmp, ...options.env } });
}

function ok(r: Result, what: string): void {
  assert.is(r.exitCode, 0, `${what} failed:\n${String(r.all).slice(-3000)}`);
}

/** icc++ leaves nothing in TMPDIR, whatever the build tool did. */
function noTempFiles(dir = tmp): void {
  assert.equal(listTree(dir).filter((f) => f.startsWith('icc-')), [], 'no icc-* temporary files left');
}

/** A fresh copy of examples/cmake (the tests touch its header). */
function copyExample(name: string): string {
  const dir = path.join(out, name);
  fs.copySync(path.join(root, 'examples', 'cmake'), dir);
  return dir;
}

let clangVersion: Promise<string> | undefined;
async function expectedVersion(): Promise<string> {
  const r = await (clangVersion ??= execa('clang++', ['-dumpversion']).then((v) => String(v.stdout).trim()));
  assert.match(r, /^\d+\.\d+\.\d+$/);
  return r;
}

/** The value a `message(STATUS "probe NAME=VALUE")` printed. */
function probe(r: Result, name: string): string {
  const m = String(r.all).match(new RegExp(`^-- probe ${name}=(.*)$`, 'm'));
  assert.ok(m, `CMake printed ${name}:\n${String(r.all).slice(-2000)}`);
  return m[1];
}

const probeProject = `cmake_minimum_required(VERSION 3.16)
project(probe C CXX)
include(CheckCXXSourceCompiles)
include(CheckCXXSourceRuns)
set(hook "extern \\"C\\" int twice(int x) { return 2 * x; }\\n[[interceptor]] int Hook(int) { goto -> &twice; }\\n")
check_cxx_source_compiles("\${hook}int main() { return Hook(21) != 42; }" ICC_COMPILES)
check_cxx_source_runs("\${hook}int main() { return Hook(21) != 42; }" ICC_RUNS)
check_cxx_source_runs("\${hook}int main() { return Hook(21) != 43; }" ICC_RUNS_WRONG)
foreach(v CMAKE_CXX_COMPILER CMAKE_CXX_COMPILER_ID CMAKE_CXX_COMPILER_VERSION CMAKE_C_COMPILER_ID ICC_COMPILES ICC_RUNS ICC_RUNS_WRONG)
  message(STATUS "probe \${v}=\${\${v}}")
endforeach()
`;

test('CXX=icc++ cmake and the toolchain file: CMake sees Clang, try_compile builds and runs interceptors', async () => {
  if (!(await requireTool('cmake'))) return;
  const version = await expectedVersion();
  const src = path.join(out, 'probe');
  fs.outputFileSync(path.join(src, 'CMakeLists.txt'), probeProject);
  const viaEnv = await sh('cmake', ['-S', src, '-B', path.join(out, 'probe-env')], { env: { CXX: icc, CC: 'clang' } });
  const viaToolchain = await sh('cmake', ['-S', src, '-B', path.join(out, 'probe-toolchain'), `-DCMAKE_TOOLCHAIN_FILE=${toolchain}`]);
  for (const [r, how] of [[viaEnv, 'CXX=icc++'], [viaToolchain, 'toolchain file']] as const) {
    ok(r, `cmake with ${how}`);
    assert.is(probe(r, 'CMAKE_CXX_COMPILER'), icc, how);
    assert.is(probe(r, 'CMAKE_CXX_COMPILER_ID'), 'Clang', how);
    assert.is(probe(r, 'CMAKE_CXX_COMPILER_VERSION'), version, how);
    // Only icc++ compiles [[interceptor]] and goto ->: these prove try_compile ran it.
    assert.is(probe(r, 'ICC_COMPILES'), '1', `${how}: check_cxx_source_compiles`);
    assert.is(probe(r, 'ICC_RUNS'), '1', `${how}: check_cxx_source_runs`);
    assert.is(probe(r, 'ICC_RUNS_WRONG'), '', `${how}: a program that exits 1 is reported as failing`);
  }
  assert.is(probe(viaToolchain, 'CMAKE_C_COMPILER_ID'), 'Clang', 'the toolchain file picks clang for C');
  noTempFiles();
});

/** Objects a CMake build compiled, from its "Building CXX object" lines. */
function compiled(r: Result): string[] {
  return [...String(r.all).matchAll(/Building CXX object \S+?\.dir\/(\S+)\.o/g)].map((m) => m[1]).sort();
}

const exampleSources = ['app/main.cpp', 'shapes/area.cpp', 'shapes/counters.cpp', 'tally/tally.cpp', 'tally/twice.cpp'];

async function cmakeExample(generator: string, buildType: string, name: string): Promise<void> {
  const src = copyExample(name);
  const build = path.join(out, `${name}-build`);
  const configured = await sh('cmake', ['-G', generator, '-S', src, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${toolchain}`, `-DCMAKE_BUILD_TYPE=${buildType}`]);
  ok(configured, 'cmake');
  const built = await sh('cmake', ['--build', build, '-j', '4']);
  ok(built, 'cmake --build');
  assert.equal(compiled(built), exampleSources);
  assert.ok(fs.existsSync(path.join(build, 'libshapes.so')) && fs.existsSync(path.join(build, 'libtally.a')), 'a shared and a static library');
  const ran = await run(path.join(build, 'app'));
  assert.is(String(ran.stdout), 'OK\n');
  assert.is(ran.exitCode, 0);

  // The dependency files icc++ wrote name the header: touching it rebuilds every TU that includes it.
  const again = await sh('cmake', ['--build', build]);
  ok(again, 'a second cmake --build');
  assert.equal(compiled(again), [], 'nothing to do when nothing changed');
  const later = new Date(Date.now() + 2000);
  fs.utimesSync(path.join(src, 'include', 'hooks.h'), later, later);
  const rebuilt = await sh('cmake', ['--build', build]);
  ok(rebuilt, 'cmake --build after touching hooks.h');
  assert.equal(compiled(rebuilt), exampleSources);
  assert.is(String((await run(path.join(build, 'app'))).stdout), 'OK\n');
  noTempFiles();
}

test('examples/cmake with the Makefile generator (Debug): builds, runs, rebuilds on a header change', async () => {
  if (!(await requireTool('cmake'))) return;
  await cmakeExample('Unix Makefiles', 'Debug', 'cmake-make');
});

test('examples/cmake with the Ninja generator (Release)', async () => {
  if (!(await requireTool('cmake')) || !(await requireTool('ninja'))) return;
  await cmakeExample('Ninja', 'Release', 'cmake-ninja');
});

test('make CXX=icc++ on the plain Makefile of examples/make', async () => {
  const src = copyExample('make-src');
  const build = path.join(out, 'make-build');
  const makefile = path.join(root, 'examples', 'make', 'Makefile');
  const vars = [`CXX=${icc}`, `SRC=${src}`, `BUILD=${build}`];
  const built = await sh('make', ['-f', makefile, '-j4', ...vars, 'run']);
  ok(built, 'make');
  assert.match(String(built.all), /^OK$/m, 'make run printed the program\'s OK');
  assert.is(String((await run(path.join(build, 'app'))).stdout), 'OK\n');
  assert.is((await sh('make', ['-f', makefile, '-q', ...vars])).exitCode, 0, 'up to date after the build');
  const deps = fs.readFileSync(path.join(build, 'obj', 'tally', 'twice.d'), 'utf8');
  const words = deps.replace(/\\\n/g, ' ').split(/\s+/);
  assert.equal(words.slice(0, 3), [`${build}/obj/tally/twice.o:`, `${src}/tally/twice.cpp`, `${src}/include/hooks.h`], deps);
  const later = new Date(Date.now() + 2000);
  fs.utimesSync(path.join(src, 'include', 'hooks.h'), later, later);
  assert.is((await sh('make', ['-f', makefile, '-q', ...vars])).exitCode, 1, 'out of date after touching hooks.h');
  noTempFiles();
});

test('CXX=icc++ meson setup identifies clang, compiles probes and builds the example', async () => {
  if (!(await requireTool('meson')) || !(await requireTool('ninja'))) return;
  const version = await expectedVersion();
  const src = copyExample('meson-src');
  fs.writeFileSync(path.join(src, 'meson.build'), `project('example', 'cpp', default_options: ['cpp_std=c++17', 'buildtype=debugoptimized'])
cxx = meson.get_compiler('cpp')
message('probe id=' + cxx.get_id() + ' ' + cxx.version())
hook = 'extern "C" int twice(int x) { return 2 * x; }\\n[[interceptor]] int Hook(int) { goto -> &twice; }\\n'
message('probe runs=' + cxx.run(hook + 'int main() { return Hook(21) != 42; }').returncode().to_string())
dl = dependency('dl')
inc = include_directories('include')
shapes = shared_library('shapes', 'shapes/counters.cpp', 'shapes/area.cpp', include_directories: inc, dependencies: dl)
tally = static_library('tally', 'tally/tally.cpp', 'tally/twice.cpp', include_directories: inc)
executable('app', 'app/main.cpp', include_directories: inc, link_with: [shapes, tally], dependencies: dl)
`);
  const build = path.join(out, 'meson-build');
  const setup = await sh('meson', ['setup', build, src], { env: { CXX: icc } });
  ok(setup, 'meson setup');
  assert.match(String(setup.all), new RegExp(`^Message: probe id=clang ${version.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(String(setup.all), /^Message: probe runs=0$/m, 'cxx.run built and ran an interceptor');
  ok(await sh('meson', ['compile', '-C', build]), 'meson compile');
  const ran = await run(path.join(build, 'app'));
  assert.is(String(ran.stdout), 'OK\n');
  assert.is(ran.exitCode, 0);
  noTempFiles();
});

// 64 TUs, all named tu.cpp (so temp files named after the source would clash),
// each with an interceptor and a call to an inline interceptor from common.h.
const TUS = 64;
const many = path.join(out, 'many');
let generated = false;
function generateMany(): void {
  if (generated) return;
  generated = true;
  fs.outputFileSync(path.join(many, 'common.h'), `#pragma once
int &count(int n);
extern "C" int shared_target(int a, int b);
[[interceptor]] inline int Shared(int, int) { ++count(${TUS}); goto -> &shared_target; }
`);
  const ids = Array.from({ length: TUS }, (_, i) => i);
  for (const i of ids) {
    fs.outputFileSync(path.join(many, `d${i}`, 'tu.cpp'), `#include "common.h"
static int plus(int a, int b) { return a * 1000 + b + ${i}; }
[[interceptor]] int hook_${i}(int, int) { ++count(${i}); goto -> &plus; }
int call_${i}(int a) { return Shared(a, ${i}); }
`);
  }
  fs.outputFileSync(path.join(many, 'main.cpp'), `#include <cstdio>
#include "common.h"
${ids.map((i) => `int hook_${i}(int, int); int call_${i}(int);`).join('\n')}
static int counts[${TUS + 1}];
int &count(int n) { return counts[n]; }
extern "C" int shared_target(int a, int b) { return a * 100 + b; }
int (*hooks[])(int, int) = {${ids.map((i) => `hook_${i}`).join(', ')}};
int (*calls[])(int) = {${ids.map((i) => `call_${i}`).join(', ')}};
int main() {
  int bad = 0;
  for (int i = 0; i < ${TUS}; ++i) {
    if (hooks[i](i, 7) != i * 1000 + 7 + i) { std::printf("FAIL hook_%d\\n", i); ++bad; }
    if (calls[i](i) != i * 100 + i) { std::printf("FAIL call_%d\\n", i); ++bad; }
    if (count(i) != 1) { std::printf("FAIL count(%d) = %d\\n", i, count(i)); ++bad; }
  }
  if (count(${TUS}) != ${TUS}) { std::printf("FAIL Shared ran %d times\\n", count(${TUS})); ++bad; }
  std::puts(bad ? "FAILED" : "OK");
  return bad != 0;
}
`);
  fs.outputFileSync(path.join(many, 'Makefile'), `OBJS := $(patsubst %.cpp,%.o,$(wildcard d*/tu.cpp)) main.o
prog: $(OBJS)
\t$(CXX) $^ -o $@
%.o: %.cpp common.h
\t$(CXX) -O1 -I. -c $< -o $@
`);
}

const objects = (): string[] => listTree(many).filter((f) => f.endsWith('.o'));

test('SIGINT to the process group of make -j8 mid-build: make stops interrupted, no icc-* left in TMPDIR', async () => {
  generateMany();
  const ownTmp = path.join(out, 'tmp-sigint');
  fs.mkdirSync(ownTmp);
  const make = execa('make', ['-j8', `CXX=${icc}`], { cwd: many, env: { TMPDIR: ownTmp }, detached: true, reject: false, all: true });
  // Interrupt once some objects are done and icc++ runs are in flight with their temp directories.
  let inFlight = false;
  for (let i = 0; i < 3000 && !(inFlight && objects().length >= 4); i++) {
    // Top level only: the runs in flight delete their own trees while this looks.
    inFlight = fs.readdirSync(ownTmp).some((f) => f.startsWith('icc-'));
    if (make.exitCode !== null) break;
    await pause(10);
  }
  assert.ok(inFlight, 'icc++ runs were in flight');
  process.kill(-make.pid!, 'SIGINT');
  const r = await make;
  // Every process of the group (sh, icc++, clang) ends, before TMPDIR is checked.
  let ended = false;
  for (let i = 0; i < 250 && !ended; i++) {
    try {
      process.kill(-make.pid!, 0);
      await pause(20);
    } catch {
      ended = true;
    }
  }
  assert.ok(ended, 'every process of the build ended after SIGINT');
  assert.is(r.signal, 'SIGINT', `make was interrupted:\n${String(r.all).slice(-1000)}`);
  assert.ok(objects().length < TUS + 1, 'the build was stopped before its end');
  noTempFiles(ownTmp);
});

test('make -j8 over 64 TUs named alike: no temp-file collisions, the program is right', async () => {
  generateMany();
  // Completes the build the interrupt stopped (if it ran): any object it left damaged would show here.
  const r = await sh('make', ['-j8', `CXX=${icc}`], { cwd: many });
  ok(r, 'make -j8');
  assert.is(objects().length, TUS + 1);
  const ran = await run(path.join(many, 'prog'));
  assert.is(String(ran.stdout), 'OK\n');
  assert.is(ran.exitCode, 0);
  noTempFiles();
});

test.run();
