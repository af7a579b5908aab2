/**
 * npm run bench:rib — the RIB alone, in process: 1M IPv4 /24 (500 per UPDATE, 16 attribute sets)
 * from one eBGP peer into a RIB with one iBGP update group (as a route reflector towards one client),
 * then all withdrawn. Prints prefixes/s for import and for the export encode, and the longest
 * synchronous slice (what would stall the event loop).
 */
import { Family } from '../src/wire/constants.js';
import { makeContext } from '../src/wire/context.js';
import { scanUpdate } from '../src/wire/update.js';
import { Rib, type RibPeer } from '../src/rib/rib.js';
import type { ExportMember } from '../src/rib/update-group.js';
import { updates } from './lib/updates.js';

const N = Number(process.env.N ?? 1_000_000);
const ctx = makeContext({ ebgp: true });

let bytesOut = 0;
const member: ExportMember = { name: 'client', write: (b) => void (bytesOut += b.length), pendingBytes: () => 0 };

async function main(): Promise<void> {
  const msgs = updates(N, ctx);
  const rib = new Rib({ localAsn: 64512, routerId: 0xc0000201, clusterId: 0xc0000201 });
  const peer: RibPeer = {
    source: rib.newSource({ kind: 'ebgp', address: '198.18.0.2', addressBytes: Buffer.from([198, 18, 0, 2]), routerId: 2, peerAs: 65000, isClient: false }),
    ctx, localAsn: 64512, allowOwnAs: 0, ownAddresses: new Set(), members: [], received: 0, rejected: 0,
  };
  const client: RibPeer = { ...peer, source: rib.newSource({ ...peer.source, kind: 'ibgp', isClient: true }), members: [] };
  rib.joinGroup(client, { kind: 'ibgp', isClient: true, family: Family.IPV4_UNICAST, localAsn: 64512, routerId: 0xc0000201, clusterId: 0xc0000201, nextHopSelf: false, nextHopKeep: false, localNextHop: Buffer.from([198, 18, 0, 1]) }, true, member);
  let worst = 0;
  const t0 = performance.now();
  // Feed as a socket would: 16 UPDATEs (one 64 KiB read) per turn.
  for (let i = 0; i < msgs.length; i += 16) {
    const s = performance.now();
    for (const m of msgs.slice(i, i + 16)) rib.applyUpdate(peer, scanUpdate(m, 0, m.length, ctx));
    worst = Math.max(worst, performance.now() - s);
    if (i % 160 === 0) await new Promise((r) => setImmediate(r));
  }
  const imported = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < 10_000 && (bytesOut === 0 || rib.groups.values().next().value?.announced !== N); i++) {
    await new Promise((r) => setImmediate(r));
  }
  const exported = performance.now() - t1;
  console.log(`import ${N} prefixes: ${(imported / 1000).toFixed(2)} s (${(N / imported / 1000).toFixed(2)} M/s), worst slice ${worst.toFixed(1)} ms`);
  console.log(`export to the client group: ${(exported / 1000).toFixed(2)} s after import (${(bytesOut / 1e6).toFixed(1)} MB encoded)`);
  const rss = process.memoryUsage().rss;
  const mu = process.memoryUsage();
  console.log(`RSS ${(rss / 1e6).toFixed(0)} MB (heap ${(mu.heapTotal / 1e6).toFixed(0)} MB, array buffers ${(mu.arrayBuffers / 1e6).toFixed(0)} MB), interned import sets ${rib.importStore.size}, export sets ${rib.exportStore.size}`);
}

void main();
