/** RIB test fixtures: fake peers, a receiving member that decodes what it gets, UPDATE builders. */
import { Rib, type RibPeer } from '../../src/rib/rib.js';
import { Family } from '../../src/wire/constants.js';
import { makeContext } from '../../src/wire/context.js';
import { decodeMessage } from '../../src/wire/message.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { encodeUpdate, scanUpdate, type UpdateMessage } from '../../src/wire/update.js';
import { encodeNlri, listPrefixes, parsePrefix, prefixToString, type Prefix } from '../../src/wire/nlri.js';
import type { ExportMember } from '../../src/rib/update-group.js';
import type { AttrSpan, PathAttribute } from '../../src/wire/attributes/types.js';
import { MAX_RECEIVED_KEY, writeReceivedKey } from '../../src/rib/attr-key.js';
import { FakeClock } from './fake-clock.js';

export const ctx = makeContext({});
/**
 * The clock of every RIB these fixtures build: chunked walks and update-group flushes run when a
 * test settles it, never on real time.
 */
export const clock = new FakeClock();
export const RR = { localAsn: 64512, routerId: 0xc0000201, clusterId: 0xc0000201, clock };

/** What a group exports to: peers of `kind`, IPv4, our next hop 192.0.2.1, no policy, this reflector's ids. */
export const exportTarget = (kind: 'ibgp' | 'ebgp', isClient: boolean) => ({
  kind, isClient, family: Family.IPV4_UNICAST, localAsn: 64512, routerId: RR.routerId, clusterId: RR.clusterId, nextHopSelf: false, nextHopKeep: false, localNextHop: Buffer.from([192, 0, 2, 1]),
});

export function ribPeer(rib: Rib, address: string, kind: 'ibgp' | 'ebgp', routerId: number, isClient = false): RibPeer {
  return {
    source: rib.newSource({ kind, address, addressBytes: Buffer.from(address.split('.').map(Number)), routerId, peerAs: kind === 'ebgp' ? 65001 : 64512, isClient }),
    ctx: makeContext({ ebgp: kind === 'ebgp' }), localAsn: 64512, allowOwnAs: 0, ownAddresses: new Set(['192.0.2.1']), members: [], received: 0, rejected: 0,
  };
}

/** A member that decodes what it is sent and keeps the resulting table. */
export class Receiver implements ExportMember {
  readonly table = new Map<string, PathAttribute[]>();
  eor = 0;
  /** Prefixes announced to it, counting repeats (the table does not). */
  announced = 0;
  /** Largest message received. */
  longest = 0;
  private readonly framer: MessageFramer;
  constructor(
    readonly name: string,
    private readonly c = ctx,
  ) {
    this.framer = new MessageFramer(c);
  }
  write(bytes: Buffer): void {
    this.framer.push(Buffer.from(bytes));
    for (let f = this.framer.next(); f; f = this.framer.next()) {
      this.longest = Math.max(this.longest, f.length);
      const r = decodeMessage(f.buf.subarray(f.offset, f.offset + f.length), 0, this.c);
      if (!r.ok || r.value.type !== 'update') throw new Error('bad UPDATE from the RIB');
      const u = r.value.update;
      if (u.endOfRib >= 0) this.eor++;
      for (const p of listPrefixes(u.withdrawn)) this.table.delete(prefixToString(p));
      for (const p of listPrefixes(u.nlri)) {
        this.table.set(prefixToString(p), u.attributes ?? []);
        this.announced++;
      }
    }
  }
  pendingBytes(): number {
    return 0;
  }
}

export function announce(prefixes: string[], attrs: PathAttribute[]): UpdateMessage {
  const ps = prefixes.map((p) => parsePrefix(p) as Prefix);
  const buf = encodeUpdate({ attributes: attrs, nlri: encodeNlri(ps, Family.IPV4_UNICAST, false) }, ctx);
  return scanUpdate(buf, 0, buf.length, ctx);
}
export function withdraw(prefixes: string[]): UpdateMessage {
  const buf = encodeUpdate({ attributes: [], withdrawn: encodeNlri(prefixes.map((p) => parsePrefix(p) as Prefix), Family.IPV4_UNICAST, false) }, ctx);
  return scanUpdate(buf, 0, buf.length, ctx);
}
export const base = (asns: number[], nh: number, extra: PathAttribute[] = []): PathAttribute[] => [
  { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
  { kind: 'as-path', type: 2, flags: 0x40, segments: asns.length ? [{ type: 2, asns }] : [] },
  { kind: 'next-hop', type: 3, flags: 0x40, nextHop: nh },
  ...extra,
];
/** Run every deferred walk and flush to the end (no real time passes). */
export const settle = (): Promise<void> => clock.settle();

/** A received UPDATE's attribute key (attr-key.ts), as a Buffer of its own. */
export function receivedKey(asn4: boolean, ebgp: boolean, spans: readonly AttrSpan[], mpNextHop: Buffer | null): Buffer {
  const b = Buffer.alloc(MAX_RECEIVED_KEY);
  return b.subarray(0, writeReceivedKey(b, asn4, ebgp, spans, mpNextHop));
}
