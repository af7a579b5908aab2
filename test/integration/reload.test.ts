/**
 * Hitless reload against live BIRD peers: `wrenc configure check` prints the plan, `wrenc
 * configure` and SIGHUP apply only the difference. BIRD's own record of when its session came up
 * proves that sessions whose settings did not change were never reset.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import { sameBirdSince } from '../soak/lib/soak.js';

t.test('reload: unchanged sessions stay up, changed ones reset, peers come and go', async (t) => {
  const lab = netnsLab(t, 'reload', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], c: ['192.0.2.3/24'] });
  // Full timestamps in `show protocols`, so a reset even a second later shows.
  const iso = 'timeformat protocol iso long;\n';
  const b = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 30 }] }, iso);
  const c = new Bird(lab, nsC, { routerId: '192.0.2.3', asn: 65003, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 30 }], announce: ['203.0.113.0/24'] }, iso);
  const config = {
    routerId: '192.0.2.1',
    asn: 64512,
    listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 64512, holdTime: 30, connectRetryTime: 1, description: 'b' },
      { address: '192.0.2.3', asn: 65003, holdTime: 30, connectRetryTime: 1, description: 'c' },
    ],
    announce: ['198.51.100.0/26'],
  };
  const w = new Wren(lab, nsW, config);
  t.teardown(() => w.stop());
  await waitFor('both BIRDs Established', () => b.established('192.0.2.1') && c.established('192.0.2.1'), 45_000);
  await waitFor('B has the route from C', () => b.pathsFor('203.0.113.0/24').length > 0, 20_000);
  const since = (bird: Bird) => /^\S+\s+BGP\s+---\s+up\s+(\S+ \S+)\s+Established/m.exec(bird.birdc('show protocols'))?.[1] ?? 'down';
  const bSince = since(b);
  const cSince = since(c);
  t.not(bSince, 'down');
  t.same(b.pathsFor('203.0.113.0/24'), ['192.0.2.3'], 'iBGP keeps the eBGP next hop');
  await sleep(1100);

  // 1. Description of B (live), next hop self towards B (re-export), a new announcement, and
  //    C's hold time (reset). check prints the plan and changes nothing.
  const next = structuredClone(config);
  Object.assign(next.neighbors[0] as object, { description: 'bird b', nextHopSelf: true });
  Object.assign(next.neighbors[1] as object, { holdTime: 20 });
  next.announce.push('198.51.100.64/26');
  const file2 = lab.path('next.json');
  writeFileSync(file2, JSON.stringify(next));
  const check = w.wrenc('configure', 'check', file2);
  t.equal(check.status, 0, check.stderr);
  t.match(check.stdout, /~ neighbor 192\.0\.2\.2: routes re-sent, no reset \(nextHopSelf false -> true; description b -> bird b\)/);
  t.match(check.stdout, /~ neighbor 192\.0\.2\.3: session reset \(holdTime 30 -> 20\)/);
  t.match(check.stdout, /\+ announce 198\.51\.100\.64\/26/);
  await sleep(500);
  t.same(b.pathsFor('198.51.100.64/26'), [], 'check applied nothing');

  const apply = w.wrenc('configure', file2);
  t.equal(apply.status, 0, apply.stderr);
  t.match(apply.stdout, /^reconfigured:/);
  await waitFor('B gets the new block', () => b.pathsFor('198.51.100.64/26').length > 0, 20_000);
  await waitFor('B sees the next hop rewritten to wren', () => b.pathsFor('203.0.113.0/24')[0] === '192.0.2.1', 20_000);
  await waitFor('C is back after its reset', () => c.established('192.0.2.1') && !sameBirdSince(since(c), cSince), 30_000);
  t.ok(sameBirdSince(since(b), bSince), `B was never reset (BIRD says so: since ${bSince}, now ${since(b)})`);
  const ceased = await waitFor('wren logs the Cease to C', () => w.lines.some((l) => l.peer === '192.0.2.3' && l.msg === 'sending NOTIFICATION' && /Other Configuration Change/.test(String(l.notification))), 10_000).catch(() => false);
  t.ok(ceased, 'C was reset with Cease / Other Configuration Change');
  t.match(JSON.parse(w.wrenc('--json', 'show', 'neighbors', '192.0.2.2').stdout), [{ description: 'bird b', state: 'Established' }]);

  // 2. An invalid file changes nothing and says where the mistake is.
  const bad = lab.path('bad.yaml');
  writeFileSync(bad, 'routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - { address: 192.0.2.2, asn: 64512, holdtime: 30 }\n');
  const rejected = w.wrenc('configure', bad);
  t.not(rejected.status, 0);
  t.match(rejected.stderr, /bad\.yaml:4:39 neighbors\[0\]\.holdtime: unknown key \(did you mean "holdTime"\?\)/);
  t.equal(w.wrenc('--json', 'show', 'neighbors').stdout.match(/"Established"/g)?.length, 2, 'both sessions still up');

  // 2b. A reload that cannot listen is refused whole: no new neighbour, the old listener stays.
  const listeners = () => (lab.exec(nsW, 'ss', ['-Hltn', 'sport = :179']).match(/LISTEN/g) ?? []).length;
  t.equal(listeners(), 1);
  const unbindable = structuredClone(next);
  unbindable.listen.address = ['192.0.2.1', '192.0.2.77'];
  unbindable.neighbors.push({ address: '192.0.2.9', asn: 64512, holdTime: 30, connectRetryTime: 1, description: 'new' });
  const file3 = lab.path('unbindable.json');
  writeFileSync(file3, JSON.stringify(unbindable));
  const refused = w.wrenc('configure', file3);
  t.not(refused.status, 0, 'refused');
  t.match(refused.stderr, /cannot listen on .*EADDRNOTAVAIL.*nothing was applied/);
  t.equal(JSON.parse(w.wrenc('--json', 'show', 'neighbors').stdout).length, 2, 'the new neighbour was not added');
  t.equal(listeners(), 1, 'the port-179 listener is still there');
  const more = structuredClone(next);
  more.listen.address = ['192.0.2.1', '127.0.0.1'];
  const file4 = lab.path('more.json');
  writeFileSync(file4, JSON.stringify(more));
  t.equal(w.wrenc('configure', file4).status, 0);
  t.equal(listeners(), 2, 'a listen address added live, the old one kept');
  t.equal(w.wrenc('configure', file2).status, 0);
  t.equal(listeners(), 1, 'and removed again');
  t.ok(sameBirdSince(since(b), bSince), `B never reset by any of it (since ${bSince}, now ${since(b)})`);
  // A file named over the socket cannot hand the socket to another group.
  const regroup = structuredClone(next) as typeof next & { control?: unknown };
  regroup.control = { group: 'nogroup' };
  const file5 = lab.path('regroup.json');
  writeFileSync(file5, JSON.stringify(regroup));
  const denied = w.wrenc('configure', file5);
  t.not(denied.status, 0);
  t.match(denied.stderr, /control\.group change only through wrend's own file/);

  // 3. SIGHUP re-reads wrend's own file: C removed (Cease, peer de-configured), B untouched.
  const cSince2 = since(c);
  const mine = JSON.parse(readFileSync(w.configFile, 'utf8')) as typeof config;
  Object.assign(mine.neighbors[0] as object, { description: 'bird b', nextHopSelf: true });
  mine.neighbors.splice(1, 1);
  mine.announce.push('198.51.100.64/26');
  writeFileSync(w.configFile, JSON.stringify(mine));
  w.proc.kill('SIGHUP');
  await waitFor('C is gone from wren', () => JSON.parse(w.wrenc('--json', 'show', 'neighbors').stdout).length === 1, 20_000);
  await waitFor('C has seen the Cease', () => !c.established('192.0.2.1'), 20_000);
  t.match(c.birdc('show protocols all'), /Peer de-configured|Received: .*de-?configured/i, 'C was told it was de-configured');
  t.notOk(sameBirdSince(since(c), cSince2), 'C was reset again');
  t.ok(sameBirdSince(since(b), bSince), `B still never reset (since ${bSince}, now ${since(b)})`);
  t.same(b.pathsFor('203.0.113.0/24'), [], "C's route left with C");
  t.same(b.pathsFor('198.51.100.64/26'), ['192.0.2.1'], 'the announcement stays');
  t.notOk(w.lines.some((l) => l.level >= 50), 'wren logged no error');
});
