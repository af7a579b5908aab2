/**
 * npm run bench:probe — health probes under load. While the device under test (a route reflector)
 * takes in N IPv4 prefixes and sends them to a client, a prober asks its control socket every
 * 100 ms what calico-node's probes ask (`show status`, then `show neighbors`; for BIRD `show
 * status` and `show protocols` on its socket). Reports the probe latencies seen during ingest:
 * a probe slower than 100 ms is the failure Calico users see with BIRD under load.
 *   N (default 1,000,000), ONLY=wren,bird
 */
import net from 'node:net';
import { join } from 'node:path';
import { request } from '../src/cli/client.js';
import { BenchNetns, DIST, WREN_REFLECTOR, birdReflector } from './lib/bench-netns.js';

const N = Number(process.env.N ?? 1_000_000);
const only = (process.env.ONLY ?? 'wren,bird').split(',');
const PERIOD_MS = 100;
let ns: BenchNetns | null = null;

/** One BIRD command over its socket; resolves at the reply's last line. */
function birdAsk(path: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let buf = '';
    let sent = false;
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d: string) => {
      buf += d;
      if (!sent && buf.includes('\n')) {
        sent = true;
        buf = '';
        s.write(`${command}\n`);
        return;
      }
      if (sent && /(^|\n)\d{4} [^\n]*\n$/.test(buf)) {
        s.destroy();
        resolve();
      }
    });
  });
}

async function probe(daemon: string, sock: string): Promise<number> {
  const t0 = performance.now();
  if (daemon === 'wren') {
    await request(sock, 'show status', {});
    await request(sock, 'show neighbors', {});
  } else {
    await birdAsk(sock, 'show status');
    await birdAsk(sock, 'show protocols');
  }
  return performance.now() - t0;
}

async function run(daemon: string): Promise<Record<string, unknown>> {
  const lab = ns as BenchNetns;
  const proc = daemon === 'wren' ? lab.startWren(WREN_REFLECTOR) : lab.startBird(birdReflector(['198.18.0.2', '198.18.0.10']));
  const sock = lab.path(daemon === 'wren' ? 'wren.sock' : 'bird.ctl');
  await new Promise((r) => setTimeout(r, 1500));
  const driver = lab.spawn(process.execPath, [join(DIST, 'bench', 'rr-driver.js')], { ...process.env, N: String(N), M: '1' });
  let out = '';
  driver.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => driver.once('exit', r));
  let running = true;
  void exited.then(() => (running = false));
  const lat: number[] = [];
  const t0 = performance.now();
  let failures = 0;
  while (running) {
    const started = performance.now();
    try {
      const ms = await Promise.race([probe(daemon, sock), new Promise<number>((_, rej) => setTimeout(() => rej(new Error('timeout')), 10_000))]);
      lat.push(ms);
      if (process.env.TRACE) console.error(`${(started - t0).toFixed(0)} ms: probe ${ms.toFixed(1)} ms`);
    } catch {
      failures++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, PERIOD_MS - (performance.now() - started))));
  }
  proc.kill('SIGKILL');
  await new Promise((r) => proc.once('exit', r));
  lat.sort((a, b) => a - b);
  const q = (p: number) => (lat.length ? (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number).toFixed(1) : '-');
  const res = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { doneMs?: number | null };
  return {
    daemon,
    'ingest s': res.doneMs ? (res.doneMs / 1000).toFixed(2) : '> cap',
    probes: lat.length,
    'p50 ms': q(0.5),
    'p99 ms': q(0.99),
    'max ms': lat.length ? (lat[lat.length - 1] as number).toFixed(1) : '-',
    'over 100 ms': lat.filter((x) => x > 100).length,
    failed: failures,
  };
}

async function main(): Promise<void> {
  ns = new BenchNetns('probe', 10);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const d of only) {
      const r = await run(d);
      console.log(JSON.stringify(r));
      rows.push(r);
    }
  } finally {
    ns.destroy();
  }
  console.table(rows);
}

process.on('SIGINT', () => {
  ns?.destroy();
  process.exit(130);
});
void main();
