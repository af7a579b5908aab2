import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigAsync, parseConfig } from '../../../src/config/load.js';
import { WREND } from '../../helpers/wren.js';

const yaml = `
routerId: 192.0.2.1
asn: 64512
listen: { address: [192.0.2.1, "2001:db8::1"], port: 1179 }
neighbors:
  - address: 192.0.2.2
    asn: 63400
    holdTime: 3
    password: s3cret
    ttlSecurity: 1
  - { address: "2001:db8::2", asn: 64512, passive: true, families: [ipv6, ipv4] }
`;

t.test('YAML and JSON configs load with defaults filled in', async (t) => {
  const c = parseConfig(yaml, 'wren.yaml');
  t.equal(c.asn, 64512);
  t.same(c.listen, { address: ['192.0.2.1', '2001:db8::1'], port: 1179 });
  t.equal(c.neighbors.length, 2);
  t.match(c.neighbors[0], { address: '192.0.2.2', asn: 63400, holdTime: 3, port: 179, passive: false, families: ['ipv4'], connectRetryTime: 5 });
  t.same(c.neighbors[1]?.families, ['ipv6', 'ipv4']);
  const j = parseConfig(JSON.stringify({ routerId: '192.0.2.9', asn: 4200000000 }), 'wren.json');
  t.same(j.listen, { address: ['0.0.0.0', '::'], port: 179 });
  t.same(j.neighbors, []);
});

const INVALID = 'fixtures/config/invalid';
const expected = JSON.parse(readFileSync(join(INVALID, 'expected.json'), 'utf8')) as Record<string, string>;

// Each invalid config carries the exact message it must produce (first line `# expect: ...`,
// JSON files in expected.json): file, line:column, key and what is wrong.
for (const name of readdirSync(INVALID).filter((f) => f !== 'expected.json')) {
  t.test(`rejects ${name}`, async (t) => {
    const text = readFileSync(join(INVALID, name), 'utf8');
    const want = expected[name] ?? /^# expect: (.*)$/m.exec(text)?.[1];
    t.ok(want, 'the fixture says what it expects');
    t.throws(() => parseConfig(text, name), { code: 'config.invalid', message: want });
  });
}

t.test('every example in config/ is valid and means what its comments say', async (t) => {
  const examples = readdirSync('config').filter((f) => f.endsWith('.yaml'));
  t.same(examples.sort(), ['calico-policy.yaml', 'mesh.yaml', 'route-reflector.yaml', 'rr-client.yaml', 'tor-peering.yaml']);
  const load = (f: string) => loadConfigAsync(join('config', f));
  const mesh = await load('mesh.yaml');
  t.same(mesh.neighbors.map((n) => [n.address, n.origin, n.asn, n.keepaliveTime, n.passive]), [
    ['192.0.2.12', 'mesh', 64512, 30, true],
    ['192.0.2.13', 'mesh', 64512, 30, true],
  ]);
  t.equal(mesh.fib.protocol, 12, 'proto bird');
  t.same(mesh.fib.tunnel, { interface: 'tunl0', mode: 'cross-subnet' });
  const rr = await load('route-reflector.yaml');
  t.match(rr.routeReflector, { clusterId: '192.0.2.254', listenRange: '192.0.2.0/24', template: { holdTime: 30, addPaths: 'send' } });
  t.match(rr.neighbors, [{ address: '192.0.2.3', holdTime: 30, routeReflectorClient: false }]);
  t.equal(rr.control.group, 'wren');
  const client = await load('rr-client.yaml');
  t.same(client.neighbors.map((n) => [n.address, n.origin]), [['192.0.2.2', 'routeReflectors'], ['192.0.2.3', 'routeReflectors']]);
  const calico = await load('calico-policy.yaml');
  t.same([...calico.policies.keys()], ['tor-export', 'tor-import', 'kernel-learn', 'kernel']);
  t.match(calico.neighbors, [{ address: '192.0.2.2' }, { address: '192.0.2.254', import: ['tor-import'], export: ['tor-export'] }]);
  t.same(calico.fib.policy, ['kernel']);
  const tor = await load('tor-peering.yaml');
  t.same(tor.neighbors.map((n) => [n.address, n.asn, n.ttlSecurity, n.holdTime, n.allowOwnAs, n.description]), [
    ['203.0.113.1', 63400, 1, 9, 1, 'tor-a'],
    ['203.0.113.2', 63400, 1, 9, 1, 'tor-b'],
  ]);
});

t.test('peer templates: a neighbour\'s own settings win over its template', async (t) => {
  const c = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
peerTemplates:
  tor: { asn: 63400, holdTime: 9, addPaths: true, families: [ipv4, ipv6] }
neighbors:
  - { address: 192.0.2.2, template: tor }
  - { address: 192.0.2.3, template: tor, holdTime: 30, asn: 63401 }
`,
    'wren.yaml',
  );
  t.match(c.neighbors[0], { asn: 63400, holdTime: 9, addPaths: 'both', families: ['ipv4', 'ipv6'], port: 179 });
  t.match(c.neighbors[1], { asn: 63401, holdTime: 30, addPaths: 'both' });
});

t.test('wrend exits non-zero with the message on a bad config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-conf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wren.yaml');
  writeFileSync(file, 'routerId: 192.0.2.1\nasn: 0\n');
  const r = spawnSync(process.execPath, [WREND, '--config', file], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /wrend: invalid config: .*wren.yaml:2:6 asn: must be >= 1/);
  const missing = spawnSync(process.execPath, [WREND, '--config', join(dir, 'nope.yaml')], { encoding: 'utf8' });
  t.equal(missing.status, 2);
  t.match(missing.stderr, /no such file/);
});

t.test('topology keys expand into neighbours; the mesh compares addresses as numbers', async (t) => {
  const c = parseConfig(
    `routerId: 192.0.2.9
asn: 64512
mesh: { nodes: [192.0.2.9, 192.0.2.10, 192.0.2.2] }
routeReflectors: [198.51.100.1]
neighbors: [{ address: 192.0.2.2, asn: 64512, holdTime: 3 }]
`,
    'mesh.yaml',
  );
  const by = new Map(c.neighbors.map((n) => [n.address, n]));
  t.equal(c.neighbors.length, 3, 'not ourselves; the explicit neighbour is kept once');
  t.match(by.get('192.0.2.10'), { origin: 'mesh', passive: true, passiveFallback: true, asn: 64512 }, '.10 is above .9 as numbers: we wait, then dial');
  t.match(by.get('192.0.2.2'), { origin: 'neighbors', holdTime: 3, passive: false }, 'explicit settings win');
  t.match(by.get('198.51.100.1'), { origin: 'routeReflectors', passive: false });
  const rr = parseConfig('routerId: 192.0.2.1\nasn: 64512\nrouteReflector: { clusterId: 192.0.2.100, clients: [192.0.2.11], listenRange: 192.0.2.0/24 }\n', 'rr.yaml');
  t.same(rr.routeReflector, { clusterId: '192.0.2.100', clients: ['192.0.2.11'], listenRange: '192.0.2.0/24', template: {}, maxDynamicNeighbors: 10000, maxPendingDynamic: 4096, openTimeout: 10 });
  t.match(rr.neighbors[0], { address: '192.0.2.11', routeReflectorClient: true, origin: 'routeReflector' });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 1\nrouteReflector: { listenRange: 192.0.2.0/33 }\n', 'rr.yaml'), { message: /routeReflector.listenRange: "192.0.2.0\/33" is not a prefix/ });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 1\nmesh: { nodes: [bogus] }\n', 'm.yaml'), { message: 'm.yaml:3:17 mesh.nodes[0]: "bogus" is not an IP address' });
});

t.test('eBGP neighbours without a prefix limit get the default one; iBGP and explicit limits are left alone', async (t) => {
  const c = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
neighbors:
  - { address: 192.0.2.2, asn: 65001 }
  - { address: 192.0.2.3, asn: 65001, maxPrefixes: { limit: 50, action: warn } }
  - { address: 192.0.2.4, asn: 64512 }
  - { address: 192.0.2.5, asn: 65002, localAs: 65002 }
`,
    'wren.yaml',
  );
  const by = new Map(c.neighbors.map((n) => [n.address, n]));
  t.same(by.get('192.0.2.2')?.maxPrefixes, { limit: 2_000_000, action: 'stop' });
  t.same(by.get('192.0.2.3')?.maxPrefixes, { limit: 50, action: 'warn' });
  t.equal(by.get('192.0.2.4')?.maxPrefixes, undefined, 'iBGP: none');
  t.equal(by.get('192.0.2.5')?.maxPrefixes, undefined, 'iBGP through localAs: none');
  t.equal(by.get('192.0.2.2')?.extendedMessages, true, 'extended messages offered by default');
});

t.test('names never resolve through Object.prototype', async (t) => {
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - { address: 192.0.2.2, asn: 64512, template: constructor }\n', 'proto.yaml'), { message: /no peer template "constructor"/ });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 64512\nfib: { protocol: toString }\n', 'proto.yaml'), { message: /fib\.protocol/ });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 64512\nfib: { protocol: __proto__ }\n', 'proto.yaml'), { message: /fib\.protocol/ });
});

t.test('bestPath: MED rules, off by default', async (t) => {
  t.same(parseConfig('routerId: 192.0.2.1\nasn: 64512\n', 'b.yaml').bestPath, { alwaysCompareMed: false, missingMedWorst: false });
  t.same(parseConfig('routerId: 192.0.2.1\nasn: 64512\nbestPath: { alwaysCompareMed: true, missingMedAsWorst: true }\n', 'b.yaml').bestPath, { alwaysCompareMed: true, missingMedWorst: true });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 64512\nbestPath: { deterministicMed: false }\n', 'b.yaml'), { message: /bestPath\.deterministicMed: unknown key/ });
});

t.test('bfd: true for the defaults, settings, templates, and bfd: false to turn a template off', async (t) => {
  const c = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
peerTemplates:
  tor: { asn: 65000, bfd: { minRx: 100, minTx: 100, multiplier: 5, authentication: { type: keyed-sha1, password: k3y } } }
neighbors:
  - { address: 192.0.2.2, asn: 65000, bfd: true }
  - { address: 192.0.2.3, template: tor }
  - { address: 192.0.2.4, template: tor, bfd: false }
  - { address: 192.0.2.5, asn: 65000, multihop: 4, bfd: { strict: false, gracefulRestart: true } }
`,
    'bfd.yaml',
  );
  const [a, b, c4, d] = c.neighbors;
  t.same(a?.bfd, { minRx: 300, minTx: 300, multiplier: 3, strict: true, gracefulRestart: false }, 'defaults: 300 ms x 3, strict');
  t.same(b?.bfd, { minRx: 100, minTx: 100, multiplier: 5, strict: true, gracefulRestart: false, authentication: { type: 'keyed-sha1', keyId: 1, password: 'k3y' } }, 'from the template, key ID 1 by default');
  t.equal(c4?.bfd, undefined, 'bfd: false overrides the template');
  t.match(d?.bfd, { strict: false, gracefulRestart: true });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 1\nneighbors:\n  - { address: 192.0.2.2, asn: 2, bfd: { minRx: 5 } }\n', 'b.yaml'), { message: /b\.yaml:4:\d+ neighbors\[0\]\.bfd\.minRx: must be >= 10/ });
  t.throws(
    () => parseConfig('routerId: 192.0.2.1\nasn: 1\nneighbors:\n  - address: 192.0.2.2\n    asn: 2\n    bfd: { authentication: { type: keyed-md5, password: "seventeen-bytes!!" } }\n', 'b.yaml'),
    { message: /neighbors\[0\]\.bfd\.authentication\.password: must be at most 16 bytes for keyed-md5/ },
  );
});

t.test('mistakes named as operators make them: misspelt and foreign keys, one address spelt two ways', async (t) => {
  const err = (text: string) => {
    try {
      parseConfig(text, 'w.yaml');
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };
  t.equal(err('routerID: 192.0.2.1\nasn: 64512\n'), 'w.yaml:1:1 routerID: unknown key (did you mean "routerId"?)', 'the misspelling, not "routerId is required"');
  t.equal(err('routerId: 192.0.2.1\nasNumber: 64512\n'), 'w.yaml:2:1 asNumber: unknown key (Calico\'s name; wren\'s is "asn")', 'Calico\'s name for it');
  t.match(err('routerId: 192.0.2.1\nasn: 1\nneighbors:\n  - { peerIP: 192.0.2.5, asn: 1 }\n'), /neighbors\[0\]\.peerIP: unknown key \(Calico's name; wren's is "address"\)/);
  t.equal(err('routerId: 192.0.2.1\nasn: 1\nneighbors:\n  - { address: "2001:db8::1", asn: 1 }\n  - { address: "2001:db8:0::1", asn: 1 }\n'), 'w.yaml:5:16 neighbors[1].address: 2001:db8:0::1 is 2001:db8::1, configured twice');
  const c = parseConfig('routerId: 192.0.2.1\nasn: 1\nneighbors:\n  - { address: "2001:DB8:0::A", asn: 1 }\nmesh: { nodes: ["2001:db8:0:0::b", 192.0.2.1] }\n', 'w.yaml');
  t.same(c.neighbors.map((n) => n.address), ['2001:db8::a'], 'addresses kept as sockets spell them (an inbound connection matches)');
  t.same(c.mesh?.nodes, ['2001:db8::b', '192.0.2.1'], 'mesh nodes too');
});

t.test('wrend --check: valid and invalid files, exit 0 and 2, nothing opened', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'routerId: 192.0.2.1\nasn: 64512\nlisten: { address: [192.0.2.1], port: 179 }\nneighbors:\n  - { address: 192.0.2.2, asn: 65000, bfd: true }\n');
  const ok = spawnSync(process.execPath, [WREND, '--check', '--config', good], { encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /good\.yaml: valid \(router id 192\.0\.2\.1, AS 64512, 1 neighbor, 0 policies, 0 announced prefixes\)/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - { address: 192.0.2.2, asn: 65000, import: [nope] }\n');
  const no = spawnSync(process.execPath, [WREND, '--check', '--config', bad], { encoding: 'utf8' });
  t.equal(no.status, 2);
  t.match(no.stderr, /bad\.yaml:4:\d+ neighbors\[0\]\.import\[0\]: no policy "nope"/);
  const ds = join(dir, 'ds.yaml');
  writeFileSync(ds, `nodeName: n1\ndatastore: { type: etcdv3, endpoints: ["http://127.0.0.1:2379"], tls: { ca: ${join(dir, 'missing-ca.pem')} } }\n`);
  const d = spawnSync(process.execPath, [WREND, '--check', '--config', ds], { encoding: 'utf8' });
  t.equal(d.status, 2, 'a datastore file naming a missing CA');
  t.match(d.stderr, /datastore\.tls\.ca .*missing-ca\.pem: no such file/);
  const lvl = spawnSync(process.execPath, [WREND, '--log-level', 'verbose', '--check', '--config', good], { encoding: 'utf8' });
  t.equal(lvl.status, 2);
  t.equal(lvl.stderr, 'wrend: --log-level: "verbose" is not a level (fatal, error, warn, info, debug, trace)\n', 'a bad level is a usage error, not a stack trace');
});

t.test('addPaths as { send, receive }: which paths go, and a bad selection refused at its line', async (t) => {
  const doc = (ap: string) => `routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - { address: 192.0.2.2, asn: 64512, addPaths: ${ap} }\n`;
  const n = (ap: string) => parseConfig(doc(ap), 'w.yaml').neighbors[0];
  t.match(n('{ send: all }'), { addPaths: 'send', addPathsSend: 'all' });
  t.match(n('{ send: best-4, receive: true }'), { addPaths: 'both', addPathsSend: 4 });
  t.match(n('{ send: multipath }'), { addPaths: 'send', addPathsSend: 'multipath' });
  t.match(n('{ receive: true }'), { addPaths: 'receive' });
  t.match(n('send'), { addPaths: 'send' });
  t.equal(n('send')?.addPathsSend, undefined, 'the plain form: the best path only');
  t.throws(() => n('{ send: best-40 }'), /w\.yaml:4:.*addPaths/);
  t.throws(() => n('{ send: some }'), /w\.yaml:4:.*addPaths/);
});

t.test('a link-local neighbour needs its interface; an interface needs a link-local address', async (t) => {
  const doc = (n: string) => `routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - ${n}\n`;
  t.match(parseConfig(doc('{ address: "fe80::2", interface: eth0, asn: 65002 }'), 'w.yaml').neighbors[0], { address: 'fe80::2', interface: 'eth0' });
  t.throws(() => parseConfig(doc('{ address: "fe80::2", asn: 65002 }'), 'w.yaml'), /w\.yaml:4:.*fe80::2 is link-local: give the interface/);
  t.throws(() => parseConfig(doc('{ address: "2001:db8::2", interface: eth0, asn: 65002 }'), 'w.yaml'), /interface: goes with a link-local/);
});

t.test('an unnumbered neighbour: an interface without an address; its settings kept for when the peer is found', async (t) => {
  const doc = (n: string) => `routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - ${n}\n`;
  const c = parseConfig(doc('{ interface: eth1, asn: 65002, extendedNextHop: true, holdTime: 9 }'), 'w.yaml');
  t.same(c.neighbors, [], 'no neighbour until the peer is heard');
  t.match(c.unnumbered, [{ interface: 'eth1', settings: { asn: 65002, extendedNextHop: true, holdTime: 9 } }]);
  t.throws(() => parseConfig(doc('{ asn: 65002 }'), 'w.yaml'), /needs an address, or an interface for an unnumbered neighbor/);
  t.throws(() => parseConfig(doc('{ interface: eth1 }'), 'w.yaml'), /asn is required/);
  t.throws(() => parseConfig(`routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - { interface: eth1, asn: 1 }\n  - { interface: eth1, asn: 2 }\n`, 'w.yaml'), /eth1 has an unnumbered neighbor already/);
  const { Unnumbered } = await import('../../../src/daemon/unnumbered.js');
  const { pino } = await import('pino');
  const u = new Unnumbered(pino({ level: 'silent' }), () => undefined);
  t.equal(u.expand(c), c, 'nothing heard: the config as it is');
  (u as unknown as { hear(i: string, ll: string): void }).hear('eth1', 'fe80::2');
  const e = u.expand(c);
  t.match(e.neighbors, [{ address: 'fe80::2', interface: 'eth1', asn: 65002, holdTime: 9, families: ['ipv4', 'ipv6'], maxPrefixes: { limit: 2000000 } }], 'heard: a link-local neighbour on that interface, eBGP defaults and RFC 8950 families included');
});

t.test('a link-local neighbour may be written fe80::2%eth0', async (t) => {
  const doc = (n: string) => `routerId: 192.0.2.1\nasn: 64512\nneighbors:\n  - ${n}\n`;
  t.match(parseConfig(doc('{ address: "fe80::2%eth0", asn: 65002 }'), 'w.yaml').neighbors[0], { address: 'fe80::2', interface: 'eth0' });
  t.throws(() => parseConfig(doc('{ address: "2001:db8::2%eth0", asn: 65002 }'), 'w.yaml'), /an IP address \(a link-local one may carry its interface/);
  t.throws(() => parseConfig(doc('{ address: "fe80::2%eth0", interface: eth1, asn: 65002 }'), 'w.yaml'), /eth1, but the address says eth0/);
});
