import { grownInt32, grownUint32 } from './columns.js';

/**
 * Paths (one peer's route for one prefix, per path id with ADD-PATH) as rows of typed arrays, chained per prefix: `next`
 * links the paths of a prefix, `source` is the route source id, `attr` the interned set id.
 * The chains are the Adj-RIBs-In and the Loc-RIB's candidates at once.
 */
export class PathPool {
  next = new Int32Array(1024);
  source = new Int32Array(1024);
  attr = new Int32Array(1024);
  /** RFC 7911 path identifiers; allocated only once a non-zero one is seen (most tables have none). */
  pathId = new Uint32Array(0);
  private top = 0;
  private freeHead = -1;
  size = 0;

  alloc(source: number, pathId: number, attr: number, next: number): number {
    let p = this.freeHead;
    if (p >= 0) {
      this.freeHead = this.next[p] as number;
    } else {
      if (this.top === this.next.length) {
        const n = this.next.length * 2;
        this.next = grownInt32(this.next, n);
        this.source = grownInt32(this.source, n);
        this.attr = grownInt32(this.attr, n);
        if (this.pathId.length > 0) this.pathId = grownUint32(this.pathId, n);
      }
      p = this.top++;
    }
    this.next[p] = next;
    this.source[p] = source;
    if (pathId !== 0 && this.pathId.length === 0) this.pathId = new Uint32Array(this.next.length);
    if (this.pathId.length > 0) this.pathId[p] = pathId;
    this.attr[p] = attr;
    this.size++;
    return p;
  }

  /** The path id of row `p` (0 when ADD-PATH never came up). */
  idOf(p: number): number {
    return this.pathId.length > 0 ? (this.pathId[p] as number) : 0;
  }

  free(p: number): void {
    this.next[p] = this.freeHead;
    this.source[p] = -1;
    this.freeHead = p;
    this.size--;
  }
}
