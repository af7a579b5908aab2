import t from 'tap';
import { parseConfig } from '../../../src/config/load.js';
import { formatPlan, planIsEmpty, planReload } from '../../../src/config/diff.js';

const base = `routerId: 192.0.2.1
asn: 64512
peerTemplates:
  tor: { asn: 63400, holdTime: 9 }
neighbors:
  - { address: 192.0.2.2, template: tor }
  - { address: 192.0.2.3, asn: 64512, description: a }
  - { address: 192.0.2.4, asn: 64512, nextHopSelf: false }
  - { address: 192.0.2.5, asn: 64512 }
announce: [198.51.100.0/26]
`;
const load = (s: string) => parseConfig(s, 'wren.yaml');

t.test('the same file plans nothing', async (t) => {
  const p = planReload(load(base), load(base));
  t.ok(planIsEmpty(p));
  t.equal(formatPlan(p), 'no changes\n');
});

t.test('each kind of change gets the least disruptive action', async (t) => {
  const next = base
    .replace('holdTime: 9', 'holdTime: 30') // through the template: 192.0.2.2 resets
    .replace('description: a', 'description: b') // live
    .replace('nextHopSelf: false', 'nextHopSelf: true') // re-export
    .replace('  - { address: 192.0.2.5, asn: 64512 }\n', '  - { address: 192.0.2.5, asn: 64512, allowOwnAs: 1 }\n  - { address: 192.0.2.6, asn: 64512 }\n')
    .replace('[198.51.100.0/26]', '[198.51.100.64/26]');
  const p = planReload(load(base), load(next));
  t.same(p.added, ['192.0.2.6']);
  t.same(p.removed, []);
  t.same(
    p.changed.map((c) => [c.address, c.action, c.changes]),
    [
      ['192.0.2.2', 'reset', ['holdTime 9 -> 30']],
      ['192.0.2.3', 'live', ['description a -> b']],
      ['192.0.2.4', 'export', ['nextHopSelf false -> true']],
      ['192.0.2.5', 'import', ['allowOwnAs 0 -> 1']],
    ],
  );
  t.same(p.announce, { added: ['198.51.100.64/26'], removed: ['198.51.100.0/26'], reapply: false });
  t.equal(
    formatPlan(p),
    [
      '+ neighbor 192.0.2.6: added, session starts',
      '~ neighbor 192.0.2.2: session reset (holdTime 9 -> 30)',
      '~ neighbor 192.0.2.3: applied, no reset (description a -> b)',
      '~ neighbor 192.0.2.4: routes re-sent, no reset (nextHopSelf false -> true)',
      '~ neighbor 192.0.2.5: routes requested again (route refresh), no reset (allowOwnAs 0 -> 1)',
      '+ announce 198.51.100.64/26',
      '- announce 198.51.100.0/26',
      '',
    ].join('\n'),
  );
});

t.test('removed peers, passwords, and what needs a restart', async (t) => {
  const next = base.replace('  - { address: 192.0.2.3, asn: 64512, description: a }\n', '').replace('tor: { asn: 63400, holdTime: 9 }', 'tor: { asn: 63400, holdTime: 9, password: s3cret }') + 'fib: { metric: 100 }\nhostname: h\n';
  const p = planReload(load(base), load(next));
  t.same(p.removed, ['192.0.2.3']);
  t.same(p.changed, [{ address: '192.0.2.2', action: 'reset', changes: ['password changed'] }], 'the secret itself is never shown');
  t.match(p.restartNeeded, ['fib.enabled false -> true', 'fib.metric 32 -> 100']);
  t.match(p.other, [/hostname "" -> h/]);
  t.notMatch(formatPlan(p), /s3cret/);
});

t.test('a neighbour moving into the mesh keeps its session', async (t) => {
  const a = load('routerId: 192.0.2.1\nasn: 64512\nneighbors: [{address: 192.0.2.2, asn: 64512}]\n');
  const b = load('routerId: 192.0.2.1\nasn: 64512\nmesh: {nodes: [192.0.2.1, 192.0.2.2]}\n');
  const p = planReload(a, b);
  t.same(p.changed.map((c) => c.action), ['live']);
  t.same(p.changed[0]?.changes, ['passive false -> true', 'passiveFallback false -> true', 'origin neighbors -> mesh'], '.2 is above .1: this node now waits for it');
});
