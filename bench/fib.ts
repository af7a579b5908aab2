/**
 * npm run bench:fib — N IPv4 routes from a BGP peer into the kernel: wren vs BIRD 2
 * (`protocol kernel`) vs `ip -batch` adding the same routes, in one run. Time is from the first
 * UPDATE until the last route is in the kernel. QUICK=1: N = 100k (default 1M). ONLY=wren: wren
 * alone (for iterating on wren's FIB path).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeNamespaces, runBench, sh, startInjector, vethPair } from './lib/veth-pair.js';
import { daemonEnv, wrendEnv } from './lib/daemon-env.js';
import { WREND_NODE_FLAGS } from '../src/daemon/node-flags.js';

const N = Number(process.env.N ?? (process.env.QUICK ? 100_000 : 1_000_000));
const DUT = `wrenfib${process.pid}`;
const INJ = `wrenfibi${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'wren-fib-'));
const root = join(import.meta.dirname, '..');

function setup(): void {
  vethPair(DUT, 'wfa', ['198.18.0.1/24'], INJ, 'wfb', ['198.18.0.2/24']);
}

function cleanup(): void {
  removeNamespaces(DUT, INJ);
  rmSync(dir, { recursive: true, force: true });
}

function flush(proto: string): void {
  spawnSync('ip', ['-n', DUT, 'route', 'flush', 'proto', proto]);
}

function ipBatch(): number {
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    const a = 0xf0000000 + i * 256;
    lines.push(`route add ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24 via 198.18.0.2 proto 200`);
  }
  const file = join(dir, 'batch');
  writeFileSync(file, lines.join('\n') + '\n');
  const t0 = performance.now();
  sh('ip', ['-n', DUT, '-batch', file]);
  const s = (performance.now() - t0) / 1000;
  flush('200');
  return s;
}

async function viaBgp(daemon: 'wren' | 'bird'): Promise<number | null> {
  let proc: ChildProcess;
  let proto: number;
  if (daemon === 'wren') {
    const conf = join(dir, 'wren.json');
    writeFileSync(conf, JSON.stringify({
      routerId: '198.18.0.1', asn: 64512, listen: { address: ['198.18.0.1'], port: 179 },
      neighbors: [{ address: '198.18.0.2', asn: 65000, passive: true }],
      fib: { table: 254, protocol: 210, persist: false },
    }));
    proto = 210;
    proc = spawn('ip', ['netns', 'exec', DUT, process.execPath, ...WREND_NODE_FLAGS, ...(process.env.WREND_NODE_ARGS ?? '').split(' ').filter(Boolean), join(root, 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', join(dir, 'wren.sock'), '--log-level', process.env.WREN_LOG ?? 'warn'], { stdio: ['ignore', 'inherit', 'inherit'], env: wrendEnv() });
  } else {
    const conf = join(dir, 'bird.conf');
    writeFileSync(conf, [
      'router id 198.18.0.1;', 'protocol device {}', 'protocol kernel { ipv4 { export all; }; }',
      'protocol bgp inj { local 198.18.0.1 as 64512; neighbor 198.18.0.2 as 65000; passive on; ipv4 { import all; export none; }; }',
    ].join('\n') + '\n');
    proto = 12;
    proc = spawn('ip', ['netns', 'exec', DUT, 'bird', '-f', '-c', conf, '-s', join(dir, 'bird.ctl')], { stdio: ['ignore', 'inherit', 'inherit'], env: daemonEnv() });
  }
  await new Promise((r) => setTimeout(r, 1500));
  const { proc: inj, start } = await startInjector(INJ, root, N);
  const counter = spawnSync('ip', ['netns', 'exec', DUT, process.execPath, join(root, 'bench', 'fib-count.js')], {
    encoding: 'utf8', env: { ...process.env, N: String(N), P: String(proto) }, timeout: 120_000,
  });
  const doneAt = /"doneAt":(\d+)/.exec(counter.stdout)?.[1];
  inj.kill('SIGTERM');
  proc.kill('SIGKILL');
  await new Promise((r) => proc.once('exit', r));
  flush(String(proto));
  return doneAt ? (Number(doneAt) - start) / 1000 : null;
}

async function main(): Promise<void> {
  const only = process.env.ONLY === 'wren';
  const batch = only ? 0 : ipBatch();
  const wren = await viaBgp('wren');
  const bird = only ? null : await viaBgp('bird');
  const row = {
    routes: N,
    'ip -batch s': batch.toFixed(2),
    'wren s': wren?.toFixed(2) ?? '> cap',
    'BIRD s': bird?.toFixed(2) ?? '> cap',
    'wren / ip -batch': wren ? (wren / batch).toFixed(2) : '-',
    'wren / BIRD': wren && bird ? (wren / bird).toFixed(2) : '-',
  };
  console.log(JSON.stringify(row));
  console.table([row]);
}

runBench(setup, cleanup, main);
