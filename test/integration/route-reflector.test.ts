/**
 * wren as a route reflector for BIRD, FRR and GoBGP clients on one L2 segment (AS 64512, iBGP):
 * every client announces a /26, wren announces a /24, and each client's own RIB ends up holding
 * everybody else's prefixes.
 */
import t from 'tap';
import { netnsLab, run, sleep, waitFor } from '../helpers/netns.js';
import { Bird, Frr, GoBgp, type Daemon } from '../helpers/daemons.js';
import { WRENC, Wren } from '../helpers/wren.js';

t.test('wren reflects IPv4 and IPv6 routes between BIRD, FRR and GoBGP clients', async (t) => {
  const lab = netnsLab(t, 'rr', ['bird', 'birdc', '/usr/lib/frr/bgpd', 'vtysh', 'gobgpd', 'gobgp']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const nsW = lab.ns('wren');
  lab.attach(sw, nsW, ['192.0.2.1/24', '2001:db8::1/64']);
  const clients: { name: string; address: string; address6: string; prefix: string; prefix6: string; daemon?: Daemon }[] = [
    { name: 'bird', address: '192.0.2.11', address6: '2001:db8::11', prefix: '198.51.100.0/26', prefix6: '2001:db8:11::/48' },
    { name: 'frr', address: '192.0.2.12', address6: '2001:db8::12', prefix: '198.51.100.64/26', prefix6: '2001:db8:12::/48' },
    { name: 'gobgp', address: '192.0.2.13', address6: '2001:db8::13', prefix: '198.51.100.128/26', prefix6: '2001:db8:13::/48' },
  ];
  for (const c of clients) {
    const ns = lab.ns(c.name);
    lab.attach(sw, ns, [`${c.address}/24`, `${c.address6}/64`]);
    const spec = {
      routerId: c.address, asn: 64512, listen: [c.address, c.address6],
      peers: [
        { address: '192.0.2.1', asn: 64512, holdTime: 9, passive: true },
        { address: '2001:db8::1', asn: 64512, holdTime: 9, passive: true },
      ],
      announce: [c.prefix, c.prefix6],
    };
    if (c.name === 'bird') c.daemon = new Bird(lab, ns, spec);
    else if (c.name === 'frr') c.daemon = new Frr(lab, ns, spec);
    else c.daemon = new GoBgp(lab, ns, spec);
  }
  await sleep(500);
  const gobgp = clients[2]?.daemon as GoBgp;
  await waitFor('gobgpd API', () => /Peer/.test(gobgp.gobgp(['neighbor'])), 15_000);
  gobgp.announce('198.51.100.128/26', '192.0.2.13');
  gobgp.announce('2001:db8:13::/48', '2001:db8::13');
  const wren = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    announce: ['203.0.113.0/24', '2001:db8:ff::/48'],
    routeReflector: { clusterId: '192.0.2.1', clients: clients.flatMap((c) => [c.address, c.address6]) },
    neighbors: clients.flatMap((c) => [
      { address: c.address, asn: 64512, holdTime: 9, connectRetryTime: 1 },
      { address: c.address6, asn: 64512, holdTime: 9, connectRetryTime: 1, families: ['ipv6'] },
    ]),
  });
  await waitFor('all clients Established', () => clients.every((c) => c.daemon?.established('192.0.2.1') && c.daemon?.established('2001:db8::1')), 45_000);
  for (const c of clients) {
    const want = ['203.0.113.0/24', ...clients.filter((o) => o !== c).map((o) => o.prefix)].sort();
    const got = await waitFor(`${c.name} has every other prefix`, () => {
      const r = c.daemon?.received('192.0.2.1', 'ipv4') ?? [];
      return want.every((p) => r.includes(p)) ? r : null;
    }, 30_000).catch(() => c.daemon?.received('192.0.2.1', 'ipv4') ?? []);
    t.same([...new Set(got)].filter((p) => p !== c.prefix).sort(), want, `${c.name} learned the others' prefixes from wren`);
    const want6 = ['2001:db8:ff::/48', ...clients.filter((o) => o !== c).map((o) => o.prefix6)].sort();
    const got6 = await waitFor(`${c.name} has every other IPv6 prefix`, () => {
      const r = c.daemon?.received('2001:db8::1', 'ipv6') ?? [];
      return want6.every((p) => r.includes(p)) ? r : null;
    }, 30_000).catch(() => c.daemon?.received('2001:db8::1', 'ipv6') ?? []);
    t.same([...new Set(got6)].filter((p) => p !== c.prefix6).sort(), want6, `${c.name} learned the others' IPv6 prefixes from wren`);
  }
  t.notOk(wren.lines.some((l) => l.level >= 50), 'wren logged no errors');

  // What an operator sees through wrenc on the control socket.
  const wrenc = (...args: string[]) => run(process.execPath, [WRENC, '--socket', wren.socket, ...args]);
  const status = wrenc('node', 'status');
  for (const c of clients) t.match(status, new RegExp(`${c.address.replace(/\./g, '\\.')}\\s+\\| route reflector client \\| up\\s+\\| \\S+\\s+\\| Established`), `node status: ${c.address} up`);
  t.match(status, /IPv6 BGP status/);
  const route = wrenc('show', 'route', '198.51.100.0/26');
  t.match(route, /\* 198\.51\.100\.0\/26\s+192\.0\.2\.11\s+192\.0\.2\.11\s+ibgp/, 'show route PREFIX: next hop and source');
  const count = JSON.parse(wrenc('--json', 'show', 'route', 'count')) as { ipv4: number; ipv6: number };
  t.same(count, { ipv4: 4, ipv6: 4, total: 8, paths: 8 }, 'route counts');
  const neighbors = JSON.parse(wrenc('--json', 'show', 'neighbors')) as { state: string; routesReceived: number }[];
  t.equal(neighbors.filter((n) => n.state === 'Established').length, 6, 'six sessions Established');
  await wren.stop();
});
