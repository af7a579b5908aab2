/**
 * wrenc against a live wrend with two BIRD eBGP peers announcing the same prefix and the kernel
 * FIB enabled: route views (best, all, per peer, per table, counted, explained), FIB drift made by
 * hand and reported by `show fib diff`, `restart` of one session, `show memory`, exit codes.
 */
import t from 'tap';
import { netnsLab, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

t.test('wrenc show route / show fib diff / restart on a live daemon', async (t) => {
  const lab = netnsLab(t, 'wrenc', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], c: ['192.0.2.3/24'] });
  const P = '203.0.113.0/24';
  const b = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: [P, '198.51.100.64/26'] });
  const c = new Bird(lab, nsC, { routerId: '192.0.2.3', asn: 65003, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: [P] });
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1',
    asn: 64512,
    listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 65002, connectRetryTime: 1 },
      { address: '192.0.2.3', asn: 65003, connectRetryTime: 1 },
    ],
    announce: ['198.51.100.0/26'],
    fib: { enabled: true, scanInterval: 3600, ecmp: { maxPaths: 1 } },
  });
  t.teardown(() => w.stop());
  await waitFor('both BIRDs Established', () => b.established('192.0.2.1') && c.established('192.0.2.1'), 45_000);
  const json = (...args: string[]) => JSON.parse(w.wrenc('--json', ...args).stdout) as unknown;
  await waitFor('two paths for P', () => (json('show', 'route', P, 'all') as unknown[]).length === 2, 20_000);

  // Best only, every path, one peer's paths, one table, counts.
  t.match(json('show', 'route', P), [{ prefix: P, best: true, source: 'ebgp' }]);
  const all = json('show', 'route', P, 'all') as { from: string; best: boolean; asPath: string }[];
  t.same(all.map((r) => r.best), [true, false], 'best first, then the other candidate');
  t.same(all.map((r) => r.from).sort(), ['192.0.2.2', '192.0.2.3']);
  const fromC = json('show', 'route', 'peer', '192.0.2.3') as { prefix: string; from: string }[];
  t.same(fromC.map((r) => [r.prefix, r.from]), [[P, '192.0.2.3']], 'only what C sent, best or not');
  t.same(json('show', 'route', 'table', 'ipv6'), [], 'no IPv6 routes');
  t.same(json('show', 'route', 'count'), { ipv4: 3, ipv6: 0, total: 3, paths: 4 });

  // Longest match of an address, and a prefix with its more specifics.
  t.match(json('show', 'route', 'for', '203.0.113.77'), [{ prefix: P, best: true }], 'for ADDRESS: the covering /24');
  t.match(json('show', 'route', '198.51.100.70'), [{ prefix: '198.51.100.64/26' }], 'a bare address: its longest match');
  t.same(json('show', 'route', 'for', '192.0.2.200'), [], 'no route for an address nothing covers');
  t.same((json('show', 'route', '198.51.100.0/24', 'longer') as { prefix: string }[]).map((r) => r.prefix).sort(), ['198.51.100.0/26', '198.51.100.64/26'], 'longer: the /26s inside the /24');
  t.same(json('show', 'route', '198.51.100.0/24'), [], 'without longer: the /24 itself, which nobody announces');

  // What each neighbour was sent, after export policy, as sent (eBGP: our AS prepended, next hop self).
  const toB = json('show', 'route', 'advertised', '192.0.2.2') as { prefix: string; nextHop: string; asPath: string }[];
  t.same(toB.map((r) => [r.prefix, r.nextHop, r.asPath]), [['198.51.100.0/26', '192.0.2.1', '64512']], 'to B: only our block (its own routes are not sent back)');
  const toC = json('show', 'route', 'advertised', '192.0.2.3') as { prefix: string; asPath: string }[];
  t.same(toC.map((r) => `${r.prefix} ${r.asPath}`).sort(), ['198.51.100.0/26 64512', '198.51.100.64/26 64512 65002', `${P} 64512 65002`], 'to C: our block and B\'s routes (the best for P is B\'s)');
  t.match(json('show', 'route', 'advertised', '192.0.2.3', 'count'), { ipv4: 3, ipv6: 0, total: 3, catchingUp: false });
  t.equal(w.wrenc('show', 'route', 'advertised', '192.0.2.99').status, 1, 'no such neighbour: an error');

  // The summary: both sessions, with their messages, prefixes and how long they have been up.
  const sum = json('show', 'summary') as { established: number; rows: { address: string; state: string; accepted: number; advertised: number; messagesIn: number; forSeconds: number }[] };
  t.equal(sum.established, 2, 'summary: two sessions established');
  t.match(sum.rows.find((r) => r.address === '192.0.2.2'), { state: 'Established', accepted: 2 }, 'summary: B sent two prefixes');
  t.ok(sum.rows.every((r) => r.messagesIn > 0 && r.forSeconds >= 0 && r.advertised >= 1), 'summary: messages, durations, advertised');
  t.match(w.wrenc('show', 'summary').stdout, /^192\.0\.2\.2\s+\| 65002 \| Established \| \d+s /m, 'summary text: up for N seconds');

  // Explain: the same AS path length, both eBGP: the router id decides.
  const explain = w.wrenc('show', 'route', P, 'explain');
  t.equal(explain.status, 0);
  t.match(explain.stdout, /^203\.0\.113\.0\/24: 2 candidate paths$/m);
  t.match(explain.stdout, /\* via 192\.0\.2\.2 from 192\.0\.2\.2 \(ebgp\) as-path 65002 .* -- BEST/);
  t.match(explain.stdout, /via 192\.0\.2\.3 from 192\.0\.2\.3 \(ebgp\) as-path 65003 .* -- lost at: router id/);

  // Text output: one line per route, streamed.
  const text = w.wrenc('show', 'route').stdout.split('\n');
  t.match(text[0], /^\s+PREFIX\s+NEXT HOP\s+FROM/);
  t.ok(text.some((l) => /^\* 198\.51\.100\.0\/26\s+self\s+local\s+announce/.test(l)), 'our own block');

  // The FIB: in sync, then drift made by hand, reported (the scan that would repair it is an hour away).
  await waitFor('routes installed', () => (json('show', 'fib') as { installed: number }).installed === 2, 20_000);
  t.match(w.wrenc('show', 'fib', 'diff').stdout, /RIB wants 2: 0 missing, 0 extra, 0 different\nin sync/);
  lab.exec(nsW, 'ip', ['route', 'add', '198.51.100.128/26', 'via', '192.0.2.3', 'proto', '210', 'metric', '32']);
  lab.exec(nsW, 'ip', ['route', 'replace', '198.51.100.64/26', 'via', '192.0.2.3', 'proto', '210', 'metric', '32']);
  const diff = json('show', 'fib', 'diff') as { extra: number; different: number; missing: number; rows: { kind: string; prefix: string; kernel: string; rib: string }[] };
  t.match(diff, { extra: 1, different: 1, missing: 0 });
  t.same(diff.rows.map((r) => [r.kind, r.prefix, r.kernel, r.rib]).sort(), [
    ['different', '198.51.100.64/26', '192.0.2.3', '192.0.2.2'],
    ['extra', '198.51.100.128/26', '192.0.2.3', '-'],
  ]);

  // restart: Cease/administrative reset, and the session comes back.
  const before = w.lines.filter((l) => l.peer === '192.0.2.3' && l.to === 'Established').length;
  const r = w.wrenc('restart', '192.0.2.3');
  t.equal(r.status, 0);
  t.match(r.stdout, /^restarted 192\.0\.2\.3/);
  await waitFor('C back after restart', () => w.lines.filter((l) => l.peer === '192.0.2.3' && l.to === 'Established').length > before, 20_000);
  t.ok(w.lines.some((l) => l.peer === '192.0.2.3' && l.msg === 'sending NOTIFICATION' && /Administrative Reset/.test(String(l.notification))), 'Cease / Administrative Reset sent');

  // show memory, detail, and errors with a non-zero exit status.
  // C's route comes back after its restart (the session is up before its UPDATEs are in).
  const mem = await waitFor('C\'s route back', () => {
    const m = json('show', 'memory') as { rib: { paths: number } };
    return m.rib.paths === 4 ? m : null;
  }, 20_000).catch(() => json('show', 'memory'));
  t.match(mem, { rib: { prefixes: 3, paths: 4 }, fibInstalled: 2, neighbors: 2 });
  t.match(json('show', 'neighbors', '192.0.2.2', 'detail'), [{ session: { ebgp: true, routeRefresh: true }, routes: { received: 2 } }]);
  const bad = w.wrenc('show', 'neighbors', '192.0.2.99');
  t.equal(bad.status, 1);
  t.match(bad.stderr, /no neighbor 192\.0\.2\.99/);
  t.equal(w.wrenc('show', 'route', 'nonsense').status, 2, 'usage errors exit 2');
});
