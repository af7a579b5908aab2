/** Policy: prefix ranges, communities, matches, actions, chains and caching, and the RIB using them. */
import t from 'tap';
import { Family } from '../../../src/wire/constants.js';
import { parsePrefix } from '../../../src/wire/nlri.js';
import { parseConfig } from '../../../src/config/load.js';
import { PrefixSet, parsePrefixRange } from '../../../src/policy/prefix-range.js';
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity } from '../../../src/policy/communities.js';
import { compileAsPathRegex } from '../../../src/policy/as-path-regex.js';
import { PolicyRegistry, type PolicyInput } from '../../../src/policy/policy.js';
import { Rib } from '../../../src/rib/rib.js';
import type { AttrSet } from '../../../src/rib/attr-set.js';
import type { RouteSource } from '../../../src/rib/route-source.js';
import { RR, Receiver, announce, base, ribPeer, settle, withdraw } from '../../helpers/rib-fixtures.js';

t.test('prefix ranges', async (t) => {
  const r = (s: string) => parsePrefixRange(s);
  t.match(r('198.51.100.0/24'), { length: 24, ge: 24, le: 24 });
  t.match(r('198.51.100.0/24 orlonger'), { ge: 24, le: 32 });
  t.match(r('198.51.100.0/24 ge 26'), { ge: 26, le: 32 });
  t.match(r('198.51.100.0/24 le 26'), { ge: 24, le: 26 });
  t.match(r('198.51.100.0/24 ge 26 le 28'), { ge: 26, le: 28 });
  t.match(r('2001:db8::/32 ge 48 le 64'), { family: Family.IPV6_UNICAST, ge: 48, le: 64 });
  for (const bad of ['198.51.100.1/24', '198.51.100.0/24 ge 20', '198.51.100.0/24 ge 28 le 26', '198.51.100.0/24 le 33', 'x/8', '198.51.100.0/24 exact orlonger']) t.equal(r(bad), null, bad);
  const set = new PrefixSet([r('198.51.100.0/24 ge 26 le 26'), r('2001:db8::/32 ge 48 le 48')].map((x) => x as NonNullable<typeof x>));
  const v4 = (p: string) => {
    const x = parsePrefix(p) as NonNullable<ReturnType<typeof parsePrefix>>;
    return set.matches4(x.bytes.readUInt32BE(0), x.length);
  };
  t.ok(v4('198.51.100.64/26'));
  t.notOk(v4('198.51.100.0/24'), 'the pool itself is not a block');
  t.notOk(v4('198.51.100.65/32'));
  t.notOk(v4('203.0.113.0/26'));
  const v6 = (p: string) => {
    const x = parsePrefix(p) as NonNullable<ReturnType<typeof parsePrefix>>;
    return set.matches6(x.bytes, 0, x.length);
  };
  t.ok(v6('2001:db8:5::/48'));
  t.notOk(v6('2001:db9::/48'));
  t.notOk(v6('2001:db8::/64'));
});

t.test('community syntax', async (t) => {
  t.equal(parseCommunity('64512:100'), (64512 * 65536 + 100) >>> 0);
  t.equal(parseCommunity('no-export'), 0xffffff01);
  t.equal(parseCommunity('65536:1'), null);
  t.same(parseLargeCommunity('64512:1:2'), [64512, 1, 2]);
  t.equal(parseLargeCommunity('1:2'), null);
  t.equal(parseExtendedCommunity('rt:64512:100')?.toString('hex'), '0002fc0000000064');
  t.equal(parseExtendedCommunity('rt:4200000000:7')?.toString('hex'), '0202fa56ea000007');
  t.equal(parseExtendedCommunity('soo:192.0.2.1:7')?.toString('hex'), '0103c00002010007');
  t.equal(parseExtendedCommunity('xx:1:2'), null);
});

t.test('AS-path regex over ASNs', async (t) => {
  const m = (re: string, path: number[]) => compileAsPathRegex(re)?.test(path) === true;
  t.ok(m('^64512 .* 65000$', [64512, 65000]));
  t.ok(m('^64512 .* 65000$', [64512, 7, 8, 65000]));
  t.notOk(m('^64512 .* 65000$', [164512, 65000]), 'whole ASNs only');
  t.ok(m('^64512+ 65001$', [64512, 64512, 65001]), 'a repeated ASN (prepends)');
  t.ok(m('^$', []));
  t.ok(m('6500[0-9]$', [1, 65007]));
  t.equal(compileAsPathRegex('^64512 abc$'), null);
  t.ok(m('64512', [1, 64512, 2]), 'unanchored: anywhere');
  t.notOk(m('^64512', [1, 64512]));
  t.ok(m('^64512', [64512, 1]));
  t.notOk(m('64512$', [64512, 1]));
  t.ok(m('^. 65001$', [7, 65001]));
  t.notOk(m('^. 65001$', [65001]));
  t.ok(m('^.+$', [1]));
  t.notOk(m('^.+$', []));
  t.ok(m('^64512{2} 65001$', [64512, 64512, 65001]));
  t.notOk(m('^64512{2} 65001$', [64512, 65001]));
  t.ok(m('^64512{1,3} 65001$', [64512, 64512, 64512, 65001]));
  t.notOk(m('^64512{1,3} 65001$', [64512, 64512, 64512, 64512, 65001]));
  t.ok(m('^(64512|64513)* 1$', [64513, 64512, 1]));
  t.ok(m('^\\d+ 1$', [99, 1]), 'one ASN, any value');
  t.ok(m('^64512? 1$', [1]));
  t.equal(compileAsPathRegex('^(\\d+)+5 1$'), null, 'a quantified group inside an ASN is refused');
  t.ok(m('^(\\d+)+ 1$', [5, 6, 1]), 'a trailing quantifier repeats the ASN');
  t.equal(compileAsPathRegex('1{1,1000}'), null, 'repetition bounds are capped');
});

t.test('AS-path regex: pathological patterns run in linear time, not by backtracking', async (t) => {
  // 12 wildcards against a 22-ASN path that does not match, and nested-looking repetition: a
  // backtracking matcher takes seconds; the automaton visits each (ASN, state) pair once.
  const path = Array.from({ length: 22 }, (_, i) => 64512 + i);
  const twelve = compileAsPathRegex(`^${Array(12).fill('.*').join(' ')} 1$`);
  t.equal(twelve?.test(path), false);
  const reps = compileAsPathRegex('^(64512|64513)* (64512|64513)* (64512|64513)* (64512|64513)* 1$');
  t.equal(reps?.test(Array(500).fill(64512)), false);
  t.equal(compileAsPathRegex(`${Array(200).fill('.*').join(' ')} 64533$`)?.test(path), true);
});


const configWith = (policies: string) => parseConfig(`routerId: 192.0.2.1\nasn: 64512\n${policies}`, 'p.yaml');

t.test('policy config errors point at the line', async (t) => {
  t.throws(() => configWith('neighbors: [{address: 192.0.2.2, asn: 65001, import: [nope]}]\n'), { message: 'p.yaml:3:55 neighbors[0].import[0]: no policy "nope" (defined: none)' });
  t.throws(() => configWith('policies:\n  a: { terms: [{ match: { prefix: ["198.51.100.1/24"] } }] }\n'), { message: /p\.yaml:4:36 policies\.a\.terms\[0\]\.match\.prefix\[0\]: "198\.51\.100\.1\/24" is not a prefix range/ });
  t.throws(() => configWith('policies:\n  a: { terms: [{ match: { prefixSet: x } }] }\n'), { message: /policies\.a\.terms\[0\]\.match\.prefixSet: no prefix set "x"/ });
  t.throws(() => configWith('policies:\n  a: { terms: [{ actions: { communities: { add: ["64512:99999"] } } }] }\n'), { message: /policies\.a\.terms\[0\]\.actions\.communities\.add\[0\]: "64512:99999" is not a community/ });
  t.throws(() => configWith('policies:\n  a: { terms: [{ match: { asPath: { regex: "^64512 (" } } }] }\n'), { message: /is not an AS-path regex/ });
});

function query(rib: Rib, prefix: string, source: RouteSource, attrs: AttrSet): PolicyInput {
  const p = parsePrefix(prefix) as NonNullable<ReturnType<typeof parsePrefix>>;
  return { family: p.family, v4: p.family === Family.IPV4_UNICAST ? p.bytes.readUInt32BE(0) : 0, bytes: p.bytes, at: 0, length: p.length, source, attrs };
}

t.test('terms, defaults and chains; one result per outcome', async (t) => {
  const c = configWith(`prefixSets:
  pools: ["198.51.100.0/24 ge 26 le 26"]
policies:
  tag:
    default: next
    terms:
      - { name: pool, match: { prefixSet: pools }, actions: { communities: { add: ["64512:100"] } } }
  only-pools:
    terms:
      - { name: blocks, match: { prefixSet: pools }, actions: { accept: true } }
      - { name: from-65001, match: { neighborAs: [65001], asPath: { length: { max: 2 } } }, actions: { localPref: 50, accept: true } }
    default: reject
`);
  const reg = new PolicyRegistry(c.policies);
  const chain = reg.chain(['tag', 'only-pools']);
  t.equal(reg.chain(['tag', 'only-pools']), chain, 'the same names give the same chain');
  const rib = new Rib(RR);
  const peer = ribPeer(rib, '192.0.2.2', 'ebgp', 2);
  const set = rib.importStore.intern(1, Buffer.from('x'), () => ({ attrs: base([65001], 0), nextHop: Buffer.from([192, 0, 2, 2]) }));
  const block = chain?.evaluate(query(rib, '198.51.100.64/26', peer.source, set));
  t.match(block, { accept: true, trail: ['tag/pool', 'only-pools/blocks: accept'], changes: true });
  t.equal(chain?.evaluate(query(rib, '198.51.100.128/26', peer.source, set)), block, 'cached: the same result object');
  t.match(chain?.evaluate(query(rib, '203.0.113.0/24', peer.source, set)), { accept: true, trail: ['only-pools/from-65001: accept'] });
  const other = ribPeer(rib, '192.0.2.3', 'ebgp', 3);
  t.match(chain?.evaluate(query(rib, '203.0.113.0/24', { ...other.source, peerAs: 65002 }, set)), { accept: false, trail: ['default: reject'] });
});

t.test('the RIB applies import and export policy; changed routes share new interned sets', async (t) => {
  const c = configWith(`policies:
  in:
    terms:
      - { name: no-32, match: { prefix: ["0.0.0.0/0 ge 32"] }, actions: { reject: true } }
      - { name: pref, actions: { localPref: 200, communities: { add: ["64512:7"] }, accept: true } }
  out:
    terms:
      - { name: prepend, match: { communities: { any: ["64512:7"] } }, actions: { prepend: { count: 2 }, med: 5, accept: true } }
    default: reject
`);
  const reg = new PolicyRegistry(c.policies);
  const rib = new Rib(RR);
  const from = ribPeer(rib, '192.0.2.2', 'ebgp', 2);
  from.importPolicy = reg.chain(['in']);
  rib.applyUpdate(from, announce(['203.0.113.0/24', '203.0.113.128/25', '203.0.113.7/32'], base([65001], 0xc0000202)));
  t.equal(from.received, 2, 'the /32 was rejected');
  t.equal(from.filtered, 1);
  const loc = rib.loc;
  const t4 = loc.tables[Family.IPV4_UNICAST];
  const slotA = t4.find4(0xcb007100, 24);
  const slotB = t4.find4(0xcb007180, 25);
  const a = rib.importStore.get(loc.paths.attr[loc.best[0][slotA] as number] as number);
  t.equal(a.localPref, 200);
  t.same(a.communities, [(64512 * 65536 + 7) >>> 0]);
  t.equal(rib.importStore.get(loc.paths.attr[loc.best[0][slotB] as number] as number), a, 'both routes share one derived set');
  t.ok(a.base, 'it remembers what it was made from');
  // Export to an eBGP peer with a policy: prepends behind our own ASN, MED set.
  const member = new Receiver('192.0.2.9');
  const to = ribPeer(rib, '192.0.2.9', 'ebgp', 9);
  rib.joinGroup(to, { kind: 'ebgp', isClient: false, family: Family.IPV4_UNICAST, localAsn: 64512, routerId: RR.routerId, clusterId: null, nextHopSelf: false, nextHopKeep: false, localNextHop: Buffer.from([192, 0, 2, 1]), policy: reg.chain(['out']) }, true, member);
  await settle();
  const got = member.table.get('203.0.113.0/24');
  t.match(got?.find((x) => x.kind === 'as-path'), { segments: [{ asns: [64512, 64512, 64512, 65001] }] });
  t.match(got?.find((x) => x.kind === 'med'), { med: 5 });
  t.notOk(got?.some((x) => x.kind === 'local-pref'), 'no LOCAL_PREF to eBGP');
  // A withdraw-by-policy replaces what the peer sent before.
  from.importPolicy = reg.chain(['out']);
  rib.applyUpdate(from, announce(['203.0.113.0/24'], base([65001], 0xc0000202)));
  await settle();
  t.equal(t4.find4(0xcb007100, 24) >= 0 ? loc.best[0][t4.find4(0xcb007100, 24)] : -1, -1, 'rejected now: the old path is gone');
  t.notOk(member.table.has('203.0.113.0/24'), 'and withdrawn downstream');
  // Attribute sets nothing refers to any more do not stay behind.
  const before = rib.importStore.size;
  for (let i = 0; i < 50; i++) rib.applyUpdate(from, announce(['198.51.100.0/24'], base([65001, 65100 + i], 0xc0000202)));
  t.equal(rib.importStore.size, before, 'announcements rejected by policy leave no interned set');
  from.importPolicy = null;
  from.allowOwnAs = 0;
  for (let i = 0; i < 50; i++) rib.applyUpdate(from, announce(['198.51.100.0/24'], base([65001, 64512, i + 1], 0xc0000202)));
  t.equal(rib.importStore.size, before, 'nor do ones refused for an AS loop');
});

t.test('notPrefix: the prefix is in none of the ranges (Calico NotIn / NotEqual), with prefix, cached per outcome', async (t) => {
  const c = configWith(`policies:
  not-pool:
    terms:
      - { name: v4-outside, match: { prefix: ["0.0.0.0/0 orlonger"], notPrefix: ["198.51.100.0/24 orlonger"] }, actions: { reject: true } }
    default: accept
`);
  const chain = new PolicyRegistry(c.policies).chain(['not-pool']);
  const rib = new Rib(RR);
  const peer = ribPeer(rib, '192.0.2.2', 'ebgp', 2);
  const set = rib.importStore.intern(1, Buffer.from('y'), () => ({ attrs: base([65001], 0), nextHop: Buffer.from([192, 0, 2, 2]) }));
  t.match(chain?.evaluate(query(rib, '198.51.100.64/26', peer.source, set)), { accept: true }, 'inside the range: the term does not match');
  t.match(chain?.evaluate(query(rib, '203.0.113.0/24', peer.source, set)), { accept: false, trail: ['not-pool/v4-outside: reject'] }, 'outside: rejected');
  t.match(chain?.evaluate(query(rib, '198.51.100.0/24', peer.source, set)), { accept: true }, 'and the cache keeps the two outcomes apart');
});

t.test('a member moved to a group with a stricter export policy: what the new policy rejects is withdrawn from it', async (t) => {
  const c = configWith(`policies:
  no-64:
    terms:
      - { match: { prefix: ["198.51.100.64/26 exact"] }, actions: { reject: true } }
    default: accept
`);
  const reg = new PolicyRegistry(c.policies);
  const rib = new Rib(RR);
  const src = ribPeer(rib, '192.0.2.2', 'ibgp', 2, true);
  const out = ribPeer(rib, '192.0.2.3', 'ibgp', 3, true);
  const rx = new Receiver('rx');
  const target = (policy: ReturnType<PolicyRegistry['chain']>) => ({ kind: 'ibgp' as const, isClient: true, family: Family.IPV4_UNICAST, localAsn: 64512, routerId: RR.routerId, clusterId: RR.clusterId, nextHopSelf: false, nextHopKeep: false, localNextHop: Buffer.from([192, 0, 2, 1]), policy, exclude: null });
  const member = rx;
  out.members.push({ group: rib.joinGroup(out, target(null), true, member), member });
  rib.applyUpdate(src, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc0000202)));
  await settle();
  t.same([...rx.table.keys()].sort(), ['198.51.100.0/26', '198.51.100.64/26']);
  // The reload's re-export: remember what was sent, leave, join the group of the new settings.
  const sent = rib.sentTo(out);
  for (const m of out.members) m.group.leave(m.member);
  out.members = [];
  out.members.push({ group: rib.joinGroup(out, target(reg.chain(['no-64'])), true, member, false, false, sent.get(Family.IPV4_UNICAST) ?? []), member });
  rib.pruneGroups();
  await settle();
  t.same([...rx.table.keys()], ['198.51.100.0/26'], 'the newly rejected route is withdrawn from the peer');
  rib.applyUpdate(src, withdraw(['198.51.100.0/26']));
  await settle();
  t.same([...rx.table.keys()], [], 'and the group goes on as usual');
});
