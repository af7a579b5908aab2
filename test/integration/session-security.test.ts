/**
 * TCP MD5 signatures (RFC 2385) and GTSM (RFC 5082) against BIRD: with the right key or TTL the
 * session comes up, dialing out and accepting; with the wrong one it cannot.
 */
import t, { type Test } from 'tap';
import { Lab, netnsReady, sleep, waitFor } from '../helpers/netns.js';
import { Bird, type PeerSpec } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

interface Case {
  name: string;
  wren: Record<string, unknown>;
  bird: Partial<PeerSpec>;
  up: boolean;
}

const CASES: Case[] = [
  { name: 'MD5, wren dials, same key', wren: { password: 'k8s-secret' }, bird: { password: 'k8s-secret', passive: true }, up: true },
  { name: 'MD5, wren accepts, same key', wren: { password: 'k8s-secret', passive: true }, bird: { password: 'k8s-secret' }, up: true },
  { name: 'MD5, wren dials, wrong key', wren: { password: 'wrong' }, bird: { password: 'k8s-secret', passive: true }, up: false },
  { name: 'MD5, wren accepts, wrong key', wren: { password: 'wrong', passive: true }, bird: { password: 'k8s-secret' }, up: false },
  { name: 'MD5 on one side only', wren: {}, bird: { password: 'k8s-secret' }, up: false },
  { name: 'GTSM both sides, wren dials', wren: { ttlSecurity: 1 }, bird: { ttlSecurity: true, passive: true }, up: true },
  { name: 'GTSM both sides, wren accepts', wren: { ttlSecurity: 1, passive: true }, bird: { ttlSecurity: true }, up: true },
  { name: 'GTSM on wren, peer sends TTL 1', wren: { ttlSecurity: 1, passive: true }, bird: {}, up: false },
];

async function run(t: Test, c: Case): Promise<void> {
  const lab = new Lab('sec');
  t.teardown(() => lab.destroy());
  const w = lab.ns('wren');
  const p = lab.ns('peer');
  lab.link(w, ['192.0.2.1/24'], p, ['192.0.2.2/24']);
  const bird = new Bird(lab, p, { routerId: '192.0.2.2', asn: 63400, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 6, ...c.bird }] });
  await sleep(300);
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.2', asn: 63400, holdTime: 6, connectRetryTime: 1, ...c.wren }],
  });
  if (c.up) {
    await waitFor('Established', () => bird.established('192.0.2.1') && wren.state('192.0.2.2') === 'Established', 30_000).catch(() => undefined);
    t.ok(bird.established('192.0.2.1'), 'BIRD: Established');
    t.equal(wren.state('192.0.2.2'), 'Established', 'wren: Established');
  } else {
    await sleep(8000);
    t.notOk(bird.established('192.0.2.1'), 'BIRD: never Established');
    t.notOk(wren.lines.some((l) => l.to === 'Established'), 'wren: never Established');
    t.notOk(wren.lines.some((l) => l.level >= 50), 'wren: no error-level log (it just cannot connect)');
  }
  await wren.stop();
}

t.test('MD5 and GTSM against BIRD', async (t) => {
  if (!netnsReady(t, ['bird', 'birdc'])) return;
  for (const c of CASES) await t.test(c.name, (t) => run(t, c));
});
