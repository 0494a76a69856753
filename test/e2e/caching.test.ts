// icc++ behind compiler wrappers: ccache (direct and preprocessor mode hits
// on a clean rebuild) and distcc (preprocessed by icc++ -E here, compiled by
// a distccd on loopback that runs icc++ too).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type Result } from 'execa';
import fs from 'fs-extra';
import net from 'node:net';
import path from 'node:path';
import { listTree, requireTool, root, run, scratch, pause } from '../helpers.js';

const test = suite('caching');
const { dir: out, cleanup } = scratch('caching');
test.after(() => cleanup());
const tmp = path.join(out, 'tmp');
fs.mkdirSync(tmp);

function sh(file: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return execa(file, args, { reject: false, all: true, cwd: out, env: { TMPDIR: tmp, ...env } });
}

function ok(r: Result, what: string): void {
  assert.is(r.exitCode, 0, `${what} failed:\n${String(r.all).slice(-3000)}`);
}

function noTempFiles(): void {
  assert.equal(listTree(tmp).filter((f) => f.startsWith('icc-')), [], 'no icc-* temporary files left');
}

/** A fresh copy of examples/cmake. */
function copyExample(name: string): string {
  const dir = path.join(out, name);
  fs.copySync(path.join(root, 'examples', 'cmake'), dir);
  return dir;
}

async function expectOK(program: string, when: string): Promise<void> {
  const ran = await run(program);
  assert.is(String(ran.stdout), 'OK\n', when);
  assert.is(ran.exitCode, 0, when);
}

const sources = ['main.cpp', 'area.cpp', 'counters.cpp', 'tally.cpp', 'twice.cpp'].sort();

test('ccache as CMAKE_CXX_COMPILER_LAUNCHER: a clean rebuild hits the cache, in direct and preprocessor mode', async () => {
  if (!(await requireTool('cmake')) || !(await requireTool('ccache'))) return;
  const src = copyExample('ccache-src');
  const build = path.join(out, 'ccache-build');
  const env = { CCACHE_DIR: path.join(out, 'ccache') };
  const stats = async (): Promise<Map<string, number>> => {
    const r = await sh('ccache', ['--print-stats'], env);
    ok(r, 'ccache --print-stats');
    return new Map(String(r.stdout).trim().split('\n').map((l) => l.split('\t')).map(([k, v]) => [k, Number(v)]));
  };
  const configured = await sh('cmake', ['-S', src, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'icc++.cmake')}`, '-DCMAKE_CXX_COMPILER_LAUNCHER=ccache'], env);
  ok(configured, 'cmake');

  ok(await sh('cmake', ['--build', build, '-j', '4'], env), 'the first build');
  await expectOK(path.join(build, 'app'), 'after the first build');
  let s = await stats();
  assert.is(s.get('cache_miss'), sources.length, 'the first build compiles every TU');
  assert.is(s.get('direct_cache_hit'), 0);

  ok(await sh('cmake', ['--build', build, '--target', 'clean'], env), 'clean');
  assert.not.ok(fs.existsSync(path.join(build, 'app')), 'clean removed the program');
  ok(await sh('cmake', ['--build', build, '-j', '4'], env), 'the second build');
  await expectOK(path.join(build, 'app'), 'after the second build, from the cache');
  s = await stats();
  assert.is(s.get('direct_cache_hit'), sources.length, 'every TU came from the cache (direct mode)');
  assert.is(s.get('cache_miss'), sources.length, 'no new miss');

  // Preprocessor mode hashes `icc++ -E` output: it must be the same text on every run.
  ok(await sh('cmake', ['--build', build, '--target', 'clean'], env), 'clean');
  ok(await sh('cmake', ['--build', build, '-j', '4'], { ...env, CCACHE_NODIRECT: '1' }), 'the third build');
  await expectOK(path.join(build, 'app'), 'after the third build, from the cache');
  s = await stats();
  assert.is(s.get('preprocessed_cache_hit'), sources.length, 'every TU came from the cache (preprocessor mode)');
  assert.is(s.get('cache_miss'), sources.length, 'no new miss');
  noTempFiles();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}


/** Stops a daemon and its children (its own process group): SIGTERM, then SIGKILL after 5 s. */
async function stop(pid: number, done: Promise<unknown>): Promise<void> {
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  if (!(await Promise.race([done.then(() => true), pause(5000).then(() => false)]))) signal('SIGKILL');
  await done;
}

/** icc++ as `npm i -g` would lay it out (bin, the bundle and launcher, asm), readable by every user. */
function installCopy(dir: string): string {
  const built = fs.readdirSync(path.join(root, 'dist')).filter((f) => /^icc.*\.mjs$|^icc\+\+-launch$/.test(f)).map((f) => path.join('dist', f));
  for (const part of ['bin', 'asm', 'package.json', ...built]) fs.copySync(path.join(root, part), path.join(dir, part));
  const executable = (f: string): boolean => fs.statSync(f).isDirectory() || f.endsWith('icc++') || f.endsWith('icc++-launch');
  for (const f of [dir, ...listTree(dir).map((f) => path.join(dir, f))]) fs.chmodSync(f, executable(f) ? 0o755 : 0o644);
  return path.join(dir, 'bin', 'icc++');
}

test('distcc to a distccd on loopback: icc++ -E here, icc++ on the server, the program works', async () => {
  if (!(await requireTool('distcc')) || !(await requireTool('distccd'))) return;
  // distccd run by root drops to its own user: let it read its command list and write its log.
  fs.chmodSync(out, 0o755);
  const daemonDir = path.join(out, 'distccd');
  fs.mkdirSync(path.join(daemonDir, 'tmp'), { recursive: true });
  for (const d of [daemonDir, path.join(daemonDir, 'tmp')]) fs.chmodSync(d, 0o777);
  // distccd's own user must be able to run icc++, but the checkout may sit in a directory only
  // root can enter (CI clones into a mktemp -d): run an installed copy from the scratch dir.
  const icc = installCopy(path.join(out, 'icc-install'));
  // Debian's distccd only runs compilers named in /usr/lib/distcc, never by absolute path,
  // unless DISTCC_CMDLIST lists them.
  const cmdlist = path.join(daemonDir, 'cmdlist');
  fs.writeFileSync(cmdlist, `${icc}\n`, { mode: 0o644 });
  const log = path.join(daemonDir, 'distccd.log');
  const port = await freePort();
  const daemon = execa('distccd', ['--daemon', '--no-detach', '--allow', '127.0.0.1', '--listen', '127.0.0.1', '--port', String(port), '--jobs', '4', '--log-file', log, '--log-level', 'info'], {
    env: { DISTCC_CMDLIST: cmdlist, TMPDIR: path.join(daemonDir, 'tmp') },
    detached: true,
    reject: false,
    all: true,
  });
  try {
    const listening = (): boolean => fs.existsSync(log) && /listening on 127\.0\.0\.1:/.test(fs.readFileSync(log, 'utf8'));
    for (let i = 0; i < 250 && !listening() && daemon.exitCode === null; i++) await pause(20);
    assert.ok(listening(), `distccd is listening:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);

    const src = copyExample('distcc-src');
    const build = path.join(out, 'distcc-build');
    const clientDir = path.join(out, 'distcc-client');
    fs.mkdirSync(clientDir);
    const r = await sh('make', ['-f', path.join(root, 'examples', 'make', 'Makefile'), '-j4', `CXX=distcc ${icc}`, `SRC=${src}`, `BUILD=${build}`], {
      DISTCC_HOSTS: `127.0.0.1:${port}/4`,
      DISTCC_DIR: clientDir,
      DISTCC_FALLBACK: '0',
      DISTCC_SKIP_LOCAL_RETRY: '1',
      DISTCC_BACKOFF_PERIOD: '0',
    });
    ok(r, 'make CXX="distcc icc++"');
    await expectOK(path.join(build, 'app'), 'the program built with distcc');

    // The server compiled every TU, with icc++.
    const served = [...fs.readFileSync(log, 'utf8').matchAll(/COMPILE_OK .* (\S+) (\S+)$/gm)];
    assert.equal(served.map((m) => path.basename(m[2])).sort(), sources, 'distccd compiled each TU');
    for (const m of served) assert.is(m[1], icc, 'distccd ran icc++');
    // icc++ -E wrote the dependency file here, naming the real object and the header.
    const deps = fs.readFileSync(path.join(build, 'obj', 'app', 'main.d'), 'utf8').replace(/\\\n/g, ' ').split(/\s+/);
    assert.equal(deps.slice(0, 3), [`${build}/obj/app/main.o:`, `${src}/app/main.cpp`, `${src}/include/hooks.h`]);
    noTempFiles();
  } finally {
    await stop(daemon.pid!, daemon);
  }
});

test.run();
