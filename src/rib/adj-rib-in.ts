import { Family } from '../wire/constants.js';
import type { AttrSet } from './attr-set.js';
import type { PrefixKey } from './prefix-key.js';

/** What one peer has told us, per family: prefix key -> interned attribute set. */
export class AdjRibIn {
  readonly tables: [Map<number, AttrSet>, Map<string, AttrSet>] = [new Map(), new Map()];

  get(key: PrefixKey): AttrSet | undefined {
    return typeof key === 'number' ? this.tables[Family.IPV4_UNICAST].get(key) : this.tables[Family.IPV6_UNICAST].get(key);
  }

  /** Store and return the set it replaces (implicit withdraw), if any. */
  set(key: PrefixKey, set: AttrSet): AttrSet | undefined {
    if (typeof key === 'number') {
      const t = this.tables[Family.IPV4_UNICAST];
      const old = t.get(key);
      t.set(key, set);
      return old;
    }
    const t = this.tables[Family.IPV6_UNICAST];
    const old = t.get(key);
    t.set(key, set);
    return old;
  }

  delete(key: PrefixKey): AttrSet | undefined {
    if (typeof key === 'number') {
      const t = this.tables[Family.IPV4_UNICAST];
      const old = t.get(key);
      if (old) t.delete(key);
      return old;
    }
    const t = this.tables[Family.IPV6_UNICAST];
    const old = t.get(key);
    if (old) t.delete(key);
    return old;
  }

  get size(): number {
    return this.tables[0].size + this.tables[1].size;
  }
}
