// The fast path's include scan (lib/scan.ts): which sources may hold an
// interceptor, through the headers they include from the user's directories.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { classifyArgs } from '../../lib/args/classify.js';
import { mayContainInterceptors } from '../../lib/scan.js';
import { writeTree } from '../helpers.js';

const test = suite('scan');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-test-scan-'));
test.after(() => fs.removeSync(dir));

const files: Record<string, string> = {
  'plain.cpp': '#include <vector>\n#include "util.h"\nint main() {}\n',
  'util.h': '#pragma once\n#include "deep/leaf.h"\n',
  'deep/leaf.h': 'inline int leaf() { return 1; }\n',
  'hooked.cpp': '#include "util.h"\n#include <hooks.h>\n',
  'inc/hooks.h': '[[interceptor]] void Logger(void) { goto -> nullptr; }\n',
  'macro.cpp': '#define H "util.h"\n#include H\n',
  'commented.cpp': '// mentions an interceptor only in a comment\n',
  'next.cpp': '#include <wrap.h>\n',
  'first/wrap.h': '#include_next <wrap.h>\n',
  'second/wrap.h': '// the interceptor is in the second match\n',
};
writeTree(dir, files);

/** The scan's answer for every C++ source of a command, run in `dir`. */
function answers(command: string): boolean[] {
  const plan = classifyArgs(command.split(' '));
  return plan.inputs.map((input) => mayContainInterceptors(plan, input, dir));
}

test('a source whose user headers never mention an interceptor takes the fast path', () => {
  assert.equal(answers('-c plain.cpp'), [false]);
});

test('a mention in a header found through -I, or in a comment, sends the source through the pipeline', () => {
  assert.equal(answers('-Iinc -c hooked.cpp'), [true]);
  assert.equal(answers('-c commented.cpp'), [true]);
  // Without -Iinc, <hooks.h> is not a user header: the scan can't see it (clang would reject the goto ->).
  assert.equal(answers('-c hooked.cpp'), [false]);
});

test('sources of one command sharing headers each get their own answer', () => {
  assert.equal(answers('-Iinc -c plain.cpp hooked.cpp plain.cpp'), [false, true, false]);
});

test('#include MACRO, stdin and -include leave it to the preprocessor or to what they name', () => {
  assert.equal(answers('-c macro.cpp'), [true]);
  assert.equal(answers('-x c++ -c -'), [true]);
  assert.equal(answers('-include inc/hooks.h -c plain.cpp'), [true]);
});

test('#include_next reads every match along the include path', () => {
  assert.equal(answers('-Ifirst -Isecond -c next.cpp'), [true]);
  assert.equal(answers('-Ifirst -c next.cpp'), [false]);
});

test.run();
