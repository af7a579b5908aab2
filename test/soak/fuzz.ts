/**
 * Session fuzzer: a live wrend in a namespace, a well-behaved BIRD peer holding a session with it,
 * and a fuzzing peer (fuzz-client.ts, in its own namespace) streaming mutated OPEN / UPDATE /
 * NOTIFICATION / ROUTE-REFRESH messages and random bytes over real TCP, reconnecting whenever
 * wrend ends its session. Afterwards: wrend still runs and answers, the BIRD session was never
 * reset, the RIB is back to its baseline, and memory is compared with the baseline.
 *
 *   npm run soak:fuzz -- [--messages N] [--seconds S] [--seed X] [--hard-rate R]
 *
 * A shortened run is part of `npm test` (test/integration/soak.test.ts). A crasher is saved to
 * fixtures/fuzz/ (hex, one message per line).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import { REPO, argValue, birdSince, sameBirdSince, heapAfterGcMB, memorySnapshot, onJsonLines, type MemorySnapshot } from './lib/soak.js';

export interface FuzzOptions {
  messages: number;
  seconds: number;
  seed: number;
  hardRate: number;
  log?: (line: string) => void;
}

export interface FuzzResult {
  /** wrend's log lines during the run, the most frequent messages. */
  logLines: Record<string, number>;
  /** wrend's log lines about what it refused, by kind (numbers folded). */
  errors: Record<string, number>;
  messagesTried: number;
  /** Messages wrend read from the fuzzing peer (its counter). */
  messagesRead: number;
  connections: number;
  byKind: Record<string, number>;
  crashed: boolean;
  crashFile: string | null;
  /** Resets of the well-behaved BIRD session, seen by BIRD and by wrend. */
  goodSessionResets: number;
  goodRoutesKept: boolean;
  logLinesPer1000: number;
  seconds: number;
  before: MemorySnapshot;
  peakRssMB: number;
  after: MemorySnapshot;
  /** Heap after a full collection (only with WREND_NODE_ARGS=--heapsnapshot-signal=SIGUSR2). */
  heapAfterGcMB: { before: number | null; after: number | null };
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const log = o.log ?? (() => undefined);
  const lab = new Lab('fuzz');
  try {
    const sw = lab.switch('sw');
    const { w: nsW, g: nsG, z: nsZ } = lab.hosts(sw, { w: ['192.0.2.1/24'], g: ['192.0.2.2/24'], z: ['192.0.2.3/24'] });
    const good = ['203.0.113.0/26', '203.0.113.64/26', '203.0.113.128/26'];
    const bird = new Bird(lab, nsG, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }], announce: good });
    const w = new Wren(lab, nsW, {
      routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
      announce: ['198.51.100.0/24'],
      neighbors: [
        { address: '192.0.2.2', asn: 65002, holdTime: 9, connectRetryTime: 1 },
        { address: '192.0.2.3', asn: 65003, passive: true, families: ['ipv4', 'ipv6'] },
      ],
    }, 'wren', 'info');
    await waitFor('the good session is up with its routes', () => bird.established('192.0.2.1') && w.wrenc('show', 'route', '203.0.113.128/26').stdout.includes('192.0.2.2'), 45_000).catch((e: unknown) => {
      log(bird.birdc('show protocols all') + w.lines.slice(-20).map((l) => JSON.stringify(l)).join('\n'));
      throw e;
    });
    await waitFor('exports started', () => w.exporting(), 30_000);
    await sleep(1000);
    const since = birdSince(bird, 'peer_192_0_2_1');
    const gcBefore = await heapAfterGcMB(w.proc, () => memorySnapshot(w).heapUsedMB);
    const before = memorySnapshot(w);
    const linesBefore = w.lines.length;
    log(`baseline: ${JSON.stringify(before)}`);

    const crashFile = lab.path('crash.hex');
    const started = Date.now();
    const client = lab.spawn(nsZ, process.execPath, [join(REPO, 'dist', 'test', 'soak', 'fuzz-client.js'), JSON.stringify({
      host: '192.0.2.1', port: 179, local: '192.0.2.3', asn: 65003, messages: o.messages, seconds: o.seconds, seed: o.seed, hardRate: o.hardRate, crashFile,
    })]);
    let last: { sent: number; connections: number; byKind: Record<string, number>; crashed?: boolean; done?: boolean } = { sent: 0, connections: 0, byKind: {} };
    onJsonLines<typeof last>(client.stdout, (line) => (last = line));
    let peakRssMB = 0;
    let tick = 0;
    const exited = new Promise<void>((r) => client.once('exit', () => r()));
    const sampler = setInterval(() => {
      if (w.alive) peakRssMB = Math.max(peakRssMB, w.rssMB());
      if (++tick % 10 === 0) log(`${last.sent} messages, ${last.connections} connections, wrend RSS ${w.alive ? w.rssMB() : 'gone'} MB`);
    }, 1000);
    await Promise.race([exited, sleep((o.seconds + 60) * 1000)]);
    clearInterval(sampler);
    client.kill('SIGKILL');
    const seconds = (Date.now() - started) / 1000;

    let saved: string | null = null;
    if (!w.alive || last.crashed) {
      if (existsSync(crashFile)) {
        mkdirSync(join(REPO, 'fixtures', 'fuzz'), { recursive: true });
        saved = join(REPO, 'fixtures', 'fuzz', `crash-${o.seed}-${Date.now()}.hex`);
        copyFileSync(crashFile, saved);
      }
      log(`wrend died: ${w.lines.filter((l) => l.level >= 50).map((l) => l.msg).slice(-5).join(' | ')}`);
    }
    // The fuzzing session ends with the client: its routes go, the RIB returns to the baseline.
    if (w.alive) await waitFor('the fuzzing peer is down and its routes gone', () => memorySnapshot(w).rib.prefixes === before.rib.prefixes, 30_000).catch(() => undefined);
    await sleep(2000);
    const gcAfter = w.alive ? await heapAfterGcMB(w.proc, () => memorySnapshot(w).heapUsedMB) : null;
    const after = w.alive ? memorySnapshot(w) : before;
    const goodFlaps = w.alive ? (w.json<{ counters: { flaps: number } }[]>('show', 'neighbors', '192.0.2.2', 'detail')[0]?.counters.flaps ?? -1) : -1;
    const birdReset = sameBirdSince(birdSince(bird, 'peer_192_0_2_1'), since) ? 0 : 1;
    const read = w.alive ? (w.json<{ counters: { messagesIn: number } }[]>('show', 'neighbors', '192.0.2.3', 'detail')[0]?.counters.messagesIn ?? 0) : 0;
    const errors = new Map<string, number>();
    for (const l of w.lines.slice(linesBefore)) {
      if (l.msg !== 'malformed message' && l.msg !== 'UPDATE treated as withdraw') continue;
      const k = `${l.msg}: ${String(l.error ?? l.reason).replace(/\d+/g, 'N')}`;
      errors.set(k, (errors.get(k) ?? 0) + 1);
    }
    const logs = new Map<string, number>();
    for (const l of w.lines.slice(linesBefore)) logs.set(l.msg, (logs.get(l.msg) ?? 0) + 1);
    return {
      logLines: Object.fromEntries([...logs].sort((a, b) => b[1] - a[1]).slice(0, 12)),
      errors: Object.fromEntries([...errors].sort((a, b) => b[1] - a[1])),
      messagesTried: last.sent,
      messagesRead: read,
      connections: last.connections,
      byKind: last.byKind,
      crashed: !w.alive || last.crashed === true,
      crashFile: saved,
      goodSessionResets: Math.max(goodFlaps, 0) + birdReset + (goodFlaps < 0 ? 1 : 0),
      goodRoutesKept: w.alive && good.every((p) => w.wrenc('show', 'route', p).stdout.includes('192.0.2.2')),
      logLinesPer1000: Math.round(((w.lines.length - linesBefore) / Math.max(1, last.sent)) * 1000 * 10) / 10,
      seconds: Math.round(seconds),
      before,
      peakRssMB,
      after,
      heapAfterGcMB: { before: gcBefore, after: gcAfter },
    };
  } finally {
    lab.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const r = await runFuzz({
    messages: Number(argValue(args, '--messages') ?? 1_000_000),
    seconds: Number(argValue(args, '--seconds') ?? 900),
    seed: Number(argValue(args, '--seed') ?? 20261126),
    hardRate: Number(argValue(args, '--hard-rate') ?? 0.002),
    log: (l) => console.error(l),
  });
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.crashed || r.goodSessionResets > 0 ? 1 : 0);
}
