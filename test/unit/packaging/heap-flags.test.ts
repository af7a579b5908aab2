import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WREND_NODE_FLAGS } from '../../../src/daemon/node-flags.js';

// wrend starts with --max-semi-space-size=2 --no-concurrent-recompilation and puts the heap flag
// back to its default once the heap is made (settleHeapFlags, the first thing wrend.ts does).
// Checked in a child started with wrend's flags: the built-in modules it loads afterwards are
// compiled with Node's code cache (on Node 20 the heap flag on the command line makes V8 reject
// that cache; the compiler flag does not), the young generation keeps its 2 MB semi-spaces, a
// worker made with the BFD worker's limits gets the same (and runs: Node 24 crashed making it when
// the compiler flag had been set back too), and hot functions are optimized on the main thread.
// Node's own record of which built-ins took the cache needs --expose-internals, so it is read in
// the child only.

const src = join(import.meta.dirname, '..', '..', '..', 'src');
const FLAGS = pathToFileURL(join(src, 'daemon', 'node-flags.ts')).href;
const BFD = pathToFileURL(join(src, 'bfd', 'bfd-service.ts')).href;
const major = Number(process.versions.node.split('.')[0]);
const MiB = 1048576;

// Enough short-lived objects, some of them surviving a scavenge, to grow an uncapped young
// generation well past 2 MB semi-spaces (checked by the run without the flag).
const CHURN = 'const keep = []; for (let i = 0; i < 2e6; i++) { const o = { a: i, b: [i] }; if (i % 3 === 0) keep.push(o); if (keep.length > 200000) keep.length = 0; }';
const NEW_SPACE = "v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size";

const script = `
import { settleHeapFlags } from '${FLAGS}';
import { WORKER_LIMITS } from '${BFD}';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
const { internalBinding } = createRequire(import.meta.url)('internal/test/binding');
const usage = () => internalBinding('builtins').getCacheUsage();
const u0 = usage();
const before = new Set([...u0.compiledWithCache, ...u0.compiledWithoutCache, ...u0.compiledInSnapshot]);
if (process.env.SETTLE === '1') settleHeapFlags();
for (const m of ['dgram', 'cluster', 'readline', 'http', 'zlib', 'dns', 'tls']) await import('node:' + m);
const u1 = usage();
const withCache = [...u1.compiledWithCache].filter((m) => !before.has(m));
const fromSource = [...u1.compiledWithoutCache].filter((m) => !before.has(m));
${CHURN}
const newSpace = ${NEW_SPACE};
// The worker's code is evaluated as a module too (--input-type): the imports are dynamic. It is
// plain JavaScript: no TypeScript loader (execArgv) in its 64 MB heap.
const w = new Worker("Promise.all([import('node:v8'), import('node:worker_threads')]).then(([{ default: v8 }, { parentPort }]) => { ${CHURN} parentPort.postMessage(${NEW_SPACE.replace(/'/g, "\\'")}); });", { eval: true, execArgv: [], resourceLimits: WORKER_LIMITS });
const workerNewSpace = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
await w.terminate();
console.log(JSON.stringify({ withCache, fromSource, newSpace, workerNewSpace }));
`;

interface Result {
  withCache: string[];
  fromSource: string[];
  newSpace: number;
  workerNewSpace: number;
}

function run(flags: readonly string[], settle: boolean): Result {
  const r = spawnSync(process.execPath, [...flags, ...process.execArgv, '--expose-internals', '--no-warnings', '--input-type=module', '-e', script], { env: { ...process.env, SETTLE: settle ? '1' : '0' }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Result;
}

t.test("settled: the built-ins loaded next take Node's code cache, and the heap keeps wrend's young generation", async (t) => {
  const r = run(WREND_NODE_FLAGS, true);
  t.ok(r.withCache.length >= 5, `built-ins compiled with the cache: ${r.withCache.join(' ')}`);
  t.same(r.fromSource, [], 'none compiled from source');
  t.ok(r.newSpace > 0 && r.newSpace <= 5 * MiB, `main thread: new space ${r.newSpace / 1024} KB, within 2 MB semi-spaces`);
  t.ok(r.workerNewSpace > 0 && r.workerNewSpace <= 5 * MiB, `worker with the BFD worker's limits: new space ${r.workerNewSpace / 1024} KB`);
});

t.test('not settled: what the test tells apart', async (t) => {
  const r = run(WREND_NODE_FLAGS, false);
  if (major === 20) t.ok(r.fromSource.length >= 5, `Node 20 with the flag set: built-ins compiled from source (${r.fromSource.join(' ')})`);
  else t.pass(`Node ${process.versions.node} leaves heap sizes out of the flag hash: ${r.fromSource.length} from source`);
  const bare = run([], false);
  t.ok(bare.newSpace > 8 * MiB, `without the flag the same work grows the new space to ${bare.newSpace / 1024} KB: the cap above is the flag's`);
});

// A function hot enough for TurboFan, after the flags are settled; --trace-opt says how each
// compile job ran (it changes the flag hash, so it is checked in a child of its own).
const HOT = `
import { settleHeapFlags } from '${FLAGS}';
if (process.env.SETTLE === '1') settleHeapFlags();
function hot(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * 2; return s; }
const a = new Int32Array(1000);
let t = 0;
for (let k = 0; k < 20000; k++) t += hot(a);
console.log('sum', t);
`;

function compileModes(flags: readonly string[]): string[] {
  const r = spawnSync(process.execPath, [...flags, '--trace-opt', ...process.execArgv, '--no-warnings', '--input-type=module', '-e', HOT], { env: { ...process.env, SETTLE: '1' }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return [...r.stdout.matchAll(/JSFunction hot .*mode: ConcurrencyMode::(k\w+)/g)].map((m) => m[1] as string);
}

t.test('settled: TurboFan compiles on the main thread, not in the background', async (t) => {
  const modes = compileModes(WREND_NODE_FLAGS);
  t.ok(modes.length > 0, `hot() was optimized (${modes.join(' ')})`);
  t.same([...new Set(modes)], ['kSynchronous'], 'every job synchronous');
  const bare = compileModes([]);
  t.ok(bare.includes('kConcurrent'), `without wrend's flags the same function compiles in the background (${bare.join(' ')})`);
});
