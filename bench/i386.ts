// npm run bench, the 32-bit x86 rows: builds bench/i386.cpp with icc++ -m32
// twice, for an executable (the stub jumps to the target through its
// thread-local slot) and with -fPIC (code for a shared object: the trampoline
// returns into the target), runs both natively and prints, for each path and
// vector width, the median ratio to a plain indirect call timed in the same
// repetition (thread CPU time), its 10th-90th percentile spread and the median ns per call.
// Where 32-bit wine and i686 mingw-w64 are installed, a third column: the same
// source for i686-w64-mingw32 (COFF: the trampoline returns into the target)
// run under wine, timed in wall-clock time (bench/i386.cpp says why).
// A script that prints figures, not a test.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const icc = path.join(root, 'bin', 'icc++');

const described: Record<string, string> = {
  light: 'light (counter++; goto -> cached)',
  full: 'full, core calls a function',
  lazy: 'lazy loader (cached after 1st)',
};

type Figures = Map<string, string[]>;

async function measure(dir: string, name: string, flags: string[]): Promise<Figures> {
  const exe = path.join(dir, name);
  await execa(icc, ['-m32', '-O2', ...flags, path.join(root, 'bench', 'i386.cpp'), '-o', exe], { stdio: 'inherit' });
  const { stdout } = await execa(exe, process.argv.slice(2));
  return figures(stdout);
}

const figures = (stdout: string): Figures => new Map(stdout.trim().split(/\r?\n/).map((l) => { const [k, ...v] = l.split(' '); return [k, v]; }));

const MINGW = '/usr/lib/gcc/i686-w64-mingw32';

/** The mingw build under 32-bit wine, or undefined (with the reason printed) when it can't run here. */
async function measureWine(dir: string): Promise<Figures | undefined> {
  const gcc = fs.existsSync(MINGW) ? fs.readdirSync(MINGW).filter((d) => d.endsWith('-win32')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).pop() : undefined;
  if (!gcc || !fs.existsSync('/usr/lib/wine/wine')) {
    console.log('i386 mingw under wine: skipped (needs i686 mingw-w64 and wine32:i386, which scripts/setup installs)');
    return undefined;
  }
  const g = path.join(MINGW, gcc);
  const exe = path.join(dir, 'mingw.exe');
  const flags = ['--target=i686-w64-mingw32', '-msse2', '-O2', '-isystem', path.join(g, 'include/c++'), '-isystem', path.join(g, 'include/c++/i686-w64-mingw32'), `-L${g}`, `-B${g}`, '-fuse-ld=lld', '-static'];
  try {
    await execa(icc, [...flags, path.join(root, 'bench', 'i386.cpp'), '-o', exe], { stdio: 'inherit' });
    const env = { WINEPREFIX: path.join(dir, 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
    try {
      const { stdout } = await execa('wine', [exe, ...process.argv.slice(2)], { env });
      return figures(stdout);
    } finally {
      await execa('wineserver', ['-k'], { env, reject: false });
    }
  } catch (e) {
    console.log(`i386 mingw under wine: skipped (${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

const show = (s: string[] | undefined): string => {
  const v = (s ?? []).map(Number);
  return s ? `${v[0].toFixed(2)} [${v[1].toFixed(2)}-${v[2].toFixed(2)}] ${v[3].toFixed(1)} ns` : '-';
};

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-i386-'));
  try {
    let exe: Figures, pic: Figures;
    try {
      exe = await measure(dir, 'exe', []);
      pic = await measure(dir, 'pic', ['-fPIC']);
    } catch (e) {
      console.log(`i386: skipped, a 32-bit program could not be built or run here (${(e as Error).message.split('\n')[0]})`);
      return;
    }
    const wine = await measureWine(dir);
    const lines = [...exe.keys()].filter((k) => k.split('-')[0] in described);
    console.log(`i386 (bench/i386.cpp, icc++ -m32 -O2, native 32-bit process; ${exe.get('calls')?.[0]} calls per timing, ${exe.get('reps')?.[0]} repetitions)`);
    const [plainNs, plainLo, plainHi] = exe.get('plain')!.map(Number);
    console.log(`host vector width: ${exe.get('native-width')?.[0]}; plain indirect call ${plainNs.toFixed(2)} ns (${plainLo.toFixed(2)}-${plainHi.toFixed(2)})`);
    console.log('ratio to a plain indirect call timed just before (thread CPU time): median [10th-90th percentile], median ns per call');
    const wineHead = wine ? `mingw under wine, wall clock (plain ${Number(wine.get('plain')![0]).toFixed(2)} ns)` : '';
    console.log(`  ${'path, trampoline width'.padEnd(44)} ${'executable (jmp through the TLS slot)'.padEnd(38)} ${'-fPIC (ret into the target)'.padEnd(38)} ${wineHead}`);
    for (const key of lines) {
      const [kind, width] = key.split('-');
      console.log(`  ${`${described[kind]}, ${width}`.padEnd(44)} ${show(exe.get(key)).padEnd(38)} ${show(pic.get(key)).padEnd(38)} ${wine ? show(wine.get(key)) : ''}`.trimEnd());
    }
  } finally {
    fs.removeSync(dir);
  }
}

await main();
