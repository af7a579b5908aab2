/**
 * Hostile peers and users against a live wrend (issue 16), with a BIRD client (hold time 6) as the
 * canary that must never notice: maximal legal attributes, a pathological AS-path policy, a flood
 * of unique attribute sets against the memory guard, idle-connection floods on the BGP port and
 * the metrics endpoint, and control-socket abuse. Each phase is bounded in time.
 *
 *   npm run soak:hostile -- [--flood N] [--idle N]
 */
import net from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Lab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import { REPO, argValue, birdSince, sameBirdSince, onJsonLines } from './lib/soak.js';

export interface HostileResult {
  wrendAlive: boolean;
  canaryResets: number;
  maximal: { notSentLogged: boolean; bigAtCanary: boolean; smallAtCanary: boolean; peakRssMB: number };
  regex: { sent: number; routes: number; worstLoopMs: number };
  flood: { notifications: string[]; stoppedLogged: boolean; peakRssMB: number; limitMB: number; ms: number };
  idle: { bgpOpened: number; metricsOpened: number; bgpClosed: number; metricsClosed: number; dynamicLeft: number; metricsAfter: number };
  control: { fifoRefused: boolean; zeroRefused: boolean; statusMsWorst: number };
}

export async function runHostile(o: { flood: number; idle: number; log?: (l: string) => void }): Promise<HostileResult> {
  const log = o.log ?? (() => undefined);
  const lab = new Lab('hostile');
  try {
    const sw = lab.switch('sw');
    const { w: nsW, g: nsG, z: nsZ } = lab.hosts(sw, { w: ['192.0.2.1/24'], g: ['192.0.2.2/24'], z: ['192.0.2.3/24'] });
    const zIf = lab.exec(nsZ, 'ip', ['-o', 'link', 'show']).split('\n').map((l) => /^\d+: ([^@:]+)/.exec(l)?.[1]).find((n) => n && n !== 'lo') as string;
    // Listen-range addresses for the idle-connection phase (the driver uses as many as it needs, at most 120).
    lab.exec(nsZ, 'ip', ['-batch', '-'], { input: Array.from({ length: Math.min(o.idle, 120) }, (_, i) => `addr add 192.0.2.${128 + i}/24 dev ${zIf}`).join('\n') + '\n' });
    const bird = new Bird(lab, nsG, { routerId: '192.0.2.2', asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 6 }], announce: ['203.0.113.192/26'] });
    const baseConfig = {
      routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
      metrics: { listen: '192.0.2.1:9179' },
      policies: {
        hostile: { default: 'accept', terms: [{ name: 'twelve-wildcards', match: { asPath: { regex: `^${Array(12).fill('.*').join(' ')} 1$` } }, actions: { reject: true } }] },
      },
      routeReflector: { clusterId: '192.0.2.1', listenRange: '192.0.2.128/25', openTimeout: 2 },
      neighbors: [
        { address: '192.0.2.2', asn: 64512, holdTime: 6, connectRetryTime: 1, routeReflectorClient: true },
        { address: '192.0.2.3', asn: 64512, passive: true, routeReflectorClient: true, import: ['hostile'], maxPrefixes: { limit: 10_000_000, action: 'warn' } },
      ],
    };
    const w = new Wren(lab, nsW, { ...baseConfig, memory: { limitMB: 4096 } }, 'wren', 'info');
    await waitFor('the canary is up', () => bird.established('192.0.2.1') && w.wrenc('show', 'route', '203.0.113.192/26').stdout.includes('192.0.2.2'), 45_000);
    await waitFor('exports started', () => w.exporting(), 30_000);
    const since = birdSince(bird, 'peer_192_0_2_1');
    let peak = 0;
    const sampler = setInterval(() => {
      if (w.alive) peak = Math.max(peak, w.rssMB());
    }, 100);
    const driver = async (args: Record<string, unknown>, seconds: number): Promise<Record<string, unknown>> => {
      const p = lab.spawn(nsZ, process.execPath, [join(REPO, 'dist', 'test', 'soak', 'hostile-driver.js'), JSON.stringify({ host: '192.0.2.1', local: '192.0.2.3', asn: 64512, ...args })]);
      let out: Record<string, unknown> = {};
      onJsonLines<Record<string, unknown>>(p.stdout, (l) => (out = l));
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      let first: Record<string, unknown> | null = null;
      await Promise.race([exited, waitFor('the driver reports', () => (Object.keys(out).length ? (first = out) : null), seconds * 1000, 50).catch(() => undefined)]);
      return first ?? out;
    };

    // 1. Maximal legal attributes: wrend stays small, the small route reaches the canary, the big ones are left out and logged.
    peak = w.rssMB();
    const maxRun = driver({ phase: 'maximal', hold: 4 }, 20);
    await maxRun;
    const smallAtCanary = await waitFor('the small route at the canary', () => bird.pathsFor('203.0.113.0/26').length > 0, 10_000).then(() => true, () => false);
    await sleep(1000);
    const maximal = {
      notSentLogged: w.lines.some((l) => /route not sent: its attributes leave no room/.test(l.msg)),
      bigAtCanary: bird.pathsFor('203.0.113.64/26').length > 0,
      smallAtCanary,
      peakRssMB: peak,
    };
    log(`maximal: ${JSON.stringify(maximal)}`);
    await sleep(3500);

    // 2. A 12-wildcard AS-path policy against 22-ASN paths, each UPDATE a set of its own.
    const regexOut = await driver({ phase: 'regex', n: 2000, hold: 3 }, 60);
    await sleep(1000);
    const regex = {
      sent: Number(regexOut.sent ?? 0),
      routes: w.json<{ total: number }>('show', 'route', 'count').total,
      worstLoopMs: w.json<{ worstEventLoopDelayMs: number }>('show', 'status').worstEventLoopDelayMs,
    };
    log(`regex: ${JSON.stringify(regex)}`);
    await sleep(3000);

    // 3. Unique attribute sets against a budget a little above what wrend uses now.
    const limitMB = Math.round(w.rssMB() + 150);
    const file = lab.path('budget.json');
    writeFileSync(file, JSON.stringify({ ...baseConfig, memory: { limitMB } }));
    execFileSync(process.execPath, [join(REPO, 'dist', 'src', 'bin', 'wrenc.js'), '--socket', w.socket, 'configure', file]);
    peak = w.rssMB();
    const floodOut = await driver({ phase: 'flood', n: o.flood, hold: 0 }, 90);
    const flood = {
      notifications: (floodOut.notifications ?? []) as string[],
      stoppedLogged: w.lines.some((l) => /memory budget exceeded/.test(l.msg) && l.peer === '192.0.2.3'),
      peakRssMB: peak,
      limitMB,
      ms: Number(floodOut.ms ?? 0),
    };
    log(`flood: ${JSON.stringify(flood)}`);
    w.wrenc('enable', '192.0.2.3');

    // 4. Idle connections: to the BGP port from listen-range addresses, and to the metrics endpoint.
    const idleOut = await driver({ phase: 'idle', n: o.idle, firstAddress: '192.0.2.128', metricsPort: 9179, hold: 7 }, 30);
    // The endpoint still answers once the idle connections are gone: its sample lines.
    const scrape = lab.exec(nsW, process.execPath, ['-e', "fetch('http://192.0.2.1:9179/metrics').then(r=>r.text()).then(t=>console.log(t))"], { allowFail: true });
    const metricsAfter = scrape.split('\n').filter((l) => l.startsWith('wren_')).length;
    const idle = {
      bgpOpened: Number(idleOut.bgpOpened ?? 0),
      metricsOpened: Number(idleOut.metricsOpened ?? 0),
      bgpClosed: Number(idleOut.bgpClosed ?? 0),
      metricsClosed: Number(idleOut.metricsClosed ?? 0),
      dynamicLeft: w.json<{ description: string }[]>('show', 'neighbors').filter((n) => n.description === 'dynamic').length,
      metricsAfter,
    };
    log(`idle: ${JSON.stringify(idle)}`);

    // 5. Control-socket abuse: a FIFO, /dev/zero, and a client pipelining requests it never reads.
    const fifo = lab.path('fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    let statusMsWorst = 0;
    const status = () => {
      const t0 = Date.now();
      const ok = w.wrenc('show', 'status').status === 0;
      statusMsWorst = Math.max(statusMsWorst, Date.now() - t0);
      return ok;
    };
    const fifoRefused = /not a regular file/.test(w.wrenc('configure', 'check', fifo).stderr);
    const zeroRefused = /not a regular file/.test(w.wrenc('configure', 'check', '/dev/zero').stderr);
    const hog = net.connect(w.socket);
    hog.on('error', () => undefined);
    hog.pause();
    await new Promise((r) => hog.once('connect', r));
    hog.write(JSON.stringify({ id: 1, command: 'show neighbors' }).concat('\n').repeat(50_000));
    for (let i = 0; i < 10; i++) {
      status();
      await sleep(200);
    }
    hog.destroy();
    const control = { fifoRefused, zeroRefused, statusMsWorst };
    log(`control: ${JSON.stringify(control)}`);

    clearInterval(sampler);
    await sleep(1000);
    const canaryResets = !sameBirdSince(birdSince(bird, 'peer_192_0_2_1'), since) || !bird.established('192.0.2.1') ? 1 : 0;
    const wrendAlive = w.alive;
    await w.stop();
    return { wrendAlive, canaryResets, maximal, regex, flood, idle, control };
  } finally {
    lab.destroy();
  }
}

if (process.argv[1]?.endsWith('hostile.js')) {
  const args = process.argv.slice(2);
  const r = await runHostile({ flood: Number(argValue(args, '--flood') ?? 1_000_000), idle: Number(argValue(args, '--idle') ?? 500), log: (l) => console.error(l) });
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.wrendAlive && r.canaryResets === 0 ? 0 : 1);
}
