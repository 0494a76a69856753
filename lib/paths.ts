// Where icc++'s own files are, whether it runs from dist/lib/*.js or from the
// bundled dist/icc.mjs: the first folder upwards that holds asm/.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'asm', 'x86_64-sysv.S'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the icc++ installation (asm/ is missing)');
    dir = parent;
  }
}

/** The icc++ package folder (holds bin/, asm/, dist/). */
export const packageRoot = findRoot();
