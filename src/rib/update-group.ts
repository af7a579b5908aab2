/**
 * An update group: peers that get the same routes with the same attributes. A change marks the
 * prefix's slot dirty (coalescing any number of changes into one); a flush computes what the group
 * should now say for each dirty slot, encodes it once into full-size UPDATEs and writes the same
 * bytes to every live member. The Adj-RIB-Out is one int per slot: the exported set's id + 1 in
 * the export store, or a pass-through code (pass-through.ts: the received set's, below 0).
 * A member whose socket backs up leaves the live set and keeps only a dirty mark per changed slot
 * (bounded by the table, never a queue of messages); when it drains it is caught up from the
 * Adj-RIB-Out. A joining member is synced by walking the Adj-RIB-Out, then gets End-of-RIB.
 * A member never gets its own routes back (split horizon inside a shared group, as a reflector's
 * clients share one): those routes go out in messages of their own, encoded once for the other
 * members, and the member whose route it is gets a withdrawal where it held another path's.
 */
import { AttrFlag, AttrType, Family, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../wire/constants.js';
import { makeContext, type CodecContext } from '../wire/context.js';
import { PrefixBatch } from '../wire/prefix-batch.js';
import { UpdateWriter, encodeEndOfRib } from '../wire/update-writer.js';
import { encodePathAttributes } from '../wire/update.js';
import { as4PathFor } from '../wire/attributes/as-path.js';
import { grownInt32 } from './columns.js';
import { exportWire, KeyFormat } from './attr-key.js';
import { DirtySet } from './dirty-set.js';
import { PassThrough } from './pass-through.js';
import type { AttrSet } from './attr-set.js';
import type { AttrStore } from './attr-store.js';
import type { ExportTarget } from './export-rules.js';
import type { LocRib } from './loc-rib.js';
import type { PolicyResult } from '../policy/policy.js';
import type { RouteSource } from './route-source.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { realClock, type Clock } from '../time/clock.js';
import { walkChunked } from '../time/chunked-walk.js';
import type { PathSelection } from './path-selection.js';


export interface ExportMember {
  readonly name: string;
  write(bytes: Buffer): void;
  pendingBytes(): number;
}

/** Prefixes handled per event-loop turn, so keepalives and the control socket never wait long. */
export const CHUNK = 8_000;
/** Milliseconds of export work per group per event-loop turn. */
const TURN_MS = 4;
/** A member with more than this queued in its socket stops receiving until it drains. */
export const HIGH_WATER = 8 * 1024 * 1024;

interface Lagging {
  dirty: DirtySet;
  /** Initial sync in progress: the next slot of the Adj-RIB-Out to send, or -1 when done. */
  syncAt: number;
  eorDue: boolean;
  /** Called once the member is caught up (ROUTE-REFRESH: the End-of-RIB-Refresh marker). */
  onSynced?: () => void;
}

/**
 * Decides what a group should say for a slot now, as an Adj-RIB-Out code: an export store set's
 * id + 1, a pass-through code (below 0, from group.passThroughCode), or 0 to withdraw.
 */
export type Desired = (group: UpdateGroup, slot: number) => number;

/**
 * ADD-PATH send of more than the best path: the paths a group should announce for a slot, as path
 * ids, export sets and source ids (into the arrays given); returns how many.
 */
export type DesiredPaths = (group: UpdateGroup, slot: number, ids: number[], sets: AttrSet[], srcs: number[]) => number;

/** What a several-path group announced for a slot: path ids, export set ids, and source ids. */
interface SentPaths {
  ids: number[];
  sets: number[];
  srcs: number[];
}

/**
 * What a batch announces slots with: an export set, or a pass-through code (below 0), whose bytes
 * are made when the batch is encoded.
 */
type Announced = AttrSet | number;

/** Announcements and withdrawals of one flush, with the path ids of each prefix when several go. */
interface Batch {
  announce: Map<Announced, number[]>;
  withdraw: number[];
  /** Per announced set, the path id of each slot in `announce` (several-path groups only). */
  announceIds: Map<Announced, number[]> | null;
  withdrawIds: number[] | null;
}

export class UpdateGroup {
  /** The code of what is announced per slot (see Desired); 0 when nothing is. */
  adjOut = new Int32Array(1024);
  announced = 0;
  private readonly dirty = new DirtySet();
  readonly live = new Set<ExportMember>();
  private readonly lagging = new Map<ExportMember, Lagging>();
  /**
   * Members moved in from another group (their export settings changed on a reload): the slots
   * the old group had announced to them, held; once this group's table is complete, those it does
   * not announce are withdrawn from the member (else a route the new export policy rejects stays
   * at the peer).
   */
  private readonly movedIn = new Map<ExportMember, number[]>();
  private readonly awaitingEor = new Set<ExportMember>();
  /**
   * Several paths per prefix (ADD-PATH send of all, the ECMP set or the N best): what was sent
   * per slot; `adjOut` then holds the number of paths sent. Null: the best path only.
   */
  private readonly multiOut: Map<number, SentPaths> | null;
  /** Exports announced from the received sets' bytes (the Adj-RIB-Out's codes below 0). */
  private readonly pass: PassThrough;
  /** Path ids withdrawn per slot while members lag (their catch-up withdraws them too). */
  private readonly recentlyWithdrawn = new Map<number, number[]>();
  private readonly idScratch: number[] = [];
  private readonly setScratch: AttrSet[] = [];
  private readonly srcScratch: number[] = [];
  /** Members by the id of their session's route source: a route of that source is not sent to it. */
  private readonly bySource = new Map<number, ExportMember>();
  private readonly sourceOf = new Map<ExportMember, number>();
  private scheduled = false;
  private readonly writer: UpdateWriter;
  private readonly buf: Buffer;
  /**
   * Routes not sent because their attributes leave no room for the prefix in one UPDATE (RFC 4271
   * 9.2); what the group had announced for such a prefix is withdrawn instead.
   */
  unsendable = 0;
  /** Told of each such route (the daemon logs them, rate-limited). */
  onUnsendable: ((group: UpdateGroup, slot: number, attrsLength: number) => void) | null = null;
  /** The set (or pass-through code) last checked for room, and the NLRI bytes its attributes leave in one message. */
  private roomSet: Announced | null = null;
  private roomLeft = 0;
  private readonly batch: PrefixBatch;
  private readonly ctx: CodecContext;
  /** The key of this group's encoding in each set's cache of encoded attributes. */
  private readonly variant: string;
  /** The first walk of the table is still queueing slots. */
  walking = false;
  messagesSent = 0;
  /**
   * Export sets already computed, per received set and source, in columns by the received set's
   * id: the set's and the source's serials (ids are reused, serials never) and the export set's id
   * and serial. Nothing here holds a set or a source alive, and the columns never outgrow the
   * store's largest id. (Keyed by ids alone, entries for sets and sessions long gone piled up: a
   * flap storm of 250 clients kept ~2 KB per flap.) A set seen from a second source (ADD-PATH, or
   * the same attributes from two peers) has the others in `exportMore` (by source serial), weakly.
   */
  private exFrom = new Int32Array(0);
  private exSrc = new Int32Array(0);
  private exOut = new Int32Array(0);
  private exOutSerial = new Int32Array(0);
  private readonly exportMore = new WeakMap<AttrSet, Map<number, AttrSet>>();

  /** The export set cached for received set `from` of `source`, if it is still interned. */
  cachedExport(from: AttrSet, source: RouteSource): AttrSet | undefined {
    const i = from.id;
    if (i >= this.exFrom.length || this.exFrom[i] !== from.serial || source.serial === undefined) return undefined;
    if (this.exSrc[i] === source.serial) {
      const out = this.exportStore.byId[this.exOut[i] as number];
      return out && out.serial === this.exOutSerial[i] ? out : undefined;
    }
    const more = this.exportMore.get(from)?.get(source.serial);
    return more && more.refs > 0 ? more : undefined;
  }

  cacheExport(from: AttrSet, source: RouteSource, out: AttrSet): void {
    const i = from.id;
    if (source.serial === undefined) return;
    if (i >= this.exFrom.length) {
      const cap = Math.max(1024, i + 1, this.exFrom.length * 2);
      this.exFrom = grownInt32(this.exFrom, cap);
      this.exSrc = grownInt32(this.exSrc, cap);
      this.exOut = grownInt32(this.exOut, cap);
      this.exOutSerial = grownInt32(this.exOutSerial, cap);
    }
    const primary = this.exFrom[i] === from.serial ? this.exportStore.byId[this.exOut[i] as number] : undefined;
    if (!primary || primary.serial !== this.exOutSerial[i] || this.exSrc[i] === source.serial) {
      this.exFrom[i] = from.serial;
      this.exSrc[i] = source.serial;
      this.exOut[i] = out.id;
      this.exOutSerial[i] = out.serial;
      return;
    }
    let more = this.exportMore.get(from);
    if (!more) this.exportMore.set(from, (more = new Map()));
    more.set(source.serial, out);
  }

  /** Export sets made by the group's policy, per policy result. */
  readonly policyCache = new WeakMap<PolicyResult, AttrSet>();

  constructor(
    readonly key: string,
    readonly target: ExportTarget,
    asn4: boolean,
    private readonly loc: LocRib,
    private readonly exportStore: AttrStore,
    /** The store of the received sets (pass-through exports hold theirs). */
    importStore: AttrStore,
    private readonly desired: Desired,
    /** The members negotiated ADD-PATH send: NLRI carry a path id (the best path only, id 1). */
    addPathSend = false,
    /** The members negotiated RFC 8654 extended messages: UPDATEs of up to 65535 bytes. */
    extendedMessage = false,
    private readonly clock: Clock = realClock,
    /** Which paths go (with ADD-PATH send): the best only, all, the ECMP set, or the N best. */
    readonly selection: PathSelection = 'best',
    private readonly desiredPaths: DesiredPaths | null = null,
  ) {
    this.multiOut = addPathSend && selection !== 'best' && desiredPaths ? new Map() : null;
    this.pass = new PassThrough(target, importStore);
    this.ctx = makeContext({ asn4, extendedMessage });
    const maxLength = extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
    this.writer = new UpdateWriter(maxLength, addPathSend ? 1 << target.family : 0);
    // Room for 32 full messages per write to the members.
    this.buf = Buffer.allocUnsafe(Math.max(MAX_MESSAGE_LENGTH * 32, maxLength * 4));
    this.batch = new PrefixBatch(target.family, 1024);
    this.variant = `${target.family}:${asn4 ? 4 : 2}`;
    const table = loc.tables[target.family];
    const grow = (cap: number) => {
      this.adjOut = grownInt32(this.adjOut, cap);
      this.dirty.grow(cap);
      for (const l of this.lagging.values()) l.dirty.grow(cap);
    };
    if (table.capacity > this.adjOut.length) grow(table.capacity);
    table.growListeners.push(grow);
  }

  get family(): Family {
    return this.target.family;
  }

  get size(): number {
    return this.live.size + this.lagging.size;
  }

  /** The member of that name: whether it is in the group, and whether it is still catching up. */
  memberState(name: string): 'live' | 'catching-up' | null {
    for (const m of this.live) if (m.name === name) return 'live';
    for (const m of this.lagging.keys()) if (m.name === name) return 'catching-up';
    return null;
  }

  /** The export attribute set announced for a slot (the first path's with several), or null when nothing is. */
  announcedSet(slot: number): AttrSet | null {
    if (this.multiOut) {
      const id = this.multiOut.get(slot)?.sets[0];
      return id === undefined ? null : this.exportStore.get(id);
    }
    const code = slot < this.adjOut.length ? (this.adjOut[slot] as number) : 0;
    return code === 0 ? null : code > 0 ? this.exportStore.get(code - 1) : this.pass.setOf(code);
  }

  /** Is anything announced for a slot? */
  announces(slot: number): boolean {
    if (this.multiOut) return this.multiOut.has(slot);
    return slot < this.adjOut.length && this.adjOut[slot] !== 0;
  }

  /** Export sets announced without being kept (pass-through.ts). */
  get passThroughSets(): number {
    return this.pass.size;
  }

  /**
   * The pass-through code of exporting `from` (a path of `source`) without policy changes, or 0
   * when the group needs an export set for it (the caller interns one; Desired gives its id + 1).
   */
  passThroughCode(from: AttrSet, source: RouteSource): number {
    // 2-octet peers get AS4_PATH made from the decoded set: they take interned sets.
    return this.target.kind === 'ibgp' && !this.multiOut && this.ctx.asn4 ? this.pass.code(from, source) : 0;
  }

  /** What a batch announces an Adj-RIB-Out code with (see Announced). */
  private announcedOf(code: number): Announced {
    return code > 0 ? this.exportStore.get(code - 1) : code;
  }

  private refCode(code: number): void {
    if (code > 0) this.exportStore.ref(this.exportStore.get(code - 1));
    else this.pass.ref(code);
  }

  private unrefCode(code: number): void {
    if (code > 0) this.exportStore.unref(this.exportStore.get(code - 1));
    else this.pass.unref(code);
  }

  /** Names of the members (peer addresses), for show output. */
  get memberNames(): string[] {
    return [...this.live, ...this.lagging.keys()].map((m) => m.name);
  }

  /** The best path of `slot` changed (or may have): revisit it on the next flush. */
  touch(slot: number): void {
    if (this.dirty.mark(slot)) this.loc.hold(this.family, slot);
    this.schedule();
  }

  /** `source`: the route source of the member's session (its own routes are not sent to it). */
  join(m: ExportMember, source?: RouteSource): void {
    if (source) {
      this.bySource.set(source.id, m);
      this.sourceOf.set(m, source.id);
    }
    // Nothing announced yet: whatever the group will send is still pending, so the member is
    // served live with everyone else (each UPDATE encoded once for all, then End-of-RIB) instead
    // of catching up alone from the Adj-RIB-Out (encoded again per member).
    if (this.walking || (this.announced === 0 && this.dirty.size > 0)) {
      this.live.add(m);
      this.awaitingEor.add(m);
      this.schedule();
      return;
    }
    if (this.announced === 0 && this.dirty.size === 0) {
      this.live.add(m);
      this.send([m], encodeEndOfRib(this.family));
      return;
    }
    const dirty = new DirtySet();
    dirty.grow(this.adjOut.length);
    this.lagging.set(m, { dirty, syncAt: 0, eorDue: true });
    this.schedule();
  }

  /**
   * The slots `m` may hold a route for from this group (for a member moving to another group):
   * what the group announced, and what a move into it has yet to withdraw.
   */
  slotsSentTo(m: ExportMember): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.adjOut.length; s++) if (this.adjOut[s] !== 0) out.push(s);
    const pending = this.movedIn.get(m);
    if (pending) for (const s of pending) if (this.adjOut[s] === 0) out.push(s);
    return out;
  }

  /**
   * Join a member that another group served until now: `sentBefore` are the slots it was sent
   * there, already held by the caller (this group releases them).
   */
  moveIn(m: ExportMember, sentBefore: number[], source?: RouteSource): void {
    this.join(m, source);
    if (sentBefore.length === 0) return;
    this.movedIn.set(m, sentBefore);
    this.schedule();
  }

  /** ROUTE-REFRESH: send the member the whole Adj-RIB-Out again; `onSynced` when done. */
  resync(m: ExportMember, onSynced?: () => void): void {
    if (!this.live.delete(m) && !this.lagging.has(m)) return;
    const l = this.lagging.get(m);
    if (l) {
      l.syncAt = 0;
      if (onSynced) l.onSynced = onSynced;
    } else {
      const dirty = new DirtySet();
      dirty.grow(this.adjOut.length);
      const entry: Lagging = { dirty, syncAt: 0, eorDue: false };
      if (onSynced) entry.onSynced = onSynced;
      this.lagging.set(m, entry);
    }
    this.schedule();
  }

  leave(m: ExportMember): void {
    const src = this.sourceOf.get(m);
    if (src !== undefined) {
      this.sourceOf.delete(m);
      if (this.bySource.get(src) === m) this.bySource.delete(src);
    }
    this.live.delete(m);
    this.awaitingEor.delete(m);
    const moved = this.movedIn.get(m);
    if (moved) {
      this.movedIn.delete(m);
      for (const s of moved) this.loc.unhold(this.family, s);
    }
    const l = this.lagging.get(m);
    if (!l) return;
    this.lagging.delete(m);
    for (let s = l.dirty.take(); s >= 0; s = l.dirty.take()) this.loc.unhold(this.family, s);
  }

  walked(): void {
    this.walking = false;
    this.schedule();
  }

  drained(m: ExportMember): void {
    if (this.lagging.has(m)) this.schedule();
  }

  /**
   * Release everything this group holds (it has no members left), a chunk per event-loop turn:
   * a group that announced a million routes must not stall the daemon while it goes.
   */
  dispose(): void {
    for (const m of [...this.live, ...this.lagging.keys()]) this.leave(m);
    this.disposed = true;
    this.announced = 0;
    // First what is still marked dirty, then the Adj-RIB-Out.
    const pending = this.dirty.size;
    walkChunked(this.clock, {
      parts: 2,
      chunk: CHUNK,
      limit: (part) => (part === 0 ? pending : this.adjOut.length),
      visit: (part, slot) => {
        if (part === 0) {
          const s = this.dirty.take();
          if (s >= 0) this.loc.unhold(this.family, s);
          return;
        }
        const v = this.adjOut[slot] as number;
        if (v === 0) return;
        this.adjOut[slot] = 0;
        const sent = this.multiOut?.get(slot);
        if (sent) {
          this.multiOut?.delete(slot);
          for (const id of sent.sets) this.exportStore.unref(this.exportStore.get(id));
        } else if (!this.multiOut) this.unrefCode(v);
        this.loc.unhold(this.family, slot);
      },
    });
  }
  private disposed = false;

  /** The member whose session the slot's best path came from, if it is one of this group's. */
  private ownerOf(slot: number): ExportMember | undefined {
    const best = this.loc.best[this.family][slot] as number;
    return best >= 0 ? this.bySource.get(this.loc.paths.source[best] as number) : undefined;
  }

  /**
   * Runs per touched prefix: the callback is made once (a closure made here would cost a context
   * allocation on every call, even when already scheduled).
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.clock.defer(this.runFlush);
  }

  private readonly runFlush = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private newBatch(): Batch {
    return { announce: new Map(), withdraw: [], announceIds: this.multiOut ? new Map() : null, withdrawIds: this.multiOut ? [] : null };
  }

  /** Add an announcement of `slot` (with path `id` in a several-path group) to a batch. */
  private static announceIn(b: Batch, set: Announced, slot: number, id: number): void {
    const list = b.announce.get(set);
    if (list) list.push(slot);
    else b.announce.set(set, [slot]);
    if (b.announceIds) {
      const ids = b.announceIds.get(set);
      if (ids) ids.push(id);
      else b.announceIds.set(set, [id]);
    }
  }

  private static withdrawIn(b: Batch, slot: number, id: number): void {
    b.withdraw.push(slot);
    b.withdrawIds?.push(id);
  }

  /** The batch of a member's own routes (split horizon), made on first use. */
  private ownedBatch(owned: Map<ExportMember, Batch>, owner: ExportMember): Batch {
    let o = owned.get(owner);
    if (!o) owned.set(owner, (o = this.newBatch()));
    return o;
  }

  /** Decide one dirty slot (the best path only): the Adj-RIB-Out and what goes out. */
  private decideBest(slot: number, batch: Batch, owned: Map<ExportMember, Batch>, done: number[]): void {
    const fam = this.family;
    let want = this.desired(this, slot);
    const cur = this.adjOut[slot] as number;
    // Unchanged: nothing to look at (the set was checked for room when it was announced).
    if (want === cur) return;
    let set: Announced | null = null;
    if (want !== 0) {
      set = this.announcedOf(want);
      if (!this.fits(set, slot)) {
        this.unsendable++;
        this.onUnsendable?.(this, slot, this.attrsLength(set));
        // Nothing holds a set made for a route that cannot go (else it stayed in the store for
        // good); a pass-through entry nothing holds holds nothing.
        if (typeof set !== 'number') this.exportStore.release(set);
        want = 0;
        set = null;
        if (cur === 0) return;
      }
    }
    this.markLagging(slot);
    if (set !== null) {
      this.refCode(want);
      if (cur === 0) {
        this.loc.hold(fam, slot);
        this.announced++;
      }
      this.adjOut[slot] = want;
      const owner = this.bySource.size > 0 ? this.ownerOf(slot) : undefined;
      if (owner) {
        // The member's own route: to the others in a message of their own; the owner only
        // loses what it was sent for this prefix before (another path's route).
        const o = this.ownedBatch(owned, owner);
        UpdateGroup.announceIn(o, set, slot, 1);
        if (cur !== 0) UpdateGroup.withdrawIn(o, slot, 1);
      } else UpdateGroup.announceIn(batch, set, slot, 1);
    } else {
      this.adjOut[slot] = 0;
      this.announced--;
      UpdateGroup.withdrawIn(batch, slot, 1);
      done.push(slot); // the Adj-RIB-Out's hold goes too
    }
    if (cur !== 0) this.unrefCode(cur);
  }

  /**
   * Decide one dirty slot of a several-path group: each path by its id; a path whose set changed
   * is announced again under its id, a path that went is withdrawn by its id.
   */
  private decidePaths(slot: number, batch: Batch, owned: Map<ExportMember, Batch>, done: number[]): void {
    const multi = this.multiOut as Map<number, SentPaths>;
    const fam = this.family;
    const ids = this.idScratch;
    const sets = this.setScratch;
    const srcs = this.srcScratch;
    const n = (this.desiredPaths as DesiredPaths)(this, slot, ids, sets, srcs);
    const cur = multi.get(slot);
    const next: SentPaths = { ids: [], sets: [], srcs: [] };
    let changed = false;
    for (let i = 0; i < n; i++) {
      const set = sets[i] as AttrSet;
      const id = ids[i] as number;
      if (!this.fits(set, slot)) {
        this.unsendable++;
        this.onUnsendable?.(this, slot, this.attrsLength(set));
        continue;
      }
      next.ids.push(id);
      next.sets.push(set.id);
      next.srcs.push(srcs[i] as number);
      const j = cur ? cur.ids.indexOf(id) : -1;
      if (j >= 0 && cur?.sets[j] === set.id) continue;
      changed = true;
      this.exportStore.ref(set);
      const owner = this.bySource.size > 0 ? this.bySource.get(srcs[i] as number) : undefined;
      if (owner) {
        const o = this.ownedBatch(owned, owner);
        UpdateGroup.announceIn(o, set, slot, id);
        if (j >= 0) UpdateGroup.withdrawIn(o, slot, id);
      } else UpdateGroup.announceIn(batch, set, slot, id);
    }
    if (cur) {
      for (let j = 0; j < cur.ids.length; j++) {
        const id = cur.ids[j] as number;
        const k = next.ids.indexOf(id);
        if (k >= 0 && next.sets[k] === cur.sets[j]) continue;
        // Replaced (the new set was referenced above) or gone.
        this.exportStore.unref(this.exportStore.get(cur.sets[j] as number));
        if (k >= 0) continue;
        changed = true;
        UpdateGroup.withdrawIn(batch, slot, id);
        if (this.lagging.size > 0) {
          const r = this.recentlyWithdrawn.get(slot);
          if (r) r.push(id);
          else this.recentlyWithdrawn.set(slot, [id]);
        }
      }
    }
    if (!changed) return;
    this.markLagging(slot);
    if (!cur && next.ids.length > 0) {
      this.loc.hold(fam, slot);
      this.announced++;
    }
    if (next.ids.length > 0) multi.set(slot, next);
    else {
      multi.delete(slot);
      if (cur) {
        this.announced--;
        done.push(slot);
      }
    }
    this.adjOut[slot] = next.ids.length;
  }

  /**
   * A lagging member whose walk of the Adj-RIB-Out has yet to reach this slot gets it from the
   * walk; only one that is past it (or not walking) needs it marked, else it is sent twice.
   */
  private markLagging(slot: number): void {
    // Runs per changed slot: no iterator made when nobody lags (the common case).
    if (this.lagging.size === 0) return;
    for (const l of this.lagging.values()) if ((l.syncAt < 0 || slot < l.syncAt) && l.dirty.mark(slot)) this.loc.hold(this.family, slot);
  }

  /** A lagging member's view of a slot: what is announced there now (not its own routes), or a withdrawal. */
  private catchUp(m: ExportMember, slot: number, walking: boolean, b: Batch): void {
    if (this.multiOut) {
      const sent = this.multiOut.get(slot);
      const own = this.sourceOf.get(m);
      if (sent) {
        for (let i = 0; i < sent.ids.length; i++) {
          if (own !== undefined && sent.srcs[i] === own) continue;
          UpdateGroup.announceIn(b, this.exportStore.get(sent.sets[i] as number), slot, sent.ids[i] as number);
        }
      }
      if (walking) return;
      // Ids withdrawn while it lagged (a withdrawal of an id it never had is harmless).
      for (const id of this.recentlyWithdrawn.get(slot) ?? []) if (!sent?.ids.includes(id)) UpdateGroup.withdrawIn(b, slot, id);
      if (own !== undefined && sent) for (let i = 0; i < sent.ids.length; i++) if (sent.srcs[i] === own) UpdateGroup.withdrawIn(b, slot, sent.ids[i] as number);
      return;
    }
    let v = this.adjOut[slot] as number;
    if (v !== 0 && this.sourceOf.has(m) && this.ownerOf(slot) === m) {
      if (walking) return;
      v = 0;
    }
    if (v !== 0) UpdateGroup.announceIn(b, this.announcedOf(v), slot, 1);
    else UpdateGroup.withdrawIn(b, slot, 1);
  }

  /**
   * A lagging member's walk through the table from l.syncAt, sending what is announced there, within
   * `budget` slots sent: the budget left. A method of its own, so that the loop V8 finds hot (every
   * member that joins walks every slot of the table) is this one and not flush: compiled as part of
   * flush, with all flush inlines, it cost TurboFan about 40 ms of CPU per wrend in a cold 50-node
   * mesh, where flush itself ran for under a millisecond.
   */
  private walk(m: ExportMember, l: Lagging, b: Batch, budget: number): number {
    const end = this.adjOut.length;
    while (l.syncAt < end && budget > 0) {
      const slot = l.syncAt++;
      if (this.adjOut[slot] !== 0) {
        this.catchUp(m, slot, true, b);
        budget--;
      }
    }
    if (l.syncAt >= end) l.syncAt = -1;
    return budget;
  }

  /** The slots one flush decided, whose holds it lets go at its end. */
  private readonly doneScratch: number[] = [];

  private flush(): void {
    if (this.disposed) return;
    const fam = this.family;
    for (const m of this.live) {
      if (m.pendingBytes() > HIGH_WATER) {
        this.live.delete(m);
        const dirty = new DirtySet();
        dirty.grow(this.adjOut.length);
        this.lagging.set(m, { dirty, syncAt: -1, eorDue: false });
      }
    }
    let budget = CHUNK;
    const deadline = performance.now() + TURN_MS;
    const batch = this.newBatch();
    // Reused and emptied by pop: a new array per flush grew a backing store of up to CHUNK slots
    // again each time (and `length = 0` would give it up).
    const done = this.doneScratch;
    while (done.length > 0) done.pop(); // left over only if a flush threw: as a new array then
    const owned = new Map<ExportMember, Batch>();
    for (let slot = budget > 0 ? this.dirty.take() : -1; slot >= 0; slot = --budget > 0 ? this.dirty.take() : -1) {
      // Bounded in time as well as in count, so a cold start cannot stall the loop.
      if ((budget & 255) === 0 && performance.now() > deadline) budget = 1;
      done.push(slot);
      if (this.multiOut) this.decidePaths(slot, batch, owned, done);
      else this.decideBest(slot, batch, owned, done);
    }
    this.roomSet = null;
    this.emit([...this.live], batch);
    if (owned.size > 0) this.emitOwned(owned);
    for (const s of done) this.loc.unhold(fam, s);
    while (done.length > 0) done.pop();

    for (const [m, l] of this.lagging) {
      if (budget <= 0) break;
      if (m.pendingBytes() > HIGH_WATER / 2) continue;
      const b = this.newBatch();
      const released: number[] = [];
      if (l.syncAt >= 0) budget = this.walk(m, l, b, budget);
      if (l.syncAt < 0) {
        for (let slot = l.dirty.take(); slot >= 0; slot = budget-- > 0 ? l.dirty.take() : -1) {
          released.push(slot);
          this.catchUp(m, slot, false, b);
          if (budget <= 0) break;
        }
      }
      this.emit([m], b);
      for (const s of released) this.loc.unhold(fam, s);
      if (l.syncAt < 0 && l.dirty.size === 0) {
        this.lagging.delete(m);
        this.live.add(m);
        if (l.eorDue) this.send([m], encodeEndOfRib(fam));
        l.onSynced?.();
      }
    }
    if (this.lagging.size === 0) this.recentlyWithdrawn.clear();
    if (!this.walking && this.dirty.size === 0 && this.movedIn.size > 0) {
      // This group's table is complete: what a moved-in member was sent and is not announced here goes.
      for (const [m, slots] of this.movedIn) {
        if (!this.live.has(m)) continue;
        this.movedIn.delete(m);
        const b = this.newBatch();
        for (const s of slots) if (this.adjOut[s] === 0) UpdateGroup.withdrawIn(b, s, 1);
        this.emit([m], b);
        for (const s of slots) this.loc.unhold(fam, s);
      }
    }
    if (!this.walking && this.dirty.size === 0 && this.awaitingEor.size > 0) {
      const eor = encodeEndOfRib(fam);
      for (const m of this.awaitingEor) if (this.live.has(m)) m.write(eor);
      this.awaitingEor.clear();
    }
    // Every batch of this flush is written: the pass-through arena may start again.
    this.pass.endFlush();
    const laggingWork = [...this.lagging.entries()].some(([m, l]) => (l.syncAt >= 0 || l.dirty.size > 0) && m.pendingBytes() <= HIGH_WATER / 2);
    if (this.dirty.size > 0 || laggingWork || this.movedIn.size > 0) this.schedule();
  }

  private send(members: ExportMember[], bytes: Buffer): void {
    for (const m of members) m.write(bytes);
    this.messagesSent++;
  }

  /**
   * IPv4 routes with an IPv4 next hop go in the NLRI field with NEXT_HOP; with an IPv6 next hop
   * (RFC 8950, to a peer that negotiated the extended next hop) inside MP_REACH_NLRI.
   */
  private classicNlri(nextHopLength: number): boolean {
    return this.family === Family.IPV4_UNICAST && nextHopLength === 4;
  }

  /** The next-hop length of what a batch announces with. */
  private hopLength(a: Announced): number {
    return typeof a === 'number' ? this.pass.nextHopLengthOf(a) : a.nextHop.length;
  }

  /** The attribute bytes' length of what a batch announces with. */
  private attrsLength(a: Announced): number {
    return typeof a === 'number' ? this.pass.wireLengthOf(a) : this.encoded(a).length;
  }

  /** Whether the prefix of `slot` fits in one UPDATE with the attributes of `set`. */
  private fits(set: Announced, slot: number): boolean {
    if (set !== this.roomSet) {
      const n = this.attrsLength(set);
      const hop = this.hopLength(set);
      this.roomSet = set;
      this.roomLeft = this.classicNlri(hop) ? this.writer.nlriRoom(n) : this.writer.nlriRoom(n, hop);
    }
    return this.writer.prefixBytes(this.family, this.loc.tables[this.family].lengths[slot] as number) <= this.roomLeft;
  }

  /** Attribute bytes of a set as this group sends them (from the key, or cached on the set). */
  private encoded(set: AttrSet): Buffer | string {
    const variant = this.variant;
    let b = set.encodedFor(variant);
    if (b) return b;
    // To 4-octet peers, an export set's key holds its attribute bytes as sent (attr-key.ts).
    if (this.ctx.asn4 && set.key.charCodeAt(0) === KeyFormat.EXPORT && this.classicNlri(set.nextHop.length) === (set.nextHop.length === 4)) return exportWire(set.key);
    const list: PathAttribute[] = [...set.attrs];
    if (this.classicNlri(set.nextHop.length)) {
      list.push({ kind: 'next-hop', type: AttrType.NEXT_HOP, flags: AttrFlag.TRANSITIVE, nextHop: set.nextHop.readUInt32BE(0) });
    }
    if (!this.ctx.asn4) {
      const path = set.attrs.find((a) => a.kind === 'as-path');
      const as4 = path?.kind === 'as-path' ? as4PathFor(path.segments) : null;
      if (as4) list.push({ kind: 'as4-path', type: AttrType.AS4_PATH, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, segments: as4 });
    }
    list.sort((x, y) => x.type - y.type);
    b = encodePathAttributes(list, this.ctx);
    set.cacheEncoded(variant, b);
    return b;
  }

  private fill(slots: number[], from: number, to: number, ids: number[] | null): void {
    const batch = this.batch;
    const table = this.loc.tables[this.family];
    batch.clear();
    if (this.family === Family.IPV4_UNICAST) {
      for (let i = from; i < to; i++) {
        const s = slots[i] as number;
        batch.pushV4(table.v4[s] as number, table.lengths[s] as number, ids ? (ids[i] as number) : 1);
      }
    } else {
      for (let i = from; i < to; i++) {
        const s = slots[i] as number;
        batch.pushV6(table.v6, s * 16, table.lengths[s] as number, ids ? (ids[i] as number) : 1);
      }
    }
  }

  /**
   * Members' own routes: every owner's messages are encoded once, one after the other, into one
   * buffer; each live member is written that buffer without its own part (two slices of the same
   * bytes, no copy per member), and an owner that held another path's route for a prefix gets its
   * withdrawal.
   */
  private emitOwned(owned: Map<ExportMember, Batch>): void {
    const chunks: Buffer[] = [];
    const range = new Map<ExportMember, [number, number]>();
    let at = 0;
    for (const [owner, o] of owned) {
      const before = chunks.length;
      this.encode({ ...o, withdraw: [], withdrawIds: o.withdrawIds ? [] : null }, chunks);
      let len = 0;
      for (let i = before; i < chunks.length; i++) len += (chunks[i] as Buffer).length;
      range.set(owner, [at, at + len]);
      at += len;
    }
    if (at > 0) {
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, at);
      for (const m of this.live) {
        const r = range.get(m);
        if (!r) m.write(all);
        else {
          if (r[0] > 0) m.write(all.subarray(0, r[0]));
          if (r[1] < all.length) m.write(all.subarray(r[1]));
        }
      }
      this.messagesSent++;
    }
    for (const [owner, o] of owned) {
      if (o.withdraw.length > 0 && this.live.has(owner)) this.emit([owner], { announce: new Map(), withdraw: o.withdraw, announceIds: null, withdrawIds: o.withdrawIds });
    }
  }

  /** Encode and write a batch to `members`, the same bytes to each. */
  private emit(members: ExportMember[], b: Batch): void {
    if (members.length === 0 || (b.announce.size === 0 && b.withdraw.length === 0)) return;
    const out: Buffer[] = [];
    this.encode(b, out);
    for (const x of out) this.send(members, x);
  }

  /** Encode a batch into full-size UPDATEs, appended to `out` a buffer at a time. */
  private encode(b: Batch, out: Buffer[]): void {
    const { announce, withdraw } = b;
    const w = this.writer;
    const v4 = this.family === Family.IPV4_UNICAST;
    let off = 0;
    const flushBuf = () => {
      if (off === 0) return;
      out.push(Buffer.from(this.buf.subarray(0, off)));
      off = 0;
    };
    const room = () => {
      if (off + w.bufferSize > this.buf.length) flushBuf();
    };
    // Each inner loop advances `from` by at least one per pass: a call that writes nothing (it
    // cannot happen for slots that passed fits(), which flush() checks) skips the prefix.
    for (let i = 0; i < withdraw.length; i += 1024) {
      this.fill(withdraw, i, Math.min(withdraw.length, i + 1024), b.withdrawIds);
      for (let from = 0; from < this.batch.count; ) {
        room();
        const next = v4 ? w.withdrawV4(this.buf, off, this.batch, from, this.batch.count) : w.withdrawMp(this.buf, off, this.batch, from, this.batch.count);
        off += w.length;
        from = next > from ? next : from + 1;
      }
    }
    for (const [set, slots] of announce) {
      let attrs: Buffer | string;
      let start = 0;
      let n: number;
      let nextHop: Buffer;
      if (typeof set === 'number') {
        start = this.pass.wireAt(set);
        attrs = this.pass.bytes;
        n = this.pass.wireLengthOf(set);
        nextHop = this.pass.nextHop(set);
      } else {
        attrs = this.encoded(set);
        n = attrs.length;
        nextHop = set.nextHop;
      }
      const classic = this.classicNlri(nextHop.length);
      const ids = b.announceIds?.get(set) ?? null;
      for (let i = 0; i < slots.length; i += 1024) {
        this.fill(slots, i, Math.min(slots.length, i + 1024), ids);
        for (let from = 0; from < this.batch.count; ) {
          room();
          const next = classic
            ? w.announceV4(this.buf, off, attrs, this.batch, from, this.batch.count, start, n)
            : w.announceMp(this.buf, off, attrs, nextHop, this.batch, from, this.batch.count, start, n);
          off += w.length;
          from = next > from ? next : from + 1;
        }
      }
    }
    flushBuf();
  }
}
