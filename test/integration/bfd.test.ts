/**
 * BFD against real BIRD 2 (protocol bfd, `bfd on`) and FRR (bfdd, `neighbor X bfd`), in
 * namespaces joined through a bridge, so that a blackholed path (the peer's bridge port down)
 * leaves both links up and only BFD can tell: the BFD session comes up, then BGP (held until
 * then); the path goes dark -> BFD and BGP down within multiplier x interval (+ margin) and the
 * peer's routes leave wren's kernel; the path back -> both up again, routes back.
 */
import t, { type Test } from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { netnsLab, sleep, waitFor, type Lab } from '../helpers/netns.js';
import { Bird, Frr, type BfdSpec, type Daemon } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

const INTERVAL = 100;
const MULT = 3;
const PEER_PREFIX = '240.0.10.0/24';

interface BfdRow {
  peer: string;
  state: string;
  remoteDiscr: number;
  txInterval: number;
  detectionTime: number;
  flaps: number;
  packetsIn: number;
  lastDiag: string;
  authenticated: boolean;
  maxTxGap: number;
}

function kernelHas(lab: Lab, ns: string, prefix: string): boolean {
  return lab.exec(ns, 'ip', ['-4', 'route', 'show', prefix]).includes(prefix.split('/')[0] as string);
}

/** wren and a peer on one bridge; the peer's bridge port can be set down (a silent blackhole). */
function topology(lab: Lab): { w: string; p: string; sw: string; peerPort: string } {
  const sw = lab.switch('sw');
  const w = lab.ns('wren');
  const p = lab.ns('peer');
  lab.attach(sw, w, ['192.0.2.1/24', '2001:db8::1/64']);
  const { ifB: peerPort } = lab.link(p, ['192.0.2.2/24', '2001:db8::2/64'], sw, []);
  lab.exec(sw, 'ip', ['link', 'set', peerPort, 'master', 'br0']);
  return { w, p, sw, peerPort };
}

function wrenConfig(peerAsn: number, bfd: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    routerId: '192.0.2.1',
    asn: 64512,
    listen: { address: ['192.0.2.1'], port: 179 },
    fib: { enabled: true },
    neighbors: [{ address: '192.0.2.2', asn: peerAsn, connectRetryTime: 1, holdTime: 90, bfd, ...extra }],
  };
}

async function blackholeRound(t: Test, lab: Lab, topo: ReturnType<typeof topology>, wren: Wren, peer: Daemon, peerHasBfdUp: () => boolean, metrics = false): Promise<void> {
  const { w, sw, peerPort } = topo;
  const bfd = () => wren.json<{ sessions: BfdRow[] }>('show', 'bfd').sessions[0] as BfdRow;
  await waitFor('BFD Up in wren', () => bfd().state === 'Up', 20_000, 100).catch((err: unknown) => {
    // Say why: wrend gone (its stderr is in the lines at level 60), or up but BFD not.
    t.comment(`wrend alive: ${String(wren.alive)}; its control socket ${existsSync(wren.socket) ? 'is there' : 'is gone'}; in its directory: ${readdirSync(dirname(wren.socket)).join(' ')}`);
    try {
      t.comment(`BGP to the peer: ${wren.state('192.0.2.2')}; BFD: ${JSON.stringify(wren.json('show', 'bfd'))}; the peer says Established: ${String(peer.established('192.0.2.1'))}`);
    } catch (e) {
      t.comment(`wrenc: ${String(e)}`);
    }
    for (const l of wren.lines.slice(-15)) t.comment(JSON.stringify(l).slice(0, 400));
    throw err;
  });
  await waitFor('BFD Up in the peer', peerHasBfdUp, 20_000, 200);
  await waitFor('BGP Established', () => wren.state('192.0.2.2') === 'Established' && peer.established('192.0.2.1'), 30_000, 200);
  await waitFor('the peer route in the kernel', () => kernelHas(lab, w, PEER_PREFIX), 15_000, 100);
  const up = bfd();
  t.equal(up.txInterval, INTERVAL, `negotiated TX interval ${INTERVAL} ms`);
  t.equal(up.detectionTime, INTERVAL * MULT, `detection time ${INTERVAL * MULT} ms`);
  t.ok(up.remoteDiscr > 0, 'remote discriminator learned');
  // FRR's bfdd may renew its session once as bgpd registers it: flaps are counted from here.
  const flapsBefore = up.flaps;

  // The path goes dark; both links stay up, so only BFD can tell.
  const from = wren.lines.length;
  const cut = Date.now();
  lab.exec(sw, 'ip', ['link', 'set', peerPort, 'down']);
  await waitFor('BFD down in wren', () => wren.lines.slice(from).some((l) => l.msg === 'BFD session Up -> Down'), 5000, 10);
  const bfdDownMs = Date.now() - cut;
  await waitFor('BGP down in wren', () => wren.state('192.0.2.2') !== 'Established', 5000, 10);
  const bgpDownMs = Date.now() - cut;
  await waitFor('the peer route out of the kernel', () => !kernelHas(lab, w, PEER_PREFIX), 5000, 10);
  const kernelMs = Date.now() - cut;
  t.comment(`path cut: BFD down after ${bfdDownMs} ms, BGP down after ${bgpDownMs} ms, kernel route gone after ${kernelMs} ms`);
  // multiplier x interval + 100 ms, and the polling of this test (10 ms steps, one wrenc-free check).
  t.ok(bgpDownMs <= INTERVAL * MULT + 100 + 50, `BGP down within ${INTERVAL * MULT + 100} ms (+ polling): ${bgpDownMs} ms`);
  const line = wren.lines.slice(from).find((l) => l.msg === 'BFD session Up -> Down');
  t.equal(line?.diag, 'control detection time expired', 'diagnostic: detection time expired');
  t.equal(bfd().lastDiag, 'control detection time expired', 'show bfd: last diagnostic');
  // Strict: BGP stays down while BFD is.
  await sleep(1500);
  t.not(wren.state('192.0.2.2'), 'Established', 'BGP stays down while BFD is down');
  const held = wren.json<Record<string, unknown>[]>('show', 'neighbors', '192.0.2.2', 'detail')[0] as { bfd: { state: string; bgpHeld: boolean } };
  t.same({ state: held.bfd.state, held: held.bfd.bgpHeld }, { state: 'Down', held: true }, 'show neighbors detail: BFD Down, BGP held');

  // The path is back: BFD first, then BGP, then the route.
  lab.exec(sw, 'ip', ['link', 'set', peerPort, 'up']);
  await waitFor('BFD Up again', () => bfd().state === 'Up', 20_000, 100);
  await waitFor('BGP Established again', () => wren.state('192.0.2.2') === 'Established', 30_000, 100);
  await waitFor('the peer route back in the kernel', () => kernelHas(lab, w, PEER_PREFIX), 15_000, 100);
  t.equal(bfd().flaps, flapsBefore + 1, 'one BFD flap counted for the cut', { lines: wren.lines.filter((l) => /BFD/.test(l.msg)).map((l) => `${String(l.time)} ${l.msg} ${String(l.diag ?? '')}`) });
  if (metrics) {
    const text = lab.exec(w, process.execPath, ['-e', "fetch('http://127.0.0.1:9179/metrics').then(async (r) => process.stdout.write(await r.text()))"]);
    t.match(text, /wren_bfd_session_up\{peer="192\.0\.2\.2"\} 1/, 'metrics: BFD session up');
    t.match(text, /wren_bfd_session_flaps_total\{peer="192\.0\.2\.2"\} [1-9]/, 'metrics: the flap counted');
    t.match(text, /wren_bfd_detection_time_seconds\{peer="192\.0\.2\.2"\} 0\.3/, 'metrics: detection time');
  }
}

t.test('BIRD 2: BFD brings BGP down on a blackholed path and back up', async (t) => {
  const lab = netnsLab(t, 'bfdb', ['bird', 'birdc']);
  if (!lab) return;
  const topo = topology(lab);
  const spec: BfdSpec = { interval: INTERVAL, multiplier: MULT };
  const bird = new Bird(lab, topo.p, { routerId: '192.0.2.2', asn: 65010, listen: ['192.0.2.2'], announce: [PEER_PREFIX], bfd: spec, peers: [{ address: '192.0.2.1', asn: 64512, bfd: true }] });
  const wren = new Wren(lab, topo.w, { ...wrenConfig(65010, { minRx: INTERVAL, minTx: INTERVAL, multiplier: MULT }), metrics: { listen: '127.0.0.1:9179' } });
  await blackholeRound(t, lab, topo, wren, bird, () => /192\.0\.2\.1\s+\S+\s+Up/.test(bird.birdc('show bfd sessions')), true);
});

t.test('FRR: BFD with bfdd, and a blackholed path', async (t) => {
  const lab = netnsLab(t, 'bfdf', ['/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd', 'vtysh']);
  if (!lab) return;
  const topo = topology(lab);
  const frr = new Frr(lab, topo.p, { routerId: '192.0.2.2', asn: 65011, listen: ['192.0.2.2'], announce: [PEER_PREFIX], bfd: { interval: INTERVAL, multiplier: MULT }, peers: [{ address: '192.0.2.1', asn: 64512, bfd: true }] });
  const wren = new Wren(lab, topo.w, wrenConfig(65011, { minRx: INTERVAL, minTx: INTERVAL, multiplier: MULT }));
  await blackholeRound(t, lab, topo, wren, frr, () => /Status:\s+up/i.test(frr.vtysh('show bfd peer 192.0.2.1')));
});
