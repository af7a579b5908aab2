/**
 * Interfaces and their addresses as the kernel reports them: which next hops are on a connected
 * subnet of an up link (direct), and interface indexes by name (tunnels). Interfaces matching an
 * ignore pattern (fib.ignoreInterfaces, as the interface list of BIRD's `protocol direct`) are
 * not connected networks: Calico's kube-ipvs0 carries every service address, its cali* veths none
 * that mean a subnet.
 */
import type { KernelAddress, KernelLink } from './netlink/rtnl-codec.js';
import { samePrefix } from '../wire/nlri.js';

/** An interface name pattern (`*` any run, `?` one character) as a RegExp. */
export function interfacePattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export class ConnectedNetworks {
  private readonly links = new Map<number, KernelLink>();
  private readonly addrs = new Map<string, KernelAddress>();
  private ignore: RegExp[] = [];

  constructor(ignore: readonly string[] = []) {
    this.setIgnored(ignore);
  }

  setIgnored(patterns: readonly string[]): void {
    this.ignore = patterns.map(interfacePattern);
  }

  /** Does an address on this interface count as a connected network? (Not when the link is down or ignored.) */
  private usable(index: number): boolean {
    const link = this.links.get(index);
    if (!link) return true;
    return link.up && !(this.ignore.length > 0 && this.ignore.some((re) => re.test(link.name)));
  }

  setLink(l: KernelLink, deleted = false): void {
    if (deleted) this.links.delete(l.index);
    else this.links.set(l.index, l);
  }

  setAddress(a: KernelAddress, deleted = false): void {
    const key = `${a.index}|${a.address.toString('hex')}|${a.prefixLen}`;
    if (deleted) this.addrs.delete(key);
    else this.addrs.set(key, a);
  }

  /** The name of an interface by index ('' when unknown). */
  nameOf(index: number): string {
    return this.links.get(index)?.name ?? '';
  }

  indexOf(name: string): number {
    for (const l of this.links.values()) if (l.name === name) return l.index;
    return 0;
  }

  /** Is `addr` inside a subnet configured on an up interface? */
  isConnected(addr: Buffer): boolean {
    for (const a of this.addrs.values()) {
      if (a.address.length !== addr.length || !this.usable(a.index)) continue;
      if (samePrefix(a.address, 0, addr, 0, a.prefixLen)) return true;
    }
    return false;
  }

  /** The up interface whose connected subnet holds `addr` (the most specific), or ''. */
  interfaceFor(addr: Uint8Array): string {
    let best = -1;
    let name = '';
    for (const a of this.addrs.values()) {
      if (a.address.length !== addr.length || a.prefixLen <= best) continue;
      const link = this.links.get(a.index);
      if (!link || !this.usable(a.index)) continue;
      if (samePrefix(a.address, 0, addr, 0, a.prefixLen)) {
        best = a.prefixLen;
        name = link.name;
      }
    }
    return name;
  }

  /** Our own addresses (next hops equal to one of them are refused). */
  ownAddresses(): Buffer[] {
    return [...this.addrs.values()].map((a) => a.address);
  }
}
