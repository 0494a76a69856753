// npm test: runs the uvu suites in dist/test and ends with the plain summary
// line CI reads ("N passed, N failed, N skipped"); uvu's own exit code stands.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// uvu's package exports don't list its CLI; it sits in node_modules like any file.
const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
const dir = process.argv[2] ?? 'dist/test';
const child = spawn(process.execPath, [uvu, dir, '\\.test\\.js$'], { stdio: ['inherit', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk;
});
child.on('close', (code, signal) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  console.log(`\n${passed} passed, ${total - passed - skipped} failed, ${skipped} skipped`);
  process.exitCode = signal ? 1 : code ?? 1;
});
