/**
 * npm run bench:rr — route-reflector throughput, wren beside BIRD 2 in the same run. In a network
 * namespace (addresses from 198.18.0.0/15 on its loopback) the device under test reflects; one
 * injector announces N IPv4 /24s (500 per UPDATE, 16 attribute sets); M clients count what comes
 * back. Reports time to full delivery and the device's peak RSS.
 *   scenarios: 1M -> 1 client, 100k -> 50 clients (QUICK=1: 100k -> 1, 10k -> 10)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BenchNetns, DIST, WREN_REFLECTOR, birdReflector, peakRssMb } from './lib/bench-netns.js';

const quick = Boolean(process.env.QUICK);
const scenarios = quick ? [{ n: 100_000, m: 1 }, { n: 10_000, m: 10 }] : [{ n: 1_000_000, m: 1 }, { n: 100_000, m: 50 }];
const only = (process.env.ONLY ?? 'wren,bird').split(',');
let ns: BenchNetns | null = null;

function peers(m: number): string[] {
  return ['198.18.0.2', ...Array.from({ length: m }, (_, i) => `198.18.0.${10 + i}`)];
}

async function run(daemon: string, n: number, m: number): Promise<{ seconds: number | null; rssMb: number }> {
  const lab = ns as BenchNetns;
  const proc = daemon === 'wren' ? lab.startWren(WREN_REFLECTOR) : lab.startBird(birdReflector(peers(m)));
  await new Promise((r) => setTimeout(r, 1500));
  const r = spawnSync('ip', ['netns', 'exec', lab.name, process.execPath, join(DIST, 'bench', 'rr-driver.js')], {
    encoding: 'utf8', env: { ...process.env, N: String(n), M: String(m) }, timeout: 300_000,
  });
  const rssMb = peakRssMb(proc.pid as number);
  proc.kill('SIGKILL');
  await new Promise((res) => proc.once('exit', res));
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  const res = JSON.parse(line) as { doneMs: number | null };
  return { seconds: res.doneMs === null || res.doneMs === undefined ? null : res.doneMs / 1000, rssMb };
}

async function main(): Promise<void> {
  ns = new BenchNetns('rr', 68);
  const results: Record<string, unknown>[] = [];
  try {
    for (const s of scenarios) {
      const row: Record<string, unknown> = { scenario: `${s.n / 1000}k -> ${s.m}` };
      for (const d of only) {
        const r = await run(d, s.n, s.m);
        row[`${d} s`] = r.seconds === null ? '> cap' : r.seconds.toFixed(2);
        row[`${d} MB`] = Math.round(r.rssMb);
      }
      if (typeof row['wren s'] === 'string' && typeof row['bird s'] === 'string' && row['bird s'] !== '> cap' && row['wren s'] !== '> cap') {
        row['time ratio'] = (Number(row['wren s']) / Number(row['bird s'])).toFixed(2);
        row['RSS ratio'] = ((row['wren MB'] as number) / (row['bird MB'] as number)).toFixed(2);
      }
      results.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    ns.destroy();
  }
  console.table(results);
}

process.on('SIGINT', () => {
  ns?.destroy();
  process.exit(130);
});
void main();
