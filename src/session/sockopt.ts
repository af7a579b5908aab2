/**
 * Socket options Node has no API for, through libc via koffi: TCP MD5 signatures (RFC 2385),
 * GTSM (RFC 5082: IP_MINTTL / IPV6_MINHOPCOUNT), outgoing TTL, and a socket created, configured,
 * bound and connected before Node wraps it.
 */
import { networkInterfaces } from 'node:os';
import { libc } from '../os/libc.js';
import { parseAddress } from '../wire/address.js';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_SNDTIMEO = 21;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;
const TCP_MD5SIG = 14;
const TCP_MD5SIG_MAXKEYLEN = 80;

export class SocketOptionError extends Error {
  readonly code = 'socket.option';
}

function check(rc: number, what: string): void {
  if (rc < 0) {
    const errno = libc().koffi.errno();
    throw new SocketOptionError(`${what}: ${String(libc().strerror(errno))}`);
  }
}

/** struct sockaddr_in / sockaddr_in6 for `address` and `port`. */
export function sockaddr(address: string, port: number, scopeId = 0): Buffer {
  const bytes = parseAddress(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
  if (!bytes) throw new SocketOptionError(`not an address: ${address}`);
  if (bytes.length === 4) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(port, 2);
    bytes.copy(b, 4);
    return b;
  }
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  bytes.copy(b, 8);
  b.writeUInt32LE(scopeId >>> 0, 24);
  return b;
}

/** The index of an interface (an IPv6 scope id), 0 when there is no such interface. */
export function interfaceIndex(name: string): number {
  for (const a of networkInterfaces()[name] ?? []) if (a.family === 'IPv6' && a.scopeid) return a.scopeid;
  return 0;
}

function isV6(address: string): boolean {
  return address.includes(':') && !(address.startsWith('::ffff:') && address.includes('.'));
}

function intOpt(fd: number, level: number, name: number, value: number, what: string): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  check(libc().setsockopt(fd, level, name, b, 4) as number, what);
}

/** Install (or with an empty key, remove) the TCP MD5 key for `peer` on socket `fd`. */
export function setMd5Key(fd: number, peer: string, key: string): void {
  const k = Buffer.from(key, 'utf8');
  if (k.length > TCP_MD5SIG_MAXKEYLEN) throw new SocketOptionError('TCP MD5 key longer than 80 bytes');
  const sig = Buffer.alloc(128 + 1 + 1 + 2 + 4 + TCP_MD5SIG_MAXKEYLEN);
  sockaddr(peer, 0).copy(sig, 0);
  sig.writeUInt16LE(k.length, 130);
  k.copy(sig, 136);
  check(libc().setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, sig, sig.length) as number, 'TCP_MD5SIG');
}

/** The TTL (hop limit) of packets we send. */
export function setTtl(fd: number, family6: boolean, ttl: number): void {
  if (family6) intOpt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, 'IPV6_UNICAST_HOPS');
  else intOpt(fd, IPPROTO_IP, IP_TTL, ttl, 'IP_TTL');
}

/** GTSM: drop packets arriving with a TTL below `minTtl`. */
export function setMinTtl(fd: number, family6: boolean, minTtl: number): void {
  if (family6) intOpt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, minTtl, 'IPV6_MINHOPCOUNT');
  else intOpt(fd, IPPROTO_IP, IP_MINTTL, minTtl, 'IP_MINTTL');
}

export interface DialOptions {
  address: string;
  port: number;
  sourceAddress?: string;
  sourcePort?: number;
  password?: string;
  /** TTL of packets we send (multihop), or 255 with GTSM. */
  ttl?: number;
  /** GTSM minimum TTL of packets we accept. */
  minTtl?: number;
  /** The interface of a link-local address (its scope). */
  interface?: string;
  timeoutSeconds: number;
}

/**
 * Create a socket with the options set before the SYN leaves, connect it on a libuv worker thread
 * (so the event loop never blocks), and return the connected file descriptor.
 */
export function dialWithOptions(o: DialOptions, done: (err: Error | null, fd: number) => void): void {
  const v6 = isV6(o.address);
  let fd = -1;
  try {
    fd = libc().socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) as number;
    check(fd, 'socket');
    if (o.password) setMd5Key(fd, o.address, o.password);
    if (o.ttl) setTtl(fd, v6, o.ttl);
    if (o.minTtl) setMinTtl(fd, v6, o.minTtl);
    // Bound the blocking connect: Linux applies SO_SNDTIMEO to connect().
    const tv = Buffer.alloc(16);
    tv.writeBigInt64LE(BigInt(Math.max(1, Math.floor(o.timeoutSeconds))), 0);
    check(libc().setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, 16) as number, 'SO_SNDTIMEO');
    if (o.sourceAddress || o.sourcePort) {
      intOpt(fd, SOL_SOCKET, SO_REUSEADDR, 1, 'SO_REUSEADDR');
      const src = sockaddr(o.sourceAddress ?? (v6 ? '::' : '0.0.0.0'), o.sourcePort ?? 0);
      check(libc().bind(fd, src, src.length) as number, `bind ${o.sourceAddress ?? ''}`);
    }
  } catch (err) {
    if (fd >= 0) libc().close(fd);
    done(err as Error, -1);
    return;
  }
  const dst = sockaddr(o.address, o.port, o.interface ? interfaceIndex(o.interface) : 0);
  libc().connect.async(fd, dst, dst.length, (err: unknown, rc: number) => {
    if (err || rc < 0) {
      const errno = libc().koffi.errno();
      libc().close(fd);
      done(err instanceof Error ? err : new SocketOptionError(`connect: ${String(libc().strerror(errno))}`), -1);
      return;
    }
    const tv = Buffer.alloc(16);
    libc().setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, 16);
    done(null, fd);
  });
}

export function closeFd(fd: number): void {
  libc().close(fd);
}

/** The file descriptor behind a net.Socket or net.Server (Linux), or -1. */
export function fdOf(handleOwner: object): number {
  const handle = (handleOwner as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}
