/**
 * What wren knows of the Calico datastore: the resources by key, each parsed once when it
 * arrives (a put or a delete from the initial read or the watch), and the ones rejected with why.
 * The store that feeds it (etcd today) only moves keys and values; this is where they mean
 * something.
 */
import {
  IPAM_HOST_PREFIX,
  RESOURCES_PREFIX,
  ResourceError,
  parseBgpConfiguration,
  parseBgpFilter,
  parseBgpPeer,
  parseBlockAffinity,
  parseIpPool,
  parseNode,
  type BgpConfiguration,
  type BgpFilter,
  type BgpPeer,
  type BlockAffinity,
  type CalicoNode,
  type IpPool,
} from './calico-resources.js';

export interface Rejected {
  key: string;
  why: string;
}

export class CalicoState {
  readonly configs = new Map<string, BgpConfiguration>();
  readonly nodes = new Map<string, CalicoNode>();
  readonly peers = new Map<string, BgpPeer>();
  readonly pools = new Map<string, IpPool>();
  readonly filters = new Map<string, BgpFilter>();
  /** This node's block affinities, by CIDR. */
  readonly affinities = new Map<string, BlockAffinity>();
  /** Resources that did not parse, by key (the latest reason). */
  readonly rejected = new Map<string, string>();
  /** The raw value of every key wren reads, as the store has it (for the snapshot). */
  private readonly values = new Map<string, string>();

  constructor(readonly nodeName: string) {}

  /** The key prefixes to read and watch for this node. */
  prefixes(): string[] {
    return [RESOURCES_PREFIX, `${IPAM_HOST_PREFIX}${this.nodeName}/`];
  }

  clear(): void {
    for (const m of [this.configs, this.nodes, this.peers, this.pools, this.filters, this.affinities, this.rejected, this.values]) m.clear();
  }

  /**
   * A put (value) or delete (null) of `key`. Returns true when what wren uses changed; a value
   * that does not parse is recorded in `rejected` (and the previous good one is dropped: the
   * operator changed it, and what it was is no longer what they want).
   */
  apply(key: string, value: string | null): { changed: boolean; rejected: ResourceError | null } {
    const kind = this.kindOf(key);
    if (!kind) return { changed: false, rejected: null };
    const [map, parse, id] = kind;
    const hadError = this.rejected.delete(key);
    if (value === null) this.values.delete(key);
    else this.values.set(key, value);
    if (value === null) return { changed: (map as Map<string, unknown>).delete(id) || hadError, rejected: null };
    try {
      (map as Map<string, unknown>).set(id, parse(key, value));
      return { changed: true, rejected: null };
    } catch (e) {
      // Whatever a resource does to its parser, it is rejected, never thrown at the watch.
      const err = e instanceof ResourceError ? e : new ResourceError(key, '', `cannot be read (${(e as Error).message})`);
      (map as Map<string, unknown>).delete(id);
      this.rejected.set(key, err.message);
      return { changed: true, rejected: err };
    }
  }

  private kindOf(key: string): [Map<string, unknown>, (key: string, text: string) => unknown, string] | null {
    if (key.startsWith(IPAM_HOST_PREFIX)) {
      if (!key.startsWith(`${IPAM_HOST_PREFIX}${this.nodeName}/`)) return null;
      const block = key.slice(key.lastIndexOf('/') + 1).replace(/-(\d+)$/, '/$1');
      return [this.affinities, parseBlockAffinity, block];
    }
    if (!key.startsWith(RESOURCES_PREFIX)) return null;
    const [kind, name, extra] = key.slice(RESOURCES_PREFIX.length).split('/');
    if (!name || extra !== undefined) return null;
    switch (kind) {
      case 'bgpconfigurations':
        return [this.configs, parseBgpConfiguration, name];
      case 'nodes':
        return [this.nodes, parseNode, name];
      case 'bgppeers':
        return [this.peers, parseBgpPeer, name];
      case 'ippools':
        return [this.pools, parseIpPool, name];
      case 'bgpfilters':
        return [this.filters, parseBgpFilter, name];
      default:
        return null;
    }
  }

  /** Every key and value in force, as read. */
  raw(): { key: string; value: string }[] {
    return [...this.values].map(([key, value]) => ({ key, value }));
  }

  get rejectedList(): Rejected[] {
    return [...this.rejected].map(([key, why]) => ({ key, why }));
  }
}
