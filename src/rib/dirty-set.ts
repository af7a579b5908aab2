/**
 * A set of slots to revisit: a flag per slot and a queue, so each slot is queued once and taken
 * in the order it was first marked. Update groups and the FIB sync each keep one per family.
 */
import { IntQueue, grownUint8 } from './columns.js';

export class DirtySet {
  private flags = new Uint8Array(1024);
  private readonly queue = new IntQueue();

  grow(cap: number): void {
    this.flags = grownUint8(this.flags, cap);
  }

  /** True when newly marked. */
  mark(slot: number): boolean {
    if (this.flags[slot]) return false;
    this.flags[slot] = 1;
    this.queue.push(slot);
    return true;
  }

  has(slot: number): boolean {
    return this.flags[slot] === 1;
  }

  /** The first marked slot, unmarked; -1 when none. */
  take(): number {
    const s = this.queue.shift();
    if (s >= 0) this.flags[s] = 0;
    return s;
  }

  get size(): number {
    return this.queue.length;
  }
}
