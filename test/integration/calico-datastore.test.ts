/**
 * wren configured only by Calico's datastore in a real etcd (Debian's etcd-server): three nodes
 * and a BIRD ToR from a global BGPPeer, blocks from IPAM affinities in every kernel and at the ToR;
 * a fourth Node joins live without disturbing the other sessions; a malformed resource is rejected
 * with a log line and nothing else moves; etcd goes away (sessions untouched, a restarted node runs
 * from its snapshot) and comes back (the watch resumes and a new block is announced); BGPFilter
 * operations, bindMode and reachableBy applied live.
 * Announced blocks are data from 240.0.0.0/4.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor, type Lab } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import type { ChildProcess } from 'node:child_process';

const R = '/calico/resources/v3/projectcalico.org/';
const ETCD = '192.0.2.250';
const TOR = '192.0.2.254';
const nodeIp = (i: number) => `192.0.2.${i}`;
const block = (i: number, n = 0) => `240.0.${i}.${n * 64}/26`;

const nodeResource = (i: number) => JSON.stringify({ kind: 'Node', apiVersion: 'projectcalico.org/v3', metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } }, spec: { bgp: { ipv4Address: `${nodeIp(i)}/24` } } });
const affinityKey = (i: number, n = 0) => `/calico/ipam/v2/host/node-${i}/ipv4/block/${block(i, n).replace('/', '-')}`;

class Etcd {
  proc: ChildProcess;
  constructor(
    private readonly lab: Lab,
    private readonly ns: string,
  ) {
    this.proc = this.start();
  }

  start(): ChildProcess {
    const url = `http://${ETCD}:2379`;
    this.proc = this.lab.spawn(this.ns, 'etcd', [
      '--name', 'wren-test', '--data-dir', this.lab.path('etcd-data'),
      '--listen-client-urls', url, '--advertise-client-urls', url,
      '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'wren-test=http://127.0.0.1:2380', '--log-level', 'error',
    ]);
    return this.proc;
  }

  async kill(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
  }

  ctl(...args: string[]): string {
    return this.lab.exec(this.ns, 'etcdctl', ['--endpoints', `http://${ETCD}:2379`, ...args]);
  }

  put(key: string, value: string): void {
    this.ctl('put', key, value);
  }

  /**
   * Several keys in one transaction: one revision, so wren sees them together. Separate puts can
   * fall into separate settle windows (datastore-sync SETTLE_MS) when etcdctl is slow to start,
   * and wren then applies the state between them, as confd would.
   */
  putAll(entries: [string, string][]): void {
    const ops = entries.map(([k, v]) => `put ${JSON.stringify(k)} ${JSON.stringify(v)}`).join('\n');
    this.lab.exec(this.ns, 'etcdctl', ['--endpoints', `http://${ETCD}:2379`, 'txn'], { input: `\n${ops}\n\n\n` });
  }

  ready(): boolean {
    // etcdctl says "is healthy" on stderr; its exit status is what counts.
    try {
      this.ctl('endpoint', 'health');
      return true;
    } catch {
      return false;
    }
  }
}

/** Destinations of wren's kernel routes (protocol 210) in a namespace. */
function kernelBlocks(lab: Lab, ns: string): string[] {
  const out = lab.exec(ns, 'ip', ['-4', 'route', 'show', 'proto', '210'], { allowFail: true });
  return out.split('\n').map((l) => l.split(' ')[0] as string).filter((d) => d.startsWith('240.'));
}

/** A lab with a switch and a healthy etcd on it (or null when the machine cannot run one). */
async function etcdLab(t: Parameters<typeof netnsLab>[0], tag: string, tools: string[]): Promise<{ lab: Lab; sw: string; etcd: Etcd } | null> {
  const lab = netnsLab(t, tag, ['etcd', 'etcdctl', ...tools]);
  if (!lab) return null;
  process.env.ETCDCTL_API = '3';
  const sw = lab.switch('sw');
  const etcdNs = lab.ns('etcd');
  lab.attach(sw, etcdNs, [`${ETCD}/24`]);
  const etcd = new Etcd(lab, etcdNs);
  await waitFor('etcd healthy', () => etcd.ready(), 20_000, 300);
  return { lab, sw, etcd };
}

const uptimeOf = (w: Wren, peer: string) => w.lines.filter((l) => l.peer === peer && l.to === 'Established').length;

t.test('Calico datastore in etcd: mesh, ToR, blocks, a node joining, bad input, etcd down and back', async (t) => {
  const up = await etcdLab(t, 'calico', ['bird', 'birdc']);
  if (!up) return;
  const { lab, sw, etcd } = up;
  // What calico-node and kube-controllers would have written.
  etcd.put(`${R}bgpconfigurations/default`, JSON.stringify({ kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: 64512, nodeToNodeMeshEnabled: true } }));
  etcd.put(`${R}bgppeers/tor`, JSON.stringify({ kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { peerIP: TOR, asNumber: 63400 } }));
  etcd.put(`${R}ippools/default-ipv4-ippool`, JSON.stringify({ kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '240.0.0.0/16', ipipMode: 'Never' } }));
  for (const i of [1, 2, 3]) etcd.put(`${R}nodes/node-${i}`, nodeResource(i));
  for (const i of [1, 2, 3]) etcd.put(affinityKey(i), JSON.stringify({ state: 'confirmed', deleted: false }));

  const torNs = lab.ns('tor');
  lab.attach(sw, torNs, [`${TOR}/24`]);
  const tor = new Bird(lab, torNs, { routerId: TOR, asn: 63400, listen: [], peers: [1, 2, 3, 4].map((i) => ({ address: nodeIp(i), asn: 64512, holdTime: 9 })), announce: ['203.0.113.0/24'] });

  const nss = new Map<number, string>();
  const start = (i: number, name = 'wren') => {
    let ns = nss.get(i);
    if (!ns) {
      ns = lab.ns(`n${i}`);
      lab.attach(sw, ns, [`${nodeIp(i)}/24`]);
      nss.set(i, ns);
    }
    return new Wren(lab, ns, {
      nodeName: `node-${i}`,
      datastore: { type: 'etcdv3', endpoints: [`http://${ETCD}:2379`], snapshot: lab.path(`snapshot-${i}.json`) },
      fib: { enabled: true },
      gracefulRestart: { stateFile: lab.path(`state-${i}`) },
    }, name);
  };
  const wrens = new Map<number, Wren>([1, 2, 3].map((i) => [i, start(i)]));
  const peersOf = (i: number, members: number[]) => [...members.filter((j) => j !== i).map(nodeIp), TOR];

  // 1. Three nodes configured only with nodeName + datastore + fib: full mesh, the ToR, every block.
  await waitFor('mesh and ToR sessions up', () => [1, 2, 3].every((i) => peersOf(i, [1, 2, 3]).every((p) => wrens.get(i)?.state(p) === 'Established')), 45_000);
  for (const i of [1, 2, 3]) {
    const others = [1, 2, 3].filter((j) => j !== i).map((j) => block(j)).sort();
    const got = await waitFor(`node-${i} kernel holds the others' blocks`, () => {
      const k = kernelBlocks(lab, nss.get(i) as string).sort();
      return others.every((b) => k.includes(b)) ? k : null;
    }, 20_000).catch(() => kernelBlocks(lab, nss.get(i) as string));
    t.same(others.filter((b) => !(got ?? []).includes(b)), [], `node-${i}: the other nodes' blocks are in its kernel`);
  }
  for (const i of [1, 2, 3]) {
    const paths = await waitFor(`ToR has ${block(i)}`, () => (tor.pathsFor(block(i)).length > 0 ? true : null), 20_000).catch(() => false);
    t.ok(paths, `the ToR holds ${block(i)}`);
  }
  const own = lab.exec(nss.get(1) as string, 'ip', ['-4', 'route', 'show', 'proto', '210', 'type', 'blackhole']);
  t.match(own, new RegExp(`blackhole ${block(1).replace(/\./g, '\\.')}`), "node-1 holds its own block as a blackhole route, as Calico's BIRD does");
  const ds = (wrens.get(1) as Wren).json<{ connected: boolean; revision: string; resources: { nodes: number } }>('show datastore');
  t.match(ds, { connected: true, resources: { nodes: 3 } }, 'show datastore: connected, three Nodes');
  const effective = (wrens.get(1) as Wren).wrenc('show', 'config', '--effective');
  t.match(effective.stdout, /routerId: 192\.0\.2\.1\nasn: 64512[\s\S]*mesh:[\s\S]*- 192\.0\.2\.3/, 'show config --effective: the computed config as a file would have it');

  // 2. A fourth node joins: every node peers with it; existing sessions keep their uptime.
  const before = new Map([1, 2, 3].map((i) => [i, peersOf(i, [1, 2, 3]).map((p) => uptimeOf(wrens.get(i) as Wren, p))]));
  etcd.put(`${R}nodes/node-4`, nodeResource(4));
  etcd.put(affinityKey(4), JSON.stringify({ state: 'confirmed', deleted: false }));
  wrens.set(4, start(4));
  const t0 = Date.now();
  await waitFor('every node peers with node-4', () => [1, 2, 3].every((i) => wrens.get(i)?.state(nodeIp(4)) === 'Established'), 30_000);
  t.comment(`node-4 peered with every node ${Date.now() - t0} ms after it started`);
  for (const i of [1, 2, 3]) {
    t.same(peersOf(i, [1, 2, 3]).map((p) => uptimeOf(wrens.get(i) as Wren, p)), before.get(i), `node-${i}: no other session was reset`);
  }
  await waitFor('node-1 kernel holds node-4 block', () => kernelBlocks(lab, nss.get(1) as string).includes(block(4)), 20_000);

  // 3. A malformed resource: one clear log line on each node, nothing else disturbed.
  etcd.put(`${R}bgppeers/broken`, JSON.stringify({ kind: 'BGPPeer', metadata: { name: 'broken' }, spec: { peerIP: TOR, asNumber: 63400, nodeSelector: "rack = 'r1'" } }));
  await waitFor('every node rejects the broken BGPPeer', () => [1, 2, 3, 4].every((i) => wrens.get(i)?.lines.some((l) => l.msg === 'datastore resource rejected; the rest is applied' && String(l.key).endsWith('bgppeers/broken'))), 10_000);
  const line = (wrens.get(1) as Wren).lines.find((l) => String(l.key).endsWith('bgppeers/broken'));
  t.match(line?.error, /spec\.nodeSelector: selector .*expected an operator/, 'the line names the field and the problem');
  await sleep(500);
  t.ok([1, 2, 3].every((i) => wrens.get(i)?.state(TOR) === 'Established'), 'the ToR sessions stay up');

  // 4. etcd goes away: sessions untouched; a node restarted meanwhile runs from its snapshot.
  await etcd.kill();
  await waitFor('nodes notice etcd is gone', () => (wrens.get(2) as Wren).lines.some((l) => /datastore connection lost|datastore watch lost/.test(l.msg)), 30_000).catch(() => undefined);
  const counts = [1, 2, 3, 4].map((i) => (wrens.get(i) as Wren).lines.filter((l) => l.from === 'Established').length);
  await (wrens.get(3) as Wren).stop();
  wrens.set(3, start(3, 'wren-again'));
  await waitFor('node-3 runs from its snapshot', () => (wrens.get(3) as Wren).lines.some((l) => l.msg === 'datastore unreachable: running from the snapshot until it is back'), 20_000);
  await waitFor('node-3 back in the mesh', () => peersOf(3, [1, 2, 3, 4]).every((p) => wrens.get(3)?.state(p) === 'Established'), 30_000);
  t.same([1, 2, 4].map((i) => (wrens.get(i) as Wren).lines.filter((l) => l.from === 'Established' && l.peer !== nodeIp(3)).length), [counts[0], counts[1], counts[3]], 'while etcd was down no session other than node-3 went down');

  // 5. etcd is back: the watch resumes, and a change made now is applied.
  etcd.start();
  await waitFor('etcd healthy again', () => etcd.ready(), 20_000, 300);
  etcd.put(affinityKey(1, 1), JSON.stringify({ state: 'confirmed', deleted: false }));
  await waitFor('the new block of node-1 reaches node-2 and the ToR', () => kernelBlocks(lab, nss.get(2) as string).includes(block(1, 1)) && tor.pathsFor(block(1, 1)).length > 0, 40_000).catch((err: unknown) => {
    for (const l of (wrens.get(1) as Wren).lines.filter((x) => /datastore|config|announce/.test(x.msg) && x.msg !== 'datastore watch connection').slice(-12)) t.comment(JSON.stringify(l).slice(0, 220));
    t.comment(`node-1 alive: ${String((wrens.get(1) as Wren).alive)}`);
    for (const l of (wrens.get(1) as Wren).lines.filter((x) => x.level >= 50).slice(-5)) t.comment(JSON.stringify(l).slice(0, 600));
    throw err;
  });
  t.pass('a change made after etcd came back is applied');
  t.match(lab.exec(nss.get(1) as string, 'ip', ['-4', 'route', 'show', 'proto', '210', 'type', 'blackhole']), /blackhole 240\.0\.1\.64\/26/, 'and the new block is a blackhole on its node (a reload changes the list live)');
  t.match((wrens.get(3) as Wren).json('show datastore'), { connected: true }, 'the node that started from its snapshot is connected now');

  // 6. An affinity deleted and re-added; a pool with disableBGPExport keeps its blocks in.
  etcd.ctl('del', affinityKey(2));
  await waitFor('node-2 block withdrawn everywhere', () => !kernelBlocks(lab, nss.get(1) as string).includes(block(2)) && tor.pathsFor(block(2)).length === 0, 20_000);
  t.pass('a deleted affinity is withdrawn from the other kernels and the ToR');
  etcd.put(`${R}ippools/quiet`, JSON.stringify({ kind: 'IPPool', metadata: { name: 'quiet' }, spec: { cidr: '240.1.0.0/16', disableBGPExport: true } }));
  etcd.put(`/calico/ipam/v2/host/node-2/ipv4/block/240.1.2.0-26`, JSON.stringify({ state: 'confirmed', deleted: false }));
  etcd.put(affinityKey(2), JSON.stringify({ state: 'confirmed', deleted: false }));
  await waitFor('node-2 block back', () => kernelBlocks(lab, nss.get(1) as string).includes(block(2)) && tor.pathsFor(block(2)).length > 0, 20_000);
  t.pass('re-added: announced again');
  t.notOk(kernelBlocks(lab, nss.get(1) as string).includes('240.1.2.0/26'), 'the block of a disableBGPExport pool is not announced');

  // 7. A BGPFilter on the ToR peering rejects one block on export; nothing else changes.
  const torUps = [1, 2, 4].map((i) => uptimeOf(wrens.get(i) as Wren, TOR));
  etcd.put(`${R}bgpfilters/no-node3`, JSON.stringify({ kind: 'BGPFilter', metadata: { name: 'no-node3' }, spec: { exportV4: [{ cidr: block(3), matchOperator: 'Equal', action: 'Reject' }] } }));
  etcd.put(`${R}bgppeers/tor`, JSON.stringify({ kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { peerIP: TOR, asNumber: 63400, filters: ['no-node3'] } }));
  await waitFor('the ToR loses the filtered block', () => tor.pathsFor(block(3)).length === 0, 20_000).catch((err: unknown) => {
    for (const l of (wrens.get(1) as Wren).lines.filter((x) => /reload|datastore|policy/.test(x.msg) && x.msg !== 'datastore watch connection').slice(-6)) t.comment(JSON.stringify(l).slice(0, 400));
    t.comment(`ToR paths for ${block(3)}: ${tor.pathsFor(block(3)).join(' ')}`);
    throw err;
  });
  t.pass('a BGPFilter rejecting a CIDR on export: the ToR no longer has it');
  t.ok(tor.pathsFor(block(1)).length > 0 && kernelBlocks(lab, nss.get(1) as string).includes(block(3)), 'the other blocks stay at the ToR; the mesh still carries the filtered one');
  t.same([1, 2, 4].map((i) => uptimeOf(wrens.get(i) as Wren, TOR)), torUps, 'the ToR sessions were not reset for the filter');

  // 8. Calico's other knobs, live. A BGPFilter whose operations tag and prepend a block on its way
  // to the ToR; bindMode NodeIP moves the listening socket to the node's address; reachableBy
  // installs a host route to the peer through its gateway. No ToR session is reset for any of it.
  etcd.put(`${R}bgpfilters/tag`, JSON.stringify({ kind: 'BGPFilter', metadata: { name: 'tag' }, spec: { exportV4: [{ cidr: block(1), matchOperator: 'Equal', action: 'Accept', operations: [{ addCommunity: { value: '64512:77' } }, { prependASPath: { prefix: [64512] } }] }] } }));
  etcd.put(`${R}bgppeers/tor`, JSON.stringify({ kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { peerIP: TOR, asNumber: 63400, filters: ['no-node3', 'tag'] } }));
  const shown = await waitFor('the ToR sees the tagged, prepended block', () => {
    const out = tor.birdc(`show route ${block(1)} all`);
    return /\(64512,77\)/.test(out) && /BGP\.as_path: 64512 64512\b/.test(out) ? out : null;
  }, 20_000).catch(() => tor.birdc(`show route ${block(1)} all`));
  t.match(shown, /BGP\.community:.*\(64512,77\)/, 'addCommunity: the community is on the route at the ToR');
  t.match(shown, /BGP\.as_path: 64512 64512\b/, 'prependASPath: our AS once more behind our own');
  t.ok(tor.pathsFor(block(2)).length > 0 && !/\(64512,77\)/.test(tor.birdc(`show route ${block(2)} all`)), 'the other blocks go as before');
  etcd.put(`${R}bgpconfigurations/default`, JSON.stringify({ kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: 64512, nodeToNodeMeshEnabled: true, bindMode: 'NodeIP' } }));
  const listening = () => lab.exec(nss.get(1) as string, 'ss', ['-Hltn', 'sport', '=', ':179'], { allowFail: true });
  await waitFor('node-1 listens on its own address only', () => /192\.0\.2\.1:179/.test(listening()) && !/0\.0\.0\.0:179|\[::\]:179|\*:179/.test(listening()), 20_000).catch(() => undefined);
  t.match(listening(), /192\.0\.2\.1:179/, 'bindMode NodeIP: listening on the node address');
  t.notMatch(listening(), /0\.0\.0\.0:179/, 'and no longer on every address');
  etcd.put(`${R}bgppeers/far`, JSON.stringify({ kind: 'BGPPeer', metadata: { name: 'far' }, spec: { node: 'node-1', peerIP: '198.51.100.9', asNumber: 65009, reachableBy: TOR } }));
  const hostRoute = () => lab.exec(nss.get(1) as string, 'ip', ['-4', 'route', 'show', '198.51.100.9/32'], { allowFail: true });
  await waitFor('node-1 has a host route to the far peer', () => /via 192\.0\.2\.254/.test(hostRoute()), 20_000).catch(() => {
    for (const l of (wrens.get(1) as Wren).lines.filter((x) => /reload|static|datastore|rejected/.test(x.msg) || x.level >= 40).slice(-8)) t.comment(JSON.stringify(l).slice(0, 500));
  });
  t.match(hostRoute(), /198\.51\.100\.9 via 192\.0\.2\.254 .*proto 210/, 'reachableBy: a host route to the peer through its gateway, wren\'s');
  t.notMatch(lab.exec(nss.get(2) as string, 'ip', ['-4', 'route', 'show', '198.51.100.9/32'], { allowFail: true }), /198\.51\.100\.9/, 'only on the node the BGPPeer is for, and never announced');
  t.same([1, 2, 4].map((i) => uptimeOf(wrens.get(i) as Wren, TOR)), torUps, 'the ToR sessions were not reset for any of it');

  t.notOk([...wrens.values()].some((w) => w.lines.some((l) => l.level >= 60)), 'no wren logged a fatal line');
  for (const w of wrens.values()) await w.stop();
});

t.test('Calico datastore: a mesh becomes two reflectors and their clients without losing a route from any kernel', async (t) => {
  const up = await etcdLab(t, 'calrr', []);
  if (!up) return;
  const { lab, sw, etcd } = up;
  const ids = [1, 2, 3, 4];
  etcd.put(`${R}bgpconfigurations/default`, JSON.stringify({ kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: 64512, nodeToNodeMeshEnabled: true } }));
  for (const i of ids) etcd.put(`${R}nodes/node-${i}`, nodeResource(i));
  for (const i of ids) etcd.put(affinityKey(i), JSON.stringify({ state: 'confirmed', deleted: false }));
  const nss = new Map<number, string>();
  const wrens = new Map<number, Wren>();
  for (const i of ids) {
    const ns = lab.ns(`n${i}`);
    lab.attach(sw, ns, [`${nodeIp(i)}/24`]);
    nss.set(i, ns);
    wrens.set(i, new Wren(lab, ns, { nodeName: `node-${i}`, datastore: { type: 'etcdv3', endpoints: [`http://${ETCD}:2379`] }, fib: { enabled: true } }));
  }
  const complete = (i: number) => {
    const k = kernelBlocks(lab, nss.get(i) as string);
    return ids.filter((j) => j !== i).every((j) => k.includes(block(j)));
  };
  await waitFor('every kernel holds every other block', () => ids.every(complete), 45_000);
  // The log lines (read from each wrend's stdout) can trail the kernel: wait until every node has
  // logged every mesh session up before counting them.
  await waitFor('every node logged its mesh sessions up', () => ids.every((i) => ids.every((j) => i === j || wrens.get(i)?.state(nodeIp(j)) === 'Established')), 15_000);

  // Sample every kernel every 100 ms while the topology changes.
  const gaps: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const i of ids) {
        const k = kernelBlocks(lab, nss.get(i) as string);
        for (const j of ids) if (j !== i && !k.includes(block(j))) gaps.push(`node-${i} lacked ${block(j)} at ${new Date().toISOString()}`);
      }
      await sleep(100);
    }
  })();
  const established = (i: number) => (wrens.get(i) as Wren).lines.filter((l) => l.to === 'Established').length;
  const before = ids.map(established);

  // A: node-1 and node-2 become reflectors of one cluster; every node peers with the reflectors
  // (one transaction: the state with the reflectors out of the mesh but no BGPPeer yet would
  // rightly take their sessions down).
  etcd.putAll([
    ...[1, 2].map((i): [string, string] => [`${R}nodes/node-${i}`, JSON.stringify({ kind: 'Node', metadata: { name: `node-${i}`, labels: { 'route-reflector': 'true' } }, spec: { bgp: { ipv4Address: `${nodeIp(i)}/24`, routeReflectorClusterID: '244.0.0.1' } } })]),
    [`${R}bgppeers/peer-with-route-reflectors`, JSON.stringify({ kind: 'BGPPeer', metadata: { name: 'peer-with-route-reflectors' }, spec: { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" } })],
  ]);
  await waitFor('node-1 reflects for its clients', () => (wrens.get(1) as Wren).lines.some((l) => l.msg === 'configuration reloaded' && JSON.stringify(l.plan).includes('clusterId')), 15_000);
  await sleep(2000);
  // B: the mesh goes; the clients keep each other's blocks through the reflectors.
  etcd.put(`${R}bgpconfigurations/default`, JSON.stringify({ kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: 64512, nodeToNodeMeshEnabled: false } }));
  await waitFor('the client-to-client session is gone', () => (wrens.get(3) as Wren).state(nodeIp(4)) !== 'Established', 15_000);
  await sleep(2000);
  sampling = false;
  await sampler;
  if (gaps.length) {
    for (const i of [1, 3]) for (const l of (wrens.get(i) as Wren).lines.filter((x) => x.msg === 'configuration reloaded' || typeof x.to === 'string' || x.level >= 40).slice(-12)) t.comment(`node-${i} ${JSON.stringify(l).slice(0, 300)}`);
  }
  t.same(gaps.slice(0, 10), [], 'no kernel lost a block at any sample');
  t.ok(ids.every(complete), 'every kernel holds every other block after the change');
  t.same(ids.map(established), before, 'no session went down and came back');
  t.equal((wrens.get(3) as Wren).state(nodeIp(1)), 'Established', 'a client keeps its session with each reflector');
  for (const w of wrens.values()) await w.stop();
});
