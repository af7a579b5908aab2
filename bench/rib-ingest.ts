/**
 * npm run bench:rib — the RIB alone, in process, as a route reflector towards one client.
 *   default       1M IPv4 /24 (500 per UPDATE, 16 attribute sets) from one eBGP peer.
 * HEAP_SNAPSHOT=FILE writes a heap snapshot at the end, with the RIB alive; CENSUS=1 lists the
 * RIB's typed-array columns by owner and field (bytes; what a route costs); NOGROUP=1 leaves the
 * client out (import alone).
 *   TABLE=internet  the Internet-like table of bench/lib/internet-table.ts (N routes, N/5 sets)
 *                 from one iBGP client, then its churn (a tenth withdrawn, a tenth re-announced
 *                 with changed paths), as the `internet-1m` scenario of `npm run bench` sends it.
 *   FAMILY=ipv6     with TABLE=internet: the IPv6 table (`internet-v6`), over MP_REACH_NLRI.
 * Prints prefixes/s for import and for the export encode, the longest synchronous slice (what
 * would stall the event loop), the heap after a full GC (with --expose-gc) and the peak RSS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { Family } from '../src/wire/constants.js';
import { makeContext } from '../src/wire/context.js';
import { parseAddress } from '../src/wire/address.js';
import { scanUpdate, UpdateScratch } from '../src/wire/update.js';
import { Rib, type RibPeer } from '../src/rib/rib.js';
import type { ExportMember } from '../src/rib/update-group.js';
import { updates } from './lib/updates.js';
import { encodeUpdates, internetTable } from './lib/internet-table.js';

const N = Number(process.env.N ?? 1_000_000);
const INTERNET = process.env.TABLE === 'internet';
const V6 = INTERNET && process.env.FAMILY === 'ipv6';
const ctx = makeContext({ ebgp: !INTERNET });

let bytesOut = 0;
const member: ExportMember = { name: 'client', write: (b) => void (bytesOut += b.length), pendingBytes: () => 0 };

const gc = { minor: 0, other: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
    else gc.other++;
    gc.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** Typed arrays reachable from `root` through own properties, summed by their path of field names. */
function census(root: object): Map<string, number> {
  const out = new Map<string, number>();
  const seen = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 6) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v.byteLength >= 4096) out.set(path, (out.get(path) ?? 0) + v.byteLength);
      return;
    }
    if (v instanceof Map) {
      for (const x of v.values()) walk(x, `${path}[]`, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) walk(x, Array.isArray(v) ? `${path}[]` : `${path}.${k}`, depth + 1);
  };
  walk(root, 'rib', 0);
  return out;
}

function peakRss(): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function feed(rib: Rib, peer: RibPeer, msgs: Buffer[]): Promise<{ ms: number; worst: number }> {
  let worst = 0;
  const t0 = performance.now();
  // Feed as a session's reader does: 16 UPDATEs (one 64 KiB read) per turn, each scanned into the
  // same scratch objects, released once the RIB is done with it.
  const scratch = new UpdateScratch();
  for (let i = 0; i < msgs.length; i += 16) {
    const s = performance.now();
    for (let k = i; k < i + 16 && k < msgs.length; k++) {
      const m = msgs[k] as Buffer;
      rib.applyUpdate(peer, scanUpdate(m, 0, m.length, ctx, scratch));
      scratch.release();
    }
    worst = Math.max(worst, performance.now() - s);
    if (i % 160 === 0) await new Promise((r) => setImmediate(r));
  }
  return { ms: performance.now() - t0, worst };
}

async function drain(rib: Rib, until: () => boolean): Promise<number> {
  const t1 = performance.now();
  for (let i = 0; i < 100_000 && !until(); i++) await new Promise((r) => setImmediate(r));
  return performance.now() - t1;
}

async function main(): Promise<void> {
  const nextHop6 = V6 ? (parseAddress('2001:db8::a0a') as Buffer) : undefined;
  const spec = { routes: N, sets: Math.round(N / 5), peers: 1, seed: 1, nextHop: 0xc612000a, nextHop6 };
  const table = INTERNET ? internetTable(spec) : null;
  const msgs = table ? (table.feeds[0]?.updates ?? []) : updates(N, ctx);
  const count = table ? table.prefixes : N;
  const before = peakRss();
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rib = new Rib({ localAsn: 64512, routerId: 0xc0000201, clusterId: 0xc0000201 });
  const peer: RibPeer = {
    source: rib.newSource({ kind: INTERNET ? 'ibgp' : 'ebgp', address: '198.18.0.2', addressBytes: Buffer.from([198, 18, 0, 2]), routerId: 2, peerAs: INTERNET ? 64512 : 65000, isClient: INTERNET }),
    ctx, localAsn: 64512, allowOwnAs: 0, ownAddresses: new Set(), members: [], received: 0, rejected: 0,
  };
  const client: RibPeer = { ...peer, source: rib.newSource({ ...peer.source, kind: 'ibgp', isClient: true }), members: [] };
  if (!process.env.NOGROUP) rib.joinGroup(client, { kind: 'ibgp', isClient: true, family: V6 ? Family.IPV6_UNICAST : Family.IPV4_UNICAST, localAsn: 64512, routerId: 0xc0000201, clusterId: 0xc0000201, nextHopSelf: false, nextHopKeep: false, localNextHop: V6 ? (parseAddress('2001:db8::a01') as Buffer) : Buffer.from([198, 18, 0, 1]) }, true, member);
  const group = () => rib.groups.values().next().value;
  await new Promise((r) => setTimeout(r, 50)); // the table generation's GC entries are delivered before counting
  gc.minor = gc.other = gc.ms = 0;
  const profiler = process.env.ALLOC_PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const imp = await feed(rib, peer, msgs);
  if (profiler) {
    const { profile } = await profiler.post('HeapProfiler.stopSampling');
    writeFileSync(process.env.ALLOC_PROFILE as string, JSON.stringify(profile));
    profiler.disconnect();
  }
  const exported = process.env.NOGROUP ? 0 : await drain(rib, () => bytesOut > 0 && group()?.announced === count);
  console.log(`import ${count} prefixes: ${(imp.ms / 1000).toFixed(2)} s (${(count / imp.ms / 1000).toFixed(2)} M/s), worst slice ${imp.worst.toFixed(1)} ms`);
  console.log(`export to the client group: ${(exported / 1000).toFixed(2)} s after import (${(bytesOut / 1e6).toFixed(1)} MB encoded)`);
  await new Promise((r) => setTimeout(r, 50));
  console.log(`GC during import and export: ${gc.minor} scavenges, ${gc.other} other, ${gc.ms.toFixed(0)} ms`);
  if (table) {
    const f = table.feeds[0] as { updates: Buffer[]; prefixes: number[][] };
    const changed = internetTable(spec, 1).feeds[0] as { updates: Buffer[] };
    const gone: number[] = [];
    const again: Buffer[] = [];
    for (let k = 0; k + 5 < f.updates.length; k += 10) {
      gone.push(...(f.prefixes[k] as number[]));
      again.push(changed.updates[k + 5] as Buffer);
    }
    const out0 = bytesOut;
    const churn = await feed(rib, peer, [...encodeUpdates(null, gone, nextHop6 ?? null).updates, ...again]);
    const settled = await drain(rib, () => group()?.announced === count - gone.length);
    console.log(`churn ${gone.length} withdrawn + ${again.length} UPDATEs again: ${(churn.ms / 1000).toFixed(2)} s, export +${(settled / 1000).toFixed(2)} s (${((bytesOut - out0) / 1e6).toFixed(1)} MB)`);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const mu = process.memoryUsage();
  console.log(`RSS ${(mu.rss / 1e6).toFixed(0)} MB, peak ${peakRss().toFixed(0)} MB (${before.toFixed(0)} MB before the RIB), heap used ${(mu.heapUsed / 1e6).toFixed(0)} MB (${((mu.heapUsed - heapBefore) / 1e6).toFixed(0)} MB by the RIB), array buffers ${(mu.arrayBuffers / 1e6).toFixed(0)} MB; import sets ${rib.importStore.size}, export sets ${rib.reader.stats().exportAttributeSets} (${rib.exportStore.size} kept)`);
  if (process.env.CENSUS) {
    const rows = [...census(rib)].sort((a, b) => b[1] - a[1]);
    for (const [path, bytes] of rows) console.log(`  ${(bytes / 1e6).toFixed(2).padStart(7)} MB  ${(bytes / count).toFixed(1).padStart(5)} B/route  ${path}`);
    console.log(`  ${(rows.reduce((n, r) => n + r[1], 0) / 1e6).toFixed(2).padStart(7)} MB in all`);
  }
  if (process.env.HEAP_SNAPSHOT) writeHeapSnapshot(process.env.HEAP_SNAPSHOT);
}

void main();
