/**
 * Flap storm: a wrend route reflector with P dynamic clients (flap-driver.ts) that announce their
 * blocks, then drop and re-establish their sessions, a few at a time, for SECONDS. Afterwards every
 * session is up again, every client holds every other client's block, the RIB holds exactly the
 * baseline, and RSS is compared with the baseline.
 *
 *   npm run soak:flap -- [--peers P] [--prefixes K] [--seconds S]
 */
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { BenchNetns, WREN_REFLECTOR } from '../../bench/lib/bench-netns.js';
import { REPO, argValue, heapAfterGcMB, onJsonLines } from './lib/soak.js';
import { rssMB } from '../helpers/wren.js';

export interface FlapOptions {
  peers: number;
  prefixes: number;
  seconds: number;
  log?: (line: string) => void;
}

interface Snapshot {
  rssMB: number;
  heapUsedMB: number;
  established: number;
  rib: { prefixes: number; paths: number; importAttributeSets: number; exportAttributeSets: number; updateGroups: number; groupMembers: number };
  neighbors: number;
}

export interface FlapResult {
  flaps: number;
  clientsBack: number;
  receivedMinMax: number[];
  baseline: Snapshot;
  peakRssMB: number;
  after: Snapshot;
  wrendAlive: boolean;
  seconds: number;
  /** Heap after a full collection (only with WREND_NODE_ARGS=--heapsnapshot-signal=SIGUSR2). */
  heapAfterGcMB: { before: number | null; after: number | null };
}

export async function runFlapStorm(o: FlapOptions): Promise<FlapResult> {
  const log = o.log ?? (() => undefined);
  const ns = new BenchNetns('flap', 0, o.peers);
  try {
    const wrend = ns.startWren({ ...WREN_REFLECTOR, routeReflector: { clusterId: '198.18.0.1', listenRange: '198.18.0.0/16', template: 'injectors' }, gracefulRestart: { deferralTime: 1 } });
    const wrenc = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(REPO, 'dist', 'src', 'bin', 'wrenc.js'), '--socket', ns.path('wren.sock'), '--json', ...args], { encoding: 'utf8', timeout: 30_000 });
      return JSON.parse(r.stdout || 'null') as unknown;
    };
    const snapshot = (): Snapshot => {
      const m = wrenc('show', 'memory') as { processMB: { heapUsed: number }; rib: Snapshot['rib']; neighbors: number };
      const s = wrenc('show', 'status') as { established: number };
      const { prefixes, paths, importAttributeSets, exportAttributeSets, updateGroups, groupMembers } = m.rib;
      return { rssMB: rssMB(wrend.pid as number), heapUsedMB: m.processMB.heapUsed, established: s.established, neighbors: m.neighbors, rib: { prefixes, paths, importAttributeSets, exportAttributeSets, updateGroups, groupMembers } };
    };
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    const driver = spawn('ip', ['netns', 'exec', ns.name, process.execPath, join(REPO, 'dist', 'test', 'soak', 'flap-driver.js')], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, P: String(o.peers), K: String(o.prefixes), SECONDS: String(o.seconds), HOLD: '20' },
    });
    let driverErr = '';
    driver.stderr?.on('data', (d: Buffer) => (driverErr += d.toString()).slice(-4000));
    const phases = new Map<string, Record<string, unknown>>();
    let waiters: (() => void)[] = [];
    onJsonLines<Record<string, unknown>>(driver.stdout, (line) => {
      phases.set(String(line.phase), line);
      log(`driver: ${JSON.stringify(line)}`);
      for (const w of waiters) w();
      waiters = [];
    });
    let gone = false;
    const exited = new Promise<void>((r) => driver.once('exit', () => r()));
    void exited.then(() => (gone = true));
    const phase = async (name: string, ms: number): Promise<Record<string, unknown> | null> => {
      const until = Date.now() + ms;
      while (!phases.has(name) && !gone && Date.now() < until) await Promise.race([new Promise<void>((r) => waiters.push(r)), exited, new Promise((r) => setTimeout(r, 1000))]);
      return phases.get(name) ?? null;
    };
    if (!(await phase('up', 120_000))) throw new Error(`the clients did not come up: ${driverErr.slice(-1000)}`);
    // The baseline: every session up and every block in the RIB.
    let baseline = snapshot();
    for (let i = 0; i < 60 && (baseline.established < o.peers || baseline.rib.prefixes < o.peers * o.prefixes); i++) {
      await new Promise((r) => setTimeout(r, 500));
      baseline = snapshot();
    }
    const gcBefore = await heapAfterGcMB(wrend, () => snapshot().heapUsedMB);
    log(`baseline: ${JSON.stringify(baseline)}, heap after GC ${gcBefore} MB`);
    let peakRssMB = baseline.rssMB;
    const sampler = setInterval(() => {
      peakRssMB = Math.max(peakRssMB, rssMB(wrend.pid as number));
    }, 1000);
    const stormed = await phase('stormed', (o.seconds + 120) * 1000);
    const settled = await phase('settled', 150_000);
    clearInterval(sampler);
    const alive = () => wrend.exitCode === null && wrend.signalCode === null;
    let after = alive() ? snapshot() : baseline;
    for (let i = 0; i < 20 && alive() && (after.established < o.peers || after.rib.prefixes !== baseline.rib.prefixes); i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = snapshot();
    }
    const gcAfter = alive() ? await heapAfterGcMB(wrend, () => snapshot().heapUsedMB) : null;
    log(`after: ${JSON.stringify(after)}, heap after GC ${gcAfter} MB`);
    driver.kill('SIGKILL');
    return {
      flaps: Number(stormed?.flaps ?? 0),
      clientsBack: Number(settled?.clients ?? 0),
      receivedMinMax: (settled?.received as number[] | undefined) ?? [],
      baseline,
      peakRssMB,
      after,
      heapAfterGcMB: { before: gcBefore, after: gcAfter },
      wrendAlive: alive(),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    ns.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const r = await runFlapStorm({
    peers: Number(argValue(args, '--peers') ?? 250),
    prefixes: Number(argValue(args, '--prefixes') ?? 20),
    seconds: Number(argValue(args, '--seconds') ?? 300),
    log: (l) => console.error(l),
  });
  console.log(JSON.stringify(r, null, 2));
  const ok = r.wrendAlive && r.after.established === r.baseline.established && r.after.rib.prefixes === r.baseline.rib.prefixes;
  process.exit(ok ? 0 : 1);
}
