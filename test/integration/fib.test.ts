/**
 * The kernel FIB for real, in network namespaces: routes learned from two BIRD peers appear in
 * `ip route show table 100 proto 210` (ECMP as one multipath route, onlink tunnel next hops), a
 * blackhole route written by another agent is announced to BIRD, a deleted wren route comes back,
 * and kill -9 of wrend followed by a restart never takes a route out of the kernel; an eBGP peer
 * behind a gateway (fib.staticRoutes) has its routes installed through that gateway (recursive).
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  flags?: string[];
  nexthops?: { gateway: string; dev: string; flags?: string[] }[];
}

t.test('routes to and from the kernel', async (t) => {
  const lab = netnsLab(t, 'fib', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const w = lab.ns('wren');
  const wIf = lab.attach(sw, w, ['192.0.2.1/24']);
  const birds = ['192.0.2.11', '192.0.2.12'].map((addr, i) => {
    const ns = lab.ns(`b${i}`);
    lab.attach(sw, ns, [`${addr}/24`]);
    return new Bird(lab, ns, {
      routerId: addr, asn: 64512, listen: [],
      peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9, passive: true }],
      announce: i === 0 ? ['198.51.100.0/26', '198.51.100.64/26'] : ['198.51.100.0/26', '203.0.113.0/25'],
    });
  });
  const routes = (): IpRoute[] => JSON.parse(lab.exec(w, 'ip', ['-j', 'route', 'show', 'table', '100', 'proto', '210']) || '[]') as IpRoute[];
  const config = {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: ['192.0.2.11', '192.0.2.12'].map((a) => ({ address: a, asn: 64512, holdTime: 9, connectRetryTime: 1 })),
    fib: { table: 100, protocol: 210, scanInterval: 1, learn: { protocols: ['static'], tables: [254] }, tunnel: { interface: wIf, mode: 'always' } },
  };
  let wren = new Wren(lab, w, config);
  const all = await waitFor('three routes in table 100', () => {
    const r = routes();
    return r.length >= 3 ? r : null;
  }, 40_000).catch(() => routes()) ?? [];
  const byDst = new Map(all.map((r) => [r.dst, r]));
  t.same(byDst.get('198.51.100.0/26')?.nexthops?.map((n) => n.gateway).sort(), ['192.0.2.11', '192.0.2.12'], 'ECMP: one route, two next hops');
  t.ok(byDst.get('198.51.100.0/26')?.nexthops?.every((n) => n.dev === wIf && n.flags?.includes('onlink')), 'ECMP next hops keep the tunnel: onlink via the tunnel interface');
  t.match(byDst.get('198.51.100.64/26'), { gateway: '192.0.2.11', dev: wIf, flags: ['onlink'] }, 'tunnel mode always: via NH dev IFACE onlink');
  t.match(byDst.get('203.0.113.0/25'), { gateway: '192.0.2.12' });

  // Another agent (as Felix does) writes a blackhole route for a local block: BIRD learns it from wren.
  lab.exec(w, 'ip', ['route', 'add', 'blackhole', '198.51.100.192/26', 'proto', 'static']);
  const learned = await waitFor('BIRD learns the blackhole block', () => birds[0]?.received('192.0.2.1', 'ipv4').includes('198.51.100.192/26'), 20_000).catch(() => false);
  t.ok(learned, 'kernel-learned blackhole route announced to BIRD');

  // Drift: someone deletes a wren route; it is put back.
  lab.exec(w, 'ip', ['route', 'del', '198.51.100.64/26', 'table', '100']);
  const back = await waitFor('the deleted route is back', () => routes().some((r) => r.dst === '198.51.100.64/26'), 10_000).catch(() => false);
  t.ok(back, 'deleted wren route repaired');

  // kill -9 and restart: count the routes every 100 ms meanwhile; the count never drops.
  const before = routes().length;
  let min = before;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      min = Math.min(min, routes().length);
      samples++;
      await sleep(100);
    }
  })();
  await wren.stop('SIGKILL');
  await sleep(1500);
  wren = new Wren(lab, w, config, 'wren2');
  await waitFor('sessions back', () => ['192.0.2.11', '192.0.2.12'].every((a) => wren.state(a) === 'Established'), 30_000).catch(() => undefined);
  await waitFor('converged and pruned', () => wren.lines.some((l) => l.msg === 'converged'), 30_000).catch(() => undefined);
  await sleep(1000);
  sampling = false;
  await sampler;
  const after = routes();
  t.ok(samples > 20, `${samples} samples taken`);
  t.equal(min, before, `the kernel held all ${before} routes throughout the kill and restart (minimum ${min})`);
  t.same(after.map((r) => r.dst).sort(), all.map((r) => r.dst).sort(), 'afterwards exactly the right set');
  t.match(wren.lines.find((l) => l.msg === 'kernel routes adopted'), { adopted: before }, 'the restarted wrend adopted the routes');
  t.equal(await wren.stop(), 0, 'SIGTERM: clean exit');
  t.equal(routes().length, before, 'persist: the routes stay after a clean stop too');
});

t.test('an eBGP peer two hops away: a static host route through the gateway, its routes installed via that gateway, pings across', async (t) => {
  const lab = netnsLab(t, 'fibgw', ['bird', 'birdc', 'ping']);
  if (!lab) return;
  const w = lab.ns('wren');
  const g = lab.ns('gw');
  const b = lab.ns('bird');
  // wren 192.0.2.1 -- 192.0.2.254 gateway 198.51.100.254 -- 198.51.100.2 BIRD (holding 203.0.113.1).
  lab.link(w, ['192.0.2.1/24'], g, ['192.0.2.254/24']);
  lab.link(b, ['198.51.100.2/24'], g, ['198.51.100.254/24']);
  lab.exec(g, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  lab.exec(g, 'ip', ['route', 'add', '203.0.113.0/24', 'via', '198.51.100.2']);
  lab.exec(b, 'ip', ['route', 'add', '192.0.2.1/32', 'via', '198.51.100.254']);
  lab.exec(b, 'ip', ['addr', 'add', '203.0.113.1/32', 'dev', 'lo']);
  const bird = new Bird(lab, b, { routerId: '198.51.100.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9, multihop: 2 }], announce: ['203.0.113.0/24'] },
    // BIRD resolves our next hop (192.0.2.1, off its links) through the kernel's host route to us.
    'protocol kernel { learn; ipv4 { import all; export none; }; }\n');
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '198.51.100.2', asn: 65002, holdTime: 9, connectRetryTime: 1, multihop: 2 }],
    announce: ['240.0.9.0/24'],
    fib: { scanInterval: 1, staticRoutes: [{ prefix: '198.51.100.2/32', via: '192.0.2.254' }] },
  });
  const route = (dst: string) => lab.exec(w, 'ip', ['-4', 'route', 'show', dst], { allowFail: true });
  t.match(await waitFor('the host route to the peer', () => (/via 192\.0\.2\.254/.test(route('198.51.100.2/32')) ? route('198.51.100.2/32') : null), 10_000), /198\.51\.100\.2 via 192\.0\.2\.254 .*proto 210/, 'fib.staticRoutes: installed, wren\'s');
  await waitFor('session up', () => wren.state('198.51.100.2') === 'Established', 30_000);
  const learned = await waitFor('BIRD\'s route in the kernel', () => (route('203.0.113.0/24').includes('via') ? route('203.0.113.0/24') : null), 15_000).catch(() => route('203.0.113.0/24'));
  t.match(learned, /203\.0\.113\.0\/24 via 192\.0\.2\.254 .*proto 210/, 'next hop 198.51.100.2 is off-link: installed through the gateway of the static route (recursive)');
  t.ok(/ [1-3] received/.test(lab.exec(w, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '-I', '192.0.2.1', '203.0.113.1'], { allowFail: true })), 'ping across the gateway to the peer\'s network');
  t.ok(await waitFor('BIRD has our route', () => bird.pathsFor('240.0.9.0/24').length > 0, 15_000).catch(() => false), 'and the peer has ours');
  t.notOk(bird.pathsFor('198.51.100.2/32').length > 0, 'the static route is not announced');
  t.equal(await wren.stop(), 0);
});
