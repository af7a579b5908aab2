/**
 * MRT dumps of a live wrend, read by a third-party reader: two BIRD peers (IPv4 and IPv6
 * sessions, the same prefix from both, communities), `wrenc dump rib FILE`, then bgpdump must
 * list exactly the paths `wrenc show route all --json` lists (prefix, peer, AS path, next hop,
 * communities), for IPv4 and IPv6; a dump to a directory that is not there is an error that leaves
 * the daemon as it was.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { netnsLab, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

interface RouteRow {
  prefix: string;
  from: string;
  asPath: string;
  nextHop: string;
  communities: string[];
}

t.test('wrenc dump rib: bgpdump lists what show route lists', async (t) => {
  const lab = netnsLab(t, 'mrt', ['bird', 'birdc', 'bgpdump']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC } = lab.hosts(sw, { w: ['192.0.2.1/24', '2001:db8::1/64'], b: ['192.0.2.2/24', '2001:db8::2/64'], c: ['192.0.2.3/24'] });
  const tagged = 'protocol static tagged { ipv4; route 198.51.100.128/25 blackhole { bgp_community.add((65002,100)); bgp_community.add((65002,200)); }; }\n';
  new Bird(lab, nsB, {
    routerId: '192.0.2.2', asn: 65002, listen: [], announce: ['203.0.113.0/24', '2001:db8:100::/48'],
    peers: [{ address: '192.0.2.1', asn: 64512 }, { address: '2001:db8::1', asn: 64512, families: ['ipv6'] }],
  }, tagged);
  new Bird(lab, nsC, { routerId: '192.0.2.3', asn: 65003, listen: [], announce: ['203.0.113.0/24'], peers: [{ address: '192.0.2.1', asn: 64512 }] });
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1', '2001:db8::1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 65002, connectRetryTime: 1 },
      { address: '2001:db8::2', asn: 65002, connectRetryTime: 1, families: ['ipv6'] },
      { address: '192.0.2.3', asn: 65003, connectRetryTime: 1 },
    ],
    announce: ['198.51.100.0/26'],
    mrt: { updates: { path: lab.path('updates.%Y%m%d.%H%M'), interval: 900 } },
  });
  t.teardown(() => w.stop());
  const all = () => w.json<RouteRow[]>('show', 'route', 'all');
  await waitFor('every path in', () => all().length === 5, 45_000, 250).catch((err: Error) => {
    t.fail(`${err.message}: ${JSON.stringify(all())}`);
    throw err;
  });
  const file = lab.path('rib.mrt');
  const r = w.wrenc('dump', 'rib', file);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /wrote .*rib\.mrt: 4 prefixes, 5 paths from \d+ peers, \d+ bytes in \d+ ms/);
  const out = spawnSync('bgpdump', ['-m', file], { encoding: 'utf8' });
  t.equal(out.status, 0, out.stderr);
  // TABLE_DUMP2|time|B|peer|peer AS|prefix|AS path|origin|next hop|local pref|MED|communities|...
  const dumped = out.stdout.trim().split('\n').map((l) => l.split('|')).map((f) => `${f[5]} ${f[3] === '0.0.0.0' ? 'local' : f[3]} [${f[6]}] ${f[8]} ${f[11]}`.trim()).sort();
  const shown = all().map((x) => `${x.prefix} ${x.from} [${x.asPath}] ${x.nextHop === 'self' ? (x.prefix.includes(':') ? '::' : '0.0.0.0') : x.nextHop} ${x.communities.join(' ')}`.trim()).sort();
  t.same(dumped, shown, 'the same paths, AS paths, next hops and communities');
  t.ok(dumped.some((l) => l.startsWith('2001:db8:100::/48 2001:db8::2 [65002]')), 'the IPv6 path, with its peer');
  t.ok(dumped.some((l) => /^198\.51\.100\.128\/25 192\.0\.2\.2 \[65002\] 192\.0\.2\.2 65002:100 65002:200$/.test(l)), 'communities as bgpdump reads them');
  // One family; and a directory that is not there: an error, the daemon unaffected.
  const v6 = lab.path('rib6.mrt');
  t.equal(w.wrenc('dump', 'rib', v6, 'ipv6').status, 0);
  t.same(spawnSync('bgpdump', ['-m', v6], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => l.split('|')[5]), ['2001:db8:100::/48'], 'ipv6 only');
  const bad = w.wrenc('dump', 'rib', lab.path('missing/rib.mrt'));
  t.equal(bad.status, 1);
  t.match(bad.stderr, /the directory .*missing does not exist/);
  t.notOk(existsSync(lab.path('missing')), 'nothing made');
  const again = w.wrenc('dump', 'rib', file);
  t.equal(again.status, 1, 'an existing file is not replaced by a requested dump');
  t.match(again.stderr, /exists: wrenc dump rib does not replace files/);
  t.match(w.json('show', 'status'), { mrt: { dumps: 2, updates: { dropped: 0, errors: 0 } } }, 'show status counts the dumps and the update log');
  // The update log: every session's way to Established, and every UPDATE received, as bgpdump reads them.
  const logFile = (w.json('show', 'status') as { mrt: { updates: { file: string } } }).mrt.updates.file;
  const log = spawnSync('bgpdump', ['-m', logFile], { encoding: 'utf8' });
  t.equal(log.status, 0, log.stderr);
  const rows = log.stdout.trim().split('\n').map((l) => l.split('|'));
  for (const peer of ['192.0.2.2', '2001:db8::2', '192.0.2.3']) t.ok(rows.some((f) => f[2] === 'STATE' && f[3] === peer && f[6] === '6'), `${peer}: a state change to Established (6)`);
  const announced = rows.filter((f) => f[2] === 'A').map((f) => `${f[3]} ${f[5]}`).sort();
  t.same([...new Set(announced)], ['192.0.2.2 198.51.100.128/25', '192.0.2.2 203.0.113.0/24', '192.0.2.3 203.0.113.0/24', '2001:db8::2 2001:db8:100::/48'], 'every announcement received, with its peer');
  t.ok(w.alive, 'wrend alive');
});
