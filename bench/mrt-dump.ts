/**
 * npm run bench:mrt — `wrenc dump rib` of N routes (default 1M; QUICK=1: 100k) received from an
 * injector: how long the dump takes, its size, how long the control socket takes to answer
 * `show status` while the dump is written (probed every 20 ms), and bgpdump reading the file
 * back (it must list N routes).
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeNamespaces, runBench, vethPair } from './lib/veth-pair.js';
import { WREND_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { wrendEnv } from './lib/daemon-env.js';

const N = Number(process.env.N ?? (process.env.QUICK ? 100_000 : 1_000_000));
const DUT = `wrenmrt${process.pid}`;
const INJ = `wrenmrti${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'wren-mrt-'));
const root = join(import.meta.dirname, '..');
const sock = join(dir, 'wren.sock');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function wrenc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'src', 'bin', 'wrenc.js'), '--socket', sock, '--timeout', '300', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One `show status` over the control socket; its round trip in ms. */
function probe(): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect(sock);
    s.setEncoding('utf8');
    s.on('connect', () => s.write('{"id":1,"command":"show status"}\n'));
    s.on('data', () => {
      s.destroy();
      resolve(performance.now() - t0);
    });
    s.on('error', () => resolve(-1));
  });
}

async function main(): Promise<void> {
  const conf = join(dir, 'wren.json');
  writeFileSync(conf, JSON.stringify({
    routerId: '198.18.0.1', asn: 64512, listen: { address: ['198.18.0.1'], port: 179 },
    neighbors: [{ address: '198.18.0.2', asn: 65000, passive: true, maxPrefixes: { limit: 4_294_967_295, action: 'warn' } }],
  }));
  const proc = spawn('ip', ['netns', 'exec', DUT, process.execPath, ...WREND_NODE_FLAGS, join(root, 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', sock, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'], env: wrendEnv() });
  await sleep(1500);
  const inj = spawn('ip', ['netns', 'exec', INJ, process.execPath, join(root, 'bench', 'fib-driver.js')], { env: { ...process.env, N: String(N) }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 600; i++) {
    const st = wrenc('--json', 'show', 'status');
    if (st.status === 0 && (JSON.parse(st.stdout) as { routes: number }).routes >= N) break;
    await sleep(200);
  }
  const file = join(dir, 'rib.mrt');
  const lat: number[] = [];
  let dumping = true;
  const prober = (async () => {
    while (dumping) {
      lat.push(await probe());
      await sleep(20);
    }
  })();
  const t0 = performance.now();
  const dump = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [join(root, 'src', 'bin', 'wrenc.js'), '--socket', sock, '--timeout', '300', '--json', 'dump', 'rib', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (status) => resolve({ status, stdout: out, stderr: err }));
  });
  const dumpMs = performance.now() - t0;
  dumping = false;
  await prober;
  if (dump.status !== 0) throw new Error(`dump failed: ${dump.stderr}`);
  const t1 = performance.now();
  const read = spawnSync('sh', ['-c', `bgpdump -m '${file}' | wc -l`], { encoding: 'utf8' });
  const readMs = performance.now() - t1;
  const ok = lat.filter((x) => x >= 0).sort((a, b) => a - b);
  const row = {
    routes: N,
    'dump s': (dumpMs / 1000).toFixed(2),
    'file MB': (statSync(file).size / 1048576).toFixed(1),
    probes: ok.length,
    'worst show status ms': ok.length ? ok[ok.length - 1]?.toFixed(1) : '-',
    'p50 ms': ok.length ? ok[Math.floor(ok.length / 2)]?.toFixed(1) : '-',
    'bgpdump lines': Number(read.stdout.trim()),
    'bgpdump s': (readMs / 1000).toFixed(2),
  };
  console.log(JSON.stringify(row));
  console.table([row]);
  inj.kill('SIGKILL');
  proc.kill('SIGKILL');
}

runBench(
  () => vethPair(DUT, 'wma', ['198.18.0.1/24'], INJ, 'wmb', ['198.18.0.2/24']),
  () => {
    removeNamespaces(DUT, INJ);
    rmSync(dir, { recursive: true, force: true });
  },
  main,
);
