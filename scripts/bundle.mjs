// Bundles the driver (dist/icc.mjs and its chunks) so icc++ starts fast: Node
// loads a few modules instead of execa's and zod's hundred, which measured
// ~180 ms of the ~290 ms a passthrough `icc++ --version` took.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

for (const f of readdirSync('dist')) if (/^icc.*\.mjs$/.test(f)) rmSync(`dist/${f}`);

await build({
  entryPoints: { icc: 'dist/lib/main.js', 'icc-shim': 'dist/lib/shim/main.js' },
  outdir: 'dist',
  // The pipeline (rewriter, diagnostics filter) is a chunk of its own, loaded only when a
  // source may hold interceptors: sources without them never parse it.
  splitting: true,
  chunkNames: 'icc-[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  // yargs is loaded only for --icc-* options; keep it out of the start-up path.
  external: ['yargs'],
  banner: { js: "import { createRequire as __iccRequire } from 'node:module'; const require = __iccRequire(import.meta.url);" },
  logLevel: 'warning',
});
