/**
 * BFD's sockets (RFC 5881 / 5883), in the BFD worker: one receiving socket per family and port
 * (3784 single-hop, 4784 multihop) and one sending socket per family and local address, bound to
 * a port in 49152-65535 and sending with TTL (hop limit) 255.
 *
 * RFC 5881 §5 requires single-hop packets to arrive with TTL 255. Node's dgram cannot report a
 * packet's TTL and Linux ignores IP_MINTTL on UDP sockets, so a classic BPF filter on the
 * receiving socket drops any other packet in the kernel; SO_MEMINFO counts what it dropped.
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { libc } from '../os/libc.js';
import { BFD_MULTIHOP_PORT, BFD_PORT } from './packet.js';

const SOL_SOCKET = 1;
const SO_ATTACH_FILTER = 26;
const SO_MEMINFO = 55;
const SK_MEMINFO_DROPS = 8;
/** Classic BPF loads relative to the network header from this offset (linux/filter.h). */
const SKF_NET_OFF = -0x100000;
const BPF_LD_B_ABS = 0x30;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;
const SOURCE_PORTS = [49152, 65535] as const;

export type Family = 4 | 6;

/** The file descriptor under a bound dgram socket (Node keeps it in its internal state). */
function datagramFd(sock: dgram.Socket): number {
  const sym = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  const state = sym ? (sock as unknown as Record<symbol, { handle?: { fd?: number } }>)[sym] : undefined;
  const fd = state?.handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('cannot find the socket descriptor');
  return fd;
}

/** Accept only packets whose TTL (IPv4) or hop limit (IPv6) is 255. */
function attachTtlFilter(fd: number, family: Family): void {
  const at = (SKF_NET_OFF + (family === 4 ? 8 : 7)) >>> 0;
  const prog: [number, number, number, number][] = [
    [BPF_LD_B_ABS, 0, 0, at],
    [BPF_JEQ_K, 0, 1, 255],
    [BPF_RET_K, 0, 0, 0xffffffff],
    [BPF_RET_K, 0, 0, 0],
  ];
  const code = Buffer.alloc(prog.length * 8);
  prog.forEach(([c, jt, jf, k], i) => {
    code.writeUInt16LE(c, i * 8);
    code[i * 8 + 2] = jt;
    code[i * 8 + 3] = jf;
    code.writeUInt32LE(k, i * 8 + 4);
  });
  const l = libc();
  const fprog = Buffer.alloc(16);
  fprog.writeUInt16LE(prog.length, 0);
  fprog.writeBigUInt64LE(BigInt(l.koffi.address(code)), 8);
  if ((l.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16) as number) < 0) {
    throw new Error(`SO_ATTACH_FILTER: ${String(l.strerror(l.koffi.errno()))}`);
  }
}

/** Packets the kernel dropped on this socket (the TTL filter, or a full receive buffer). */
function kernelDrops(fd: number): number {
  const l = libc();
  const info = Buffer.alloc(4 * 9);
  const len = [info.length];
  if ((l.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, len) as number) < 0) return 0;
  return info.readUInt32LE(SK_MEMINFO_DROPS * 4);
}

function bindSocket(sock: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    sock.once('error', onError);
    sock.bind({ port, address, exclusive: true }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}

interface Receiver {
  sock: dgram.Socket;
  fd: number;
}

export interface UdpEvents {
  packet(bytes: Buffer, from: string, multihop: boolean): void;
  error(what: string, err: Error): void;
}

export class BfdUdp {
  private readonly receivers = new Map<string, Receiver>();
  private readonly pendingReceivers = new Map<string, Promise<void>>();
  private readonly senders = new Map<string, Promise<dgram.Socket>>();
  private closed = false;

  constructor(private readonly events: UdpEvents, private readonly ports = { single: BFD_PORT, multi: BFD_MULTIHOP_PORT }) {}

  /** Make sure packets of this family and kind are received (idempotent). */
  listen(family: Family, multihop: boolean): Promise<void> {
    const key = `${family}|${multihop ? 'm' : 's'}`;
    if (this.receivers.has(key)) return Promise.resolve();
    const pending = this.pendingReceivers.get(key);
    if (pending) return pending;
    const p = (async () => {
      const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6, recvBufferSize: 1 << 20 });
      sock.on('error', (err) => this.events.error(`receive socket ${key}`, err));
      sock.on('message', (msg, rinfo) => this.events.packet(msg, rinfo.address, multihop));
      await bindSocket(sock, multihop ? this.ports.multi : this.ports.single, family === 4 ? '0.0.0.0' : '::');
      let fd = -1;
      try {
        fd = datagramFd(sock);
        if (!multihop) attachTtlFilter(fd, family);
      } catch (err) {
        // BFD still runs; only the TTL check is lost, and that is said.
        this.events.error(`receive socket ${key}: the TTL 255 check is not enforced`, err as Error);
      }
      if (this.closed) sock.close();
      else this.receivers.set(key, { sock, fd });
    })();
    this.pendingReceivers.set(key, p);
    p.catch(() => undefined).finally(() => this.pendingReceivers.delete(key));
    return p;
  }

  /** The sending socket for a local address ('' for any), bound to a free port in 49152-65535. */
  private sender(family: Family, local: string): Promise<dgram.Socket> {
    const key = `${family}|${local}`;
    let s = this.senders.get(key);
    if (s) return s;
    s = (async () => {
      for (let attempt = 0; ; attempt++) {
        const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6 });
        try {
          await bindSocket(sock, randomInt(SOURCE_PORTS[0], SOURCE_PORTS[1] + 1), local || (family === 4 ? '0.0.0.0' : '::'));
        } catch (err) {
          sock.close();
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 32) continue;
          throw err;
        }
        sock.setTTL(255);
        sock.on('error', (err) => this.events.error(`send socket ${key}`, err));
        // Replies to our source port are not expected; reading them keeps the buffer empty.
        sock.on('message', () => undefined);
        return sock;
      }
    })();
    this.senders.set(key, s);
    s.catch((err: Error) => {
      this.senders.delete(key);
      this.events.error(`send socket ${key}`, err);
    });
    return s;
  }

  send(peer: string, multihop: boolean, local: string, bytes: Buffer): void {
    if (this.closed) return;
    const family: Family = peer.includes(':') ? 6 : 4;
    this.sender(family, local).then(
      (sock) => sock.send(bytes, multihop ? this.ports.multi : this.ports.single, peer, (err) => {
        if (err) this.events.error(`send to ${peer}`, err);
      }),
      () => undefined,
    );
  }

  /** Drops the kernel counted on the receiving sockets. */
  kernelDrops(): number {
    let n = 0;
    for (const r of this.receivers.values()) if (r.fd >= 0) n += kernelDrops(r.fd);
    return n;
  }

  close(): void {
    this.closed = true;
    for (const r of this.receivers.values()) r.sock.close();
    this.receivers.clear();
    for (const s of this.senders.values()) s.then((sock) => sock.close(), () => undefined);
    this.senders.clear();
  }
}
