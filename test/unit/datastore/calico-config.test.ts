/**
 * Calico's resources to wren's config, as confd computes BIRD's: mesh, BGPPeers (global, per node,
 * by selector), reflectors and their clients, block affinities and pools, secrets, the local file.
 */
import t from 'tap';
import { CalicoState } from '../../../src/datastore/calico-state.js';
import { calicoDocument, DatastoreConfigError } from '../../../src/datastore/calico-config.js';
import { configFromDocument, documentOf } from '../../../src/config/load.js';
import type { WrenDocument } from '../../../src/config/schema-types.js';

const R = '/calico/resources/v3/projectcalico.org/';
const node = (name: string, ip: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) => [
  `${R}nodes/${name}`,
  JSON.stringify({ kind: 'Node', apiVersion: 'projectcalico.org/v3', metadata: { name, labels }, spec: { bgp: { ipv4Address: `${ip}/24`, ...extra } } }),
] as const;
const peer = (name: string, spec: Record<string, unknown>) => [`${R}bgppeers/${name}`, JSON.stringify({ kind: 'BGPPeer', metadata: { name }, spec })] as const;
const bgpConfig = (name: string, spec: Record<string, unknown>) => [`${R}bgpconfigurations/${name}`, JSON.stringify({ kind: 'BGPConfiguration', metadata: { name }, spec })] as const;
const pool = (name: string, spec: Record<string, unknown>) => [`${R}ippools/${name}`, JSON.stringify({ kind: 'IPPool', metadata: { name }, spec })] as const;
const block = (host: string, cidr: string, state = 'confirmed') => [`/calico/ipam/v2/host/${host}/ipv4/block/${cidr.replace('/', '-')}`, JSON.stringify({ state, deleted: false })] as const;

function stateOf(nodeName: string, ...kvs: (readonly [string, string])[]): CalicoState {
  const s = new CalicoState(nodeName);
  for (const [k, v] of kvs) s.apply(k, v);
  return s;
}
const LOCAL: WrenDocument = { datastore: { type: 'etcdv3', endpoints: ['http://127.0.0.1:2379'] }, fib: { enabled: true } };
const none = () => null;
const run = (s: CalicoState, local: WrenDocument = LOCAL) => {
  const r = calicoDocument(s, local, none);
  return { ...r, config: configFromDocument(documentOf(r.document, 'datastore')) };
};

t.test('a mesh of three nodes: identity from the Node, AS from BGPConfiguration, blocks announced', async (t) => {
  const s = stateOf('node-2', node('node-1', '192.0.2.1'), node('node-2', '192.0.2.2'), node('node-3', '192.0.2.3'), bgpConfig('default', { asNumber: 64600, nodeToNodeMeshEnabled: true }), block('node-2', '10.244.2.0/26'), block('node-2', '10.244.2.64/26', 'pending'), block('node-1', '10.244.1.0/26'));
  const { config, problems } = run(s);
  t.same(problems, []);
  t.equal(config.routerId, '192.0.2.2');
  t.equal(config.asn, 64600);
  t.same(config.neighbors.map((n) => [n.address, n.asn, n.origin, n.passive]).sort(), [
    ['192.0.2.1', 64600, 'mesh', false],
    ['192.0.2.3', 64600, 'mesh', true],
  ], 'the higher address waits');
  t.same(config.announce, ['10.244.2.0/26'], 'only this node\'s confirmed blocks');
  t.equal(config.fib.enabled, true, 'fib from the local file');
});

t.test('defaults: AS 64512, mesh on; a node override wins over default; the Node AS over both', async (t) => {
  t.equal(run(stateOf('a', node('a', '192.0.2.1'))).config.asn, 64512);
  t.equal(run(stateOf('a', node('a', '192.0.2.1'), bgpConfig('default', { asNumber: 65000 }), bgpConfig('node.a', { asNumber: 65001 }))).config.asn, 65001);
  t.equal(run(stateOf('a', node('a', '192.0.2.1', { asNumber: '65002' }), bgpConfig('default', { asNumber: 65000 }))).config.asn, 65002, 'AS as a string');
  t.equal(run(stateOf('a', node('a', '192.0.2.1', { asNumber: '1.10' }))).config.asn, 65546, 'asdot');
  const off = run(stateOf('a', node('a', '192.0.2.1'), node('b', '192.0.2.5'), bgpConfig('default', { nodeToNodeMeshEnabled: false })));
  t.same(off.config.neighbors, [], 'mesh off: no peers');
});

t.test('BGPPeers: global, per node, by nodeSelector; to a peerIP (with port) or to selected nodes', async (t) => {
  const s = stateOf(
    'n1',
    node('n1', '192.0.2.1', {}, { rack: 'r1' }),
    node('n2', '192.0.2.2', {}, { rack: 'r1', rr: 'yes' }),
    node('n3', '192.0.2.3', {}, { rack: 'r2' }),
    bgpConfig('default', { nodeToNodeMeshEnabled: false }),
    peer('tor-global', { peerIP: '198.51.100.1', asNumber: 65100 }),
    peer('tor-rack1', { nodeSelector: "rack == 'r1'", peerIP: '198.51.100.11:1179', asNumber: 65101, keepaliveTime: '10s', numAllowedLocalASNumbers: 1 }),
    peer('tor-rack2', { nodeSelector: "rack == 'r2'", peerIP: '198.51.100.12', asNumber: 65102 }),
    peer('only-n3', { node: 'n3', peerIP: '198.51.100.13', asNumber: 65103 }),
    peer('to-rr', { peerSelector: 'has(rr)' }),
  );
  const { config } = run(s);
  const by = new Map(config.neighbors.map((n) => [n.address, n]));
  t.same([...by.keys()].sort(), ['192.0.2.2', '198.51.100.1', '198.51.100.11']);
  t.match(by.get('198.51.100.11'), { asn: 65101, port: 1179, keepaliveTime: 10, allowOwnAs: 1, sourceAddress: '192.0.2.1' });
  t.match(by.get('192.0.2.2'), { asn: 64512, passive: true }, 'a selected node: its AS; the greater address waits');
});

/** Two reflectors of one cluster and two other nodes, mesh off. */
const REFLECTED = [
  node('rr1', '192.0.2.1', { routeReflectorClusterID: '244.0.0.1' }, { 'route-reflector': 'true' }),
  node('rr2', '192.0.2.2', { routeReflectorClusterID: '244.0.0.1' }, { 'route-reflector': 'true' }),
  node('c1', '192.0.2.10'),
  node('c2', '192.0.2.11'),
  bgpConfig('default', { nodeToNodeMeshEnabled: false }),
] as const;

t.test('route reflectors: a node with routeReflectorClusterID skips the mesh and reflects for peers outside its cluster', async (t) => {
  const kvs = [
    ...REFLECTED,
    peer('peer-with-rr', { nodeSelector: 'all()', peerSelector: 'has(route-reflector)' }),
    peer('rr-to-clients', { nodeSelector: 'has(route-reflector)', peerSelector: '!has(route-reflector)' }),
  ] as const;
  const rr = run(stateOf('rr1', ...kvs)).config;
  t.same(rr.routeReflector?.clusterId, '244.0.0.1');
  const by = new Map(rr.neighbors.map((n) => [n.address, n]));
  t.same([...by.keys()].sort(), ['192.0.2.10', '192.0.2.11', '192.0.2.2']);
  t.equal(by.get('192.0.2.10')?.routeReflectorClient, true, 'a node outside the cluster is a client');
  t.equal(by.get('192.0.2.2')?.routeReflectorClient, false, 'the other reflector of the cluster is not');
  const client = run(stateOf('c1', ...kvs)).config;
  t.same(client.neighbors.map((n) => n.address).sort(), ['192.0.2.1', '192.0.2.2'], 'a client peers with both reflectors');
  t.equal(client.routeReflector, null);
  // Mesh on: reflectors are left out of the mesh, clients mesh among themselves.
  const meshOn = run(stateOf('c1', ...kvs.filter((kv) => !kv[0].includes('bgpconfigurations')))).config;
  t.same(meshOn.neighbors.map((n) => [n.address, n.origin]).sort(), [['192.0.2.1', 'neighbors'], ['192.0.2.11', 'mesh'], ['192.0.2.2', 'neighbors']]);
});

t.test('pools: disableBGPExport keeps a block in; IPIP sets the FIB tunnel; service CIDRs are announced', async (t) => {
  const s = stateOf(
    'a',
    node('a', '192.0.2.1'),
    pool('default-pool', { cidr: '10.244.0.0/16', ipipMode: 'CrossSubnet' }),
    pool('quiet', { cidr: '10.250.0.0/16', disableBGPExport: true }),
    block('a', '10.244.0.0/26'),
    block('a', '10.250.0.0/26'),
    bgpConfig('default', { serviceClusterIPs: [{ cidr: '10.96.0.0/12' }], serviceExternalIPs: [{ cidr: '203.0.113.0/24' }] }),
  );
  const { config } = run(s);
  t.same(config.announce, ['10.244.0.0/26', '10.96.0.0/12', '203.0.113.0/24']);
  t.same(config.fib.tunnel, { interface: 'tunl0', mode: 'cross-subnet' });
});

t.test('pools whose cluster routes Felix programs stay out of the kernel: VXLAN always, the others by programClusterRoutes', async (t) => {
  const pools = [pool('ipip', { cidr: '10.244.0.0/16', ipipMode: 'Always' }), pool('vx', { cidr: '10.245.0.0/16', vxlanMode: 'CrossSubnet' }), pool('plain', { cidr: '10.246.0.0/16' })] as const;
  const fibOf = (spec: Record<string, unknown> | null) => run(stateOf('a', node('a', '192.0.2.1'), ...pools, block('a', '10.245.0.0/26'), ...(spec ? [bgpConfig('default', spec)] : [])));
  const unset = fibOf(null);
  t.same(unset.config.fib.excludeWithin, ['10.245.0.0/16'], 'unset: only the VXLAN pool is left to Felix');
  t.same(unset.config.fib.tunnel, { interface: 'tunl0', mode: 'always' }, 'and IPIP routes go through tunl0');
  t.same(unset.config.announce, ['10.245.0.0/26'], 'a VXLAN block is still announced');
  t.same(fibOf({ programClusterRoutes: 'EnabledNoEncapOnly' }).config.fib.excludeWithin, ['10.244.0.0/16', '10.245.0.0/16'], 'Calico 3.33 default: IPIP pools to Felix');
  t.equal(fibOf({ programClusterRoutes: 'EnabledNoEncapOnly' }).config.fib.tunnel, null, 'so no tunnel');
  t.same(fibOf({ programClusterRoutes: 'EnabledIPIPOnly' }).config.fib.excludeWithin, ['10.245.0.0/16', '10.246.0.0/16']);
  t.same(fibOf({ programClusterRoutes: 'Disabled' }).config.fib.excludeWithin, ['10.244.0.0/16', '10.245.0.0/16', '10.246.0.0/16']);
  const odd = fibOf({ programClusterRoutes: 'Sometimes' });
  t.same(odd.config.fib.excludeWithin, ['10.245.0.0/16'], 'an unknown value counts as unset');
  t.match(odd.problems, [/programClusterRoutes "Sometimes" is not one of/]);
});

t.test('secrets: a mapped password is used, a missing one leaves the peer out and says why', async (t) => {
  const s = stateOf('a', node('a', '192.0.2.1'), peer('tor', { peerIP: '198.51.100.1', asNumber: 65100, password: { secretKeyRef: { name: 'bgp-secrets', key: 'tor' } } }));
  const missing = calicoDocument(s, LOCAL, none);
  t.same(missing.document.neighbors, []);
  t.match(missing.problems[0], /bgp-secrets\/tor.*datastore\.secrets/);
  const found = calicoDocument(s, LOCAL, (name, key) => (name === 'bgp-secrets' && key === 'tor' ? 's3cret' : null));
  t.match(found.document.neighbors?.[0], { address: '198.51.100.1', password: 's3cret' });
});

t.test('the local file adds neighbours and wins by address; its settings stay', async (t) => {
  const s = stateOf('a', node('a', '192.0.2.1'), node('b', '192.0.2.2'), peer('tor', { peerIP: '198.51.100.1', asNumber: 65100 }));
  const local: WrenDocument = { ...LOCAL, logging: { level: 'debug' }, neighbors: [{ address: '198.51.100.1', asn: 65100, holdTime: 30 }, { address: '203.0.113.9', asn: 65200 }], announce: ['192.0.2.128/26'] };
  const { config } = run(s, local);
  const by = new Map(config.neighbors.map((n) => [n.address, n]));
  t.equal(by.get('198.51.100.1')?.holdTime, 30, "the file's entry wins");
  t.ok(by.has('203.0.113.9'));
  t.ok(by.has('192.0.2.2'), 'the mesh stays');
  t.same(config.announce, ['192.0.2.128/26']);
  t.equal(config.logging.level, 'debug');
});

t.test('bad resources are rejected with key and field; the rest stands', async (t) => {
  const s = new CalicoState('a');
  s.apply(...node('a', '192.0.2.1'));
  const bad: [string, string, RegExp][] = [
    [`${R}bgppeers/p1`, '{not json', /bgppeers\/p1: not valid JSON/],
    ...[peer('p2', { peerIP: '198.51.100.1' })].map(([k, v]) => [k, v, /spec\.asNumber: is required with peerIP/] as [string, string, RegExp]),
    ...[peer('p3', { nodeSelector: "rack = 'x'", peerIP: '198.51.100.1', asNumber: 1 })].map(([k, v]) => [k, v, /spec\.nodeSelector: selector .* expected an operator/] as [string, string, RegExp]),
    ...[peer('p4', { peerIP: '198.51.100.300', asNumber: 1 })].map(([k, v]) => [k, v, /spec\.peerIP: .* is not an IP address/] as [string, string, RegExp]),
    ...[node('n5', '192.0.2.5', { asNumber: 'big' })].map(([k, v]) => [k, v, /spec\.bgp\.asNumber: must be an integer/] as [string, string, RegExp]),
    ...[pool('p6', { cidr: '10.0.0.1/16' })].map(([k, v]) => [k, v, /spec\.cidr: .* not a prefix without host bits/] as [string, string, RegExp]),
    ...[bgpConfig('default', { nodeMeshMaxRestartTime: 'soon' })].map(([k, v]) => [k, v, /nodeMeshMaxRestartTime: must be a duration/] as [string, string, RegExp]),
    [`${R}nodes/n7`, JSON.stringify({ metadata: { name: 'other' }, spec: {} }), /metadata\.name: is "other", but the key names "n7"/],
  ];
  for (const [k, v, re] of bad) {
    const r = s.apply(k, v);
    t.match(r.rejected?.message ?? '', re, k);
  }
  t.equal(s.rejected.size, bad.length, 'each rejected resource is listed once');
  t.equal(s.nodes.size, 1, 'the good node stands');
  s.apply(`${R}bgppeers/p1`, null);
  t.notOk(s.rejected.has(`${R}bgppeers/p1`), 'deleting a rejected resource clears it');
});

t.test('no Node for this name, or one without an IPv4 address: a clear error', async (t) => {
  t.throws(() => calicoDocument(stateOf('ghost', node('a', '192.0.2.1')), LOCAL, none), /no Calico Node named "ghost"/);
  t.ok(DatastoreConfigError.prototype instanceof Error);
  const s = stateOf('v6only', [`${R}nodes/v6only`, JSON.stringify({ metadata: { name: 'v6only' }, spec: { bgp: { ipv6Address: '2001:db8::1/64' } } })]);
  t.throws(() => calicoDocument(s, LOCAL, none), /no spec\.bgp\.ipv4Address: set routerId/);
  t.equal(calicoDocument(s, { ...LOCAL, routerId: '192.0.2.99' }, none).document.routerId, '192.0.2.99');
});

t.test("the example DaemonSet's wren.yaml is a valid datastore config", async (t) => {
  const { readFileSync } = await import('node:fs');
  const { parseAllDocuments } = await import('yaml');
  const { parseDocument } = await import('../../../src/config/load.js');
  const docs = parseAllDocuments(readFileSync('config/kubernetes/wren-daemonset.yaml', 'utf8')).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
  const cm = docs.find((d) => d.kind === 'ConfigMap');
  const { raw } = parseDocument(cm?.data?.['wren.yaml'] ?? '', 'wren.yaml');
  t.match(raw.datastore, { type: 'etcdv3', endpoints: ['https://10.0.0.10:2379'] });
  t.ok(docs.some((d) => d.kind === 'DaemonSet'));
});

t.test('BGPFilters become policies on the peers that name them; a missing filter leaves the peer out', async (t) => {
  const filter = (name: string, spec: Record<string, unknown>) => [`${R}bgpfilters/${name}`, JSON.stringify({ kind: 'BGPFilter', metadata: { name }, spec })] as const;
  const s = stateOf(
    'a',
    node('a', '192.0.2.1'),
    bgpConfig('default', { nodeToNodeMeshEnabled: false }),
    filter('tor-in', {
      importV4: [
        { cidr: '240.10.0.0/16', matchOperator: 'In', prefixLength: { max: 26 }, action: 'Accept' },
        { cidr: '240.20.0.0/16', matchOperator: 'NotIn', action: 'Reject' },
      ],
      exportV4: [{ cidr: '240.0.0.0/16', matchOperator: 'Equal', action: 'Reject' }],
    }),
    peer('tor', { peerIP: '198.51.100.1', asNumber: 65100, filters: ['tor-in'] }),
    peer('other', { peerIP: '198.51.100.2', asNumber: 65100, filters: ['nope'] }),
  );
  const { config, problems } = run(s);
  const tor = config.neighbors.find((n) => n.address === '198.51.100.1');
  t.same(tor?.import, ['calico.tor-in.importV4']);
  t.same(tor?.export, ['calico.tor-in.exportV4']);
  t.notOk(config.neighbors.some((n) => n.address === '198.51.100.2'), 'the peer naming a missing filter is left out');
  t.match(problems, [/bgppeers\/other: its BGPFilter nope is missing/]);
  // The compiled chain decides as Calico's rules do: first match, else on to the default (accept).
  const { PolicyRegistry } = await import('../../../src/policy/policy.js');
  const { Rib } = await import('../../../src/rib/rib.js');
  const { RR, base, ribPeer } = await import('../../helpers/rib-fixtures.js');
  const { parsePrefix } = await import('../../../src/wire/nlri.js');
  const chain = new PolicyRegistry(config.policies).chain(tor?.import ?? []);
  const rib = new Rib(RR);
  const p = ribPeer(rib, '198.51.100.1', 'ebgp', 9);
  const set = rib.importStore.intern(3, Buffer.from('f'), () => ({ attrs: base([65100], 0), nextHop: Buffer.from([198, 51, 100, 1]) }));
  const verdict = (prefix: string) => {
    const q = parsePrefix(prefix);
    if (!q) throw new Error(prefix);
    return chain?.evaluate({ family: q.family, v4: q.bytes.readUInt32BE(0), bytes: q.bytes, at: 0, length: q.length, source: p.source, attrs: set }).accept;
  };
  t.equal(verdict('240.10.1.0/24'), true, 'In, within the lengths: accepted');
  t.equal(verdict('240.10.1.0/27'), false, 'In but longer than max: not this rule; NotIn 240.20/16 then rejects it');
  t.equal(verdict('240.20.1.0/24'), true, 'inside 240.20/16: no rule matches, accepted by default');
  t.equal(verdict('198.18.0.0/24'), false, 'outside 240.20/16: NotIn rejects');
});

t.test('BGPFilter communities, asPathPrefix, priority and operations, and peerType by session', async (t) => {
  const filter = (name: string, spec: Record<string, unknown>) => [`${R}bgpfilters/${name}`, JSON.stringify({ kind: 'BGPFilter', metadata: { name }, spec })] as const;
  const s = stateOf(
    'a',
    node('a', '192.0.2.1'),
    bgpConfig('default', { nodeToNodeMeshEnabled: false }),
    filter('f', {
      importV4: [
        { communities: { values: ['65100:666'] }, action: 'Reject' },
        { asPathPrefix: [65100, '65200'], action: 'Accept', operations: [{ addCommunity: { value: '64512:7' } }, { addCommunity: { value: '64512:1:2' } }, { setPriority: { value: 512 } }] },
        { priority: 1024, action: 'Reject' },
        { peerType: 'iBGP', action: 'Reject' },
      ],
      exportV4: [
        { priority: 1024, cidr: '240.1.0.0/16', matchOperator: 'In', action: 'Accept', operations: [{ prependASPath: { prefix: [64512, 64512] } }, { prependASPath: { prefix: [65001] } }] },
        { peerType: 'eBGP', action: 'Reject' },
      ],
    }),
    peer('tor', { peerIP: '198.51.100.1', asNumber: 65100, filters: ['f'] }),
    peer('rr', { peerIP: '198.51.100.2', asNumber: 64512, filters: ['f'] }),
  );
  const { config, problems } = run(s);
  t.same(problems, []);
  const tor = config.neighbors.find((n) => n.address === '198.51.100.1');
  const rr = config.neighbors.find((n) => n.address === '198.51.100.2');
  t.same(tor?.import, ['calico.f.importV4.ebgp'], 'peerType rules: the eBGP session gets the eBGP variant');
  t.same(rr?.export, ['calico.f.exportV4.ibgp'], 'and the iBGP session the iBGP one');
  const { PolicyRegistry } = await import('../../../src/policy/policy.js');
  const { Rib } = await import('../../../src/rib/rib.js');
  const { RR, base, ribPeer } = await import('../../helpers/rib-fixtures.js');
  const { parsePrefix } = await import('../../../src/wire/nlri.js');
  const { applyActions } = await import('../../../src/policy/actions.js');
  const rib = new Rib(RR);
  const ebgp = ribPeer(rib, '198.51.100.1', 'ebgp', 9);
  const ibgp = ribPeer(rib, '198.51.100.2', 'ibgp', 10);
  const registry = new PolicyRegistry(config.policies);
  let n = 10;
  const route = (chainNames: string[], prefix: string, asns: number[], source: typeof ebgp.source, extra: Parameters<typeof base>[2] = []) => {
    const chain = registry.chain(chainNames);
    const q = parsePrefix(prefix);
    if (!q || !chain) throw new Error(prefix);
    const attrs = base(asns, 0, extra);
    const set = rib.importStore.intern(n++, Buffer.from(`k${n}`), () => ({ attrs, nextHop: Buffer.from([198, 51, 100, 1]) }));
    const r = chain.evaluate({ family: q.family, v4: q.bytes.readUInt32BE(0), bytes: q.bytes, at: 0, length: q.length, source, attrs: set });
    const out = r.accept ? applyActions(attrs, Buffer.alloc(4), r.actions, { ebgpExport: false, selfNextHop: null, originalNextHop: null, localAsn: 64512 }) : null;
    return { accept: r.accept, attrs: out?.attrs ?? [] };
  };
  const comm = (values: number[]) => ({ kind: 'communities' as const, type: 8, flags: 0xc0, communities: values });
  const lp = (v: number) => ({ kind: 'local-pref' as const, type: 5, flags: 0x40, localPref: v });
  const imp = tor?.import ?? [];
  t.equal(route(imp, '240.0.1.0/24', [65100], ebgp.source, [comm([65100 * 65536 + 666])]).accept, false, 'the community rule rejects');
  const tagged = route(imp, '240.0.2.0/24', [65100, 65200, 65300], ebgp.source);
  t.equal(tagged.accept, true, 'the AS path begins with 65100 65200: accepted');
  t.same(tagged.attrs.find((a) => a.kind === 'communities'), comm([64512 * 65536 + 7]), 'addCommunity (standard)');
  t.same((tagged.attrs.find((a) => a.kind === 'large-communities') as { communities: number[] } | undefined)?.communities, [64512, 1, 2], 'addCommunity (large)');
  t.same((tagged.attrs.find((a) => a.kind === 'local-pref') as { localPref: number } | undefined)?.localPref, 2147483647 - 512, 'setPriority is LOCAL_PREF 2^31-1 - priority');
  t.equal(route(imp, '240.0.3.0/24', [65100, 65300], ebgp.source).accept, true, 'another path: no rule matches, accepted by default');
  t.equal(route(imp, '240.0.4.0/24', [65100, 65300], ebgp.source, [lp(2147483647 - 1024)]).accept, false, 'priority 1024 is LOCAL_PREF 2147482623');
  t.equal(route(['calico.f.importV4.ibgp'], '240.0.5.0/24', [], ibgp.source).accept, false, 'the iBGP variant has the iBGP rule');
  // Export: an own route has the normal priority; prepends come out in Calico's order.
  const local = rib.newSource({ kind: 'local', address: 'announce', addressBytes: Buffer.alloc(0), routerId: RR.routerId, peerAs: 64512, isClient: false });
  const own = route(rr?.export ?? [], '240.1.2.0/26', [], local);
  t.equal(own.accept, true);
  t.same((own.attrs.find((a) => a.kind === 'as-path') as { segments: { asns: number[] }[] } | undefined)?.segments[0]?.asns, [65001, 64512, 64512], 'the later prepend goes in front');
  t.equal(route(tor?.export ?? [], '240.9.0.0/24', [], local).accept, false, 'the eBGP variant rejects the rest');
  t.equal(route(rr?.export ?? [], '240.9.0.0/24', [], local).accept, true, 'the iBGP one does not');
});

t.test('a BGPFilter that does not validate is rejected whole, with its field', async (t) => {
  const s = new CalicoState('a');
  const bad = (spec: Record<string, unknown>) => s.apply(`${R}bgpfilters/f`, JSON.stringify({ metadata: { name: 'f' }, spec })).rejected?.message;
  t.match(bad({ exportV4: [{ action: 'Reject', operations: [{ addCommunity: { value: '65000:1' } }] }] }), /spec\.exportV4\[0\]\.operations: may only be used with action Accept/);
  t.match(bad({ exportV4: [{ action: 'Accept', operations: [{ addCommunity: { value: '65536:1' } }] }] }), /operations\[0\]\.addCommunity\.value: "65536:1" is not a community/);
  t.match(bad({ exportV4: [{ action: 'Accept', operations: [{ addCommunity: { value: '1:1' }, setPriority: { value: 5 } }] }] }), /operations\[0\]: must set exactly one of/);
  t.match(bad({ importV4: [{ action: 'Accept', communities: { values: ['1:1', '1:2'] } }] }), /communities\.values: must hold exactly one community/);
  t.match(bad({ importV4: [{ action: 'Accept', asPathPrefix: [0] }] }), /asPathPrefix\[0\]: must be an AS number/);
  t.match(bad({ importV4: [{ action: 'Accept', priority: 0 }] }), /priority: must be an integer from 1 to 2147483646/);
  t.match(bad({ importV4: [{ action: 'Accept', cidr: '240.0.0.0/16', matchOperator: 'In', prefixLength: { min: 28, max: 20 } }] }), /prefixLength: leaves no prefix length/);
  t.match(bad({ importV6: [{ cidr: '240.0.0.0/8', action: 'Accept' }] }), /spec\.importV6\[0\]\.cidr: must be an IPv6 prefix/);
});

t.test('bindMode, ignoredInterfaces, maxRestartTime, nodeMeshMaxRestartTime and reachableBy', async (t) => {
  const s = stateOf(
    'a',
    node('a', '192.0.2.1', { ipv6Address: '2001:db8::1/64' }),
    node('b', '192.0.2.2'),
    bgpConfig('default', { bindMode: 'NodeIP', ignoredInterfaces: ['docker*'], nodeMeshMaxRestartTime: '5m' }),
    peer('tor', { peerIP: '203.0.113.4', asNumber: 65100, reachableBy: '192.0.2.254', maxRestartTime: '30s' }),
    peer('tor6', { peerIP: '2001:db8:ff::4', asNumber: 65100, reachableBy: '2001:db8::fe' }),
  );
  const { config, problems } = run(s);
  t.same(problems, []);
  t.same(config.listen.address, ['192.0.2.1', '2001:db8::1'], 'NodeIP: the node\'s BGP addresses only');
  t.same(config.fib.ignoreInterfaces, ['docker*', 'cali*', 'kube-ipvs*']);
  t.same(config.fib.staticRoutes, [
    { prefix: '2001:db8:ff::4/128', via: '2001:db8::fe' },
    { prefix: '203.0.113.4/32', via: '192.0.2.254' },
  ], 'a host route to each peer through its gateway');
  t.equal(config.neighbors.find((n) => n.address === '203.0.113.4')?.restartTime, 30);
  t.equal(config.neighbors.find((n) => n.address === '192.0.2.2')?.restartTime, 300, 'mesh sessions announce nodeMeshMaxRestartTime');
  t.equal(config.neighbors.find((n) => n.address === '2001:db8:ff::4')?.restartTime, undefined, 'the default elsewhere');
  const { localSpeaker } = await import('../../../src/daemon/peer-settings.js');
  t.equal(localSpeaker(config, config.neighbors.find((n) => n.address === '203.0.113.4') as (typeof config.neighbors)[number], false).gracefulRestart?.restartTime, 30, 'the OPEN announces it');
  const off = run(stateOf('a', node('a', '192.0.2.1'), bgpConfig('default', { bindMode: 'None' }))).config;
  t.same(off.listen.address, ['0.0.0.0', '::'], 'None: every address');
  const rejected = new CalicoState('a').apply(...peer('x', { peerIP: '203.0.113.4', asNumber: 65100, reachableBy: '2001:db8::1' }));
  t.match(rejected.rejected?.message, /spec\.reachableBy: 2001:db8::1 is not of the same address family as peerIP/);
  const long = new CalicoState('a').apply(...peer('x', { peerIP: '203.0.113.4', asNumber: 65100, maxRestartTime: '2h' }));
  t.match(long.rejected?.message, /spec\.maxRestartTime: must be from 1s to 4095s/);
});

t.test('reverse peering: the nodes a peerSelector selects peer back with the nodes of the local side (unless Manual)', async (t) => {
  const kvs = [
    ...REFLECTED,
  ] as const;
  const auto = run(stateOf('rr1', ...kvs, peer('peer-with-route-reflectors', { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" })));
  t.same(auto.config.neighbors.map((n) => [n.address, n.routeReflectorClient]).sort(), [['192.0.2.10', true], ['192.0.2.11', true], ['192.0.2.2', false]], 'the reflector peers with everyone the BGPPeer names, clients flagged');
  t.same(auto.problems, [], 'both directions of one peering are not reported as duplicates');
  const manual = run(stateOf('rr1', ...kvs, peer('p', { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'", reversePeering: 'Manual' })));
  t.same(manual.config.neighbors.map((n) => n.address), ['192.0.2.2'], 'Manual: only the forward direction');
});

t.test('dual-stack nodes: an IPv6 mesh beside the IPv4 one', async (t) => {
  const dual = (name: string, v4: string, v6: string) => [`${R}nodes/${name}`, JSON.stringify({ metadata: { name }, spec: { bgp: { ipv4Address: `${v4}/24`, ipv6Address: `${v6}/64` } } })] as const;
  const s = stateOf('a', dual('a', '192.0.2.1', '2001:db8::1'), dual('b', '192.0.2.2', '2001:db8::2'), node('c', '192.0.2.3'));
  const { config } = run(s);
  t.same(config.neighbors.map((n) => [n.address, n.families, n.passive]).sort(), [
    ['192.0.2.2', ['ipv4'], true],
    ['192.0.2.3', ['ipv4'], true],
    ['2001:db8::2', ['ipv6'], true],
  ], 'IPv4 mesh to both, IPv6 mesh to the dual-stack node; the greater address waits');
});

t.test('prefixAdvertisements: communities (by name or value) on our routes inside each CIDR', async (t) => {
  const s = stateOf(
    'a',
    node('a', '192.0.2.1'),
    bgpConfig('default', { communities: [{ name: 'pool-tag', value: '64512:100' }], prefixAdvertisements: [{ cidr: '10.244.0.0/16', communities: ['pool-tag', '64512:7:9'] }] }),
    block('a', '10.244.0.0/26'),
    block('a', '10.250.0.0/26'),
  );
  const { config } = run(s);
  t.same(config.announcePolicy, ['calico.prefix-advertisements']);
  const { PolicyRegistry } = await import('../../../src/policy/policy.js');
  const { Rib } = await import('../../../src/rib/rib.js');
  const { RR } = await import('../../helpers/rib-fixtures.js');
  const { parsePrefix } = await import('../../../src/wire/nlri.js');
  const rib = new Rib(RR);
  const chain = new PolicyRegistry(config.policies).chain(config.announcePolicy);
  const attrsOf = (p: string) => {
    const prefix = parsePrefix(p);
    if (!prefix) throw new Error(p);
    rib.originate(rib.local, prefix, chain);
    return rib.reader.attrs(rib.reader.best(prefix.family, rib.reader.find(prefix)));
  };
  const inside = attrsOf('10.244.0.0/26');
  t.same([...inside.communities], [64512 * 65536 + 100], 'the named community, resolved to its value');
  t.match(inside.get('large-communities'), { communities: [64512, 7, 9] }, 'and the large one');
  t.same([...attrsOf('10.250.0.0/26').communities], [], 'a block outside the CIDR is untouched');
  const bad = new CalicoState('a');
  const r = bad.apply(...bgpConfig('default', { prefixAdvertisements: [{ cidr: '10.0.0.0/8', communities: ['nope'] }] }));
  t.match(r.rejected?.message, /prefixAdvertisements\[0\]\.communities\[0\]: "nope" is neither a name/);
});

t.test('a resource that breaks its parser is rejected, never thrown at the watch', async (t) => {
  const s = new CalicoState('a');
  const r = s.apply(...peer('deep', { nodeSelector: `${'('.repeat(100)}all()${')'.repeat(100)}`, peerIP: '198.51.100.1', asNumber: 1 }));
  t.match(r.rejected?.message, /bgppeers\/deep: spec\.nodeSelector: .*nested more than 64 deep/);
});
