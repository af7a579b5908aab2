/**
 * Graceful restart (RFC 4724) against BIRD and FRR, both directions, with the forwarding side's
 * kernel routes counted every 100 ms across each restart:
 * - BIRD (bird -R, as Calico runs it) and FRR's bgpd are killed with -9 and started again: wren,
 *   the helper, keeps their routes in its kernel throughout, and End-of-RIB removes exactly the
 *   one route BIRD no longer has.
 * - wrend is killed with -9, then stopped with SIGTERM, and started again each time: BIRD and FRR
 *   keep wren's routes in their kernels throughout, wrend's own kernel routes stay, and wrend's
 *   OPEN carries the Restart State bit while its table fills.
 * - RFC 8538 with FRR (a silent link past both hold timers; a Hard Reset) and RFC 9494 long-lived
 *   graceful restart with BIRD and FRR, both directions.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird, Frr } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

const N = 100;
const block = (second: number) => Array.from({ length: N }, (_, i) => `240.${second}.${i}.0/24`);

/** How many routes of each of `prefixes` the last count() saw (for a failure's message). */
let lastByPrefix = '';

/** Routes in a namespace's kernel of protocol `proto` whose destination starts with one of `prefixes`. */
function count(ns: string, proto: string, prefixes: string[]): number {
  const out = spawnSync('ip', ['-n', ns, '-4', 'route', 'show', 'proto', proto], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
  const by = prefixes.map(() => 0);
  for (const line of out.split('\n')) {
    const i = prefixes.findIndex((p) => line.startsWith(p));
    if (i >= 0) by[i] = (by[i] as number) + 1;
  }
  lastByPrefix = prefixes.map((p, i) => `${p}*: ${by[i]}`).join(', ');
  return by.reduce((a, b) => a + b, 0);
}

/** Counts every 100 ms until stopped; the lowest count seen is what matters, and when it was seen. */
class Sampler {
  min = Infinity;
  samples = 0;
  /** At the lowest count: the count by prefix, and the milliseconds since the sampler started. */
  atMin = '';
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly read: () => number) {
    this.timer = setInterval(() => {
      const n = this.read();
      if (n < this.min) this.atMin = `${lastByPrefix} at ${Math.round(performance.now() - this.started)} ms`;
      this.min = Math.min(this.min, n);
      this.samples++;
    }, 100);
    this.timer.unref();
  }
  stop(): { min: number; samples: number; atMin: string } {
    clearInterval(this.timer);
    return { min: this.min, samples: this.samples, atMin: this.atMin };
  }
}

t.test('graceful restart with BIRD and FRR, both directions, no route ever leaves a kernel', async (t) => {
  const lab = netnsLab(t, 'gr', ['bird', 'birdc', '/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, f: nsF } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], f: ['192.0.2.3/24'] });
  const bird = new Bird(
    lab, nsB,
    { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, grace: true }], announce: block(2) },
    'protocol kernel { ipv4 { export where proto = "peer_192_0_2_1"; }; graceful restart on; scan time 10; }\n',
  );
  const frr = new Frr(lab, nsF, { routerId: '192.0.2.3', asn: 65003, listen: ['192.0.2.3'], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: block(3), gracefulRestart: true });
  const config = {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 65002, connectRetryTime: 1 },
      { address: '192.0.2.3', asn: 65003, connectRetryTime: 1 },
    ],
    announce: block(1),
    fib: { enabled: true, scanInterval: 2 },
    gracefulRestart: { deferralTime: 30 },
  };
  let w = new Wren(lab, nsW, config);
  t.teardown(() => w.stop('SIGKILL'));

  // What each kernel holds: wren's the routes of BIRD and FRR; BIRD's and FRR's what they learned from wren.
  const atWren = () => count(nsW, '210', ['240.2.', '240.3.']);
  const atBird = () => count(nsB, 'bird', ['240.1.', '240.3.']);
  const atFrr = () => count(nsF, 'bgp', ['240.1.', '240.2.']);
  await waitFor('every kernel holds the routes learned over BGP', () => atWren() === 2 * N && atBird() === 2 * N && atFrr() === 2 * N, 60_000);
  t.match(bird.birdc('show protocols all peer_192_0_2_1'), /Neighbor capabilities[\s\S]*Graceful restart\s+Restart time: 120\s+AF supported: ipv4\s+AF preserved: ipv4/, 'BIRD sees our capability: restart time, forwarding kept, no R bit (a cold start: nothing to recover)');
  t.ok(w.lines.some((l) => l.msg === 'cold start: no recent run to recover from, routes are sent at once'), 'the first start is a cold one');

  // 1. BIRD restarts (kill -9, bird -R) with one route fewer: wren keeps BIRD's routes, then drops the one that is gone.
  let s = new Sampler(atWren);
  await bird.kill();
  await waitFor('wren keeps BIRD routes as stale', () => w.lines.some((l) => l.peer === '192.0.2.2' && l.msg === 'graceful restart: routes of the peer kept as stale'), 10_000);
  t.equal(JSON.parse(w.wrenc('--json', 'show', 'neighbors', '192.0.2.2', 'detail').stdout)[0]?.staleRoutes, N, 'show neighbors: stale routes');
  await sleep(1500);
  const birdConf = readFileSync(lab.path(`bird-${nsB}.conf`), 'utf8');
  writeFileSync(lab.path(`bird-${nsB}.conf`), birdConf.replace(`route 240.2.${N - 1}.0/24 blackhole;`, ''));
  bird.start(true);
  await waitFor('End-of-RIB from BIRD swept the stale routes', () => w.lines.some((l) => l.peer === '192.0.2.2' && l.msg === 'graceful restart: stale routes removed' && l.why === 'End-of-RIB'), 30_000);
  await waitFor('wren kernel settles', () => atWren() === 2 * N - 1, 10_000);
  await sleep(300);
  let r = s.stop();
  t.ok(r.samples >= 20, `sampled ${r.samples} times`);
  t.equal(r.min, 2 * N - 1, "wren's kernel never lost a route of BIRD's except the one BIRD no longer has");
  t.equal(count(nsW, '210', [`240.2.${N - 1}.`]), 0, 'the route gone from BIRD is gone from the kernel');

  // 2. FRR's bgpd restarts (kill -9): the same, from FRR.
  s = new Sampler(atWren);
  await frr.kill();
  await waitFor('wren keeps FRR routes as stale', () => w.lines.some((l) => l.peer === '192.0.2.3' && l.msg === 'graceful restart: routes of the peer kept as stale'), 10_000);
  await sleep(1500);
  frr.start();
  await waitFor('End-of-RIB from FRR swept the stale routes', () => w.lines.some((l) => l.peer === '192.0.2.3' && l.msg === 'graceful restart: stale routes removed' && l.why === 'End-of-RIB'), 40_000);
  r = s.stop();
  t.equal(r.min, 2 * N - 1, "wren's kernel never lost a route of FRR's");
  t.equal(atWren(), 2 * N - 1);

  // 3. wrend restarts: kill -9, then SIGTERM. BIRD and FRR keep our routes; our kernel keeps theirs.
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    await waitFor('sessions up', () => bird.established('192.0.2.1') && frr.established('192.0.2.1'), 30_000);
    const sb = new Sampler(atBird);
    const sf = new Sampler(atFrr);
    const sw2 = new Sampler(atWren);
    await w.stop(signal);
    await waitFor('BIRD noticed', () => !bird.established('192.0.2.1'), 10_000);
    await sleep(1000);
    w = new Wren(lab, nsW, config);
    await waitFor('wren: table complete, exporting', () => w.lines.some((l) => l.msg === 'startup: table complete, exporting'), 40_000);
    t.ok(w.lines.some((l) => l.msg === 'restart: exports wait for End-of-RIB from the neighbors of the previous run' && l.waitFor === 2), `${signal}: the restart is told from a cold start by the state file`);
    const why = w.lines.find((l) => l.msg === 'startup: table complete, exporting')?.why;
    t.equal(why, 'End-of-RIB from every neighbor', `${signal}: exports waited for End-of-RIB from BIRD and FRR, not the timer`);
    await waitFor('BIRD and FRR swept their stale routes', () => frr.established('192.0.2.1') && !frr.vtysh('show bgp ipv4 unicast json').includes('"stale":true') && atBird() === 2 * N && atFrr() === 2 * N - 1, 40_000);
    await sleep(1000);
    const rb = sb.stop();
    const rf = sf.stop();
    const rw = sw2.stop();
    t.equal(rb.min, 2 * N, `${signal}: BIRD's kernel never lost a route learned from wren (${rb.samples} samples; lowest: ${rb.atMin})`);
    t.equal(rf.min, 2 * N - 1, `${signal}: FRR's kernel never lost a route learned from wren (${rf.samples} samples; lowest: ${rf.atMin})`);
    t.equal(rw.min, 2 * N - 1, `${signal}: wren's own kernel routes stayed while it restarted (lowest: ${rw.atMin})`);
    if (rb.min !== 2 * N || rf.min !== 2 * N - 1 || why !== 'End-of-RIB from every neighbor') {
      // What wren did meanwhile: its sessions and its start-up decisions, for the failure's record.
      for (const l of w.lines.filter((x) => /state|startup|restart|End-of-RIB|graceful|connection/i.test(String(x.msg))).slice(0, 60)) t.comment(JSON.stringify(l));
    }
  }
});

t.test('RFC 8538 with FRR: a link that goes silent keeps both sides\' routes past the hold timer; a shutdown is a Hard Reset', async (t) => {
  const lab = netnsLab(t, 'grn', ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh']);
  if (!lab) return;
  const nsW = lab.ns('w');
  const nsF = lab.ns('f');
  lab.link(nsW, ['192.0.2.1/24'], nsF, ['192.0.2.3/24']);
  const frr = new Frr(lab, nsF, { routerId: '192.0.2.3', asn: 65003, listen: ['192.0.2.3'], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 6 }], announce: block(3), gracefulRestart: true });
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.3', asn: 65003, connectRetryTime: 1, holdTime: 6 }],
    announce: block(1),
    fib: { enabled: true, scanInterval: 2 },
  });
  t.teardown(() => w.stop('SIGKILL'));
  const atWren = () => count(nsW, '210', ['240.3.']);
  const atFrr = () => count(nsF, 'bgp', ['240.1.']);
  await waitFor('both kernels hold the other side\'s routes', () => atWren() === N && atFrr() === N, 60_000);
  t.match(frr.describe('192.0.2.1'), /"gracefulRestartInfo"[\s\S]*"nBit":true/, 'FRR sees our N bit');
  // Both directions go silent (a host route to the other side into a blackhole, on each side):
  // each hold timer expires, and each side's NOTIFICATION is lost. The link and addresses stay.
  const silence = [[nsW, '192.0.2.3/32'], [nsF, '192.0.2.1/32']] as const;
  for (const [ns, dst] of silence) lab.exec(ns, 'ip', ['route', 'add', 'blackhole', dst]);
  const sw = new Sampler(atWren);
  const sf = new Sampler(atFrr);
  await waitFor('wren\'s hold timer expires', () => w.lines.some((l) => l.peer === '192.0.2.3' && l.from === 'Established'), 20_000);
  await sleep(3000);
  t.ok(w.lines.some((l) => l.msg === 'graceful restart: routes of the peer kept as stale' && l.peer === '192.0.2.3'), 'wren kept FRR\'s routes as stale after its Hold Timer Expired NOTIFICATION');
  t.match(frr.vtysh('show bgp ipv4 unicast 240.1.0.0/24'), /stale/i, 'FRR kept ours as stale too');
  for (const [ns, dst] of silence) lab.exec(ns, 'ip', ['route', 'del', 'blackhole', dst]);
  await waitFor('the session is back', () => w.state('192.0.2.3') === 'Established', 60_000);
  await waitFor('no route stale any more', () => !/stale/i.test(frr.vtysh('show bgp ipv4 unicast 240.1.0.0/24')), 30_000).catch(() => undefined);
  const a = sw.stop();
  const b = sf.stop();
  t.equal(a.min, N, `wren's kernel held FRR's ${N} routes throughout (${a.samples} samples)`);
  t.equal(b.min, N, `FRR's kernel held our ${N} routes throughout (${b.samples} samples)`);
  // An administrative shutdown ends the session for good: a Hard Reset, and FRR flushes at once.
  w.wrenc('disable', '192.0.2.3');
  await waitFor('FRR drops our routes', () => atFrr() === 0, 10_000).catch(() => undefined);
  t.equal(atFrr(), 0, 'FRR flushed our routes at once (no stale phase)');
  // FRR's log reaches us through a pipe, read only while the event loop turns: the route count
  // above is read synchronously and can see the flush before the line that explains it is in.
  await waitFor('FRR logs the Hard Reset', () => /Hard Reset/.test(frr.logText), 5_000).catch(() => undefined);
  t.match(frr.logText, /Hard Reset/, 'FRR logged a Hard Reset');
  t.equal(atWren(), 0, 'and wren flushed FRR\'s');
});

t.test('long-lived graceful restart (RFC 9494) with BIRD and FRR: past the restart time the routes stay, marked LLGR_STALE', async (t) => {
  const lab = netnsLab(t, 'llgr', ['bird', 'birdc', '/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, f: nsF } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], f: ['192.0.2.3/24'] });
  const llgrBird = ['graceful restart time 2;', 'long lived graceful restart on;', 'long lived stale time 60;'];
  const bird = new Bird(
    lab, nsB,
    { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, grace: true, options: llgrBird }], announce: block(2) },
  );
  const frr = new Frr(lab, nsF, { routerId: '192.0.2.3', asn: 65003, listen: ['192.0.2.3'], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: block(3), gracefulRestart: true, routerOptions: ['bgp long-lived-graceful-restart stale-time 60'] });
  const config = {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 65002, connectRetryTime: 1 },
      { address: '192.0.2.3', asn: 65003, connectRetryTime: 1 },
    ],
    announce: block(1),
    fib: { enabled: true, scanInterval: 2 },
    gracefulRestart: { restartTime: 2, longLivedStaleTime: 60, stateFile: lab.path('wren.state') },
  };
  let w = new Wren(lab, nsW, config);
  t.teardown(() => w.stop('SIGKILL'));
  const atWren = () => count(nsW, '210', ['240.2.']);
  await waitFor('routes everywhere', () => atWren() === N && frr.received('192.0.2.1', 'ipv4').filter((p) => p.startsWith('240.2.')).length === N && bird.received('192.0.2.1', 'ipv4').length >= N, 60_000);
  t.match(bird.describe('192.0.2.1'), /Long-lived graceful restart/i, 'BIRD sees our LLGR capability');
  // 1. BIRD dies: past its 2 s restart time wren keeps its routes as LLGR_STALE and passes them on so.
  await bird.kill();
  await waitFor('wren marks them long-lived stale', () => w.lines.some((l) => l.msg === 'long-lived graceful restart: routes of the peer kept as LLGR_STALE, least preferred'), 20_000);
  await sleep(1500);
  t.equal(atWren(), N, `well past the restart time wren's kernel still holds BIRD's ${N} routes`);
  const atFrr = frr.vtysh('show bgp ipv4 unicast 240.2.0.0/24');
  t.match(atFrr, /llgr-stale/i, 'FRR (LLGR) gets them with the LLGR_STALE community');
  bird.start();
  await waitFor('BIRD back, its routes fresh at FRR', () => w.state('192.0.2.2') === 'Established' && !/llgr-stale/i.test(frr.vtysh('show bgp ipv4 unicast 240.2.0.0/24')), 60_000).catch(() => undefined);
  t.notMatch(frr.vtysh('show bgp ipv4 unicast 240.2.0.0/24'), /llgr-stale/i, 'BIRD back: the routes are fresh again');
  // 2. wren dies: past our 2 s restart time BIRD keeps our routes as long-lived stale.
  await waitFor('BIRD has ours', () => bird.received('192.0.2.1', 'ipv4').length >= N, 30_000);
  await w.stop('SIGKILL');
  await sleep(4000);
  const kept = bird.birdc('show route 240.1.0.0/24 all');
  t.match(kept, /240\.1\.0\.0\/24/, 'BIRD still has our route 4 s after we died (restart time 2 s)');
  t.match(kept, /BGP\.community:.*\(65535,6\)/, 'marked LLGR_STALE (65535:6)');
  w = new Wren(lab, nsW, config, 'wren-again');
  await waitFor('wren back', () => w.state('192.0.2.2') === 'Established', 60_000);
});
