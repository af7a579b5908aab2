/**
 * wren against the daemons operators compare it to, in network namespaces: BIRD 2, FRR bgpd and
 * GoBGP. For each, an eBGP round (wren dials over IPv4, waits over IPv6) and an iBGP round (the
 * other way round), with a 3 s hold time: both sessions reach Established in the peer's own view,
 * stay up for more than three hold times, and wren's administrative stop reaches the peer as a
 * Cease with the shutdown message. Then a peer configured with the wrong AS for wren: wren logs
 * the decoded NOTIFICATION it receives.
 */
import t, { type Test } from 'tap';
import { Lab, netnsReady, sleep, waitFor } from '../helpers/netns.js';
import { Bird, Frr, GoBgp, type Daemon, type DaemonSpec } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

type Kind = 'bird' | 'frr' | 'gobgp';
const TOOLS: Record<Kind, string[]> = { bird: ['bird', 'birdc'], frr: ['/usr/lib/frr/bgpd', 'vtysh'], gobgp: ['gobgpd', 'gobgp'] };
const SHUTDOWN_MESSAGE = 'wrend shutting down';

/** How each daemon shows the Cease it received with its RFC 9003 message. */
const SHOWS_SHUTDOWN: Record<Kind, RegExp> = {
  bird: /Administrative shutdown/i,
  frr: /Administrative Shutdown/i,
  // gobgp's CLI shows only the state; its log carries the Cease (checked with the message below).
  gobgp: /BGP state = (idle|active)/i,
};

function startPeer(kind: Kind, lab: Lab, ns: string, spec: DaemonSpec): Daemon {
  if (kind === 'bird') return new Bird(lab, ns, spec);
  if (kind === 'frr') return new Frr(lab, ns, spec);
  return new GoBgp(lab, ns, spec);
}

function makeLab(tag: string): { lab: Lab; w: string; p: string } {
  const lab = new Lab(tag);
  const w = lab.ns('wren');
  const p = lab.ns('peer');
  lab.link(w, ['192.0.2.1/24', '2001:db8::1/64'], p, ['192.0.2.2/24', '2001:db8::2/64']);
  return { lab, w, p };
}

async function round(t: Test, kind: Kind, ebgp: boolean): Promise<void> {
  const { lab, w, p } = makeLab(`${kind.slice(0, 2)}${ebgp ? 'e' : 'i'}`);
  t.teardown(() => lab.destroy());
  const peerAsn = ebgp ? 63400 : 64512;
  const wrenDialsV4 = ebgp;
  const peer = startPeer(kind, lab, p, {
    routerId: '192.0.2.2',
    asn: peerAsn,
    listen: ['192.0.2.2', '2001:db8::2'],
    peers: [
      { address: '192.0.2.1', asn: 64512, passive: wrenDialsV4, holdTime: 3 },
      { address: '2001:db8::1', asn: 64512, passive: !wrenDialsV4, holdTime: 3 },
    ],
  });
  await sleep(300);
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1',
    asn: 64512,
    listen: { address: ['192.0.2.1', '2001:db8::1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: peerAsn, passive: !wrenDialsV4, holdTime: 3, connectRetryTime: 1 },
      { address: '2001:db8::2', asn: peerAsn, passive: wrenDialsV4, holdTime: 3, connectRetryTime: 1, families: ['ipv6'] },
    ],
  });
  const sessions = ['192.0.2.2', '2001:db8::2'];
  const wrenSide = ['192.0.2.1', '2001:db8::1'];
  await waitFor(`${kind} sees both sessions Established`, () => wrenSide.every((a) => peer.established(a)), 45_000, 250).catch((err: Error) => {
    t.fail(`${err.message}\n${wrenSide.map((a) => peer.describe(a)).join('\n')}\n${JSON.stringify(wren.lines.slice(-20), null, 1)}`);
    throw err;
  });
  await waitFor('wren: both Established', () => sessions.every((a) => wren.state(a) === 'Established'), 10_000, 100).catch(() => undefined);
  t.same(sessions.map((a) => wren.state(a)), ['Established', 'Established'], 'wren: both Established');
  const upAt = wren.lines.length;
  await sleep(10_000); // more than three 3 s hold times
  t.ok(wrenSide.every((a) => peer.established(a)), `${kind}: still Established after 10 s`);
  const drops = wren.lines.slice(upAt).filter((l) => l.from === 'Established');
  t.same(drops, [], 'wren: no session dropped');
  t.same(wren.lines.filter((l) => /NOTIFICATION/.test(l.msg)), [], 'wren: no NOTIFICATION sent or received while up');
  t.equal(await wren.stop('SIGTERM'), 0, 'wrend exits cleanly on SIGTERM');
  const desc = await waitFor(`${kind} shows the administrative shutdown`, () => {
    const d = peer.describe('192.0.2.1');
    return !peer.established('192.0.2.1') && SHOWS_SHUTDOWN[kind].test(d) ? d : '';
  }, 15_000).catch(() => peer.describe('192.0.2.1'));
  t.match(desc, SHOWS_SHUTDOWN[kind], `${kind} reports the Cease`);
  if (process.env.WREN_DEBUG) console.error(peerLog(peer));
  t.match(desc + peerLog(peer), SHUTDOWN_MESSAGE, `${kind} shows the shutdown message`);
}

/** Where a daemon reports the shutdown communication besides its CLI: FRR logs it. */
function peerLog(peer: Daemon): string {
  return peer instanceof Frr || peer instanceof GoBgp ? peer.logText : '';
}

async function wrongAs(t: Test, kind: Kind): Promise<void> {
  const { lab, w, p } = makeLab(`${kind.slice(0, 2)}as`);
  t.teardown(() => lab.destroy());
  startPeer(kind, lab, p, {
    routerId: '192.0.2.2', asn: 63400, listen: ['192.0.2.2'],
    peers: [{ address: '192.0.2.1', asn: 64999, passive: true, holdTime: 3 }],
  });
  await sleep(300);
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.2', asn: 63400, holdTime: 3, connectRetryTime: 1 }],
  });
  const line = await waitFor('wren logs the NOTIFICATION', () => wren.find('192.0.2.2', /received NOTIFICATION/)[0], 30_000);
  if (!line) return;
  t.match(String(line.notification), /OPEN Message Error\/Bad Peer AS/, `wren logs ${String(line.notification)}`);
  await wren.stop();
}

for (const kind of ['bird', 'frr', 'gobgp'] as const) {
  t.test(`wren <-> ${kind}`, async (t) => {
    if (!netnsReady(t, TOOLS[kind])) return;
    await t.test('eBGP: wren active over IPv4, passive over IPv6', (t) => round(t, kind, true));
    await t.test('iBGP: wren passive over IPv4, active over IPv6', (t) => round(t, kind, false));
    await t.test('peer configured with the wrong AS', (t) => wrongAs(t, kind));
  });
}
