// icc-shim over a DLL: a proxy DLL (named like the original, forwarding to it
// renamed) under wine, for a DLL built here with a named export, an
// ordinal-only export, exported data and a forwarder. The unmodified program
// must print the same with the proxy, the proxy must count its calls, and a
// program linked against the proxy's import library must run too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { fixtures, requireTool, root, scratch } from '../helpers.js';
import { mingwFlags } from '../../lib/shim/proxy.js';

const test = suite('shim-proxy');
const src = (f: string): string => path.join(fixtures, 'shim', f);
let out = '';
let cleanup = () => {};
let wineStarted = false;

test.before(() => {
  ({ dir: out, cleanup } = scratch('shim-proxy'));
});
test.after(async () => {
  if (wineStarted) await execa('wineserver', ['-k'], { env: wineEnv(), reject: false });
  cleanup();
});

function wineEnv(): Record<string, string> {
  return { WINEPREFIX: path.join(out, 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
}

async function wine(exe: string, env: Record<string, string> = {}) {
  wineStarted = true;
  const r = await execa('wine', [path.basename(exe)], { cwd: path.dirname(exe), env: { ...wineEnv(), ...env }, reject: false, stripFinalNewline: false });
  const unix = (s: unknown): string => String(s).replace(/\r\n/g, '\n');
  return { code: r.exitCode, stdout: unix(r.stdout), stderr: unix(r.stderr) };
}

async function clangxx(args: string[]): Promise<void> {
  const r = await execa('clang++', [...mingwFlags(), '-O2', ...args], { reject: false });
  assert.is(r.exitCode, 0, String(r.stderr));
}

test('a proxy DLL: same output under wine, calls counted, its import library links', async () => {
  for (const tool of ['wine', 'x86_64-w64-mingw32-g++', 'ld.lld']) if (!(await requireTool(tool))) return;
  const plain = path.join(out, 'plain');
  const proxied = path.join(out, 'proxied');
  fs.mkdirSync(plain);
  fs.mkdirSync(proxied);
  await clangxx(['-shared', src('calc.cpp'), src('calc.def'), '-o', path.join(plain, 'calc.dll'), `-Wl,--out-implib,${path.join(plain, 'libcalc.dll.a')}`]);
  await clangxx([src('calc-app.cpp'), path.join(plain, 'libcalc.dll.a'), '-o', path.join(plain, 'app.exe')]);

  const shimBin = path.join(root, 'bin', 'icc-shim');
  const list = await execa(shimBin, [path.join(plain, 'calc.dll'), '--list'], { reject: false });
  assert.is(list.exitCode, 0, String(list.stderr));
  assert.match(String(list.stdout), /^intercept Add$/m);
  assert.match(String(list.stdout), /^intercept #5$/m, 'the ordinal-only export');
  assert.match(String(list.stdout), /^skip Lower: forwarded to msvcrt\.tolower \(kept as a forwarder\)$/m);
  assert.match(String(list.stdout), /^skip Counter: data export \(forwarded to calc-real\.Counter, not intercepted\)$/m);

  const built = await execa(shimBin, [path.join(plain, 'calc.dll'), '-o', path.join(proxied, 'calc.dll')], { reject: false });
  assert.is(built.exitCode, 0, String(built.stderr));
  for (const f of ['calc.dll', 'libcalc.dll.a', 'calc.def']) assert.ok(fs.existsSync(path.join(proxied, f)), f);
  fs.copyFileSync(path.join(plain, 'calc.dll'), path.join(proxied, 'calc-real.dll'));
  fs.copyFileSync(path.join(plain, 'app.exe'), path.join(proxied, 'app.exe'));

  const before = await wine(path.join(plain, 'app.exe'));
  assert.is(before.code, 0, before.stderr);
  assert.match(before.stdout, /^Add: 45\nScale: 5\.00\nLower: q\nCounter: 42\n$/);
  const report = path.join(proxied, 'report.txt');
  const after = await wine(path.join(proxied, 'app.exe'), { ICC_SHIM_OUT: 'report.txt' });
  assert.is(after.code, 0, after.stderr);
  assert.is(after.stdout, before.stdout);
  const text = fs.readFileSync(report, 'utf8').replace(/\r\n/g, '\n');
  assert.match(text, /^ +10 Add$/m);
  assert.match(text, /^ +1 #5$/m);

  // --log with a header: Add's arguments, as app.exe passes them (a running sum and the loop index).
  const logged = path.join(out, 'logged');
  fs.mkdirSync(logged);
  fs.writeFileSync(path.join(out, 'calc.h'), 'int Add(int a, int b);\ndouble Scale(double x, int by);\n');
  const logBuilt = await execa(shimBin, [path.join(plain, 'calc.dll'), '--log', '--header', path.join(out, 'calc.h'), '-o', path.join(logged, 'calc.dll')], { reject: false });
  assert.is(logBuilt.exitCode, 0, String(logBuilt.stderr));
  fs.copyFileSync(path.join(plain, 'calc.dll'), path.join(logged, 'calc-real.dll'));
  fs.copyFileSync(path.join(plain, 'app.exe'), path.join(logged, 'app.exe'));
  const logRun = await wine(path.join(logged, 'app.exe'), { ICC_SHIM_OUT: 'calls.log' });
  assert.is(logRun.stdout, before.stdout);
  const calls = fs.readFileSync(path.join(logged, 'calls.log'), 'utf8').replace(/\r\n/g, '\n').trimEnd().split('\n').map((l) => l.split(' ').slice(2).join(' '));
  const adds: string[] = [];
  for (let i = 0, sum = 0; i < 10; sum += i, i++) adds.push(`Add(${sum}, ${i})`);
  assert.equal(calls.filter((c) => c.startsWith('Add')), adds);
  assert.ok(calls.includes('#5'), 'the ordinal-only export has no name to find a prototype by: logged without arguments');

  // Linked against the proxy's import library, as against the original's (by name: an
  // ordinal-only export has no name a proxy could give its import library).
  await clangxx(['-DBY_NAME', src('calc-app.cpp'), path.join(proxied, 'libcalc.dll.a'), '-o', path.join(proxied, 'app2.exe')]);
  const relinked = await wine(path.join(proxied, 'app2.exe'));
  assert.is(relinked.code, 0, relinked.stderr);
  assert.is(relinked.stdout, before.stdout);
});

test.run();
