/**
 * npm run bench:bfd — BFD while the daemon is busy: the device under test (wren, or BIRD for
 * comparison) keeps a BFD session at 100 ms x 3 with a BIRD peer while it ingests N IPv4 routes
 * from another peer and installs them in the kernel. The peer's side is measured from outside:
 * tcpdump in the peer's namespace timestamps every BFD packet the device sends, and the worst gap
 * between two of them during the ingest is reported beside the 300 ms the peer waits before it
 * declares the session down; a BFD or BGP session that went down is a false down. N defaults to
 * 1M (QUICK=1: 100k). ONLY=wren: wren alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killIn, removeNamespaces, runBench, startInjector, vethPair } from './lib/veth-pair.js';
import { WREND_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { wrendEnv } from './lib/daemon-env.js';

const N = Number(process.env.N ?? (process.env.QUICK ? 100_000 : 1_000_000));
const INTERVAL = 100;
const MULT = 3;
const DUT = `wrenbfd${process.pid}`;
const INJ = `wrenbfdi${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'wren-bfd-'));
const root = join(import.meta.dirname, '..');

function setup(): void {
  vethPair(DUT, 'wba', ['198.18.0.1/24'], INJ, 'wbb', ['198.18.0.2/24', '198.18.0.3/24']);
}

function cleanup(): void {
  removeNamespaces(DUT, INJ);
  rmSync(dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The BFD peer: BIRD at 198.18.0.3 with `bfd on` towards the device. */
function startPeer(): { birdc(cmd: string): string } {
  const conf = join(dir, 'peer.conf');
  const sock = join(dir, 'peer.ctl');
  writeFileSync(conf, [
    'router id 198.18.0.3;', 'protocol device {}',
    `protocol bfd { interface "*" { min rx interval ${INTERVAL} ms; min tx interval ${INTERVAL} ms; multiplier ${MULT}; }; }`,
    'protocol bgp dut { local 198.18.0.3 as 65001; neighbor 198.18.0.1 as 64512; bfd on; connect retry time 1; ipv4 { import none; export none; }; }',
  ].join('\n') + '\n');
  spawn('ip', ['netns', 'exec', INJ, 'bird', '-f', '-c', conf, '-s', sock], { stdio: 'ignore' });
  return { birdc: (cmd) => spawnSync('ip', ['netns', 'exec', INJ, 'birdc', '-s', sock, ...cmd.split(' ')], { encoding: 'utf8' }).stdout ?? '' };
}

function startDut(daemon: 'wren' | 'bird'): { proc: ChildProcess; proto: number; flaps(): number; loopMs(): number | null } {
  if (daemon === 'wren') {
    const conf = join(dir, 'wren.json');
    writeFileSync(conf, JSON.stringify({
      routerId: '198.18.0.1', asn: 64512, listen: { address: ['198.18.0.1'], port: 179 },
      neighbors: [
        { address: '198.18.0.2', asn: 65000, passive: true, maxPrefixes: { limit: 4_294_967_295, action: 'warn' } },
        { address: '198.18.0.3', asn: 65001, connectRetryTime: 1, bfd: { minRx: INTERVAL, minTx: INTERVAL, multiplier: MULT } },
      ],
      fib: { table: 254, protocol: 210, persist: false },
    }));
    const sock = join(dir, 'wren.sock');
    const proc = spawn('ip', ['netns', 'exec', DUT, process.execPath, ...WREND_NODE_FLAGS, join(root, 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', sock, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'], env: wrendEnv() });
    const wrenc = <T>(...args: string[]): T | null => {
      const r = spawnSync(process.execPath, [join(root, 'src', 'bin', 'wrenc.js'), '--socket', sock, '--json', ...args], { encoding: 'utf8' });
      try {
        return JSON.parse(r.stdout) as T;
      } catch {
        return null;
      }
    };
    const flaps = () => wrenc<{ sessions: { flaps: number }[] }>('show', 'bfd')?.sessions[0]?.flaps ?? -1;
    const loopMs = () => wrenc<{ worstEventLoopDelayMs: number }>('show', 'status')?.worstEventLoopDelayMs ?? null;
    return { proc, proto: 210, flaps, loopMs };
  }
  const conf = join(dir, 'dut.conf');
  writeFileSync(conf, [
    'router id 198.18.0.1;', 'protocol device {}', 'protocol kernel { ipv4 { export all; }; }',
    `protocol bfd { interface "*" { min rx interval ${INTERVAL} ms; min tx interval ${INTERVAL} ms; multiplier ${MULT}; }; }`,
    'protocol bgp inj { local 198.18.0.1 as 64512; neighbor 198.18.0.2 as 65000; passive on; ipv4 { import all; export none; }; }',
    'protocol bgp peer { local 198.18.0.1 as 64512; neighbor 198.18.0.3 as 65001; bfd on; connect retry time 1; ipv4 { import none; export none; }; }',
  ].join('\n') + '\n');
  const proc = spawn('ip', ['netns', 'exec', DUT, 'bird', '-f', '-c', conf, '-s', join(dir, 'dut.ctl')], { stdio: 'ignore' });
  return { proc, proto: 12, flaps: () => 0, loopMs: () => null };
}

interface Result {
  daemon: string;
  routes: number;
  ingestSeconds: number | null;
  intervalMs: number;
  detectionMs: number;
  packetsSeen: number;
  worstTxGapMs: number;
  /** BFD or BGP sessions with the peer that went down during the ingest (should be 0). */
  falseDowns: number;
  /** wren: the worst stall of its main event loop, which a BFD run there would have suffered. */
  worstMainLoopMs: number | null;
}

async function run(daemon: 'wren' | 'bird'): Promise<Result> {
  const peer = startPeer();
  const dut = startDut(daemon);
  const bfdUp = () => /198\.18\.0\.1\s+\S+\s+Up\s+(\S+ \S+|\S+)/.exec(peer.birdc('show bfd sessions'));
  for (let i = 0; i < 300 && !(bfdUp() && /Established/.test(peer.birdc('show protocols dut'))); i++) await sleep(100);
  // Settled: a peer may renew its BFD session once as its BGP session comes up.
  await sleep(1000);
  const since = bfdUp()?.[1] ?? '';
  const flapsBefore = dut.flaps();
  // The device's BFD packets, timestamped by the peer's side.
  const dump = spawn('ip', ['netns', 'exec', INJ, 'tcpdump', '-i', 'wbb', '-n', '-tt', '-l', '-q', 'udp dst port 3784 and src host 198.18.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const stamps: number[] = [];
  let buf = '';
  dump.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const t = Number(buf.slice(0, buf.indexOf(' ')));
      buf = buf.slice(i + 1);
      if (Number.isFinite(t)) stamps.push(t * 1000);
    }
  });
  await sleep(1500);
  const { proc: inj, start } = await startInjector(INJ, root, N);
  const counter = spawnSync('ip', ['netns', 'exec', DUT, process.execPath, join(root, 'bench', 'fib-count.js')], { encoding: 'utf8', env: { ...process.env, N: String(N), P: String(dut.proto) }, timeout: 180_000 });
  const doneAt = Number(/"doneAt":(\d+)/.exec(counter.stdout)?.[1] ?? NaN);
  await sleep(500);
  dump.kill('SIGTERM');
  await sleep(200);
  const inWindow = stamps.filter((s) => s >= start - 200 && s <= (Number.isFinite(doneAt) ? doneAt : Date.now()) + 200);
  let worst = 0;
  for (let i = 1; i < inWindow.length; i++) worst = Math.max(worst, (inWindow[i] as number) - (inWindow[i - 1] as number));
  const sinceAfter = bfdUp()?.[1] ?? 'down';
  const downs = {
    peerBfd: sinceAfter === since ? 0 : 1,
    dutBfd: daemon === 'wren' ? Math.max(0, dut.flaps() - flapsBefore) : 0,
    bgp: /Established/.test(peer.birdc('show protocols dut')) ? 0 : 1,
  };
  const falseDowns = downs.peerBfd + downs.dutBfd + downs.bgp;
  if (falseDowns > 0) console.error(`${daemon}: false down: ${JSON.stringify(downs)}; BFD since ${since} -> ${sinceAfter}`);
  const worstMainLoopMs = dut.loopMs();
  inj.kill('SIGTERM');
  dut.proc.kill('SIGKILL');
  await new Promise((r) => dut.proc.once('exit', r));
  spawnSync('ip', ['-n', DUT, 'route', 'flush', 'proto', String(dut.proto)]);
  killIn(INJ);
  await sleep(500);
  return {
    daemon,
    routes: N,
    ingestSeconds: Number.isFinite(doneAt) ? Math.round(doneAt - start) / 1000 : null,
    intervalMs: INTERVAL,
    detectionMs: INTERVAL * MULT,
    packetsSeen: inWindow.length,
    worstTxGapMs: Math.round(worst * 10) / 10,
    falseDowns,
    worstMainLoopMs,
  };
}

async function main(): Promise<void> {
  const rows = [await run('wren')];
  if (process.env.ONLY !== 'wren') rows.push(await run('bird'));
  for (const r of rows) console.log(JSON.stringify(r));
  console.table(rows);
  // A false down of wren's session is a failure of what this measures.
  if ((rows[0]?.falseDowns ?? 1) > 0) process.exitCode = 1;
}

runBench(setup, cleanup, main);
