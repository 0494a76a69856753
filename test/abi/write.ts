// Writes one torture case to a directory, to reproduce or shrink a failure by hand:
//   node dist/test/abi/write.js <seed> <sse|avx|avx512|aarch64|sve|ms|ms-avx512|mingw|vectorcall> <dir> [count] [clobbering|light|params]
// then build it as the test does (the command is printed).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate, VARIANT_FLAGS, type CoreKind, type Variant } from './generate.js';

const [seedText, variant, dir, countText, kind] = process.argv.slice(2);
if (!seedText || !['sse', 'avx', 'avx512', 'aarch64', 'sve', 'ms', 'ms-avx512', 'mingw', 'vectorcall'].includes(variant) || !dir) {
  console.error('usage: node dist/test/abi/write.js <seed> <sse|avx|avx512|aarch64|sve|ms|ms-avx512|mingw|vectorcall> <dir> [count] [clobbering|light|params]');
  process.exit(2);
}
const t = generate(Number(seedText) >>> 0, variant as Variant, countText ? Number(countText) : undefined, (kind as CoreKind | undefined) ?? 'clobbering');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'callee.cpp'), t.callee);
writeFileSync(path.join(dir, 'main.cpp'), t.main);
const flags = ['-O2', ...VARIANT_FLAGS[t.variant]].join(' ');
console.log(`cd ${dir} && clang++ ${flags} -c callee.cpp -o callee.o && icc++ ${flags} main.cpp callee.o -o torture && ./torture`);
