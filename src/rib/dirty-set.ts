/**
 * A set of slots to revisit: a bit per slot, and a bit per 32-slot word saying the word has any,
 * so finding the next marked slot skips a million clean slots in a thousand steps. Slots are taken
 * in slot order from where the last take stopped, wrapping around: every marked slot is taken
 * within one pass, whatever is marked meanwhile. Update groups and the FIB sync each keep one per
 * family. A million slots cost 132 KB (a byte per slot plus a queue of int32 cost 5 MB, and the
 * queue grew to the whole table on a full load).
 */
import { grownInt32 } from './columns.js';

/** The lowest set bit's index of a non-zero int32. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class DirtySet {
  private words = new Int32Array(32);
  private summary = new Int32Array(1);
  /** The slot the next take starts from. */
  private cursor = 0;
  private count = 0;

  /** Make room for slots below `cap` (never shrinks). */
  grow(cap: number): void {
    const nw = (cap + 31) >>> 5;
    if (nw > this.words.length) this.words = grownInt32(this.words, nw);
    const ns = (this.words.length + 31) >>> 5;
    if (ns > this.summary.length) this.summary = grownInt32(this.summary, ns);
  }

  /** True when newly marked. */
  mark(slot: number): boolean {
    const w = slot >>> 5;
    if (w >= this.words.length) this.grow(Math.max(slot + 1, this.words.length * 64));
    const bit = 1 << (slot & 31);
    const v = this.words[w] as number;
    if ((v & bit) !== 0) return false;
    this.words[w] = v | bit;
    this.summary[w >>> 5] = (this.summary[w >>> 5] as number) | (1 << (w & 31));
    this.count++;
    return true;
  }

  has(slot: number): boolean {
    const w = slot >>> 5;
    return w < this.words.length && ((this.words[w] as number) & (1 << (slot & 31))) !== 0;
  }

  /** The next marked slot, unmarked; -1 when none. */
  take(): number {
    if (this.count === 0) return -1;
    const slot = this.nextMarked(this.cursor);
    const w = slot >>> 5;
    const rest = (this.words[w] as number) & ~(1 << (slot & 31));
    this.words[w] = rest;
    if (rest === 0) this.summary[w >>> 5] = (this.summary[w >>> 5] as number) & ~(1 << (w & 31));
    this.count--;
    this.cursor = slot + 1;
    return slot;
  }

  get size(): number {
    return this.count;
  }

  /**
   * The first marked slot at or after slot `at`, wrapping (count > 0): in `at`'s own word from
   * `at` on, else in the first later word with any, else (after the wrap) the first of all, which
   * may lie before `at` in its own word.
   */
  private nextMarked(at: number): number {
    const words = this.words;
    const summary = this.summary;
    // Past the last word (the last slot was taken): from the first.
    const from = at >>> 5 < words.length ? at : 0;
    const w0 = from >>> 5;
    const ahead = (words[w0] as number) & (-1 << (from & 31));
    if (ahead !== 0) return (w0 << 5) | lowestBit(ahead);
    const n = summary.length;
    const s0 = (w0 + 1) >>> 5;
    // The rest of w0's summary word, from the word after w0.
    const first = s0 === w0 >>> 5 && s0 < n ? (summary[s0] as number) & (-1 << ((w0 + 1) & 31)) : 0;
    let w = -1;
    if (first !== 0) {
      w = (s0 << 5) | lowestBit(first);
    } else {
      for (let i = s0 === w0 >>> 5 ? 1 : 0; i <= n && w < 0; i++) {
        const v = summary[(s0 + i) % n] as number;
        if (v !== 0) w = (((s0 + i) % n) << 5) | lowestBit(v);
      }
    }
    if (w < 0) throw new Error('DirtySet: count and bits disagree');
    return (w << 5) | lowestBit(words[w] as number);
  }
}
