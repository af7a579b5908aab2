/**
 * npm run bench:rr — route-reflector throughput, wren beside BIRD 2 in the same run. In a network
 * namespace (addresses from 198.18.0.0/15 on its loopback) the device under test reflects; one
 * injector announces N IPv4 /24s (500 per UPDATE, 16 attribute sets); M clients count what comes
 * back. Reports time to full delivery and the device's peak RSS.
 *   scenarios: 1M -> 1 client, 100k -> 50 clients (QUICK=1: 100k -> 1, 10k -> 10)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NS = `wrenrr${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'wren-rr-'));
const root = join(import.meta.dirname, '..');
const quick = Boolean(process.env.QUICK);
const scenarios = quick ? [{ n: 100_000, m: 1 }, { n: 10_000, m: 10 }] : [{ n: 1_000_000, m: 1 }, { n: 100_000, m: 50 }];
const only = (process.env.ONLY ?? 'wren,bird').split(',');

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function setup(): void {
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', NS, 'addr', 'add', '198.18.0.1/24', 'dev', 'lo']);
  for (let i = 2; i < 70; i++) sh('ip', ['-n', NS, 'addr', 'add', `198.18.0.${i}/32`, 'dev', 'lo']);
}

function cleanup(): void {
  spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean).forEach((pid) => {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone
    }
  });
  spawnSync('ip', ['netns', 'del', NS]);
  rmSync(dir, { recursive: true, force: true });
}

function peers(m: number): string[] {
  return ['198.18.0.2', ...Array.from({ length: m }, (_, i) => `198.18.0.${10 + i}`)];
}

function startWren(m: number): ChildProcess {
  const conf = join(dir, 'wren.json');
  writeFileSync(conf, JSON.stringify({
    routerId: '198.18.0.1', asn: 64512, listen: { address: ['198.18.0.1'], port: 179 },
    routeReflector: { clusterId: '198.18.0.1', listenRange: '198.18.0.0/24' },
  }));
  void m;
  return spawn('ip', ['netns', 'exec', NS, process.execPath, join(root, 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', join(dir, 'wren.sock'), '--log-level', 'warn'], { stdio: 'ignore' });
}

function startBird(m: number): ChildProcess {
  const conf = join(dir, 'bird.conf');
  const lines = ['router id 198.18.0.1;', 'protocol device {}', 'protocol direct { ipv4; interface "lo"; }'];
  for (const [i, p] of peers(m).entries()) {
    lines.push(`protocol bgp p${i} { local 198.18.0.1 as 64512; neighbor ${p} as 64512; passive on; multihop; rr client; rr cluster id 198.18.0.1;`);
    lines.push('  ipv4 { import all; export all; gateway recursive; }; }');
  }
  writeFileSync(conf, lines.join('\n') + '\n');
  return spawn('ip', ['netns', 'exec', NS, 'bird', '-f', '-c', conf, '-s', join(dir, 'bird.ctl')], { stdio: 'ignore' });
}

/** The daemon process itself (ip netns exec replaces itself with it). */
function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function run(daemon: string, n: number, m: number): Promise<{ seconds: number | null; rssMb: number }> {
  const proc = daemon === 'wren' ? startWren(m) : startBird(m);
  await new Promise((r) => setTimeout(r, 1500));
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, join(root, 'bench', 'rr-driver.js')], {
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
  setup();
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
    cleanup();
  }
  console.table(results);
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
void main();
