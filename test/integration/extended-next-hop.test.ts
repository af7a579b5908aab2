/**
 * RFC 8950 with FRR and BIRD 2: one IPv6 session carries IPv4 routes with IPv6 next hops both
 * ways, over a link that has no IPv4 address at all. Each side installs the other's IPv4 routes
 * as `via inet6 ADDR dev IF`, and IPv4 addresses on loopback ping across.
 */
import t from 'tap';
import type { Test } from 'tap';
import { netnsLab, waitFor, type Lab } from '../helpers/netns.js';
import { Bird, Frr } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

const route4 = (lab: Lab, ns: string, dst: string) => lab.exec(ns, 'ip', ['-4', 'route', 'show', dst], { allowFail: true });

/** wren (198.51.100.0/24, in `w` on `ifA`) and `peer` (203.0.113.0/24, in `p`): each holds the other's IPv4 route via inet6, and pings go. */
async function ipv4OverIpv6(t: Test, lab: Lab, w: string, p: string, ifA: string, peer: string): Promise<void> {
  await waitFor('IPv4 routes in both kernels', () => route4(lab, w, '203.0.113.0/24').includes('via') && route4(lab, p, '198.51.100.0/24').includes('via'), 20_000).catch(() => undefined);
  t.match(route4(lab, w, '203.0.113.0/24'), new RegExp(`via inet6 (2001:db8::2|fe80::[0-9a-f:]+) dev ${ifA} proto 210`), `wren installed ${peer}'s IPv4 route via its IPv6 next hop`);
  t.match(route4(lab, p, '198.51.100.0/24'), /via inet6 (2001:db8::1|fe80::[0-9a-f:]+) dev /, `${peer} installed ours via our IPv6 next hop`);
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '-I', '198.51.100.1', '203.0.113.1'], { allowFail: true })), 'IPv4 ping across a link without IPv4 addresses');
}

/** wren on the IPv6-only link of the RFC 8950 tests: one IPv6 session with the extended next hop. */
const WREN_OVER_IPV6 = {
  routerId: '192.0.2.1', asn: 64512,
  neighbors: [{ address: '2001:db8::2', asn: 65002, holdTime: 9, connectRetryTime: 1, extendedNextHop: true }],
  announce: ['198.51.100.0/24'],
  fib: { enabled: true, scanInterval: 2 },
};

t.test('RFC 8950 with FRR: IPv4 over an IPv6-only link, routes via inet6 in both kernels, ping across', async (t) => {
  const lab = netnsLab(t, 'enh', ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const f = lab.ns('f');
  const { ifA } = lab.link(w, ['2001:db8::1/64'], f, ['2001:db8::2/64']);
  lab.exec(w, 'ip', ['addr', 'add', '198.51.100.1/32', 'dev', 'lo']);
  lab.exec(f, 'ip', ['addr', 'add', '203.0.113.1/32', 'dev', 'lo']);
  const frr = new Frr(lab, f, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '2001:db8::1', asn: 64512, holdTime: 9, families: ['ipv4', 'ipv6'], options: ['capability extended-nexthop'] }], announce: ['203.0.113.0/24'], gracefulRestart: true });
  const wren = new Wren(lab, w, WREN_OVER_IPV6);
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('session up', () => wren.state('2001:db8::2') === 'Established' && frr.established('2001:db8::1'), 30_000);
  t.match(frr.describe('2001:db8::1'), /[Ee]xtended [Nn]exthop:\s*advertised and received/, 'FRR: the extended next hop capability both ways');
  await ipv4OverIpv6(t, lab, w, f, ifA, 'FRR');
});

t.test('RFC 8950 with BIRD 2 (extended next hop on): IPv4 over an IPv6 session both ways', async (t) => {
  const lab = netnsLab(t, 'enb', ['bird', 'birdc', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const b = lab.ns('b');
  const { ifA } = lab.link(w, ['2001:db8::1/64'], b, ['2001:db8::2/64']);
  lab.exec(w, 'ip', ['addr', 'add', '198.51.100.1/32', 'dev', 'lo']);
  lab.exec(b, 'ip', ['addr', 'add', '203.0.113.1/32', 'dev', 'lo']);
  const bird = new Bird(
    lab, b,
    { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '2001:db8::1', asn: 64512, holdTime: 9, families: ['ipv4', 'ipv6'], channelOptions: ['extended next hop on;'] }], announce: ['203.0.113.0/24'] },
    'protocol kernel { ipv4 { export where proto = "peer_2001_db8__1"; }; }\n',
  );
  const wren = new Wren(lab, w, WREN_OVER_IPV6);
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('session up', () => wren.state('2001:db8::2') === 'Established' && bird.established('2001:db8::1'), 30_000);
  await ipv4OverIpv6(t, lab, w, b, ifA, 'BIRD');
});

t.test('IPv6 routes over an IPv4 session with BIRD 2: our IPv6 address on that link as next hop', async (t) => {
  const lab = netnsLab(t, 'v6v4', ['bird', 'birdc', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const b = lab.ns('b');
  const { ifA } = lab.link(w, ['192.0.2.1/24', '2001:db8::1/64'], b, ['192.0.2.2/24', '2001:db8::2/64']);
  lab.exec(w, 'ip', ['addr', 'add', '2001:db8:1::1/128', 'dev', 'lo']);
  lab.exec(b, 'ip', ['addr', 'add', '2001:db8:2::1/128', 'dev', 'lo']);
  const bird = new Bird(
    lab, b,
    { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9, families: ['ipv4', 'ipv6'], channelOptions: [] }], announce: ['2001:db8:2::/48'] },
    'protocol kernel { ipv6 { export where proto = "peer_192_0_2_1"; }; }\n',
  );
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512,
    neighbors: [{ address: '192.0.2.2', asn: 65002, holdTime: 9, connectRetryTime: 1, families: ['ipv4', 'ipv6'] }],
    announce: ['2001:db8:1::/48'],
    fib: { enabled: true, scanInterval: 2 },
  });
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('session up', () => wren.state('192.0.2.2') === 'Established' && bird.established('192.0.2.1'), 30_000);
  const route6 = (ns: string, dst: string) => lab.exec(ns, 'ip', ['-6', 'route', 'show', dst], { allowFail: true });
  await waitFor('IPv6 routes in both kernels', () => route6(b, '2001:db8:1::/48').includes('via') && route6(w, '2001:db8:2::/48').includes('via'), 20_000).catch(() => undefined);
  t.match(route6(b, '2001:db8:1::/48'), /via 2001:db8::1 dev /, 'BIRD installed our IPv6 route via our IPv6 address on the link');
  t.match(route6(w, '2001:db8:2::/48'), new RegExp(`via [0-9a-f:]+ dev ${ifA} proto 210`), "wren installed BIRD's IPv6 route");
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-6', '-c', '3', '-i', '0.2', '-W', '2', '-I', '2001:db8:1::1', '2001:db8:2::1'], { allowFail: true })), 'IPv6 ping across');
});
