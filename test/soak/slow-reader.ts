/**
 * Slow reader: a wrend route reflector with a normal client, an injector changing N routes
 * (announce, withdraw all, announce again) and a client that reads one byte a second. The normal
 * client must get every change promptly, the slow session must stay up, and wrend's memory must
 * stay bounded (its queue towards the slow peer is capped; the rest waits as a dirty set).
 *
 *   npm run soak:slow -- [--prefixes N]
 */
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BenchNetns, WREN_REFLECTOR, clientAddress } from '../../bench/lib/bench-netns.js';
import { REPO, argValue, onJsonLines } from './lib/soak.js';
import { rssMB } from '../helpers/wren.js';

export interface SlowResult {
  phases: Record<string, { ms: number; ok: boolean }>;
  slowBytesRead: number;
  slowSessionUp: boolean;
  slowQueueBytes: number;
  rssBaselineMB: number;
  peakRssMB: number;
  wrendAlive: boolean;
}

export async function runSlowReader(o: { prefixes: number; log?: (l: string) => void }): Promise<SlowResult> {
  const log = o.log ?? (() => undefined);
  const ns = new BenchNetns('slow', 0, 2);
  try {
    const wrend = ns.startWren({ ...WREN_REFLECTOR, routeReflector: { clusterId: '198.18.0.1', listenRange: '198.18.0.0/16', template: 'injectors' }, gracefulRestart: { deferralTime: 1 } });
    await new Promise((r) => setTimeout(r, 2000));
    const rssBaselineMB = rssMB(wrend.pid as number);
    let peakRssMB = rssBaselineMB;
    const sampler = setInterval(() => {
      peakRssMB = Math.max(peakRssMB, rssMB(wrend.pid as number));
    }, 250);
    const driver = ns.spawn(process.execPath, [join(REPO, 'dist', 'test', 'soak', 'slow-driver.js')], { ...process.env, N: String(o.prefixes), HOLD: '5' });
    const phases: SlowResult['phases'] = {};
    let slowBytesRead = 0;
    let slowSessionUp = false;
    let slowQueueBytes = -1;
    onJsonLines<{ phase: string; ms: number; ok: boolean; slowRead?: number }>(driver.stdout, (line) => {
      log(`driver: ${JSON.stringify(line)}`);
      if (line.phase === 'done') {
        slowBytesRead = line.slowRead ?? 0;
        // Still connected: ask wrend about the slow session before the driver goes.
        const r = spawnSync(process.execPath, [join(REPO, 'dist', 'src', 'bin', 'wrenc.js'), '--socket', ns.path('wren.sock'), '--json', 'show', 'neighbors', clientAddress(1, false), 'detail'], { encoding: 'utf8' });
        const n = (JSON.parse(r.stdout || '[]') as { state: string; outputQueueBytes: number }[])[0];
        slowSessionUp = n?.state === 'Established';
        slowQueueBytes = n?.outputQueueBytes ?? -1;
      } else phases[line.phase] = { ms: line.ms, ok: line.ok };
    });
    await new Promise<void>((r) => driver.once('exit', () => r()));
    clearInterval(sampler);
    return { phases, slowBytesRead, slowSessionUp, slowQueueBytes, rssBaselineMB, peakRssMB, wrendAlive: wrend.exitCode === null && wrend.signalCode === null };
  } finally {
    ns.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runSlowReader({ prefixes: Number(argValue(process.argv.slice(2), '--prefixes') ?? 1_000_000), log: (l) => console.error(l) });
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.wrendAlive && r.slowSessionUp && Object.values(r.phases).every((p) => p.ok) ? 0 : 1);
}
