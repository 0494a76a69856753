// npm run bench:build: the build overhead of icc++ over clang++ on 12
// header-heavy translation units without interceptors and 4 with, -O2 -c,
// both compilers alternating in one run (best of the repetitions). A script
// that prints figures, not a test.
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const icc = path.join(root, 'bin', 'icc++');
const reps = Number(process.argv[2] ?? 3);

const HEADERS = ['<vector>', '<string>', '<map>', '<unordered_map>', '<algorithm>', '<memory>', '<functional>', '<sstream>', '<iostream>'];

function source(n: number, hooked: boolean): string {
  const body = [
    ...HEADERS.map((h) => `#include ${h}`),
    '#include <dlfcn.h>',
    `namespace tu${n} {`,
    'std::map<std::string, std::vector<int>> table;',
    `int work(int x) { std::ostringstream s; s << x; table[s.str()].push_back(x); std::vector<int> v(x, ${n});`,
    '  std::sort(v.begin(), v.end()); std::unordered_map<int, std::string> u; u[x] = s.str();',
    '  std::function<int(int)> f = [&](int y) { return y + int(u.size()); }; return f(int(v.size())); }',
    '}',
  ];
  if (hooked) body.push(`[[interceptor]] void Hook${n}(void) { std::puts("hook"); goto -> dlsym(RTLD_DEFAULT, "puts"); }`);
  return body.join('\n') + '\n';
}

async function timeOne(compiler: string, file: string, dir: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await execa(compiler, ['-O2', '-c', file, '-o', file.replace(/\.cpp$/, '.o')], { cwd: dir });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Each TU compiled by both compilers back to back, `reps` times: the machine's load drifts
 *  (it is shared), and a pair run seconds apart sees the same load. Per TU and compiler the best
 *  time counts; the totals are their sums. */
async function timePairs(pairs: { clang: string; icc: string }[], dir: string): Promise<{ clang: number; icc: number }> {
  const best = pairs.map(() => ({ clang: Infinity, icc: Infinity }));
  for (let r = 0; r < reps; r++) {
    for (const [n, p] of pairs.entries()) {
      best[n].clang = Math.min(best[n].clang, await timeOne('clang++', p.clang, dir));
      best[n].icc = Math.min(best[n].icc, await timeOne(icc, p.icc, dir));
    }
  }
  return { clang: best.reduce((t, b) => t + b.clang, 0), icc: best.reduce((t, b) => t + b.icc, 0) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-build-'));
  try {
    const plain = Array.from({ length: 12 }, (_, n) => path.join(dir, `plain${n}.cpp`));
    const hooked = Array.from({ length: 4 }, (_, n) => path.join(dir, `hooked${n}.cpp`));
    plain.forEach((f, n) => fs.writeFileSync(f, source(n, false)));
    hooked.forEach((f, n) => fs.writeFileSync(f, source(100 + n, true)));
    // clang++ cannot compile interceptors: its baseline is the same sources with plain functions.
    const baseline = hooked.map((f) => f.replace('hooked', 'baseline'));
    hooked.forEach((f, n) => fs.writeFileSync(baseline[n], fs.readFileSync(f, 'utf8').replace('[[interceptor]] void', 'void').replace('goto -> dlsym(RTLD_DEFAULT, "puts");', '')));
    const plainTimes = await timePairs(plain.map((f) => ({ clang: f, icc: f })), dir);
    const hookedTimes = await timePairs(hooked.map((f, n) => ({ clang: baseline[n], icc: f })), dir);
    const per = (ms: number, n: number): string => `${(ms / n).toFixed(0)} ms/TU`;
    const line = (t: { clang: number; icc: number }, n: number): string =>
      `clang++ ${per(t.clang, n)}, icc++ ${per(t.icc, n)} (+${((t.icc - t.clang) / n).toFixed(0)} ms/TU), ratio ${(t.icc / t.clang).toFixed(3)}`;
    console.log(`command: npm run bench:build   (${reps} repetitions, each TU by both compilers back to back, best of each, -O2 -c)`);
    console.log(`12 TUs without interceptors: ${line(plainTimes, 12)} (target <= 1.10)`);
    console.log(`4 TUs with interceptors:     ${line(hookedTimes, 4)} (clang++ on the same code with plain functions; target <= 1.30)`);
    console.log(`node's own start-up (node -e ''), for scale: ${(await nodeStartup()).toFixed(0)} ms`);
    console.log(`machine load while measuring: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    fs.removeSync(dir);
  }
}

/** The best of 10 runs of an empty Node program: the floor under any Node-based driver. */
async function nodeStartup(): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint();
    await execa(process.execPath, ['-e', '']);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

await main();
