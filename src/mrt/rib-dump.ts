/**
 * `wrenc dump rib FILE`: every path of the RIB as a TABLE_DUMP_V2 file (RFC 6396; the ADD-PATH
 * records of RFC 8050 for prefixes whose paths carry ids), written in the background: the walk
 * yields the event loop every few milliseconds and writes in 1 MiB chunks, to a temporary file
 * renamed into place when complete, so a reader never sees half a dump.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { AttrFlag, AttrType, Family } from '../wire/constants.js';
import { makeContext } from '../wire/context.js';
import { encodeAttributes } from '../wire/update.js';
import type { RibReader } from '../rib/rib-reader.js';
import type { AttrSet } from '../rib/attr-set.js';
import { TurnBudget } from '../time/turn-budget.js';
import { MrtType, TableDumpV2, mrtRecord, peerIndexTable, ribRecordBody, ribSubtype, type MrtPeer, type RibEntry } from './mrt-codec.js';

export interface DumpOptions {
  families: Family[];
  /** Our BGP identifier and AS (the collector; the peer entry of our own routes). */
  routerId: number;
  asn: number;
  viewName?: string;
}

export interface DumpResult {
  file: string;
  prefixes: number;
  paths: number;
  peers: number;
  bytes: number;
  ms: number;
}

const CHUNK_BYTES = 1 << 20;
const CTX = makeContext({ asn4: true });
const ZERO4 = new Uint8Array(4);
const ZERO16 = new Uint8Array(16);

/** A path's attributes as MRT wants them: 4-byte AS_PATH, with NEXT_HOP (IPv4) or the abbreviated MP_REACH_NLRI (IPv6). */
function mrtAttributes(set: AttrSet, v6: boolean): Buffer {
  const nh = set.nextHop.length > 0 ? set.nextHop : v6 ? Buffer.from(ZERO16) : Buffer.from(ZERO4);
  const rest = encodeAttributes(set.attrs, CTX);
  let hop: Buffer;
  if (v6) {
    hop = Buffer.alloc(4 + nh.length);
    hop[0] = AttrFlag.OPTIONAL;
    hop[1] = AttrType.MP_REACH_NLRI;
    hop[2] = 1 + nh.length;
    hop[3] = nh.length;
    // RFC 6396 4.3.4: only the next hop's length and address; the attribute length counts both.
    nh.copy(hop, 4);
  } else {
    hop = Buffer.from([AttrFlag.TRANSITIVE, AttrType.NEXT_HOP, 4, nh[0] as number, nh[1] as number, nh[2] as number, nh[3] as number]);
  }
  return Buffer.concat([rest, hop]);
}

export async function dumpRib(rib: RibReader, file: string, o: DumpOptions): Promise<DumpResult> {
  const started = performance.now();
  const now = Math.floor(Date.now() / 1000);
  // The peer index: one entry per source that holds paths (this router's own routes included).
  const peers: MrtPeer[] = [];
  const indexOf = new Map<number, number>();
  for (const s of rib.routeSources()) {
    indexOf.set(s.id, peers.length);
    if (s.kind === 'local') peers.push({ routerId: o.routerId, address: ZERO4, asn: o.asn });
    else peers.push({ routerId: s.routerId, address: s.addressBytes, asn: s.peerAs });
  }
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'wx', 0o640);
  let bytes = 0;
  let prefixes = 0;
  let paths = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const b = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await fh.write(b);
    bytes += b.length;
  };
  const put = async (b: Buffer) => {
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= CHUNK_BYTES) await flush();
  };
  try {
    await put(mrtRecord(now, MrtType.TABLE_DUMP_V2, TableDumpV2.PEER_INDEX_TABLE, peerIndexTable(o.routerId, o.viewName ?? '', peers)));
    const turn = new TurnBudget();
    const prefixBytes = new Uint8Array(16);
    for (const f of o.families) {
      const v6 = f === Family.IPV6_UNICAST;
      // One encoding per attribute set and family: routes share them.
      const encoded = new Map<number, Buffer>();
      for (let s = 0; s < rib.slotLimit(f); s++) {
        if (turn.due()) await turn.next();
        if (!rib.hasPaths(f, s)) continue;
        const entries: RibEntry[] = [];
        let addPath = false;
        const best = rib.best(f, s);
        // The best path first, as collectors list it.
        const add = (p: number) => {
          const id = rib.attrsId(p);
          let attributes = encoded.get(id);
          if (!attributes) encoded.set(id, (attributes = mrtAttributes(rib.attrs(p), v6)));
          const pathId = rib.pathId(p);
          if (pathId) addPath = true;
          entries.push({ peerIndex: indexOf.get(rib.source(p).id) ?? 0, originatedSec: now, pathId, attributes });
        };
        if (best >= 0) add(best);
        for (let p = rib.firstPath(f, s); p >= 0; p = rib.nextPath(p)) if (p !== best) add(p);
        rib.writeAddress(f, s, prefixBytes);
        await put(mrtRecord(now, MrtType.TABLE_DUMP_V2, ribSubtype(v6, addPath), ribRecordBody(seq++, prefixBytes, rib.prefixLength(f, s), entries, addPath)));
        prefixes++;
        paths += entries.length;
      }
    }
    await flush();
    await fh.close();
    await rename(tmp, file);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return { file, prefixes, paths, peers: peers.length, bytes, ms: Math.round(performance.now() - started) };
}
