// icc++ on real projects (test/projects/README.md): {fmt} 12.2.0 with CMake and
// libsigc++ 3.8.1 with Meson. Each is built with clang++ and then with icc++ in
// the same directory; both builds run the project's own test suite, and every
// object file of the icc++ build must be byte-identical to clang++'s. Then
// interceptors are added to the project's test programs (test/projects/interceptors/),
// the icc++ build is brought up to date, and the suite must still pass with every
// interceptor's call counts showing that it ran.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { icc, listTree, requireTool, root, scratch } from '../helpers.js';

const test = suite('real-projects');
// Made when the suite starts, not when the file is imported: in a whole `npm test` run every file is
// imported first, and this suite's directory, made then, was gone by the time it ran.
let out = '';
let tmp = '';
let cleanup = (): void => {};
test.before(() => {
  ({ dir: out, cleanup } = scratch('real-projects'));
  tmp = path.join(out, 'tmp');
  fs.mkdirSync(tmp);
});
test.after(() => cleanup());
const projects = path.join(root, 'test', 'projects');

/** Runs a build tool or test runner (never rejects); stdout and stderr interleaved in `all`. */
function sh(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Result> {
  return execa(file, args, { reject: false, all: true, cwd, env: { TMPDIR: tmp, ...env } });
}

function ok(r: Result, what: string): string {
  assert.is(r.exitCode, 0, `${what} failed:\n${String(r.all).slice(-4000)}`);
  return String(r.all);
}

interface Project {
  tarball: string;
  tool: string;
  /** The generated file that names the compiler. */
  rules: string;
  /** Configures `build` from `src` with CXX=cxx and builds it (-O0, no -g, 2 jobs). */
  build(src: string, build: string, cxx: string): Promise<void>;
  /** Runs the project's own tests (all must pass); returns how many ran. */
  check(build: string, env?: Record<string, string>): Promise<number>;
  /** Adds test/projects/interceptors/<file> to the project's test programs. */
  addInterceptors(src: string): void;
  /** What the interceptors counted, program by program: each must have run. */
  expectCalls(calls: Map<string, Record<string, number>>): void;
}

const fmt: Project = {
  tarball: 'fmt-12.2.0.tar.xz',
  tool: 'cmake',
  rules: 'CMakeFiles/rules.ninja',
  async build(src, build, cxx) {
    ok(await sh('cmake', ['-S', src, '-B', build, '-G', 'Ninja', '-DFMT_TEST=ON', '-DFMT_DOC=OFF', '-DCMAKE_BUILD_TYPE=', '-DCMAKE_CXX_FLAGS=-O0'], out, { CXX: cxx, CC: 'clang' }), 'cmake');
    ok(await sh('ninja', ['-j2'], build), 'ninja');
  },
  async check(build, env) {
    const log = ok(await sh('ctest', ['-j2', '--output-on-failure'], build, env), 'ctest');
    const m = log.match(/^100% tests passed, 0 tests failed out of (\d+)$/m);
    assert.ok(m, `ctest's summary:\n${log.slice(-2000)}`);
    return Number(m[1]);
  },
  addInterceptors(src) {
    // Wrapped at link time (GNU ld --wrap) in every test linking the test-main library.
    for (const f of ['fmt-interceptors.cc', 'report.h']) fs.copySync(path.join(projects, 'interceptors', f), path.join(src, 'test', f));
    const wrap = (s: string) => `"LINKER:--wrap=${s}"`;
    fs.appendFileSync(path.join(src, 'test', 'CMakeLists.txt'), [
      '\n# icc++: interceptors for two of libfmt\'s functions, in every test linking test-main.',
      'target_sources(test-main PRIVATE fmt-interceptors.cc)',
      `target_link_options(test-main INTERFACE ${wrap(VFORMAT)} ${wrap(VFORMAT_TO)})\n`,
    ].join('\n'));
  },
  expectCalls(calls) {
    // The programs that link test-main; the header-only tests don't.
    for (const name of ['args-test', 'format-test', 'printf-test', 'ranges-test', 'chrono-test', 'os-test']) {
      assert.ok(calls.get(name)?.vformat, `${name} called fmt::vformat through the interceptor: ${JSON.stringify(calls.get(name))}`);
    }
    for (const name of ['base-test', 'color-test', 'format-test', 'xchar-test']) {
      assert.ok(calls.get(name)?.vformat_to, `${name} called fmt::detail::vformat_to through the interceptor: ${JSON.stringify(calls.get(name))}`);
    }
  },
};
const VFORMAT = '_ZN3fmt3v127vformatB5cxx11ENS0_17basic_string_viewIcEENS0_17basic_format_argsINS0_7contextEEE';
const VFORMAT_TO = '_ZN3fmt3v126detail10vformat_toERNS1_6bufferIcEENS0_17basic_string_viewIcEENS0_17basic_format_argsINS0_7contextEEENS0_10locale_refE';

const sigc: Project = {
  tarball: 'libsigcplusplus-3.8.1.tar.xz',
  tool: 'meson',
  rules: 'build.ninja',
  async build(src, build, cxx) {
    const options = ['-Dmaintainer-mode=false', '-Dbuild-documentation=false', '-Dbuild-examples=false', '-Dbuildtype=plain', '-Dcpp_args=-O0'];
    ok(await sh('meson', ['setup', src, build, ...options], out, { CXX: cxx }), 'meson setup');
    ok(await sh('ninja', ['-j2'], build), 'ninja');
  },
  async check(build, env) {
    const log = ok(await sh('meson', ['test', '--num-processes', '2', '--print-errorlogs'], build, env), 'meson test');
    const count = (label: string) => Number(log.match(new RegExp(`^${label}:\\s+(\\d+)`, 'm'))?.[1]);
    assert.is(count('Fail'), 0, 'meson test: no failure');
    assert.is(count('Skipped'), 0, 'meson test: nothing skipped');
    return count('Ok');
  },
  addInterceptors(src) {
    // Every test program links tests/testutilities.cc.
    for (const f of ['sigc-interceptors.cc', 'report.h']) fs.copySync(path.join(projects, 'interceptors', f), path.join(src, 'tests', f));
    fs.appendFileSync(path.join(src, 'tests', 'testutilities.cc'), '\n#include "sigc-interceptors.cc"\n');
  },
  expectCalls(calls) {
    for (const name of ['test_signal', 'test_accumulated', 'test_disconnect', 'test_scoped_connection']) {
      assert.ok(calls.get(name)?.connect, `${name} called sigc::signal_base::connect through the interceptor: ${JSON.stringify(calls.get(name))}`);
    }
    for (const name of ['test_disconnect', 'test_scoped_connection']) {
      assert.ok(calls.get(name)?.disconnect, `${name} called sigc::connection::disconnect through the interceptor: ${JSON.stringify(calls.get(name))}`);
    }
  },
};

/** Every object file under `dir`, as paths relative to it. */
function objects(dir: string): string[] {
  return listTree(dir).filter((f) => f.endsWith('.o')).sort();
}

/** The interceptors' reports: one line per program, `name key=count …`. */
function readCalls(file: string): Map<string, Record<string, number>> {
  const calls = new Map<string, Record<string, number>>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [name, ...counts] = line.split(' ');
    calls.set(name, Object.fromEntries(counts.map((c) => c.split('=')).map(([k, v]) => [k, Number(v)])));
  }
  return calls;
}

for (const project of [fmt, sigc]) {
  test(`${project.tarball}: clang++ and icc++ builds pass its tests with identical objects; with interceptors added they still pass`, async () => {
    for (const tool of [project.tool, 'ninja']) if (!(await requireTool(tool))) return;
    fs.mkdirpSync(tmp); // TMPDIR of every build; a missing one fails clang's own temporary files
    const name = project.tarball.replace(/\.tar\.xz$/, '');
    const base = path.join(out, name);
    fs.mkdirpSync(base);
    ok(await sh('tar', ['-xJf', path.join(projects, project.tarball)], base), 'tar');
    const src = path.join(base, name);
    const build = path.join(base, 'build'); // both builds here, one after the other, so no path differs

    await project.build(src, build, 'clang++');
    const clangTests = await project.check(build);
    fs.moveSync(build, path.join(base, 'build-clang'));

    await project.build(src, build, icc);
    assert.ok(fs.readFileSync(path.join(build, project.rules), 'utf8').includes(icc), 'the second build compiles with icc++');
    const iccTests = await project.check(build);
    assert.is(iccTests, clangTests, 'as many tests ran with icc++ as with clang++');

    const clangObjects = objects(path.join(base, 'build-clang'));
    assert.equal(objects(build), clangObjects, 'the same object files');
    const differ = clangObjects.filter((o) => !fs.readFileSync(path.join(base, 'build-clang', o)).equals(fs.readFileSync(path.join(build, o))));
    assert.equal(differ, [], 'every object byte-identical to clang++\'s');

    project.addInterceptors(src);
    ok(await sh('ninja', ['-j2'], build), 'ninja with interceptors');
    const log = path.join(base, 'calls.log');
    assert.is(await project.check(build, { ICC_INTERCEPT_LOG: log }), clangTests, 'the whole suite ran with interceptors');
    const calls = readCalls(log);
    project.expectCalls(calls);
    const total = [...calls.values()].flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
    console.log(`  ${name}: ${clangTests} tests passed with clang++, icc++ and icc++ with interceptors; ${clangObjects.length} objects, ${clangObjects.length - differ.length} identical; interceptors ran ${total} times in ${calls.size} programs`);
    assert.equal(listTree(tmp).filter((f) => f.startsWith('icc-')), [], 'no icc-* temporary files left');
  });
}

test.run();
