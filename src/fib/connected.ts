/**
 * Interfaces and their addresses as the kernel reports them: which next hops are on a connected
 * subnet of an up link (direct), and interface indexes by name (tunnels).
 */
import type { KernelAddress, KernelLink } from './netlink/rtnl-codec.js';

export class ConnectedNetworks {
  private readonly links = new Map<number, KernelLink>();
  private readonly addrs = new Map<string, KernelAddress>();

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
      if (a.address.length !== addr.length) continue;
      const link = this.links.get(a.index);
      if (link && !link.up) continue;
      if (samePrefix(a.address, addr, a.prefixLen)) return true;
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
      if (!link || !link.up) continue;
      if (samePrefix(a.address, Buffer.from(addr.buffer, addr.byteOffset, addr.length), a.prefixLen)) {
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

export function samePrefix(a: Buffer, b: Buffer, len: number): boolean {
  const full = len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const mask = 0xff << (8 - rest);
  return (((a[full] as number) ^ (b[full] as number)) & mask) === 0;
}
