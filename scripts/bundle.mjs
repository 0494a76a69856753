// Bundles the driver into one file (dist/icc.mjs) so icc++ starts fast: Node
// loads one module instead of execa's and zod's hundred, which measured
// ~180 ms of the ~290 ms a passthrough `icc++ --version` took.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/lib/main.js'],
  outfile: 'dist/icc.mjs',
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
