/**
 * Exports an iBGP update group sends without keeping an export set for them: the routes that go
 * out with the received set's attributes as the export rules leave them (export-bytes.ts: LOCAL_PREF
 * kept or added, ORIGINATOR_ID and CLUSTER_LIST added when reflecting, no policy change), to
 * 4-octet peers. Such an export is a function of the received set, of two facts about its source
 * (reflected or not, its BGP identifier) and of the group's target, so the group's Adj-RIB-Out
 * records only which received set it announced (an entry here, by the received set's id) and the
 * attribute bytes are worked out again when they are sent, into a byte arena: no object is made
 * per set. Interning an export set per received set instead kept an object and a key string per
 * set for as long as the route was announced (on an Internet-like table of 180k sets, 40 MB),
 * and a set made per flush instead (an earlier form of this file) outlived scavenges and died in
 * the old generation (30 peers' table peaked 30-75 MB higher).
 *
 * An entry lives while some slot of the group holds it and holds the received set (a reference in
 * the import store), so its id cannot be reused under it. Codes are -(id + 1), beside the export
 * store's set ids + 1 in the group's Adj-RIB-Out.
 */
import { AttrSet } from './attr-set.js';
import type { AttrStore } from './attr-store.js';
import { grownInt32 } from './columns.js';
import { exportBytesBound, ibgpExportBytes, type ByteExport } from './export-bytes.js';
import { exportNextHopOf, type ExportTarget } from './export-rules.js';
import type { RouteSource } from './route-source.js';

/** The source kinds an entry records (what the export of its set depends on). */
const OTHER = 0;
const REFLECTED = 1;
const LOCAL = 2;
/** Worked out once: the byte rules do not apply to this set (the group interns an export set). */
const UNUSABLE = 3;
const KIND_NAMES: RouteSource['kind'][] = ['ebgp', 'ibgp', 'local'];
/**
 * Arena bytes kept across flushes, at most: a table of a few sets is flushed in many small turns
 * as its UPDATEs arrive, and working its few sets out again per turn cost a 1M-route table of 16
 * sets 5%. Past this the arena starts again at the next flush.
 */
const ARENA_KEPT = 64 * 1024;

function kindOf(s: RouteSource): number {
  return s.kind === 'ibgp' ? REFLECTED : s.kind === 'local' ? LOCAL : OTHER;
}

export class PassThrough {
  /**
   * By received set id: that set's serial (0: no entry), its source's serial, kind and BGP
   * identifier, the slots holding it, and its export's attribute bytes: where in the arena, in
   * which of the arena's lives (0: not there), how long, and its next hop's length.
   */
  private setSerial = new Int32Array(0);
  private srcSerial = new Int32Array(0);
  private kind = new Int32Array(0);
  private router = new Int32Array(0);
  private refs = new Int32Array(0);
  private at = new Int32Array(0);
  private life = new Int32Array(0);
  private wireLength = new Int32Array(0);
  private hopLength = new Int32Array(0);
  private held = 0;
  private arena = Buffer.allocUnsafe(16 * 1024);
  private used = 0;
  /** The arena's current life: positions written in another are stale. */
  private lives = 1;

  constructor(
    private readonly target: ExportTarget,
    /** The store the received sets are in (the import store). */
    private readonly store: AttrStore,
    /** The arena's first life number (tests start near the wrap). */
    firstLife = 1,
  ) {
    this.lives = firstLife;
  }

  /** Entries held by some slot: export attribute sets the group announces without keeping them. */
  get size(): number {
    return this.held;
  }

  /**
   * The code of the export of `from` (a path of `source`), or 0 when it needs an export set of
   * its own (the byte rules do not apply, or another source's export of the same set holds the
   * entry).
   */
  code(from: AttrSet, source: RouteSource): number {
    const i = from.id;
    if (i < 0 || source.serial === undefined || this.store.byId[i] !== from) return 0;
    if (i < this.setSerial.length && this.setSerial[i] === from.serial) {
      if (this.srcSerial[i] === source.serial) return this.kind[i] === UNUSABLE ? 0 : -(i + 1);
      if ((this.refs[i] as number) > 0) return 0;
    }
    // Free, or for a set or source gone: an entry held is for a live set (it holds it), so a
    // serial that differs means nobody holds this one.
    if (i >= this.setSerial.length) this.grow(i + 1);
    const kind = kindOf(source);
    this.setSerial[i] = from.serial;
    this.srcSerial[i] = source.serial;
    this.router[i] = source.routerId | 0;
    this.refs[i] = 0;
    this.kind[i] = kind;
    if (!this.work(i, from)) {
      this.kind[i] = UNUSABLE;
      return 0;
    }
    return -(i + 1);
  }

  /**
   * Where the attribute bytes a code's export is sent with start in `bytes` (wireLengthOf long),
   * worked out again if they are not there. Read `bytes` after this call (it may move to a larger
   * arena) and before the flush ends.
   */
  wireAt(code: number): number {
    const i = -code - 1;
    if (this.life[i] !== this.lives) this.work(i, this.store.get(i));
    return this.at[i] as number;
  }

  /** The arena wireAt() answers positions in. */
  get bytes(): Buffer {
    return this.arena;
  }

  /** Length of a code's attribute bytes and of its next hop (without working the bytes out). */
  wireLengthOf(code: number): number {
    return this.wireLength[-code - 1] as number;
  }

  nextHopLengthOf(code: number): number {
    return this.hopLength[-code - 1] as number;
  }

  /** The next hop a code's export goes with. */
  nextHop(code: number): Buffer {
    return this.nextHopOf(-code - 1);
  }

  private nextHopOf(i: number): Buffer {
    return exportNextHopOf(this.store.get(i), KIND_NAMES[this.kind[i] as number] as RouteSource['kind'], this.target);
  }

  /** Entry i's export bytes with next hop `nextHop` (into `out` at `at`, or a buffer of export-bytes.ts). */
  private exportBytes(i: number, nextHop: Buffer, out?: Buffer, at = 0): ByteExport | null {
    return ibgpExportBytes(this.store.get(i), this.kind[i] === REFLECTED, (this.router[i] as number) >>> 0, this.target.clusterId, nextHop, out, at);
  }

  /** A code's export as a set of its own, made for the caller (show output): nothing keeps it. */
  setOf(code: number): AttrSet {
    const i = -code - 1;
    const nextHop = this.nextHopOf(i);
    const b = this.exportBytes(i, nextHop);
    // An entry is only handed out when its bytes could be made, and they do not change.
    if (!b) throw new Error(`pass-through export ${i} has no attributes`);
    return new AttrSet(b.fields, null, nextHop, b.key.toString('latin1', b.keyStart, b.keyStart + b.keyLength));
  }

  ref(code: number): void {
    const i = -code - 1;
    if ((this.refs[i] as number) === 0) {
      this.store.ref(this.store.get(i));
      this.held++;
    }
    this.refs[i] = (this.refs[i] as number) + 1;
  }

  unref(code: number): void {
    const i = -code - 1;
    const n = (this.refs[i] as number) - 1;
    this.refs[i] = n;
    if (n > 0) return;
    this.held--;
    // The entry stays valid (same set serial) for as long as the set lives; unused, it holds nothing.
    this.store.unref(this.store.get(i));
  }

  /** A flush is over (every position it handed out was read): the arena starts again if it grew large. */
  endFlush(): void {
    if (this.used <= ARENA_KEPT) return;
    this.used = 0;
    this.nextLife();
  }

  /** Start the arena's next life. Past 2^31 of them every entry is marked stale, so no old life number can come round again. */
  private nextLife(): void {
    if (this.lives === 0x7fffffff) {
      this.life.fill(0);
      this.lives = 1;
    } else this.lives++;
  }

  /**
   * Work out entry i's attribute bytes into the arena, straight where they stay (no copy, no view
   * made per set); false when the byte rules do not apply.
   */
  private work(i: number, from: AttrSet): boolean {
    const nextHop = this.nextHopOf(i);
    const room = exportBytesBound(from, nextHop);
    if (this.used + room > this.arena.length) {
      // A larger arena: what the old one holds was read already (the encoder copies a set's
      // bytes into its messages right after asking for them, before asking for another's).
      this.arena = Buffer.allocUnsafe(Math.max(this.arena.length * 2, room));
      this.used = 0;
      this.nextLife();
    }
    const b = this.exportBytes(i, nextHop, this.arena, this.used);
    if (!b) return false;
    // The key is [format, next hop length, next hop, attributes]: only the attributes are sent.
    const start = 2 + nextHop.length;
    this.hopLength[i] = nextHop.length;
    this.at[i] = this.used + start;
    this.wireLength[i] = b.keyLength - start;
    this.life[i] = this.lives;
    this.used += b.keyLength;
    return true;
  }

  private grow(n: number): void {
    const cap = Math.max(1024, n, this.setSerial.length * 2);
    this.setSerial = grownInt32(this.setSerial, cap);
    this.srcSerial = grownInt32(this.srcSerial, cap);
    this.kind = grownInt32(this.kind, cap);
    this.router = grownInt32(this.router, cap);
    this.refs = grownInt32(this.refs, cap);
    this.at = grownInt32(this.at, cap);
    this.life = grownInt32(this.life, cap);
    this.wireLength = grownInt32(this.wireLength, cap);
    this.hopLength = grownInt32(this.hopLength, cap);
  }
}
