/**
 * Exports an iBGP update group sends without keeping an export set for them: the routes that go
 * out with the received set's attributes as the export rules leave them (export-bytes.ts: LOCAL_PREF
 * kept or added, ORIGINATOR_ID and CLUSTER_LIST added when reflecting, no policy change). Such an
 * export is a function of the received set, of two facts about its source (reflected or not, its
 * BGP identifier) and of the group's target, so the group's Adj-RIB-Out records only which
 * received set it announced (an entry here, by the received set's id) and the attribute bytes are
 * worked out again when they are sent: once per set and flush, into a set that lives for that
 * flush only. Interning an export set per received set instead kept an object and a key string
 * per set for as long as the route was announced: on an Internet-like table (180k sets) about
 * 40 MB, and a third of the time spent exporting went into interning them.
 *
 * An entry lives while some slot of the group holds it and holds the received set (a reference in
 * the import store), so its id cannot be reused under it. Codes are -(id + 1), beside the export
 * store's set ids + 1 in the group's Adj-RIB-Out.
 */
import { AttrSet } from './attr-set.js';
import type { AttrStore } from './attr-store.js';
import { grownInt32 } from './columns.js';
import { ibgpExportBytes } from './export-bytes.js';
import { exportNextHopOf, type ExportTarget } from './export-rules.js';
import type { RouteSource } from './route-source.js';

/** The source kinds an entry records (what the export of its set depends on). */
const OTHER = 0;
const REFLECTED = 1;
const LOCAL = 2;
/** Worked out once: the byte rules do not apply to this set (the group interns an export set). */
const UNUSABLE = 3;
/** Sets kept made across flushes, at most (see endFlush). */
const KEEP_MADE = 256;

function kindOf(s: RouteSource): number {
  return s.kind === 'ibgp' ? REFLECTED : s.kind === 'local' ? LOCAL : OTHER;
}

export class PassThrough {
  /** By received set id: that set's serial (0: no entry), its source's serial, kind and BGP identifier, and the slots holding it. */
  private setSerial = new Int32Array(0);
  private srcSerial = new Int32Array(0);
  private kind = new Int32Array(0);
  private router = new Int32Array(0);
  private refs = new Int32Array(0);
  private held = 0;
  /**
   * The sets made in the current flush, by entry (the same object for every slot of one entry, so
   * they share UPDATEs), and which entries have one: emptied when the flush ends.
   */
  private made: (AttrSet | undefined)[] = [];
  private readonly madeList: number[] = [];

  constructor(
    private readonly target: ExportTarget,
    /** The store the received sets are in (the import store). */
    private readonly store: AttrStore,
  ) {}

  /** Entries held by some slot: export attribute sets the group announces without keeping them. */
  get size(): number {
    return this.held;
  }

  /**
   * The code of the export of `from` (a path of `source`), or 0 when it needs an export set of
   * its own (the byte rules do not apply, or another source's export of the same set holds the
   * entry). Its set is made now, for this flush.
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
    const set = this.make(from, kind, source.routerId);
    this.kind[i] = set ? kind : UNUSABLE;
    if (!set) return 0;
    this.made[i] = set;
    this.madeList.push(i);
    return -(i + 1);
  }

  /** The export set of a code (made once per flush; `keep` false: not remembered, for readers outside a flush). */
  setOf(code: number, keep = true): AttrSet {
    const i = -code - 1;
    const hit = this.made[i];
    if (hit) return hit;
    const set = this.make(this.store.get(i), this.kind[i] as number, (this.router[i] as number) >>> 0);
    // An entry is only handed out when its set could be made, and its set does not change.
    if (!set) throw new Error(`pass-through export ${i} has no export set`);
    if (keep) {
      this.made[i] = set;
      this.madeList.push(i);
    }
    return set;
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

  /**
   * A flush is over. Its sets stay for the next flushes while there are few of them (a table of a
   * few sets is flushed in many small turns as its UPDATEs arrive; making them again per turn cost
   * a 1M-route table of 16 sets 5%), else they go: kept longer, a real table's 180k sets would
   * move to the old generation and die there.
   */
  endFlush(): void {
    const list = this.madeList;
    if (list.length <= KEEP_MADE) return;
    while (list.length > 0) this.made[list.pop() as number] = undefined;
  }

  private make(from: AttrSet, kind: number, routerId: number): AttrSet | null {
    const t = this.target;
    const nextHop = exportNextHopOf(from, kind === LOCAL ? 'local' : kind === REFLECTED ? 'ibgp' : 'ebgp', t);
    const b = ibgpExportBytes(from, kind === REFLECTED, routerId, t.clusterId, nextHop);
    if (!b) return null;
    return new AttrSet(b.fields, null, nextHop, b.key.toString('latin1', 0, b.keyLength));
  }

  private grow(n: number): void {
    const cap = Math.max(1024, n, this.setSerial.length * 2);
    this.setSerial = grownInt32(this.setSerial, cap);
    this.srcSerial = grownInt32(this.srcSerial, cap);
    this.kind = grownInt32(this.kind, cap);
    this.router = grownInt32(this.router, cap);
    this.refs = grownInt32(this.refs, cap);
    // Filled, not holey: elements far past the end of an array would make it a dictionary.
    const made = new Array<AttrSet | undefined>(cap).fill(undefined);
    for (let j = 0; j < this.made.length; j++) made[j] = this.made[j];
    this.made = made;
  }
}
