/**
 * wren as a route reflector for BIRD, FRR and GoBGP clients on one L2 segment (AS 64512, iBGP):
 * every client announces a /26, wren announces a /24, and each client's own RIB ends up holding
 * everybody else's prefixes.
 */
import t from 'tap';
import { Lab, sleep, waitFor } from '../helpers/netns.js';
import { Bird, Frr, GoBgp, type Daemon } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import { isRoot, requireTools } from '../helpers/tools.js';

t.test('wren reflects IPv4 routes between BIRD, FRR and GoBGP clients', async (t) => {
  if (!isRoot()) return t.comment('skipped: needs root for network namespaces');
  if (!requireTools(t, ['bird', 'birdc', '/usr/lib/frr/bgpd', 'vtysh', 'gobgpd', 'gobgp'])) return;
  const lab = new Lab('rr');
  t.teardown(() => lab.destroy());
  const sw = lab.switch('sw');
  const nsW = lab.ns('wren');
  lab.attach(sw, nsW, ['192.0.2.1/24']);
  const clients: { name: string; address: string; prefix: string; daemon?: Daemon }[] = [
    { name: 'bird', address: '192.0.2.11', prefix: '198.51.100.0/26' },
    { name: 'frr', address: '192.0.2.12', prefix: '198.51.100.64/26' },
    { name: 'gobgp', address: '192.0.2.13', prefix: '198.51.100.128/26' },
  ];
  for (const c of clients) {
    const ns = lab.ns(c.name);
    lab.attach(sw, ns, [`${c.address}/24`]);
    const spec = { routerId: c.address, asn: 64512, listen: [c.address], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9, passive: true }], announce: [c.prefix] };
    if (c.name === 'bird') c.daemon = new Bird(lab, ns, spec);
    else if (c.name === 'frr') c.daemon = new Frr(lab, ns, spec);
    else c.daemon = new GoBgp(lab, ns, spec);
  }
  await sleep(500);
  const gobgp = clients[2]?.daemon as GoBgp;
  await waitFor('gobgpd API', () => /Peer/.test(gobgp.gobgp(['neighbor'])), 15_000);
  gobgp.announce('198.51.100.128/26', '192.0.2.13');
  const wren = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    announce: ['203.0.113.0/24'],
    routeReflector: { clusterId: '192.0.2.1', clients: clients.map((c) => c.address) },
    neighbors: clients.map((c) => ({ address: c.address, asn: 64512, holdTime: 9, connectRetryTime: 1 })),
  });
  await waitFor('all clients Established', () => clients.every((c) => c.daemon?.established('192.0.2.1')), 45_000);
  for (const c of clients) {
    const want = ['203.0.113.0/24', ...clients.filter((o) => o !== c).map((o) => o.prefix)].sort();
    const got = await waitFor(`${c.name} has every other prefix`, () => {
      const r = c.daemon?.received('192.0.2.1', 'ipv4') ?? [];
      return want.every((p) => r.includes(p)) ? r : null;
    }, 30_000).catch(() => c.daemon?.received('192.0.2.1', 'ipv4') ?? []);
    t.same([...new Set(got)].filter((p) => p !== c.prefix).sort(), want, `${c.name} learned the others' prefixes from wren`);
  }
  t.notOk(wren.lines.some((l) => l.level >= 50), 'wren logged no errors');
  await wren.stop();
});
