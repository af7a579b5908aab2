/**
 * BFD with BIRD 2 beyond the basic case: keyed SHA1 authentication on single-hop IPv4 and IPv6
 * and on a multihop session between loopbacks (RFC 5883); hostile packets on the link (TTL other
 * than 255, malformed, unknown discriminators, a forged AdminDown with a bad digest, a flood from
 * a stranger) dropped and counted without a flap; a live reload that changes intervals (Poll
 * Sequence, no flap) and removes BFD from a neighbour (AdminDown: BGP stays up on both sides).
 * Then two wrends with `bfd.gracefulRestart`: BFD down keeps the routes as a restart would.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { netnsLab, sleep, waitFor, type Lab } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

interface BfdRow {
  peer: string;
  state: string;
  multihop: boolean;
  localDiscr: number;
  remoteDiscr: number;
  txInterval: number;
  detectionTime: number;
  flaps: number;
  authenticated: boolean;
}
interface Show {
  sessions: BfdRow[];
  counters: { dropped: Record<string, number>; kernelDropped: number; packetsIn: number };
}

const AUTH = { type: 'keyed sha1' as const, password: 'wren-bfd-key', id: 7 };
const WREN_AUTH = { type: 'keyed-sha1', keyId: 7, password: 'wren-bfd-key' };
const PEERS = ['192.0.2.2', '2001:db8::2', '198.51.100.2'];

/** Send UDP payloads (hex) from inside a namespace: `{from, to, port, ttl, count, packets}`. */
const SENDER = `
const dgram = require('node:dgram');
const o = JSON.parse(process.argv[1]);
const s = dgram.createSocket(o.to.includes(':') ? 'udp6' : 'udp4');
s.bind({ address: o.from, port: 0 }, () => {
  s.setTTL(o.ttl);
  const bufs = o.packets.map((h) => Buffer.from(h, 'hex'));
  let i = 0;
  const pump = () => {
    for (let k = 0; k < 100 && i < o.count; k++, i++) s.send(bufs[i % bufs.length], o.port, o.to);
    if (i < o.count) setTimeout(pump, 0); else setTimeout(() => s.close(), 200);
  };
  pump();
});`;

function send(lab: Lab, ns: string, o: { from: string; to: string; port: number; ttl: number; count: number; packets: string[] }): void {
  lab.exec(ns, process.execPath, ['-e', SENDER, JSON.stringify(o)]);
}

/** A BFD Control packet (no auth) as hex. */
function bfdHex(state: number, myDiscr: number, yourDiscr: number, extra = ''): string {
  const b = Buffer.alloc(24);
  b[0] = 0x20;
  b[1] = state << 6;
  b[2] = 3;
  b[3] = 24;
  b.writeUInt32BE(myDiscr, 4);
  b.writeUInt32BE(yourDiscr, 8);
  b.writeUInt32BE(100_000, 12);
  b.writeUInt32BE(100_000, 16);
  return b.toString('hex') + extra;
}

t.test('BIRD 2: authenticated single-hop v4/v6 and multihop, hostile packets, live reload', async (t) => {
  const lab = netnsLab(t, 'bfdi', ['bird', 'birdc']);
  if (!lab) return;
  const w = lab.ns('wren');
  const p = lab.ns('peer');
  lab.link(w, ['192.0.2.1/24', '2001:db8::1/64'], p, ['192.0.2.2/24', '2001:db8::2/64', '192.0.2.9/24']);
  // Loopbacks for the multihop session, routed over the link.
  lab.exec(w, 'ip', ['addr', 'add', '198.51.100.1/32', 'dev', 'lo']);
  lab.exec(p, 'ip', ['addr', 'add', '198.51.100.2/32', 'dev', 'lo']);
  lab.exec(w, 'ip', ['route', 'add', '198.51.100.2/32', 'via', '192.0.2.2']);
  lab.exec(p, 'ip', ['route', 'add', '198.51.100.1/32', 'via', '192.0.2.1']);
  const multihop = [
    'protocol bgp mh {',
    '  local 198.51.100.2 as 65020; neighbor 198.51.100.1 as 64512; multihop 2; bfd on;',
    '  connect retry time 2; error wait time 1, 5;',
    '  ipv4 { import all; export where source = RTS_STATIC; next hop self; };',
    '}',
  ].join('\n');
  const bird = new Bird(lab, p, {
    routerId: '192.0.2.2', asn: 65020, listen: ['192.0.2.2', '2001:db8::2', '198.51.100.2'], announce: ['240.0.20.0/24'],
    bfd: { interval: 100, multiplier: 3, auth: AUTH },
    peers: [{ address: '192.0.2.1', asn: 64512, bfd: true }, { address: '2001:db8::1', asn: 64512, bfd: true }],
  }, multihop);
  const bfd = (minRx = 100) => ({ minRx, minTx: minRx, multiplier: 3, authentication: WREN_AUTH });
  const config = (v4Interval: number, v6Bfd: boolean) => ({
    routerId: '192.0.2.1', asn: 64512,
    listen: { address: ['192.0.2.1', '2001:db8::1', '198.51.100.1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 65020, connectRetryTime: 1, bfd: bfd(v4Interval) },
      { address: '2001:db8::2', asn: 65020, connectRetryTime: 1, families: ['ipv6'], ...(v6Bfd ? { bfd: bfd() } : {}) },
      { address: '198.51.100.2', asn: 65020, connectRetryTime: 1, multihop: 2, sourceAddress: '198.51.100.1', bfd: bfd() },
    ],
  });
  const wren = new Wren(lab, w, config(100, true));
  const show = () => wren.json<Show>('show', 'bfd');
  const row = (peer: string) => show().sessions.find((s) => s.peer === peer) as BfdRow;
  await waitFor('all three BFD sessions Up in wren', () => PEERS.every((a) => row(a)?.state === 'Up'), 30_000, 200).catch((err: Error) => {
    t.fail(`${err.message}\n${JSON.stringify(show(), null, 1)}\n${bird.birdc('show bfd sessions')}`);
    throw err;
  });
  const birdBfd = () => bird.birdc('show bfd sessions');
  await waitFor('BIRD sees them Up', () => ['192.0.2.1', '2001:db8::1', '198.51.100.1'].every((a) => new RegExp(`${a.replace(/[.:]/g, '\\$&')}\\s+\\S+\\s+Up`).test(birdBfd())), 20_000, 200);
  await waitFor('BGP Established on all three', () => PEERS.every((a) => wren.state(a) === 'Established'), 30_000, 200);
  t.ok(row('198.51.100.2').multihop, 'the loopback session is multihop (neighbor multihop set)');
  t.ok(PEERS.every((a) => row(a).authenticated), 'all authenticated (keyed SHA1)');
  const flaps = () => PEERS.map((a) => row(a).flaps);
  const flapsBefore = flaps();

  // Hostile packets, each kind from the peer's namespace.
  const v4 = row('192.0.2.2');
  const before = show().counters;
  // A forged AdminDown for the real session, from the peer's own address, with TTL 64: the kernel drops it.
  send(lab, p, { from: '192.0.2.2', to: '192.0.2.1', port: 3784, ttl: 64, count: 50, packets: [bfdHex(0, v4.remoteDiscr, v4.localDiscr)] });
  // The same with TTL 255 but no authentication, and with a bad digest: dropped by the session.
  const badDigest = bfdHex(0, v4.remoteDiscr, v4.localDiscr).slice(0, 6) + '34' + bfdHex(0, v4.remoteDiscr, v4.localDiscr).slice(8) + '041c0700000000ff' + '00'.repeat(20);
  send(lab, p, { from: '192.0.2.2', to: '192.0.2.1', port: 3784, ttl: 255, count: 20, packets: [bfdHex(0, v4.remoteDiscr, v4.localDiscr), badDigest.slice(0, 2) + '04' + badDigest.slice(4)] });
  // Malformed: short, version 0, multiplier 0, and an unknown discriminator.
  send(lab, p, { from: '192.0.2.9', to: '192.0.2.1', port: 3784, ttl: 255, count: 40, packets: ['2040031800', '00400318' + '00'.repeat(20), bfdHex(1, 1, 0).slice(0, 4) + '00' + bfdHex(1, 1, 0).slice(6), bfdHex(3, 77, 123456)] });
  // A flood from a stranger on the link: 60,000 Down packets as fast as the sender goes.
  const floodStart = Date.now();
  send(lab, p, { from: '192.0.2.9', to: '192.0.2.1', port: 3784, ttl: 255, count: 60_000, packets: [bfdHex(1, 4242, 0)] });
  t.comment(`flood of 60,000 packets took ${Date.now() - floodStart} ms`);
  await sleep(1000);
  const after = show().counters;
  const grew = (k: string) => (after.dropped[k] ?? 0) - (before.dropped[k] ?? 0);
  t.comment(`drops: ${JSON.stringify(after.dropped)}, kernel ${after.kernelDropped}`);
  t.ok(after.kernelDropped - before.kernelDropped >= 50, `TTL 64 packets dropped in the kernel (${after.kernelDropped - before.kernelDropped})`);
  t.ok(grew('auth-missing') >= 10 && grew('auth-digest') + grew('auth-sequence') >= 10, 'unauthenticated and badly signed packets dropped by the session');
  t.ok(grew('short') >= 10 && grew('version') >= 10 && grew('multiplier') >= 10 && grew('unknown-discriminator') >= 10, 'malformed packets dropped by reason');
  t.ok(grew('no-session') + (after.kernelDropped - before.kernelDropped - 50) >= 30_000, `the flood dropped (no-session ${grew('no-session')})`);
  t.same(flaps(), flapsBefore, 'no BFD session flapped');
  t.ok(PEERS.every((a) => row(a).state === 'Up' && wren.state(a) === 'Established'), 'all still Up and Established');
  t.ok(wren.alive, 'wrend alive');

  // Live reload: v4 intervals 100 -> 250 ms (a Poll Sequence), BFD off for the v6 neighbour.
  writeFileSync(wren.configFile, JSON.stringify(config(250, false)));
  const r = wren.wrenc('configure');
  t.equal(r.status, 0, `configure: ${r.stdout}${r.stderr}`);
  await waitFor('v4 TX interval 250 ms', () => row('192.0.2.2')?.txInterval === 250, 10_000, 200);
  await sleep(1500);
  t.equal(row('192.0.2.2').flaps, flapsBefore[0], 'the interval change did not flap the v4 session');
  t.match(birdBfd(), /192\.0\.2\.1\s+\S+\s+Up/, 'BIRD: v4 BFD still Up');
  t.notOk(show().sessions.some((s) => s.peer === '2001:db8::2'), 'the v6 BFD session is gone from wren');
  t.match(birdBfd(), /2001:db8::1\s+\S+\s+Down/, 'BIRD: v6 BFD Down (told AdminDown)');
  t.same(['192.0.2.2', '198.51.100.2'].map((a) => wren.state(a)), ['Established', 'Established'], 'the v4 and multihop BGP sessions stayed Established');
  // wren never takes a session down for a BFD session it removed. BIRD 2.0.12 takes the
  // AdminDown it is told for a failure (RFC 5882 §3.2 says it must not) and resets its side
  // once; the session must be back on its own.
  t.same(wren.lines.filter((l) => l.peer === '2001:db8::2' && /BGP session taken down/.test(l.msg)), [], 'wren did not take the v6 BGP session down');
  await waitFor('v6 BGP Established (again, if BIRD reset it)', () => wren.state('2001:db8::2') === 'Established' && bird.established('2001:db8::1'), 20_000, 200);
});

t.test('wren to wren: bfd.gracefulRestart keeps the routes when BFD goes down', async (t) => {
  const lab = netnsLab(t, 'bfdw', []);
  if (!lab) return;
  const sw = lab.switch('sw');
  const a = lab.ns('a');
  const b = lab.ns('b');
  lab.attach(sw, a, ['192.0.2.1/24']);
  const { ifB: bPort } = lab.link(b, ['192.0.2.2/24'], sw, []);
  lab.exec(sw, 'ip', ['link', 'set', bPort, 'master', 'br0']);
  const node = (id: string, peer: string, announce: string[], gr: boolean) => ({
    routerId: id, asn: 64512, listen: { address: [id], port: 179 }, announce, fib: { enabled: true },
    gracefulRestart: { enabled: true, restartTime: 60 },
    neighbors: [{ address: peer, asn: 64512, connectRetryTime: 1, bfd: { minRx: 100, minTx: 100, multiplier: 3, gracefulRestart: gr } }],
  });
  const wa = new Wren(lab, a, node('192.0.2.1', '192.0.2.2', [], true), 'a');
  const wb = new Wren(lab, b, node('192.0.2.2', '192.0.2.1', ['240.0.30.0/24'], false), 'b');
  const routeInA = () => lab.exec(a, 'ip', ['-4', 'route', 'show', '240.0.30.0/24']).includes('240.0.30.0');
  await waitFor('BFD Up both ways', () => wa.json<Show>('show', 'bfd').sessions[0]?.state === 'Up' && wb.json<Show>('show', 'bfd').sessions[0]?.state === 'Up', 20_000, 200).catch((err: Error) => {
    t.fail(`${err.message}\n${JSON.stringify([...wa.lines.slice(-8), ...wb.lines.slice(-8)], null, 1)}`);
    throw err;
  });
  await waitFor('the route in a\'s kernel', routeInA, 30_000, 200);
  const from = wa.lines.length;
  lab.exec(sw, 'ip', ['link', 'set', bPort, 'down']);
  await waitFor('a: BFD down', () => wa.lines.slice(from).some((l) => l.msg === 'BFD session Up -> Down'), 5000, 20);
  await waitFor('a: BGP down', () => wa.state('192.0.2.2') !== 'Established', 5000, 20);
  await waitFor('a: graceful restart kept the routes', () => wa.lines.slice(from).some((l) => l.msg === 'graceful restart: routes of the peer kept as stale'), 5000, 20);
  t.ok(routeInA(), 'the route stays in a\'s kernel (stale)');
  const took = wa.lines.slice(from).find((l) => /BGP session taken down/.test(l.msg));
  t.equal(took?.gracefulRestart, true, 'logged as a graceful-restart teardown');
  await sleep(300);
  t.ok(wb.lines.some((l) => l.msg === 'BFD session Up -> Down'), 'b saw BFD down too');
  lab.exec(sw, 'ip', ['link', 'set', bPort, 'up']);
  await waitFor('back: BGP Established on a', () => wa.state('192.0.2.2') === 'Established', 30_000, 200);
  t.ok(routeInA(), 'route in place');
});
