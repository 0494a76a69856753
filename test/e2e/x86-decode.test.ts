// lib/x86-decode.ts against llvm-objdump on real compiled code: the light-core
// check is only as sound as its instruction boundaries. For every function of a
// few standard-library-heavy objects (-O0, -O2, -Os, -fPIC, -mavx2; x86-64, and
// 32-bit x86 with the decoder in 32-bit mode), each
// instruction the decoder reports must have objdump's length, up to the first
// one it calls unknown (which keeps a core on the full path: never a guess)
// or VEX-encoded (which the check rejects before measuring).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'fs-extra';
import { execa } from 'execa';
import { decode } from '../../lib/x86-decode.js';
import { inScratch } from '../helpers.js';

const test = suite('x86-decode');

const SOURCE = `
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <vector>
double norm(const std::vector<double> &v) { double s = 0; for (double x : v) s += x * x; return std::sqrt(s); }
long hash(const std::string &s) { long h = 1469598103934665603L; for (char c : s) h = (h ^ c) * 1099511628211L; return h; }
int count(const std::map<std::string, int> &m, const std::string &k) { auto it = m.find(k); return it == m.end() ? -1 : it->second; }
bool matches(const std::string &s) { return std::regex_match(s, std::regex("[a-z]+[0-9]*")); }
long sorted(std::vector<long> v) { std::sort(v.begin(), v.end()); return v.empty() ? 0 : v[v.size() / 2]; }
unsigned __int128 wide(unsigned __int128 a, unsigned b) { return a * b + (a >> 7); }
long double ld(long double a, int i) { return a * i + 0.5L; }
int sw(int k) { switch (k) { case 0: return 3; case 1: return 7; case 2: return 11; case 3: return 19; case 4: return 23; default: return k; } }
`;

interface Fn { name: string; bytes: number[]; lengths: number[] }

/** Each function's bytes and instruction lengths as llvm-objdump decodes them. It prints a
 *  `lock` (or `rep`) prefix on a line of its own: that line belongs to the next instruction
 *  (in 32-bit code it may also print `rep movsl` on one line: one instruction). */
function functions(listing: string): Fn[] {
  const out: Fn[] = [];
  let fn: Fn | undefined;
  let carried = 0;
  for (const line of listing.split('\n')) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head) { fn = { name: head[1], bytes: [], lengths: [] }; out.push(fn); continue; }
    const insn = /^\s+[0-9a-f]+:\s+((?:[0-9a-f]{2}[ \t])+)\s*(\S*)(.*)$/.exec(line);
    if (!insn || !fn) continue;
    const bytes = insn[1].trim().split(/\s+/).map((b) => parseInt(b, 16));
    fn.bytes.push(...bytes);
    if (/^(lock|rep|repne|repe)$/.test(insn[2]) && insn[3].trim() === '') { carried += bytes.length; continue; }
    fn.lengths.push(carried + bytes.length);
    carried = 0;
  }
  return out.filter((f) => f.bytes.length > 0);
}

const rows: [string[], 32 | 64][] = [
  [['-O0'], 64], [['-O2'], 64], [['-Os', '-fPIC'], 64], [['-O2', '-mavx2'], 64],
  [['-m32', '-O0'], 32], [['-m32', '-O2'], 32], [['-m32', '-Os', '-fPIC'], 32], [['-m32', '-O2', '-mavx2'], 32],
];
for (const [flags, mode] of rows) {
  test(`boundaries match llvm-objdump's (${flags.join(' ')})`, () =>
    inScratch('decode', async (out) => {
      const src = path.join(out, 'code.cpp');
      // 32-bit x86 has no __int128.
      fs.writeFileSync(src, mode === 64 ? SOURCE : SOURCE.replace(/^unsigned __int128 .*$/m, ''));
      const obj = path.join(out, 'code.o');
      await execa('clang++', ['-std=c++17', ...flags, '-c', src, '-o', obj]);
      const { stdout } = await execa('llvm-objdump', ['-d', obj]);
      let insns = 0;
      let fully = 0;
      const fns = functions(stdout);
      assert.ok(fns.length > 50, `only ${fns.length} functions`);
      for (const f of fns) {
        const decoded = decode(Uint8Array.from(f.bytes), mode);
        let complete = true;
        for (const [i, d] of decoded.entries()) {
          if (d.kind === 'unknown') { complete = false; break; }
          if (d.kind === 'vex') break; // where the check stops: VEX code never gets the light path
          assert.is(d.length, f.lengths[i], `${f.name}: instruction ${i} at +${d.at}`);
          insns++;
        }
        if (complete && decoded.at(-1)?.kind !== 'vex') assert.is(decoded.length, f.lengths.length, f.name);
        if (complete) fully++;
      }
      // The decoder must know the integer code clang writes (else every core would lose the light path).
      assert.ok(fully / fns.length > 0.9, `${fully} of ${fns.length} functions decoded to the end`);
      assert.ok(insns > 1000, `${insns} instructions`);
    }));
}

test.run();
