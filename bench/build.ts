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

async function timeAll(compiler: string, files: string[], dir: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (const f of files) await execa(compiler, ['-O2', '-c', f, '-o', f.replace(/\.cpp$/, '.o')], { cwd: dir });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-bench-build-'));
  try {
    const plain = Array.from({ length: 12 }, (_, n) => path.join(dir, `plain${n}.cpp`));
    const hooked = Array.from({ length: 4 }, (_, n) => path.join(dir, `hooked${n}.cpp`));
    plain.forEach((f, n) => fs.writeFileSync(f, source(n, false)));
    hooked.forEach((f, n) => fs.writeFileSync(f, source(100 + n, true)));
    const best = { clangPlain: Infinity, iccPlain: Infinity, clangHooked: Infinity, iccHooked: Infinity };
    for (let r = 0; r < reps; r++) {
      best.clangPlain = Math.min(best.clangPlain, await timeAll('clang++', plain, dir));
      best.iccPlain = Math.min(best.iccPlain, await timeAll(icc, plain, dir));
      // clang++ cannot compile interceptors: its baseline is the same sources with plain functions.
      const baseline = hooked.map((f) => f.replace('hooked', 'baseline'));
      hooked.forEach((f, n) => fs.writeFileSync(baseline[n], fs.readFileSync(f, 'utf8').replace('[[interceptor]] void', 'void').replace('goto -> dlsym(RTLD_DEFAULT, "puts");', '')));
      best.clangHooked = Math.min(best.clangHooked, await timeAll('clang++', baseline, dir));
      best.iccHooked = Math.min(best.iccHooked, await timeAll(icc, hooked, dir));
    }
    const per = (ms: number, n: number): string => `${(ms / n).toFixed(0)} ms/TU`;
    console.log(`command: npm run bench:build   (${reps} repetitions, best of each, sequential -O2 -c)`);
    console.log(`12 TUs without interceptors: clang++ ${per(best.clangPlain, 12)}, icc++ ${per(best.iccPlain, 12)}, ratio ${(best.iccPlain / best.clangPlain).toFixed(3)} (target <= 1.10)`);
    console.log(`4 TUs with interceptors:     clang++ ${per(best.clangHooked, 4)} (same code, plain functions), icc++ ${per(best.iccHooked, 4)}, ratio ${(best.iccHooked / best.clangHooked).toFixed(3)} (target <= 1.30)`);
    console.log(`machine load while measuring: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    fs.removeSync(dir);
  }
}

await main();
