/**
 * An update group: peers that get the same routes with the same attributes. Each change is
 * encoded once into full-size UPDATEs and the same bytes are written to every member. The group's
 * Adj-RIB-Out is what it has announced. A member whose socket backs up leaves the live set; while
 * it lags, only the keys that changed are remembered (coalesced to the latest state), and it is
 * caught up from the Adj-RIB-Out when it drains: memory stays bounded by the table, never by a queue.
 */
import { AttrFlag, AttrType, Family } from '../wire/constants.js';
import { makeContext, type CodecContext } from '../wire/context.js';
import { PrefixBatch } from '../wire/prefix-batch.js';
import { UpdateWriter, encodeEndOfRib } from '../wire/update-writer.js';
import { encodePathAttributes } from '../wire/update.js';
import { as4PathFor } from '../wire/attributes/as-path.js';
import { keyLength, keyV4Address, keyV6Bytes, type PrefixKey } from './prefix-key.js';
import type { AttrSet } from './attr-set.js';
import type { ExportTarget } from './export-rules.js';
import type { PathAttribute } from '../wire/attributes/types.js';

export interface ExportMember {
  readonly name: string;
  write(bytes: Buffer): void;
  pendingBytes(): number;
}

/** Prefixes handled per event-loop turn, so keepalives and the control socket never wait long. */
export const CHUNK = 20_000;
/** A member with more than this queued in its socket stops receiving until it drains. */
export const HIGH_WATER = 8 * 1024 * 1024;

interface Lagging {
  dirty: Set<PrefixKey>;
  /** Initial sync in progress: the Adj-RIB-Out keys still to send. */
  sync: Iterator<PrefixKey> | null;
  eorDue: boolean;
}

export class UpdateGroup {
  readonly adjOut = new Map<PrefixKey, AttrSet>();
  private readonly pending = new Map<PrefixKey, AttrSet | null>();
  readonly live = new Set<ExportMember>();
  private readonly lagging = new Map<ExportMember, Lagging>();
  private scheduled = false;
  private readonly writer: UpdateWriter;
  private readonly buf: Buffer;
  private readonly batch: PrefixBatch;
  private readonly ctx: CodecContext;
  /** Members waiting for End-of-RIB until the group's first walk of the table is flushed. */
  private readonly awaitingEor = new Set<ExportMember>();
  walking = false;
  messagesSent = 0;
  /** Export sets already computed, by received set and source id. */
  readonly exportCache = new WeakMap<AttrSet, Map<number, AttrSet>>();

  constructor(
    readonly key: string,
    readonly target: ExportTarget,
    asn4: boolean,
    private readonly release: (s: AttrSet) => void,
    private readonly retain: (s: AttrSet) => void,
  ) {
    this.ctx = makeContext({ asn4 });
    this.writer = new UpdateWriter(4096);
    this.buf = Buffer.allocUnsafe(4096 * 32);
    this.batch = new PrefixBatch(target.family, 1024);
  }

  get family(): Family {
    return this.target.family;
  }

  get size(): number {
    return this.live.size + this.lagging.size;
  }

  /** Record the latest state of `key` for this group (null: withdraw); sent on the next flush. */
  queue(key: PrefixKey, set: AttrSet | null): void {
    this.pending.set(key, set);
    this.schedule();
  }

  /** A new member: it gets the whole Adj-RIB-Out (in chunks), then End-of-RIB. */
  join(m: ExportMember): void {
    if (this.adjOut.size === 0 && this.pending.size === 0 && !this.walking) {
      this.live.add(m);
      this.sendTo([m], encodeEndOfRib(this.family));
      return;
    }
    if (this.walking) {
      this.live.add(m);
      this.awaitingEor.add(m);
      return;
    }
    this.lagging.set(m, { dirty: new Set(), sync: this.adjOut.keys(), eorDue: true });
    this.schedule();
  }

  leave(m: ExportMember): void {
    this.live.delete(m);
    this.lagging.delete(m);
    this.awaitingEor.delete(m);
  }

  /** The first walk of the table (queued by the RIB) is complete. */
  walked(): void {
    this.walking = false;
    this.schedule();
  }

  /** A member's socket drained: catch it up. */
  drained(m: ExportMember): void {
    if (this.lagging.has(m)) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    // Members that backed up leave the live set until they drain.
    for (const m of this.live) {
      if (m.pendingBytes() > HIGH_WATER) {
        this.live.delete(m);
        this.lagging.set(m, { dirty: new Set(), sync: null, eorDue: false });
      }
    }
    let budget = CHUNK;
    if (this.pending.size > 0) {
      const announce = new Map<AttrSet, PrefixKey[]>();
      const withdraw: PrefixKey[] = [];
      for (const [key, set] of this.pending) {
        if (budget-- <= 0) break;
        this.pending.delete(key);
        const old = this.adjOut.get(key);
        if (old === set || (set === null && old === undefined)) continue;
        for (const l of this.lagging.values()) l.dirty.add(key);
        if (set) {
          this.retain(set);
          this.adjOut.set(key, set);
          const list = announce.get(set);
          if (list) list.push(key);
          else announce.set(set, [key]);
        } else {
          this.adjOut.delete(key);
          withdraw.push(key);
        }
        if (old) this.release(old);
      }
      this.emit([...this.live], announce, withdraw);
    }
    // Catch up lagging members that have room again.
    for (const [m, l] of this.lagging) {
      if (budget <= 0) break;
      if (m.pendingBytes() > HIGH_WATER / 2) continue;
      const announce = new Map<AttrSet, PrefixKey[]>();
      const withdraw: PrefixKey[] = [];
      const take = (key: PrefixKey) => {
        const set = this.adjOut.get(key);
        if (set) {
          const list = announce.get(set);
          if (list) list.push(key);
          else announce.set(set, [key]);
        } else {
          withdraw.push(key);
        }
      };
      if (l.sync) {
        for (let r = l.sync.next(); !r.done; r = l.sync.next()) {
          l.dirty.delete(r.value);
          take(r.value);
          if (--budget <= 0) break;
        }
        if (budget > 0) l.sync = null;
      }
      if (!l.sync) {
        for (const key of l.dirty) {
          if (budget-- <= 0) break;
          l.dirty.delete(key);
          take(key);
        }
      }
      this.emit([m], announce, withdraw);
      if (!l.sync && l.dirty.size === 0) {
        this.lagging.delete(m);
        this.live.add(m);
        if (l.eorDue) this.sendTo([m], encodeEndOfRib(this.family));
      }
    }
    if (!this.walking && this.pending.size === 0 && this.awaitingEor.size > 0) {
      const eor = encodeEndOfRib(this.family);
      for (const m of this.awaitingEor) if (this.live.has(m)) m.write(eor);
      this.awaitingEor.clear();
    }
    if (this.pending.size > 0 || [...this.lagging.values()].some((l) => l.sync || l.dirty.size > 0)) {
      // More to do: continue on a later turn (lagging members wait for drain() if still full).
      if (this.pending.size > 0 || [...this.lagging.keys()].some((m) => m.pendingBytes() <= HIGH_WATER / 2)) this.schedule();
    }
  }

  private sendTo(members: ExportMember[], bytes: Buffer): void {
    for (const m of members) m.write(bytes);
    this.messagesSent++;
  }

  /** Attribute bytes of a set as this group sends them (cached on the set). */
  private encoded(set: AttrSet): Buffer {
    const variant = `${this.family}:${this.ctx.asn4 ? 4 : 2}`;
    let b = set.encoded.get(variant);
    if (b) return b;
    const list: PathAttribute[] = [...set.attrs];
    if (this.family === Family.IPV4_UNICAST) {
      list.push({ kind: 'next-hop', type: AttrType.NEXT_HOP, flags: AttrFlag.TRANSITIVE, nextHop: set.nextHop.readUInt32BE(0) });
    }
    if (!this.ctx.asn4) {
      const path = set.attrs.find((a) => a.kind === 'as-path');
      const as4 = path?.kind === 'as-path' ? as4PathFor(path.segments) : null;
      if (as4) list.push({ kind: 'as4-path', type: AttrType.AS4_PATH, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, segments: as4 });
    }
    list.sort((x, y) => x.type - y.type);
    b = encodePathAttributes(list, this.ctx);
    set.encoded.set(variant, b);
    return b;
  }

  private fill(keys: PrefixKey[], from: number, to: number): void {
    const batch = this.batch;
    batch.clear();
    for (let i = from; i < to; i++) {
      const key = keys[i] as PrefixKey;
      if (typeof key === 'number') batch.pushV4(keyV4Address(key), key % 64);
      else {
        const tmp = SCRATCH;
        keyV6Bytes(key, tmp);
        batch.pushV6(tmp, 0, keyLength(key));
      }
    }
  }

  /** Encode and write announcements and withdrawals to `members`, the same bytes to each. */
  private emit(members: ExportMember[], announce: Map<AttrSet, PrefixKey[]>, withdraw: PrefixKey[]): void {
    if (members.length === 0) return;
    const w = this.writer;
    const v4 = this.family === Family.IPV4_UNICAST;
    let off = 0;
    const flushBuf = () => {
      if (off === 0) return;
      this.sendTo(members, Buffer.from(this.buf.subarray(0, off)));
      off = 0;
    };
    const room = () => {
      if (off + 4096 > this.buf.length) flushBuf();
    };
    for (let i = 0; i < withdraw.length; i += 1024) {
      this.fill(withdraw, i, Math.min(withdraw.length, i + 1024));
      for (let from = 0; from < this.batch.count; ) {
        room();
        from = v4 ? w.withdrawV4(this.buf, off, this.batch, from, this.batch.count) : w.withdrawMp(this.buf, off, this.batch, from, this.batch.count);
        off += w.length;
      }
    }
    for (const [set, keys] of announce) {
      const attrs = this.encoded(set);
      for (let i = 0; i < keys.length; i += 1024) {
        this.fill(keys, i, Math.min(keys.length, i + 1024));
        for (let from = 0; from < this.batch.count; ) {
          room();
          from = v4
            ? w.announceV4(this.buf, off, attrs, this.batch, from, this.batch.count)
            : w.announceMp(this.buf, off, attrs, set.nextHop, this.batch, from, this.batch.count);
          off += w.length;
        }
      }
    }
    flushBuf();
  }
}

const SCRATCH = new Uint8Array(16);
