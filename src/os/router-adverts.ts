/**
 * IPv6 Router Advertisements (RFC 4861) on one interface, for unnumbered BGP: an RA to all nodes
 * (ff02::1) every interval, with a router lifetime of 0 (we are not offering to be anyone's default
 * router, only saying we are here), and the link-local source of every RA heard on the link: that
 * is the neighbour to peer with (as FRR's `neighbor IF interface`). A raw ICMPv6 socket bound to
 * the interface, filtered to RAs in the kernel, read without blocking on a timer (RAs are rare).
 */
import { networkInterfaces } from 'node:os';
import { libc } from './libc.js';

const AF_INET6 = 10;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_IPV6 = 41;
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const ICMP6_FILTER = 1;
const MSG_DONTWAIT = 0x40;
const ND_ROUTER_ADVERT = 134;
const ALL_NODES = Buffer.from('ff020000000000000000000000000001', 'hex');

/** An RA announcing presence only: hop limit 64, no flags, router lifetime 0, no options. */
export function encodeRouterAdvert(): Buffer {
  const b = Buffer.alloc(16);
  b[0] = ND_ROUTER_ADVERT;
  b[4] = 64;
  return b; // the kernel computes the ICMPv6 checksum on raw ICMPv6 sockets
}

/** Is `b` (an ICMPv6 message) a Router Advertisement? */
export function isRouterAdvert(b: Buffer): boolean {
  return b.length >= 16 && b[0] === ND_ROUTER_ADVERT && b[1] === 0;
}

/** An IPv6 address in its canonical text (RFC 5952, as the URL parser writes it). */
function ipv6Text(a: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((a[i] as number) << 8) | (a[i + 1] as number)).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function isLinkLocal(a: Uint8Array): boolean {
  return a[0] === 0xfe && ((a[1] as number) & 0xc0) === 0x80;
}

/** The interface's index and its own link-local addresses (to ignore our own RAs). */
function interfaceInfo(name: string): { index: number; own: Set<string> } {
  let index = 0;
  const own = new Set<string>();
  for (const a of networkInterfaces()[name] ?? []) {
    if (a.family !== 'IPv6') continue;
    if (a.scopeid) index = a.scopeid;
    own.add((a.address.split('%')[0] as string).toLowerCase());
  }
  return { index, own };
}

export class RouterAdverts {
  private fd = -1;
  private timer: NodeJS.Timeout | null = null;
  private poller: NodeJS.Timeout | null = null;
  /** RAs sent and received, for show output and tests. */
  readonly counters = { sent: 0, received: 0, errors: 0 };
  lastError = '';

  constructor(
    readonly iface: string,
    private readonly onPeer: (linkLocal: string) => void,
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    const c = libc();
    const fd = c.socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6) as number;
    if (fd < 0) throw new Error(`router advertisements on ${this.iface}: socket: ${String(c.strerror(c.koffi.errno()))}`);
    this.fd = fd;
    const opt = (level: number, name: number, value: Buffer, what: string) => {
      if ((c.setsockopt(fd, level, name, value, value.length) as number) < 0) throw new Error(`router advertisements on ${this.iface}: ${what}: ${String(c.strerror(c.koffi.errno()))}`);
    };
    const int = (v: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v, 0);
      return b;
    };
    try {
      opt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${this.iface}\0`), 'SO_BINDTODEVICE');
      // RFC 4861: neighbour discovery messages go with hop limit 255.
      opt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int(255), 'IPV6_MULTICAST_HOPS');
      opt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, int(255), 'IPV6_UNICAST_HOPS');
      opt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, int(0), 'IPV6_MULTICAST_LOOP');
      const { index } = interfaceInfo(this.iface);
      if (index) opt(IPPROTO_IPV6, IPV6_MULTICAST_IF, int(index), 'IPV6_MULTICAST_IF');
      // Only RAs reach this socket: every type blocked but 134.
      const filter = Buffer.alloc(32, 0xff);
      filter.writeUInt32LE(~(1 << (ND_ROUTER_ADVERT & 31)) >>> 0, (ND_ROUTER_ADVERT >> 5) * 4);
      opt(IPPROTO_ICMPV6, ICMP6_FILTER, filter, 'ICMP6_FILTER');
    } catch (err) {
      this.stop();
      throw err;
    }
    this.send();
    this.timer = setInterval(() => this.send(), this.intervalMs);
    this.timer.unref();
    this.poller = setInterval(() => this.poll(), 250);
    this.poller.unref();
  }

  private send(): void {
    if (this.fd < 0) return;
    const c = libc();
    const { index } = interfaceInfo(this.iface);
    const dst = Buffer.alloc(28);
    dst.writeUInt16LE(AF_INET6, 0);
    ALL_NODES.copy(dst, 8);
    dst.writeUInt32LE(index, 24);
    const ra = encodeRouterAdvert();
    if ((c.sendto(this.fd, ra, ra.length, 0, dst, dst.length) as number) < 0) {
      this.counters.errors++;
      this.lastError = String(c.strerror(c.koffi.errno()));
    } else this.counters.sent++;
  }

  /** Read every RA waiting; report each link-local source that is not ours. */
  private poll(): void {
    if (this.fd < 0) return;
    const c = libc();
    const buf = Buffer.alloc(1500);
    const from = Buffer.alloc(28);
    for (let i = 0; i < 64; i++) {
      const len = [28];
      const n = Number(c.recvfrom(this.fd, buf, buf.length, MSG_DONTWAIT, from, len));
      if (n < 0) return; // EAGAIN: nothing more
      if (!isRouterAdvert(buf.subarray(0, n))) continue;
      const src = from.subarray(8, 24);
      if (!isLinkLocal(src)) continue; // RFC 4861: an RA's source is link-local
      const address = ipv6Text(src);
      if (interfaceInfo(this.iface).own.has(address)) continue;
      this.counters.received++;
      this.onPeer(address);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.poller) clearInterval(this.poller);
    this.timer = null;
    this.poller = null;
    if (this.fd >= 0) libc().close(this.fd);
    this.fd = -1;
  }
}
