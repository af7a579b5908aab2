/**
 * What one flush of an update group sends: announcements grouped by what they are announced with
 * (an attribute set, or a pass-through code), and withdrawals, each with the path id it goes under.
 * Columns of int32 reused from flush to flush (the group keeps its batches): no Map, no array and
 * no object per group or per prefix. A Map of per-set slot arrays, before, was a third of all the
 * memory allocated while an Internet-like table went through a reflector (58 of 179 MB).
 *
 * Groups keep the order their first announcement came in, and a group's slots the order they were
 * added: the UPDATEs come out as they did from that Map.
 */
import { grownInt32 } from './columns.js';

export class UpdateBatch<T> {
  /** Announcements in arrival order: the slot, its path id, its group. */
  private slots = new Int32Array(64);
  private ids = new Int32Array(64);
  private groupOf = new Int32Array(64);
  /** Announcements (announced() of them). */
  announced = 0;
  /** Groups in the order they first came: the integer key, what is announced, how many slots. */
  private keys = new Int32Array(16);
  private readonly sets: (T | null)[] = [];
  private counts = new Int32Array(16);
  /** Where each group's index entry is, to empty it again on clear(). */
  private at = new Int32Array(16);
  groups = 0;
  /** key -> group + 1, open addressing, at most half full. */
  private index = new Int32Array(32);
  /** Withdrawals in order: the slot and its path id. */
  private wSlots = new Int32Array(64);
  private wIds = new Int32Array(64);
  withdrawn = 0;
  /** announce() came after the last order(): ordered slots are stale. */
  private dirty = false;
  private orderedSlots = new Int32Array(64);
  private orderedIds = new Int32Array(64);
  private starts = new Int32Array(17);

  get empty(): boolean {
    return this.announced === 0 && this.withdrawn === 0;
  }

  /** Announce `slot` (path `id`) with `set`, whose integer key `key` no other set of this batch has. */
  announce(key: number, set: T, slot: number, id: number): void {
    const g = this.groupFor(key, set);
    const k = this.announced++;
    if (k === this.slots.length) {
      const cap = k * 2;
      this.slots = grownInt32(this.slots, cap);
      this.ids = grownInt32(this.ids, cap);
      this.groupOf = grownInt32(this.groupOf, cap);
    }
    this.slots[k] = slot;
    this.ids[k] = id;
    this.groupOf[k] = g;
    this.counts[g] = (this.counts[g] as number) + 1;
    this.dirty = true;
  }

  withdraw(slot: number, id: number): void {
    const k = this.withdrawn++;
    if (k === this.wSlots.length) {
      this.wSlots = grownInt32(this.wSlots, k * 2);
      this.wIds = grownInt32(this.wIds, k * 2);
    }
    this.wSlots[k] = slot;
    this.wIds[k] = id;
  }

  /** Empty, for the next flush (what it held is let go). */
  clear(): void {
    for (let g = 0; g < this.groups; g++) {
      this.index[this.at[g] as number] = 0;
      this.counts[g] = 0;
      this.sets[g] = null;
    }
    this.groups = 0;
    this.announced = 0;
    this.withdrawn = 0;
    this.dirty = false;
  }

  /** What group g is announced with. */
  setOf(g: number): T {
    return this.sets[g] as T;
  }

  /**
   * The announcements grouped: group g's slots are slots()[start(g), start(g + 1)) (and their path
   * ids the same range of ids()), in the order they were added.
   */
  order(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const n = this.announced;
    if (this.orderedSlots.length < n) {
      this.orderedSlots = new Int32Array(this.slots.length);
      this.orderedIds = new Int32Array(this.slots.length);
    }
    if (this.starts.length < this.groups + 1) this.starts = new Int32Array(this.keys.length + 1);
    const starts = this.starts;
    let sum = 0;
    for (let g = 0; g < this.groups; g++) {
      starts[g] = sum;
      sum += this.counts[g] as number;
    }
    starts[this.groups] = sum;
    // Counting sort, stable: each slot goes to the next place of its group (the starts move up
    // while it runs, and are put back after).
    for (let k = 0; k < n; k++) {
      const g = this.groupOf[k] as number;
      const p = starts[g] as number;
      starts[g] = p + 1;
      this.orderedSlots[p] = this.slots[k] as number;
      this.orderedIds[p] = this.ids[k] as number;
    }
    for (let g = this.groups; g > 0; g--) starts[g] = starts[g - 1] as number;
    starts[0] = 0;
  }

  /** After order(): where group g's slots begin (g = groups: where the last ends). */
  start(g: number): number {
    return this.starts[g] as number;
  }

  /** After order(): the slots by group. */
  orderedSlotsView(): Int32Array {
    return this.orderedSlots;
  }

  orderedIdsView(): Int32Array {
    return this.orderedIds;
  }

  withdrawnSlots(): Int32Array {
    return this.wSlots;
  }

  withdrawnIds(): Int32Array {
    return this.wIds;
  }

  private groupFor(key: number, set: T): number {
    const index = this.index;
    const mask = index.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> 0 & mask;
    for (;;) {
      const e = index[i] as number;
      if (e === 0) break;
      if (this.keys[e - 1] === key) return e - 1;
      i = (i + 1) & mask;
    }
    const g = this.groups++;
    if (g === this.keys.length) {
      const cap = g * 2;
      this.keys = grownInt32(this.keys, cap);
      this.counts = grownInt32(this.counts, cap);
      this.at = grownInt32(this.at, cap);
    }
    this.keys[g] = key;
    this.sets[g] = set;
    this.counts[g] = 0;
    this.at[g] = i;
    index[i] = g + 1;
    if (this.groups * 2 > index.length) this.rehash();
    return g;
  }

  private rehash(): void {
    const index = new Int32Array(this.index.length * 2);
    const mask = index.length - 1;
    for (let g = 0; g < this.groups; g++) {
      let i = Math.imul(this.keys[g] as number, 0x9e3779b1) >>> 0 & mask;
      while (index[i] !== 0) i = (i + 1) & mask;
      index[i] = g + 1;
      this.at[g] = i;
    }
    this.index = index;
  }
}
