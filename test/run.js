// Runs tap, passes its output through, and ends with the plain "N passed, N failed" line CI reads.
import { spawn } from 'node:child_process';

const child = spawn('npx', ['tap', ...process.argv.slice(2)], { stdio: ['inherit', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code) => {
  const m = /# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, skip: (\d+))?/.exec(tail);
  if (m) {
    const skipped = m[4] ? `, ${m[4]} skipped` : '';
    console.log(`${m[2]} passed, ${m[3] ?? 0} failed${skipped}`);
  }
  process.exit(code ?? 1);
});
