/**
 * Calico topologies: three wren nodes in an iBGP full mesh plus a BIRD top-of-rack router over
 * eBGP; and a mixed mesh of wren nodes and BIRD nodes configured as Calico renders BIRD's config
 * (`passive on` when the peer's address string sorts above the node's). Every node announces a /26.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird, birdProtocolName, type PeerSpec } from '../helpers/daemons.js';
import { Wren, type LogLine } from '../helpers/wren.js';

const block = (i: number) => `198.51.100.${i * 64}/26`;

t.test('three wren nodes in a mesh plus a BIRD ToR over eBGP: everybody has every block', async (t) => {
  const lab = netnsLab(t, 'mesh', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const nodes = ['192.0.2.9', '192.0.2.10', '192.0.2.11'];
  const torNs = lab.ns('tor');
  lab.attach(sw, torNs, ['192.0.2.254/24']);
  const tor = new Bird(lab, torNs, {
    routerId: '192.0.2.254', asn: 63400, listen: [],
    peers: nodes.map((a) => ({ address: a, asn: 64512, holdTime: 9 })),
    announce: ['203.0.113.0/24'],
  });
  const wrens = nodes.map((addr, i) => {
    const ns = lab.ns(`n${i}`);
    lab.attach(sw, ns, [`${addr}/24`]);
    return new Wren(lab, ns, {
      routerId: addr, asn: 64512, listen: { address: [addr], port: 179 },
      mesh: { nodes },
      neighbors: [{ address: '192.0.2.254', asn: 63400, holdTime: 9, connectRetryTime: 1 }],
      announce: [block(i)],
    });
  });
  await waitFor('ToR sees all three nodes Established', () => nodes.every((a) => tor.established(a)), 45_000);
  await waitFor('the mesh is up', () => wrens.every((w, i) => nodes.every((a, j) => i === j || w.state(a) === 'Established')), 30_000).catch(() => undefined);
  for (const [i, w] of wrens.entries()) {
    t.same(nodes.filter((_, j) => j !== i).map((a) => w.state(a)), ['Established', 'Established'], `node ${nodes[i]}: mesh sessions Established`);
  }
  // Each node exports its best routes to the ToR: a block with three paths means all three nodes hold it.
  for (let i = 0; i < 3; i++) {
    const paths = await waitFor(`three paths for ${block(i)}`, () => {
      const p = tor.pathsFor(block(i));
      return p.length >= 3 ? p : null;
    }, 30_000).catch(() => tor.pathsFor(block(i)));
    t.same([...new Set(paths)].sort(), [...nodes].sort(), `${block(i)}: every node has it and announces it`);
  }
  t.notOk(wrens.some((w) => w.lines.some((l) => l.level >= 50)), 'no wren logged an error');
  for (const w of wrens) await w.stop();
});

t.test('mixed mesh: wren nodes and Calico-configured BIRD nodes form a full mesh', async (t) => {
  const lab = netnsLab(t, 'mix', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  // .9 and .10 sort differently as strings and as numbers: .9 (wren) waits for .10 (BIRD), and
  // BIRD at .10 is "passive on" towards .9 too, so wren must dial after its short delay.
  const nodes = [
    { addr: '192.0.2.9', kind: 'wren' },
    { addr: '192.0.2.10', kind: 'bird' },
    { addr: '192.0.2.11', kind: 'wren' },
    { addr: '192.0.2.12', kind: 'bird' },
  ] as const;
  const all = nodes.map((n) => n.addr);
  const birds: Bird[] = [];
  const wrens: Wren[] = [];
  nodes.forEach((n, i) => {
    const ns = lab.ns(`n${i}`);
    lab.attach(sw, ns, [`${n.addr}/24`]);
    if (n.kind === 'bird') {
      const peers: PeerSpec[] = all.filter((a) => a !== n.addr).map((a) => ({
        address: a, asn: 64512, name: `Mesh_${a.replace(/\./g, '_')}`,
        passive: a > n.addr, // Calico's template compares the address strings
      }));
      birds.push(new Bird(lab, ns, { routerId: n.addr, asn: 64512, listen: [], peers, announce: [block(i)] }));
    } else {
      wrens.push(new Wren(lab, ns, { routerId: n.addr, asn: 64512, listen: { address: [n.addr], port: 179 }, mesh: { nodes: all }, announce: [block(i)] }));
    }
  });
  for (const [bi, b] of birds.entries()) {
    const me = nodes.filter((n) => n.kind === 'bird')[bi]?.addr as string;
    const expected = all.filter((a) => a !== me).map((a) => birdProtocolName({ address: a, asn: 64512, name: `Mesh_${a.replace(/\./g, '_')}` }));
    const up = await waitFor(`BIRD ${me}: all mesh sessions Established`, () => {
      const e = b.establishedProtocols();
      return expected.every((p) => e.includes(p)) ? e : null;
    }, 45_000).catch(() => b.establishedProtocols());
    t.same((up ?? []).filter((p) => p.startsWith('Mesh_')).sort(), expected.sort(), `BIRD ${me}: three mesh sessions up`);
    for (let i = 0; i < nodes.length; i++) {
      if (nodes[i]?.addr === me) continue;
      const paths = await waitFor(`BIRD ${me} has ${block(i)}`, () => b.pathsFor(block(i)).length > 0, 20_000).catch(() => false);
      t.ok(paths, `BIRD ${me} learned ${block(i)} from ${nodes[i]?.kind} ${nodes[i]?.addr}`);
    }
  }
  for (const [wi, w] of wrens.entries()) {
    const me = nodes.filter((n) => n.kind === 'wren')[wi]?.addr as string;
    // wren's state is read from its log, which can trail BIRD's birdc answers on a loaded machine
    // (CI saw "OpenSent" for sessions both BIRDs had up and routed over): wait for it, bounded.
    const states = () => all.filter((a) => a !== me).map((a) => w.state(a));
    const seen = await waitFor(`wren ${me}: all mesh sessions Established`, () => (states().every((s) => s === 'Established') ? states() : null), 20_000).catch(() => states());
    t.same(seen, ['Established', 'Established', 'Established'], `wren ${me}: three mesh sessions up`);
  }
  const dialed = wrens[0]?.lines.some((l) => l.peer === '192.0.2.10' && l.from === 'Active' && l.to === 'Connect');
  t.ok(dialed, 'wren .9 dialed BIRD .10 after waiting (both sides were passive by their rules)');
  for (const w of wrens) await w.stop();
});

t.test('a cold mesh whose greater addresses start first: a dial the neighbour refuses is tried again within seconds, not a connect-retry time', async (t) => {
  const lab = netnsLab(t, 'cold', []);
  if (!lab) return;
  const sw = lab.switch('sw');
  const nodes = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
  const nss = nodes.map((addr, i) => {
    const ns = lab.ns(`c${i}`);
    lab.attach(sw, ns, [`${addr}/24`]);
    return ns;
  });
  // Greater addresses dial, lesser ones wait (the passive rule): started greatest first, every
  // dial meets a node whose wrend is not listening yet.
  const wrens: Wren[] = [];
  t.teardown(async () => {
    for (const w of wrens) await w.stop('SIGKILL');
  });
  for (let i = nodes.length - 1; i >= 0; i--) {
    wrens.push(new Wren(lab, nss[i] as string, { routerId: nodes[i], asn: 64512, listen: { address: [nodes[i]], port: 179 }, peerTemplates: { slow: { connectRetryTime: 30 } }, mesh: { nodes, self: nodes[i], template: 'slow' }, announce: [block(i)] }));
    if (i > 0) await sleep(1500);
  }
  const up = () => wrens.every((w, k) => nodes.every((a) => a === nodes[nodes.length - 1 - k] || w.state(a) === 'Established'));
  await waitFor('the mesh is up', up, 30_000).catch(() => undefined);
  t.ok(up(), 'every mesh session Established');
  // Each refused dial and the dial after it, per node and peer, from the log's timestamps: the
  // k-th refusal in a row is tried again after 2^k s (1, 2, 4, ...), far below the 30 s.
  let refusals = 0;
  for (const w of wrens) {
    for (const a of nodes) {
      const changes = w.lines.filter((l) => l.peer === a && typeof l.to === 'string');
      let streak = 0;
      for (let k = 0; k < changes.length; k++) {
        const c = changes[k] as LogLine;
        if (c.to !== 'Active' || !/ECONNREFUSED/.test(String(c.reason))) {
          if (c.to !== 'Connect') streak = 0;
          continue;
        }
        refusals++;
        const retry = changes.slice(k + 1).find((l) => l.to === 'Connect');
        t.ok(retry, `${a}: dialled again after the refusal`);
        const gap = retry ? Date.parse(String(retry.time)) - Date.parse(String(c.time)) : Infinity;
        t.ok(gap <= 1000 * 2 ** streak + 500, `${a}: refusal ${streak + 1} in a row, dialled again ${gap} ms later (at most ${1000 * 2 ** streak} ms; the connect-retry time is 30 s)`);
        streak++;
      }
    }
  }
  t.ok(refusals >= 2, `dials were refused on the way (${refusals}): the case this test is about happened`);
});
