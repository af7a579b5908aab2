/**
 * BIRD 1.6 (Debian's `bird`, the base of Calico's fork; .ci/run unpacks it beside bird2), since
 * clusters migrate node by node from exactly that version: sessions over both families (bird and
 * bird6), a mixed iBGP mesh with Calico's passive rule, and graceful restart both ways with each
 * kernel's routes counted every 100 ms. Announced prefixes are data from the documentation ranges
 * (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32): BIRD 1.6 refuses 240.0.0.0/4 (class E) as an
 * invalid network, in a static route as in an UPDATE.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { BIRD16_DIR, Bird16 } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

const TOOLS = [`${BIRD16_DIR}/bird`, `${BIRD16_DIR}/bird6`, `${BIRD16_DIR}/birdc`, `${BIRD16_DIR}/birdc6`];

/** Destinations of a namespace's kernel routes of protocol `proto` (one family). */
function kernel(ns: string, family: '-4' | '-6', proto: string): string[] {
  const out = spawnSync('ip', ['-n', ns, family, 'route', 'show', 'proto', proto], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
  return out.split('\n').map((l) => l.split(' ')[0] as string).filter(Boolean);
}

t.test('BIRD 1.6: eBGP sessions over IPv4 (bird) and IPv6 (bird6), routes in both kernels', async (t) => {
  const lab = netnsLab(t, 'b16', TOOLS);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w, b } = lab.hosts(sw, { w: ['192.0.2.1/24', '2001:db8::1/64'], b: ['192.0.2.2/24', '2001:db8::2/64'] });
  const b4 = new Bird16(lab, b, 'ipv4', { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }], announce: ['203.0.113.0/26'] });
  const b6 = new Bird16(lab, b, 'ipv6', { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '2001:db8::1', asn: 64512, holdTime: 9 }], announce: ['2001:db8:2::/48'] });
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512,
    neighbors: [
      { address: '192.0.2.2', asn: 65002, holdTime: 9, connectRetryTime: 1 },
      { address: '2001:db8::2', asn: 65002, holdTime: 9, connectRetryTime: 1 },
    ],
    announce: ['198.51.100.0/26', '2001:db8:1::/48'],
    fib: { enabled: true, scanInterval: 2 },
  });
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('both sessions up', () => wren.state('192.0.2.2') === 'Established' && wren.state('2001:db8::2') === 'Established' && b4.established('192.0.2.1') && b6.established('2001:db8::1'), 30_000);
  t.pass('BIRD 1.6 and bird6 both Established with wren');
  await waitFor('routes in every kernel', () => kernel(w, '-4', '210').includes('203.0.113.0/26') && kernel(w, '-6', '210').includes('2001:db8:2::/48') && kernel(b, '-4', 'bird').includes('198.51.100.0/26') && kernel(b, '-6', 'bird').includes('2001:db8:1::/48'), 30_000).catch(() => undefined);
  t.ok(kernel(w, '-4', '210').includes('203.0.113.0/26'), "wren installed BIRD 1.6's IPv4 route");
  t.ok(kernel(w, '-6', '210').includes('2001:db8:2::/48'), "and bird6's IPv6 route");
  t.ok(kernel(b, '-4', 'bird').includes('198.51.100.0/26'), 'BIRD 1.6 installed ours');
  t.ok(kernel(b, '-6', 'bird').includes('2001:db8:1::/48'), 'bird6 installed ours');
  t.match(spawnSync('ip', ['-n', w, '-6', 'route', 'show', '2001:db8:2::/48'], { encoding: 'utf8' }).stdout, /via 2001:db8::2 /, 'the IPv6 route goes via the global next hop');
  t.match(b4.describe('192.0.2.1'), /Neighbor caps:.*AS4/, 'BIRD 1.6 sees our 4-octet AS capability');
});

t.test('a mixed mesh of wren and BIRD 1.6 with Calico\'s passive rule: every node learns every block', async (t) => {
  const lab = netnsLab(t, 'm16', TOOLS);
  if (!lab) return;
  const sw = lab.switch('sw');
  const ids = [1, 2, 3, 4];
  const ip = (i: number) => `192.0.2.${i}`;
  const block = (i: number) => `203.0.113.${(i - 1) * 64}/26`;
  const nss = new Map(ids.map((i) => [i, lab.ns(`n${i}`)]));
  for (const i of ids) lab.attach(sw, nss.get(i) as string, [`${ip(i)}/24`]);
  // BIRD 1.6 nodes are configured as Calico's confd wrote them: passive towards greater addresses.
  const birds = [2, 4].map((i) => new Bird16(lab, nss.get(i) as string, 'ipv4', {
    routerId: ip(i), asn: 64512, listen: [],
    peers: ids.filter((j) => j !== i).map((j) => ({ address: ip(j), asn: 64512, holdTime: 9, ...(ip(j) > ip(i) ? { passive: true } : {}) })),
    announce: [block(i)],
  }));
  const wrens = [1, 3].map((i) => new Wren(lab, nss.get(i) as string, {
    routerId: ip(i), asn: 64512,
    mesh: { nodes: ids.map(ip), self: ip(i) },
    announce: [block(i)],
    fib: { enabled: true, scanInterval: 2 },
  }));
  t.teardown(async () => {
    for (const w of wrens) await w.stop('SIGKILL');
  });
  const t0 = Date.now();
  const complete = (i: number) => {
    const k = kernel(nss.get(i) as string, '-4', i % 2 === 1 ? '210' : 'bird');
    return ids.filter((j) => j !== i).every((j) => k.includes(block(j)));
  };
  // The kernels can be complete a moment before the Established lines of wren's log are read.
  const sessionsUp = () => wrens.every((w, n) => ids.every((j) => j === (n === 0 ? 1 : 3) || w.state(ip(j)) === 'Established'));
  await waitFor('every kernel holds the three other blocks', () => ids.every(complete) && sessionsUp(), 45_000).catch(() => undefined);
  for (const i of ids) t.ok(complete(i), `node ${i} (${i % 2 === 1 ? 'wren' : 'BIRD 1.6'}) holds every other block`);
  t.comment(`mesh converged ${Date.now() - t0} ms after start`);
  for (const [n, w] of wrens.entries()) {
    const i = n === 0 ? 1 : 3;
    const down = ids.filter((j) => j !== i && w.state(ip(j)) !== 'Established');
    t.same(down, [], `wren node ${i}: every mesh session Established`);
    for (const j of down) for (const l of w.lines.filter((x) => x.peer === ip(j))) t.comment(JSON.stringify(l));
  }
  for (const [n, bd] of birds.entries()) t.equal(bd.birdc('show protocols').split('\n').filter((l) => /BGP .*Established/.test(l)).length, 3, `BIRD 1.6 node ${n === 0 ? 2 : 4}: three sessions Established`);
});

t.test('graceful restart with BIRD 1.6 both ways: no route leaves a kernel across a kill -9 of either side', async (t) => {
  const lab = netnsLab(t, 'g16', TOOLS);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w, b } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'] });
  const N = 64;
  const blocks = (third: string) => Array.from({ length: N }, (_, i) => `${third}.${i * 4}/30`);
  const bird = new Bird16(lab, b, 'ipv4', { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, grace: true }], announce: blocks('203.0.113') });
  const config = {
    routerId: '192.0.2.1', asn: 64512,
    neighbors: [{ address: '192.0.2.2', asn: 65002, connectRetryTime: 1 }],
    announce: blocks('198.51.100'),
    fib: { enabled: true, scanInterval: 2 },
    gracefulRestart: { stateFile: lab.path('wren.state') },
  };
  let wren = new Wren(lab, w, config);
  t.teardown(() => wren.stop('SIGKILL'));
  const atWren = () => kernel(w, '-4', '210').filter((d) => d.startsWith('203.0.113.')).length;
  const atBird = () => kernel(b, '-4', 'bird').filter((d) => d.startsWith('198.51.100.')).length;
  await waitFor('both kernels hold the other side\'s routes', () => atWren() === N && atBird() === N, 60_000);
  t.match(bird.describe('192.0.2.1'), /Neighbor caps:.*restart-able/, 'BIRD 1.6 sees our graceful restart capability');
  const sample = (read: () => number) => {
    let min = Infinity;
    let samples = 0;
    const timer = setInterval(() => {
      min = Math.min(min, read());
      samples++;
    }, 100);
    return () => {
      clearInterval(timer);
      return { min, samples };
    };
  };
  // 1. BIRD 1.6 dies and comes back with -R, as calico-node restarts it: wren keeps its routes.
  let stop = sample(atWren);
  await bird.kill();
  await waitFor('wren keeps them as stale', () => wren.lines.some((l) => l.msg === 'graceful restart: routes of the peer kept as stale'), 15_000);
  bird.start(true);
  await waitFor('BIRD 1.6 back', () => wren.state('192.0.2.2') === 'Established' && bird.established('192.0.2.1'), 60_000);
  await waitFor('End-of-RIB from BIRD 1.6', () => wren.lines.some((l) => l.msg === 'End-of-RIB received' && l.peer === '192.0.2.2' && wren.lines.filter((x) => x.msg === 'End-of-RIB received').length >= 2), 30_000).catch(() => undefined);
  let r = stop();
  t.equal(r.min, N, `wren's kernel held BIRD 1.6's ${N} routes throughout its restart (${r.samples} samples)`);
  // 2. wrend dies and comes back: BIRD 1.6 keeps our routes in its kernel.
  stop = sample(atBird);
  await wren.stop('SIGKILL');
  wren = new Wren(lab, w, config, 'wren-again');
  await waitFor('wren back', () => wren.state('192.0.2.2') === 'Established', 60_000);
  await waitFor('wren converged', () => wren.lines.some((l) => l.msg === 'converged'), 60_000).catch(() => undefined);
  // BIRD 1.6 sweeps what the restarted wren did not send again once it has our End-of-RIB: keep counting past that.
  await sleep(3000);
  r = stop();
  t.ok(r.samples >= 20, `counted across the restart and after (${r.samples} samples)`);
  t.equal(r.min, N, `BIRD 1.6's kernel held our ${N} routes throughout wren's restart (${r.samples} samples)`);
  t.equal(atBird(), N, 'and holds them now');
  t.equal(atWren(), N, 'wren holds BIRD 1.6\'s');
});
