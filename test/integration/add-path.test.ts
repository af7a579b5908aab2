/**
 * ADD-PATH (RFC 7911) with BIRD: both sides negotiate sending and receiving path identifiers, and
 * routes flow both ways with them; a reflector sends every path to BIRD and the two best to FRR.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird, Frr } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

t.test('wren and BIRD exchange routes with ADD-PATH negotiated both ways', async (t) => {
  const lab = netnsLab(t, 'ap', ['bird', 'birdc']);
  if (!lab) return;
  const w = lab.ns('wren');
  const p = lab.ns('peer');
  lab.link(w, ['192.0.2.1/24'], p, ['192.0.2.2/24']);
  const bird = new Bird(lab, p, {
    routerId: '192.0.2.2', asn: 64512, listen: [],
    peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9, addPaths: true, passive: true }],
    announce: ['198.51.100.0/24', '198.51.100.128/25'],
  });
  await sleep(300);
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    announce: ['203.0.113.0/24'],
    neighbors: [{ address: '192.0.2.2', asn: 64512, holdTime: 9, connectRetryTime: 1, addPaths: 'both' }],
  });
  await waitFor('Established', () => bird.established('192.0.2.1'), 30_000);
  const desc = bird.describe('192.0.2.1');
  t.match(desc, /ADD-PATH\s*\n?\s*RX:\s*IPv4/i, 'BIRD reports ADD-PATH negotiated');
  const got = await waitFor('BIRD has wren route', () => (bird.received('192.0.2.1', 'ipv4').includes('203.0.113.0/24') ? true : null), 20_000).catch(() => false);
  t.ok(got, 'BIRD learned 203.0.113.0/24 from wren (with a path id)');
  const line = await waitFor('wren has BIRD routes', () => wren.find('192.0.2.2', /End-of-RIB received/).find((l) => (l.routes as number) >= 2), 20_000).catch(() => undefined);
  t.ok(line, 'wren received both BIRD routes before End-of-RIB');
  await wren.stop();
});

t.test('a reflector sends every path (BIRD receiving) and the two best (FRR receiving); a path that goes is withdrawn by its id', async (t) => {
  const lab = netnsLab(t, 'apx', ['bird', 'birdc', '/usr/lib/frr/bgpd', 'vtysh']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const P = '203.0.113.0/24';
  const sources = [11, 12, 13].map((i) => {
    const ns = lab.ns(`s${i}`);
    lab.attach(sw, ns, [`192.0.2.${i}/24`]);
    return new Bird(lab, ns, { routerId: `192.0.2.${i}`, asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }], announce: [P] });
  });
  const bns = lab.ns('rx-bird');
  lab.attach(sw, bns, ['192.0.2.21/24']);
  const rxBird = new Bird(lab, bns, { routerId: '192.0.2.21', asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9, addPaths: true }] });
  const fns = lab.ns('rx-frr');
  lab.attach(sw, fns, ['192.0.2.22/24']);
  const rxFrr = new Frr(lab, fns, { routerId: '192.0.2.22', asn: 64512, listen: ['192.0.2.22'], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }] });
  const rrNs = lab.ns('rr');
  lab.attach(sw, rrNs, ['192.0.2.1/24']);
  const wren = new Wren(lab, rrNs, {
    routerId: '192.0.2.1', asn: 64512,
    routeReflector: { clusterId: '192.0.2.1' },
    neighbors: [
      ...[11, 12, 13].map((i) => ({ address: `192.0.2.${i}`, asn: 64512, holdTime: 9, connectRetryTime: 1, routeReflectorClient: true })),
      { address: '192.0.2.21', asn: 64512, holdTime: 9, connectRetryTime: 1, routeReflectorClient: true, addPaths: { send: 'all' } },
      { address: '192.0.2.22', asn: 64512, holdTime: 9, connectRetryTime: 1, routeReflectorClient: true, addPaths: { send: 'best-2' } },
    ],
  });
  t.teardown(() => wren.stop('SIGKILL'));
  const frrPaths = () => {
    try {
      return ((JSON.parse(rxFrr.vtysh(`show bgp ipv4 unicast ${P} json`)) as { paths?: { nexthops?: { ip: string }[] }[] }).paths ?? []).map((p) => p.nexthops?.[0]?.ip ?? '?').sort();
    } catch {
      return [];
    }
  };
  const birdPaths = () => [...new Set(rxBird.pathsFor(P))].sort();
  await waitFor('every path at BIRD, two at FRR', () => birdPaths().length === 3 && frrPaths().length === 2, 45_000).catch(() => undefined);
  t.same(birdPaths(), ['192.0.2.11', '192.0.2.12', '192.0.2.13'], 'BIRD (add paths rx) holds all three paths');
  t.equal(frrPaths().length, 2, `FRR holds the two best (${frrPaths().join(', ')})`);
  t.match(rxBird.describe('192.0.2.1'), /ADD-PATH\s*\n?\s*RX:\s*IPv4/i, 'BIRD negotiated receiving path ids');
  // One source goes: its path is withdrawn by id; FRR's best two are refilled from the rest.
  await sources[0]?.kill();
  await waitFor('the path of 192.0.2.11 goes', () => birdPaths().length === 2 && !frrPaths().includes('192.0.2.11') && frrPaths().length === 2, 30_000).catch(() => undefined);
  t.same(birdPaths(), ['192.0.2.12', '192.0.2.13'], 'BIRD: exactly that path was withdrawn');
  t.same(frrPaths(), ['192.0.2.12', '192.0.2.13'], 'FRR: the two remaining');
});
