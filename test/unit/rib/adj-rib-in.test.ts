// keepReceived: the routes as received, before import policy, beside the RIB's accepted ones;
// what policy rejected is found there with the term that did it; withdrawals, replacements and
// the session's end release every attribute set it held.
import t from 'tap';
import { Family } from '../../../src/wire/constants.js';
import { parseConfig } from '../../../src/config/load.js';
import { PolicyRegistry } from '../../../src/policy/policy.js';
import { Rib } from '../../../src/rib/rib.js';
import { RR, announce, base, ribPeer, settle, withdraw } from '../../helpers/rib-fixtures.js';

const policies = parseConfig(
  `routerId: 192.0.2.1
asn: 64512
policies:
  in:
    terms:
      - { name: no-32, match: { prefix: ["0.0.0.0/0 ge 32"] }, actions: { reject: true } }
    default: accept
`,
  'p.yaml',
).policies;

t.test('received before policy, filtered with the term, and nothing leaked', async (t) => {
  const rib = new Rib(RR);
  const from = ribPeer(rib, '192.0.2.2', 'ebgp', 2);
  from.importPolicy = new PolicyRegistry(policies).chain(['in']);
  rib.keepReceived(from);
  rib.applyUpdate(from, announce(['203.0.113.0/24', '203.0.113.7/32', '198.51.100.0/26'], base([65001], 0xc0000202)));
  const view = rib.reader.receivedFrom('192.0.2.2');
  if (!view) return t.fail('a view');
  t.ok(view.kept);
  const rows = () => [...view.routes(Family.IPV4_UNICAST)].map((r) => view.prefixText(r)).sort();
  t.same(rows(), ['198.51.100.0/26', '203.0.113.0/24', '203.0.113.7/32'], 'every prefix as received, the rejected /32 too');
  t.equal(from.received, 2, 'the RIB holds the accepted two');
  const chain = from.importPolicy;
  const rejected = [...view.routes(Family.IPV4_UNICAST)].map((r) => ({ p: view.prefixText(r), v: chain?.evaluate(view.policyInput(r)) })).filter((x) => x.v && !x.v.accept);
  t.same(rejected.map((x) => [x.p, x.v?.trail]), [['203.0.113.7/32', ['in/no-32: reject']]], 'filtered: the /32, by term no-32');
  // A new announcement replaces, a withdrawal removes.
  rib.applyUpdate(from, announce(['203.0.113.7/32'], base([65001, 65009], 0xc0000202)));
  t.same([...view.routes(Family.IPV4_UNICAST)].find((r) => view.prefixText(r) === '203.0.113.7/32')?.set.asPath[0]?.asns, [65001, 65009], 'the newer announcement is kept');
  rib.applyUpdate(from, withdraw(['203.0.113.0/24']));
  t.same(rows(), ['198.51.100.0/26', '203.0.113.7/32'], 'withdrawn: gone');
  t.ok(rib.reader.stats().importAttributeSets >= 2, 'the rejected route\'s set is held');
  rib.peerDown(from);
  await settle();
  t.equal(rib.reader.stats().importAttributeSets, 0, 'the session ended: every set released');
  t.equal(rib.reader.receivedFrom('192.0.2.2'), null, 'no session, no view');
});

t.test('without keepReceived nothing is kept', async (t) => {
  const rib = new Rib(RR);
  const from = ribPeer(rib, '192.0.2.2', 'ebgp', 2);
  rib.applyUpdate(from, announce(['203.0.113.0/24'], base([65001], 0xc0000202)));
  const view = rib.reader.receivedFrom('192.0.2.2');
  t.equal(view?.kept, false);
  t.same([...(view?.routes(Family.IPV4_UNICAST) ?? [])], []);
  rib.keepReceived(from);
  t.equal(rib.reader.receivedFrom('192.0.2.2')?.kept, true, 'switched on (a refresh fills it)');
  rib.dropReceived(from);
  t.equal(rib.reader.receivedFrom('192.0.2.2')?.kept, false, 'and off');
});
