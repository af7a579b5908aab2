import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load.js';
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

const bad: [string, string, RegExp][] = [
  ['asn too large', 'routerId: 192.0.2.1\nasn: 4294967296\n', /wren.yaml: asn: must be <= 4294967295/],
  ['missing routerId', 'asn: 1\n', /routerId: is required/],
  ['router id not IPv4', 'routerId: "2001:db8::1"\nasn: 1\n', /routerId: "2001:db8::1" is not a non-zero IPv4 address/],
  ['unknown key', 'routerId: 192.0.2.1\nasn: 1\nbogus: 1\n', /bogus: unknown key/],
  ['unknown neighbor key', 'routerId: 192.0.2.1\nasn: 1\nneighbors: [{address: 192.0.2.2, asn: 2, holdtime: 3}]\n', /neighbors\[0\]\.holdtime: unknown key/],
  ['hold time 2', 'routerId: 192.0.2.1\nasn: 1\nneighbors: [{address: 192.0.2.2, asn: 2, holdTime: 2}]\n', /neighbors\[0\]\.holdTime: must be 0 or at least 3/],
  ['bad address', 'routerId: 192.0.2.1\nasn: 1\nneighbors: [{address: 192.0.2.300, asn: 2}]\n', /neighbors\[0\]\.address: "192.0.2.300" is not an IP address/],
  ['duplicate neighbor', 'routerId: 192.0.2.1\nasn: 1\nneighbors: [{address: 192.0.2.2, asn: 2}, {address: 192.0.2.2, asn: 3}]\n', /neighbors\[1\]\.address: 192.0.2.2 is configured twice/],
  ['multihop and GTSM', 'routerId: 192.0.2.1\nasn: 1\nneighbors: [{address: 192.0.2.2, asn: 2, multihop: 2, ttlSecurity: 1}]\n', /ttlSecurity: cannot be combined with multihop/],
  ['bad family', 'routerId: 192.0.2.1\nasn: 1\nneighbors: [{address: 192.0.2.2, asn: 2, families: [ipv5]}]\n', /families: must be a non-empty list/],
  ['YAML syntax', 'routerId: [\n', /wren.yaml: /],
];

for (const [name, text, re] of bad) {
  t.test(`rejects: ${name}`, async (t) => {
    t.throws(() => parseConfig(text, 'wren.yaml'), { code: 'config.invalid' });
    try {
      parseConfig(text, 'wren.yaml');
    } catch (err) {
      t.match((err as Error).message, re);
    }
  });
}

t.test('wrend exits non-zero with the message on a bad config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-conf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wren.yaml');
  writeFileSync(file, 'routerId: 192.0.2.1\nasn: 0\n');
  const r = spawnSync(process.execPath, [WREND, '--config', file], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /wrend: invalid config: .*wren.yaml: asn: must be >= 1/);
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
  t.same(rr.routeReflector, { clusterId: '192.0.2.100', clients: ['192.0.2.11'], listenRange: '192.0.2.0/24' });
  t.match(rr.neighbors[0], { address: '192.0.2.11', routeReflectorClient: true, origin: 'routeReflector' });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 1\nrouteReflector: { listenRange: 192.0.2.0/33 }\n', 'rr.yaml'), { message: /routeReflector.listenRange: "192.0.2.0\/33" is not a prefix/ });
  t.throws(() => parseConfig('routerId: 192.0.2.1\nasn: 1\nmesh: { nodes: [bogus] }\n', 'm.yaml'), { message: /mesh.nodes: must be a list of addresses/ });
});
