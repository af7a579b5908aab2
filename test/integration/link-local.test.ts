/**
 * IPv6 link-local and unnumbered peering (peers found by their router advertisements; wren sends
 * its own) with BIRD 2, FRR and wren over links that have no global addresses at all: the session
 * runs between the two link-local addresses (wren's neighbour given with its interface), each side's
 * routes are installed `via fe80::... dev IF` in the other's kernel, and pods (loopback addresses
 * from 2001:db8::/32) ping across.
 */
import t from 'tap';
import { netnsLab, waitFor, type Lab } from '../helpers/netns.js';
import { Bird, Frr } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

/** The kernel's link-local address of an interface in a namespace (DAD is off in these labs). */
function linkLocal(lab: Lab, ns: string, dev: string): string {
  const out = lab.exec(ns, 'ip', ['-6', '-j', 'addr', 'show', 'dev', dev, 'scope', 'link']);
  const j = JSON.parse(out) as { addr_info: { local: string }[] }[];
  const a = j[0]?.addr_info[0]?.local;
  if (!a) throw new Error(`no link-local address on ${dev}`);
  return a;
}

/** Two namespaces joined by a veth with link-local addresses only (DAD off): the ends and their addresses. */
async function linkLocalPair(lab: Lab, a: string, b: string): Promise<{ ifA: string; ifB: string; llA: string; llB: string }> {
  for (const ns of [a, b]) lab.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
  const { ifA, ifB } = lab.link(a, [], b, []);
  await waitFor('link-local addresses', () => {
    try {
      return linkLocal(lab, a, ifA) && linkLocal(lab, b, ifB);
    } catch {
      return null;
    }
  }, 10_000);
  return { ifA, ifB, llA: linkLocal(lab, a, ifA), llB: linkLocal(lab, b, ifB) };
}

t.test('link-local IPv6 peering with BIRD 2: routes via the link-local next hop and its interface, pings across', async (t) => {
  const lab = netnsLab(t, 'll', ['bird', 'birdc', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const b = lab.ns('b');
  const { ifA, ifB, llA: llW, llB } = await linkLocalPair(lab, w, b);
  lab.exec(w, 'ip', ['addr', 'add', '2001:db8:1::1/128', 'dev', 'lo']);
  lab.exec(b, 'ip', ['addr', 'add', '2001:db8:2::1/128', 'dev', 'lo']);
  const bird = new Bird(
    lab, b,
    { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: llW, asn: 64512, holdTime: 9, options: [`interface "${ifB}";`] }], announce: ['2001:db8:2::/48'] },
    `protocol kernel { ipv6 { export where proto = "peer_${llW.replace(/[.:]/g, '_')}"; }; }\n`,
  );
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512,
    neighbors: [{ address: llB, interface: ifA, asn: 65002, holdTime: 9, connectRetryTime: 1 }],
    announce: ['2001:db8:1::/48'],
    fib: { enabled: true, scanInterval: 2 },
  });
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('session up', () => wren.state(llB) === 'Established' && bird.established(llW), 30_000);
  t.pass('Established between the two link-local addresses');
  const route = (ns: string, dst: string) => lab.exec(ns, 'ip', ['-6', 'route', 'show', dst], { allowFail: true });
  await waitFor('routes in both kernels', () => route(w, '2001:db8:2::/48').includes('via') && route(b, '2001:db8:1::/48').includes('via'), 20_000).catch(() => undefined);
  t.match(route(w, '2001:db8:2::/48'), new RegExp(`via ${llB} dev ${ifA} proto 210`), "wren installed BIRD's route via its link-local address on the interface");
  t.match(route(b, '2001:db8:1::/48'), new RegExp(`via ${llW} dev ${ifB}`), 'BIRD installed ours via our link-local address');
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-6', '-c', '3', '-i', '0.2', '-W', '2', '-I', '2001:db8:1::1', '2001:db8:2::1'], { allowFail: true })), 'ping across');
  t.equal(await wren.stop(), 0);
});

t.test('link-local IPv6 peering with FRR: routes via the link-local next hop and its interface, pings across', async (t) => {
  const lab = netnsLab(t, 'llf', ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const f = lab.ns('f');
  const { ifA, ifB, llA: llW, llB: llF } = await linkLocalPair(lab, w, f);
  lab.exec(w, 'ip', ['addr', 'add', '2001:db8:1::1/128', 'dev', 'lo']);
  lab.exec(f, 'ip', ['addr', 'add', '2001:db8:3::1/128', 'dev', 'lo']);
  const frr = new Frr(lab, f, { routerId: '192.0.2.3', asn: 65003, listen: [], peers: [{ address: llW, asn: 64512, holdTime: 9, families: ['ipv6'], options: [`interface ${ifB}`] }], announce: ['2001:db8:3::/48'], gracefulRestart: true });
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512,
    neighbors: [{ address: llF, interface: ifA, asn: 65003, holdTime: 9, connectRetryTime: 1 }],
    announce: ['2001:db8:1::/48'],
    fib: { enabled: true, scanInterval: 2 },
  });
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('session up', () => wren.state(llF) === 'Established' && frr.established(llW), 30_000).catch((err: unknown) => {
    for (const l of wren.lines.filter((x) => x.peer === llF || x.level >= 40).slice(-12)) t.comment(JSON.stringify(l).slice(0, 300));
    t.comment(frr.describe(llW).split('\n').slice(0, 25).join('\n'));
    t.comment(frr.logText.slice(-2000));
    throw err;
  });
  t.pass('Established with FRR between link-local addresses');
  const route = (ns: string, dst: string) => lab.exec(ns, 'ip', ['-6', 'route', 'show', dst], { allowFail: true });
  await waitFor('routes in both kernels', () => route(w, '2001:db8:3::/48').includes('via') && route(f, '2001:db8:1::/48').includes('via'), 20_000).catch(() => undefined);
  t.match(route(w, '2001:db8:3::/48'), new RegExp(`via ${llF} dev ${ifA} proto 210`), "wren installed FRR's route via its link-local address");
  t.match(route(f, '2001:db8:1::/48'), new RegExp(`via ${llW} dev ${ifB}`), 'FRR (zebra) installed ours via our link-local address');
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-6', '-c', '3', '-i', '0.2', '-W', '2', '-I', '2001:db8:1::1', '2001:db8:3::1'], { allowFail: true })), 'ping across');
  t.equal(await wren.stop(), 0);
});

t.test('unnumbered with FRR (neighbor IF interface): each side finds the other by its router advertisements; IPv4 and IPv6 routes over the one session', async (t) => {
  const lab = netnsLab(t, 'unn', ['/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const f = lab.ns('f');
  const { ifA, ifB, llB: llF } = await linkLocalPair(lab, w, f);
  lab.exec(w, 'ip', ['addr', 'add', '198.51.100.1/32', 'dev', 'lo']);
  lab.exec(w, 'ip', ['addr', 'add', '2001:db8:1::1/128', 'dev', 'lo']);
  lab.exec(f, 'ip', ['addr', 'add', '203.0.113.1/32', 'dev', 'lo']);
  lab.exec(f, 'ip', ['addr', 'add', '2001:db8:3::1/128', 'dev', 'lo']);
  const frr = new Frr(lab, f, {
    routerId: '192.0.2.3', asn: 65003, listen: [],
    peers: [{ address: ifB, asn: 64512, holdTime: 9, families: ['ipv4', 'ipv6'], unnumbered: true }],
    announce: ['203.0.113.0/24', '2001:db8:3::/48'],
    zebraConfig: [`interface ${ifB}`, ' ipv6 nd ra-interval 3', ' no ipv6 nd suppress-ra', '!'],
  });
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512,
    neighbors: [{ interface: ifA, asn: 65003, holdTime: 9, connectRetryTime: 1, extendedNextHop: true }],
    announce: ['198.51.100.0/24', '2001:db8:1::/48'],
    fib: { enabled: true, scanInterval: 2 },
  });
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('wren heard FRR', () => wren.lines.some((l) => l.msg === 'unnumbered neighbor found by its router advertisement' && l.peer === llF), 30_000);
  t.pass(`wren found FRR at ${llF} on ${ifA} by its router advertisement`);
  await waitFor('session up', () => wren.state(llF) === 'Established' && frr.established(ifB), 45_000).catch((err: unknown) => {
    for (const l of wren.lines.filter((x) => x.peer === llF || x.level >= 40).slice(-10)) t.comment(JSON.stringify(l).slice(0, 300));
    t.comment(frr.vtysh(`show bgp neighbors ${ifB}`).split('\n').slice(0, 12).join('\n'));
    throw err;
  });
  t.pass('Established: FRR found us by ours');
  const r4 = (ns: string, dst: string) => lab.exec(ns, 'ip', ['-4', 'route', 'show', dst], { allowFail: true });
  const r6 = (ns: string, dst: string) => lab.exec(ns, 'ip', ['-6', 'route', 'show', dst], { allowFail: true });
  await waitFor('routes of both families in both kernels', () => r4(w, '203.0.113.0/24').includes('via') && r6(w, '2001:db8:3::/48').includes('via') && r4(f, '198.51.100.0/24').includes('via') && r6(f, '2001:db8:1::/48').includes('via'), 30_000).catch(() => undefined);
  t.match(r4(w, '203.0.113.0/24'), new RegExp(`via inet6 ${llF} dev ${ifA} proto 210`), 'IPv4 via the IPv6 link-local next hop (RFC 8950)');
  t.match(r6(w, '2001:db8:3::/48'), new RegExp(`via ${llF} dev ${ifA} proto 210`), 'IPv6 via the link-local next hop');
  t.match(r4(f, '198.51.100.0/24'), /via inet6 fe80::[0-9a-f:]+ dev /, 'FRR installed our IPv4 route via our link-local address');
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '-I', '198.51.100.1', '203.0.113.1'], { allowFail: true })), 'IPv4 ping across the unnumbered link');
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-6', '-c', '3', '-i', '0.2', '-W', '2', '-I', '2001:db8:1::1', '2001:db8:3::1'], { allowFail: true })), 'IPv6 ping across');
  t.equal(await wren.stop(), 0);
});

t.test('unnumbered between two wrens: they find each other by the router advertisements they send', async (t) => {
  const lab = netnsLab(t, 'unw', ['ping']);
  if (!lab) return;
  const a = lab.ns('a');
  const b = lab.ns('b');
  const { ifA, ifB, llA, llB } = await linkLocalPair(lab, a, b);
  lab.exec(a, 'ip', ['addr', 'add', '198.51.100.1/32', 'dev', 'lo']);
  lab.exec(b, 'ip', ['addr', 'add', '203.0.113.1/32', 'dev', 'lo']);
  const node = (ns: string, iface: string, id: string, asn: number, peerAsn: number, block: string) =>
    new Wren(lab, ns, {
      routerId: id, asn,
      neighbors: [{ interface: iface, asn: peerAsn, holdTime: 9, connectRetryTime: 1, extendedNextHop: true }],
      announce: [block],
      fib: { enabled: true, scanInterval: 2 },
    }, `wren-${asn}`);
  const wa = node(a, ifA, '192.0.2.1', 64512, 64513, '198.51.100.0/24');
  const wb = node(b, ifB, '192.0.2.2', 64513, 64512, '203.0.113.0/24');
  t.teardown(async () => {
    await wa.stop('SIGKILL');
    await wb.stop('SIGKILL');
  });
  await waitFor('Established both ways', () => wa.state(llB) === 'Established' && wb.state(llA) === 'Established', 45_000);
  t.pass('each found the other and the session is up');
  const r4 = (ns: string, dst: string) => lab.exec(ns, 'ip', ['-4', 'route', 'show', dst], { allowFail: true });
  await waitFor('IPv4 routes via inet6 on both sides', () => r4(a, '203.0.113.0/24').includes('via inet6') && r4(b, '198.51.100.0/24').includes('via inet6'), 20_000).catch(() => undefined);
  t.match(r4(a, '203.0.113.0/24'), new RegExp(`via inet6 ${llB} dev ${ifA}`), "a installed b's IPv4 route via b's link-local address");
  t.match(r4(b, '198.51.100.0/24'), new RegExp(`via inet6 ${llA} dev ${ifB}`), "and b a's");
  t.ok(/ [1-3] received/.test(lab.exec(a, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '-I', '198.51.100.1', '203.0.113.1'], { allowFail: true })), 'ping across');
  t.notMatch(lab.exec(a, 'ip', ['-6', 'route', 'show', 'default'], { allowFail: true }), /default/, 'our advertisements do not make us anyone\'s default router (lifetime 0)');
});
