/**
 * npm run bench [-- --quick] [-- --only wren,bird] [-- --json FILE] [-- --cap SECONDS]
 *
 * wren beside BIRD 2, FRR bgpd and GoBGP (Debian's packages), each under the same load in the same
 * run, in a network namespace of its own per run (addresses from 198.18.0.0/15 and 2001:db8::/32;
 * the announced prefixes are data from 240.0.0.0/4 and 2001:db8::/32). The load generator is
 * bench/lib/speaker.ts (wren's codec); bench:loadgen checks it is far faster than the daemons.
 *   0 idle         the device idle for 3 s: its config loaded, no peers (its peak RSS)
 *   1 rr-1m        1M IPv4 /24s -> 1 client, the device a route reflector
 *   2 rr-100k-50   100k -> 50 clients
 *   3 calico-1000  1000 clients, each announcing one /26 and receiving all others
 *   4 churn-1m     scenario 1, then withdraw everything, then announce it all again changed
 *   5 fib-1m       1M routes into the kernel: wren vs BIRD `protocol kernel` vs `ip -batch`
 *   6 ipv6-1m      scenario 1 with IPv6 /56s over IPv6 sessions (2001:db8::/32 holds only 65536 /48s)
 *   7 burst-2000   2000 clients connecting all at once (50 every 10 ms, no reconnect), then all to all
 *   8 restart-2000 scenario 7, then the reflector restarts (SIGTERM, started again): time until all
 *                  2000 (graceful-restart clients, reconnecting every 2 s) are back and converged
 *   9 internet-1m  an Internet-like table (bench/lib/internet-table.ts): 1M routes, 200k attribute
 *                  sets from one peer, then churn (100k withdrawn, 100k re-announced changed)
 *   9b internet-v6 the IPv6 kind of that table: 200k routes in 2001:db8::/32 (a real IPv6 table's
 *                  length mix, 16 bits longer), 40k sets, 1 peer over IPv6, then churn
 *  10 internet-30  the same kind of table, 1M routes and ~170k sets from 30 peers (each prefix from
 *                  1-3 of them, MEDs compared between peers of one neighbour AS)
 *  11 mesh-50      a cold full iBGP mesh of 50 nodes started at once, one /26 each: time from the
 *                  last node's start until every node holds every block (wren and BIRD); also when
 *                  the last node first answered, the nodes' CPU by then, and (wren) the CPU of as
 *                  many bare `node -e 0` starts, the floor any Node daemon pays on these 2 cores
 *  12 bfd-1m       a BFD session at 100 ms x 3 with a BIRD peer while the device ingests 1M routes
 *                  into the kernel (bench/bfd-busy.ts): the worst gap between its BFD packets, seen
 *                  from the peer's side, and false downs (wren and BIRD)
 * --quick divides the sizes (a minute or two in all). Each daemon gets a time cap per scenario
 * (default 120 s; --quick 30 s) and is reported as "> cap" past it. Prints a table per scenario and
 * all results as JSON (to FILE with --json).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchNetns, DIST, cpuSeconds, peakRssMb, syscalls } from './lib/bench-netns.js';
import { DAEMONS, type DaemonName } from './lib/reflectors.js';
import { runScenario } from './lib/scenario.js';
import { bareNodeCpuSeconds, runMesh } from './lib/mesh.js';
import { warmCodeCache } from './lib/daemon-env.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' }, json: { type: 'string' }, cap: { type: 'string' }, scenarios: { type: 'string' } },
});
const quick = Boolean(values.quick);
const only = (values.only ?? DAEMONS.join(',')).split(',').filter((d): d is DaemonName => (DAEMONS as readonly string[]).includes(d));
const capMs = Number(values.cap ?? (quick ? 30 : 120)) * 1000;

interface Scenario {
  id: string;
  what: string;
  env: Record<string, string>;
  clients: number;
}

const k = (full: number, q: number) => String(quick ? q : full);
const SCENARIOS: Scenario[] = [
  { id: 'idle', what: 'idle: config loaded (a listen-range reflector), control socket up, no peers; the peak RSS (time: none)', env: { MODE: 'idle' }, clients: 0 },
  { id: 'rr-1m', what: `${quick ? '100k' : '1M'} IPv4 -> 1 client`, env: { MODE: 'rr', N: k(1_000_000, 100_000), M: '1' }, clients: 1 },
  { id: 'rr-100k-50', what: `${quick ? '10k' : '100k'} -> ${quick ? 10 : 50} clients`, env: { MODE: 'rr', N: k(100_000, 10_000), M: k(50, 10) }, clients: quick ? 10 : 50 },
  { id: 'calico-1000', what: `${quick ? 200 : 1000} clients, one /26 each, all to all`, env: { MODE: 'calico', N: '1', M: k(1000, 200) }, clients: quick ? 200 : 1000 },
  { id: 'churn-1m', what: `withdraw ${quick ? '100k' : '1M'}, then re-announce changed`, env: { MODE: 'churn', N: k(1_000_000, 100_000), M: '1' }, clients: 1 },
  { id: 'fib-1m', what: `${quick ? '100k' : '1M'} routes into the kernel`, env: { N: k(1_000_000, 100_000) }, clients: 0 },
  { id: 'burst-2000', what: `${quick ? 500 : 2000} clients connecting all at once, one /26 each`, env: { MODE: 'burst', N: '1', M: k(2000, 500) }, clients: quick ? 500 : 2000 },
  { id: 'restart-2000', what: `${quick ? 500 : 2000} clients up, the reflector restarts; until all are back and converged`, env: { MODE: 'restart', N: '1', M: k(2000, 500) }, clients: quick ? 500 : 2000 },
  { id: 'internet-1m', what: `Internet-like table, ${quick ? '100k' : '1M'} routes / ${quick ? '20k' : '200k'} attribute sets, 1 peer, then churn`, env: { MODE: 'internet', N: k(1_000_000, 100_000), PEERS: '1', M: '1' }, clients: 2 },
  { id: 'internet-v6', what: `Internet-like IPv6 table, ${quick ? '20k' : '200k'} routes / ${quick ? '4k' : '40k'} attribute sets, 1 peer, then churn`, env: { MODE: 'internet', N: k(200_000, 20_000), PEERS: '1', M: '1', FAMILY: 'ipv6' }, clients: 2 },
  { id: 'internet-30', what: `Internet-like table, ${quick ? '100k' : '1M'} routes from 30 peers`, env: { MODE: 'internet', N: k(1_000_000, 100_000), PEERS: '30', M: '1' }, clients: 31 },
  { id: 'mesh-50', what: `cold iBGP mesh of ${quick ? 20 : 50} nodes started at once, one /26 each`, env: { N: k(50, 20) }, clients: 0 },
  { id: 'bfd-1m', what: `BFD 100 ms x 3 while ${quick ? '100k' : '1M'} routes are ingested into the kernel`, env: { N: k(1_000_000, 100_000) }, clients: 0 },
  { id: 'ipv6-1m', what: `${quick ? '100k' : '1M'} IPv6 /56 -> 1 client`, env: { MODE: 'rr', N: k(1_000_000, 100_000), M: '1', FAMILY: 'ipv6' }, clients: 1 },
];
const chosen = values.scenarios ? SCENARIOS.filter((s) => values.scenarios?.split(',').includes(s.id)) : SCENARIOS;

interface Row {
  scenario: string;
  daemon: string;
  seconds: number | null;
  rssMb: number | null;
  cpuSeconds: number | null;
  detail?: Record<string, unknown>;
}

let current: BenchNetns | null = null;

async function runReflector(s: Scenario, daemon: DaemonName): Promise<Row> {
  const ns = new BenchNetns('b', 0, s.clients);
  current = ns;
  try {
    const { result: res, proc } = await runScenario(ns, daemon, s.env, capMs);
    const pid = proc.pid as number;
    const row: Row = { scenario: s.id, daemon, seconds: null, rssMb: Math.round(peakRssMb(pid)), cpuSeconds: Math.round(cpuSeconds(pid) * 10) / 10 };
    row.seconds = typeof res.doneMs === 'number' ? res.doneMs / 1000 : null;
    res.syscalls = syscalls(pid);
    row.detail = res;
    return row;
  } finally {
    ns.destroy();
    current = null;
  }
}

/** Scenario 11: the mesh (bench/lib/mesh.ts), wren and BIRD; FRR and GoBGP are not set up for it. */
async function runMeshScenario(s: Scenario, daemon: DaemonName): Promise<Row> {
  if (daemon !== 'wren' && daemon !== 'bird') return { scenario: s.id, daemon, seconds: null, rssMb: null, cpuSeconds: null, detail: { note: 'not measured: the mesh is set up for wren and BIRD' } };
  const ns = new BenchNetns('m', Number(s.env.N), 0);
  current = ns;
  try {
    const r = await runMesh(ns, daemon, Number(s.env.N), capMs);
    const floor = daemon === 'wren' ? { bareNodeCpuSeconds: Math.round(bareNodeCpuSeconds() * Number(s.env.N) * 10) / 10 } : {};
    const rss = r.procs.map((p) => peakRssMb(p.pid as number));
    return { scenario: s.id, daemon, seconds: r.doneMs === null ? null : r.doneMs / 1000, rssMb: Math.round(Math.max(...rss)), cpuSeconds: Math.round(r.procs.reduce((a, p) => a + cpuSeconds(p.pid as number), 0) * 10) / 10, detail: { startMs: r.startMs, doneMs: r.doneMs, upMs: r.upMs, upCpuSeconds: r.upCpuSeconds, ...floor, minHeld: r.minHeld, nodes: r.nodes, note: `peak RSS: the largest node; CPU: all nodes; last up: the last node answering; start-up CPU: all nodes' CPU when each first answered${daemon === 'wren' ? '; bare node CPU: as many starts of `node -e 0`' : ''}` } };
  } finally {
    ns.destroy();
    current = null;
  }
}

/** Scenario 5 runs bench/fib.js, which measures wren, BIRD and `ip -batch` itself. */
function runFib(s: Scenario): Row[] {
  const r = spawnSync(process.execPath, [join(DIST, 'bench', 'fib.js')], { encoding: 'utf8', env: { ...process.env, N: s.env.N }, timeout: 20 * 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"routes"')) ?? '{}';
  const j = JSON.parse(line) as Record<string, string>;
  const num = (v: string | undefined) => (v && /^[\d.]+$/.test(v) ? Number(v) : null);
  const rows: Row[] = [];
  if (only.includes('wren')) rows.push({ scenario: s.id, daemon: 'wren', seconds: num(j['wren s']), rssMb: null, cpuSeconds: null });
  if (only.includes('bird')) rows.push({ scenario: s.id, daemon: 'bird', seconds: num(j['BIRD s']), rssMb: null, cpuSeconds: null });
  rows.push({ scenario: s.id, daemon: 'ip -batch', seconds: num(j['ip -batch s']), rssMb: null, cpuSeconds: null });
  for (const d of ['frr', 'gobgp'] as const) {
    if (only.includes(d)) rows.push({ scenario: s.id, daemon: d, seconds: null, rssMb: null, cpuSeconds: null, detail: { note: 'not measured: installs through zebra (FRR) / has no kernel sync of its own (GoBGP)' } });
  }
  return rows;
}

/** Scenario 12 runs bench/bfd-busy.js, which measures wren and BIRD itself. */
function runBfd(s: Scenario): Row[] {
  const r = spawnSync(process.execPath, [join(DIST, 'bench', 'bfd-busy.js')], { encoding: 'utf8', env: { ...process.env, N: s.env.N, ONLY: only.includes('bird') ? '' : 'wren' }, timeout: 20 * 60_000 });
  const rows: Row[] = [];
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('{"daemon"'))) {
    const j = JSON.parse(line) as Record<string, unknown>;
    rows.push({ scenario: s.id, daemon: String(j.daemon), seconds: typeof j.ingestSeconds === 'number' ? j.ingestSeconds : null, rssMb: null, cpuSeconds: null, detail: j });
  }
  return rows;
}

function table(s: Scenario, rows: Row[]): void {
  const bird = rows.find((r) => r.daemon === 'bird');
  const ratio = (a: number | null, b: number | null | undefined) => (a !== null && b ? (a / b).toFixed(2) : '-');
  console.log(`\n${s.id}: ${s.what}`);
  for (const r of rows) if (r.detail?.note && s.id !== 'fib-1m') console.log(`  ${r.daemon}: ${String(r.detail.note)}`);
  console.table(
    rows.map((r) => ({
      daemon: r.daemon,
      seconds: s.id === 'idle' ? '-' : r.seconds === null ? (r.daemon === 'frr' || r.daemon === 'gobgp') && s.id === 'fib-1m' ? 'n/a' : `> cap (${capMs / 1000} s)` : r.seconds.toFixed(2),
      'peak RSS MB': r.rssMb ?? '-',
      'CPU s': r.cpuSeconds ?? '-',
      'time / BIRD': s.id === 'idle' ? '-' : ratio(r.seconds, bird?.seconds),
      'RSS / BIRD': ratio(r.rssMb, bird?.rssMb),
      ...(r.detail?.churnMs !== undefined ? { 'table s': Number(r.detail.announceMs) / 1000, 'churn s': Number(r.detail.churnMs) / 1000 } : {}),
      ...(r.detail?.withdrawMs !== undefined ? { 'withdraw s': Number(r.detail.withdrawMs) / 1000, 're-announce s': Number(r.detail.reannounceMs) / 1000 } : {}),
      ...(r.detail?.convergeMs !== undefined ? { 'established s': Number(r.detail.connectMs) / 1000, 'converged s': Number(r.detail.convergeMs) / 1000 } : {}),
      ...(r.detail?.upMs !== undefined ? { 'last up s': r.detail.upMs === null ? '-' : Number(r.detail.upMs) / 1000, 'start-up CPU s': Number(r.detail.upCpuSeconds) } : {}),
      ...(r.detail?.bareNodeCpuSeconds !== undefined ? { 'bare node CPU s': Number(r.detail.bareNodeCpuSeconds) } : {}),
      ...(r.detail?.restartMs !== undefined ? { 'first up s': Number(r.detail.firstUpMs) / 1000 } : {}),
      ...(r.detail?.worstTxGapMs !== undefined ? { 'worst BFD TX gap ms': Number(r.detail.worstTxGapMs), 'false downs': Number(r.detail.falseDowns), 'main loop stall ms': r.detail.worstMainLoopMs ?? '-' } : {}),
    })),
  );
}

async function main(): Promise<void> {
  const missing = ['bird', '/usr/lib/frr/bgpd', 'gobgpd'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  if (missing.length) console.warn(`missing (apt-get install bird2 frr gobgpd): ${missing.join(', ')}`);
  // wrend runs with its code cache, written by one start first, as on a host that ran it before.
  if (only.includes('wren')) console.log(`wrend's code cache: ${(await warmCodeCache(DIST)) ? 'written by a first start' : 'none (BENCH_CODE_CACHE=0, or it could not be written)'}`);
  const all: Row[] = [];
  for (const s of chosen) {
    const rows = s.id === 'fib-1m' ? runFib(s) : s.id === 'bfd-1m' ? runBfd(s) : [];
    if (s.id === 'mesh-50') for (const d of only) rows.push(await runMeshScenario(s, d));
    else if (s.id !== 'fib-1m' && s.id !== 'bfd-1m') for (const d of only) rows.push(await runReflector(s, d));
    all.push(...rows);
    table(s, rows);
  }
  const json = JSON.stringify({ date: new Date().toISOString(), quick, capSeconds: capMs / 1000, results: all }, null, 2);
  if (values.json) writeFileSync(values.json, json + '\n');
  else console.log(json);
}

process.on('SIGINT', () => {
  current?.destroy();
  process.exit(130);
});
void main();
