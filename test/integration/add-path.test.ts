/**
 * ADD-PATH (RFC 7911) with BIRD: both sides negotiate sending and receiving path identifiers, and
 * routes flow both ways with them.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
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
