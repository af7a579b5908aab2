/**
 * rtnetlink over the `netlink` package's RawNetlinkSocket: dumps one at a time, pipelined batches
 * of route changes (up to 1024 messages per datagram, a bounded number of datagrams in flight, every ACK
 * checked), and a separate subscription socket for route, link and address notifications. A
 * receive-side ENOBUFS (notifications lost) is reported as a resync request, never a crash.
 */
// The raw socket module alone: the package's index also loads its generated tables for every other
// netlink family (nl80211, rtnetlink structs, WireGuard; 500 KB of JS), which wren never uses. That
// import cost 80 ms of CPU and raised the start-up peak by 14 MB; this one costs 6 ms and 0.2 MB.
import { RawNetlinkSocket } from 'netlink/dist/raw.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  decodeAddress,
  decodeLink,
  decodeRoute,
  encodeDump,
  readError,
  readHeader,
  type KernelAddress,
  type KernelLink,
  type KernelRoute,
} from './rtnl-codec.js';

const NETLINK_ROUTE = 0;
const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV4_ROUTE = 7;
const RTNLGRP_IPV6_IFADDR = 9;
const RTNLGRP_IPV6_ROUTE = 11;
/** Datagrams in flight at once (the kernel handles each inside sendmsg; ACKs queue up). */
const IN_FLIGHT = 32;
const RCVBUF = 32 * 1024 * 1024;

export interface RtnlMessage {
  type: number;
  buf: Buffer;
  off: number;
  length: number;
}

/** Route requests in one datagram: `count` consecutive sequence numbers from `first`, then a NOOP (`doneSeq`) asking for an ACK. */
export interface RequestDatagram {
  buf: Buffer;
  first: number;
  count: number;
  doneSeq: number;
}

/** Where the outcomes of a datagram's requests go. */
interface SeqRange {
  first: number;
  count: number;
  base: number;
  results: number[];
}

/** How long a dump may go without a message before it is asked for again, and how many times. */
const DUMP_TIMEOUT_MS = 5000;
const DUMP_ATTEMPTS = 3;

class DumpTimeout extends Error {
  constructor(type: number) {
    super(`netlink dump (type ${type}) silent for ${DUMP_TIMEOUT_MS} ms`);
  }
}

type Pending = { kind: 'dump'; out: RtnlMessage[]; done: (err: Error | null) => void; heard: boolean } | { kind: 'ack'; done: (errno: number) => void };

export class RtnlSocket {
  private readonly sock: RawNetlinkSocket;
  private closed = false;
  private seq = (Date.now() & 0xffff) << 8;
  private readonly pending = new Map<number, Pending>();
  /** Datagrams of route requests in flight. */
  private readonly ranges = new Set<SeqRange>();
  private dumpChain: Promise<unknown> = Promise.resolve();
  /** Dumps that got no end in time and were asked for again. */
  dumpTimeouts = 0;

  constructor() {
    this.sock = new RawNetlinkSocket(NETLINK_ROUTE, { recvBufferSize: RCVBUF, sendBufferSize: 4 * 1024 * 1024 });
    this.sock.on('message', (msg: Buffer) => {
      try {
        this.receive(msg);
      } catch {
        // never let a handler's exception escape into the native callback
      }
    });
    this.sock.on('error', () => {
      // A request socket losing replies: fail everything pending so callers retry with a dump.
      this.ranges.clear();
      for (const [seq, p] of this.pending) {
        this.pending.delete(seq);
        if (p.kind === 'dump') p.done(new Error('netlink receive error'));
        else p.done(-105);
      }
    });
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  private receive(msg: Buffer): void {
    let off = 0;
    while (off + 16 <= msg.length) {
      const h = readHeader(msg, off);
      if (h.length < 16 || off + h.length > msg.length) return;
      const p = this.pending.get(h.seq);
      if (!p && h.type === NLMSG_ERROR && this.ranges.size > 0) {
        for (const r of this.ranges) {
          const i = (h.seq - r.first) >>> 0;
          if (i < r.count) {
            r.results[r.base + i] = readError(msg, off);
            break;
          }
        }
      }
      if (p) {
        if (h.type === NLMSG_ERROR) {
          const errno = readError(msg, off);
          this.pending.delete(h.seq);
          if (p.kind === 'ack') p.done(errno);
          else p.done(errno === 0 ? null : new Error(`netlink dump failed: errno ${-errno}`));
        } else if (h.type === NLMSG_DONE) {
          this.pending.delete(h.seq);
          if (p.kind === 'dump') p.done(null);
        } else if (p.kind === 'dump') {
          p.heard = true;
          p.out.push({ type: h.type, buf: msg, off, length: h.length });
        }
      }
      off += (h.length + 3) & ~3;
    }
  }

  /**
   * All messages of a dump. Dumps run one at a time on this socket. A dump whose end never
   * arrives is asked for again (a few times, DUMP_TIMEOUT_MS each) instead of waiting forever:
   * everything after it on this socket (wrend's start among them) would wait with it.
   */
  dump(type: number, family: number): Promise<RtnlMessage[]> {
    const once = () =>
      new Promise<RtnlMessage[]>((resolve, reject) => {
        const seq = this.nextSeq();
        const out: RtnlMessage[] = [];
        // Silence, not length, ends a dump: a million routes take a while, but they keep coming.
        const entry: Pending & { kind: 'dump' } = { kind: 'dump', out, done: () => undefined, heard: false };
        const timer = setInterval(() => {
          if (entry.heard) {
            entry.heard = false;
            return;
          }
          clearInterval(timer);
          if (this.pending.delete(seq)) reject(new DumpTimeout(type));
        }, DUMP_TIMEOUT_MS);
        timer.unref();
        const done = (err: Error | null) => {
          clearInterval(timer);
          if (err) reject(err);
          else resolve(out);
        };
        entry.done = done;
        this.pending.set(seq, entry);
        this.send(encodeDump(type, family, seq), (errno) => {
          if (errno !== 0) {
            this.pending.delete(seq);
            done(new Error(`netlink send failed: errno ${-errno}`));
          }
        });
      });
    const run = async (): Promise<RtnlMessage[]> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await once();
        } catch (err) {
          if (!(err instanceof DumpTimeout) || attempt >= DUMP_ATTEMPTS) throw err;
          this.dumpTimeouts++;
        }
      }
    };
    const p = this.dumpChain.then(run, run);
    this.dumpChain = p.catch(() => undefined);
    return p;
  }

  /** Routes of a family; with `keep`, only messages it accepts (looked at before decoding). */
  async dumpRoutes(family: number, keep?: (m: RtnlMessage) => boolean): Promise<KernelRoute[]> {
    const out: KernelRoute[] = [];
    for (const m of await this.dump(26, family)) {
      if (m.type !== 24 || (keep && !keep(m))) continue;
      out.push(decodeRoute(m.buf, m.off, m.length));
    }
    return out;
  }

  async dumpLinks(): Promise<KernelLink[]> {
    return (await this.dump(18, 0)).filter((m) => m.type === 16).map((m) => decodeLink(m.buf, m.off, m.length));
  }

  async dumpAddresses(family: number): Promise<KernelAddress[]> {
    return (await this.dump(22, family)).filter((m) => m.type === 20).map((m) => decodeAddress(m.buf, m.off, m.length));
  }

  /**
   * Send datagrams of route requests, a bounded number in flight. The requests carry no ACK flag;
   * each datagram ends with a NLMSG_NOOP that asks for one (`doneSeq`). A request that fails is
   * answered with its own error; when the NOOP's ACK arrives, the others of that datagram have
   * succeeded. Every outcome is known, with one ACK per datagram instead of one per route.
   * Resolves with the errno of every request (0 = done), in order.
   */
  async batch(datagrams: RequestDatagram[]): Promise<number[]> {
    const total = datagrams.reduce((n, d) => n + d.count, 0);
    const results = new Array<number>(total).fill(0);
    if (total === 0) return results;
    let next = 0;
    let inflight = 0;
    let finished = 0;
    let base = 0;
    return new Promise((resolve) => {
      const pump = () => {
        while (inflight < IN_FLIGHT && next < datagrams.length) {
          const d = datagrams[next++] as RequestDatagram;
          // One entry per datagram, not per route: a request's error finds it by sequence number.
          const range: SeqRange = { first: d.first, count: d.count, base, results };
          base += d.count;
          inflight++;
          this.ranges.add(range);
          const complete = (errno: number) => {
            this.ranges.delete(range);
            // Requests without an error of their own were done (or, if the send failed, lost).
            if (errno !== 0) for (let i = 0; i < range.count; i++) if (results[range.base + i] === 0) results[range.base + i] = errno;
            finished += d.count;
            inflight--;
            if (finished === total) resolve(results);
            else pump();
          };
          this.pending.set(d.doneSeq, { kind: 'ack', done: complete });
          this.send(d.buf, (errno) => {
            if (errno !== 0 && this.pending.delete(d.doneSeq)) complete(errno);
          });
        }
      };
      pump();
    });
  }

  /**
   * Send one datagram; `done` gets 0 or a negative errno. Never throws: after close() (or if the
   * native send refuses) the request simply fails, so a callback running during shutdown cannot
   * raise an exception inside the native layer.
   */
  private send(buf: Buffer, done: (errno: number) => void): void {
    if (this.closed) {
      queueMicrotask(() => done(-9 /* EBADF */));
      return;
    }
    try {
      this.sock.send(buf, {}, (err) => {
        try {
          done(err ? -(err.errno || 5) : 0);
        } catch {
          // a failing completion must never reach the native caller
        }
      });
    } catch {
      queueMicrotask(() => done(-9));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      if (p.kind === 'dump') p.done(new Error('netlink socket closed'));
      else p.done(-9);
    }
    this.sock.close();
  }
}

export interface RtnlEvents {
  /**
   * Optional cheap filter on a route notification before it is decoded (most notifications are
   * echoes of our own changes and need no work).
   */
  wantRoute?(deleted: boolean, protocol: number, table: number): boolean;
  route(r: KernelRoute, deleted: boolean): void;
  link(l: KernelLink, deleted: boolean): void;
  address(a: KernelAddress, deleted: boolean): void;
  /** Notifications were lost (ENOBUFS): state must be re-read with dumps. */
  resync(): void;
}

/** Route, link and address notifications from the kernel. */
export class RtnlMonitor {
  private readonly sock: RawNetlinkSocket;
  private closed = false;

  constructor(events: RtnlEvents) {
    this.sock = new RawNetlinkSocket(NETLINK_ROUTE, { recvBufferSize: RCVBUF, sendBufferSize: 65536 });
    for (const g of [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE]) this.sock.addMembership(g);
    this.sock.on('error', () => events.resync());
    this.sock.on('message', (msg: Buffer) => {
      try {
        let off = 0;
        while (off + 16 <= msg.length) {
          const h = readHeader(msg, off);
          if (h.length < 16 || off + h.length > msg.length) return;
          if (h.type === 24 || h.type === 25) {
            const del = h.type === 25;
            if (!events.wantRoute || events.wantRoute(del, msg[off + 21] as number, msg[off + 20] as number)) events.route(decodeRoute(msg, off, h.length), del);
          } else if (h.type === 16 || h.type === 17) events.link(decodeLink(msg, off, h.length), h.type === 17);
          else if (h.type === 20 || h.type === 21) events.address(decodeAddress(msg, off, h.length), h.type === 21);
          off += (h.length + 3) & ~3;
        }
      } catch {
        // An exception must not escape into the native callback (it would abort the process):
        // treat the notification as lost and resync from a dump.
        if (!this.closed) events.resync();
      }
    });
  }

  /**
   * Stop or restart route notifications (links and addresses keep coming). Bulk changes of our
   * own would otherwise echo back as one datagram per route; the caller rescans after resuming.
   */
  setRouteEvents(on: boolean): void {
    if (this.closed) return;
    for (const g of [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE]) {
      if (on) this.sock.addMembership(g);
      else this.sock.dropMembership(g);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
