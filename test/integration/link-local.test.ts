/**
 * IPv6 link-local peering with BIRD 2 and FRR over links that have no global addresses at all: the session
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

t.test('link-local IPv6 peering with BIRD 2: routes via the link-local next hop and its interface, pings across', async (t) => {
  const lab = netnsLab(t, 'll', ['bird', 'birdc', 'ping']);
  if (!lab) return;
  const w = lab.ns('w');
  const b = lab.ns('b');
  for (const ns of [w, b]) lab.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
  const { ifA, ifB } = lab.link(w, [], b, []);
  await waitFor('link-local addresses', () => {
    try {
      return linkLocal(lab, w, ifA) && linkLocal(lab, b, ifB);
    } catch {
      return null;
    }
  }, 10_000);
  const llW = linkLocal(lab, w, ifA);
  const llB = linkLocal(lab, b, ifB);
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
  for (const ns of [w, f]) lab.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
  const { ifA, ifB } = lab.link(w, [], f, []);
  await waitFor('link-local addresses', () => {
    try {
      return linkLocal(lab, w, ifA) && linkLocal(lab, f, ifB);
    } catch {
      return null;
    }
  }, 10_000);
  const llW = linkLocal(lab, w, ifA);
  const llF = linkLocal(lab, f, ifB);
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
