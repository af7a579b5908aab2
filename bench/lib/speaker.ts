/**
 * A small, fast BGP speaker for benchmarks and load tests, built on src/wire: it opens a session,
 * keeps it alive, announces prefixes as fast as the socket takes them (respecting backpressure),
 * and counts what it receives.
 */
import net from 'node:net';
import { Family } from '../../src/wire/constants.js';
import { makeContext, OPEN_CONTEXT } from '../../src/wire/context.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { decodeBody } from '../../src/wire/message.js';
import { encodeOpen, myAsField } from '../../src/wire/open.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { PrefixBatch } from '../../src/wire/prefix-batch.js';
import { UpdateWriter, encodeEndOfRib } from '../../src/wire/update-writer.js';
import { encodePathAttributes } from '../../src/wire/update.js';
import { NlriCursor } from '../../src/wire/nlri.js';
import { parseAddress, parseIpv4 } from '../../src/wire/address.js';
import type { PathAttribute } from '../../src/wire/attributes/types.js';

export interface SpeakerOptions {
  host: string;
  port: number;
  localAddress?: string;
  asn: number;
  routerId: string;
  holdTime: number;
  /** Announce graceful restart (RFC 4724, forwarding kept for IPv4 and IPv6), as BIRD and wren clients do. */
  gracefulRestart?: boolean;
  /**
   * Keep the set of prefixes held (`table`), not only counts, as internet-table.ts keys them: IPv4
   * address * 64 + length; IPv6 (2001:db8::/32, at most /64) the 32 bits after 2001:db8 instead.
   */
  track?: boolean;
}

export class BenchSpeaker {
  private socket: net.Socket | null = null;
  private framer = new MessageFramer(OPEN_CONTEXT);
  private ctx = OPEN_CONTEXT;
  established = false;
  /** Arrival times (ms) of KEEPALIVEs from the device under test. */
  readonly keepalives: number[] = [];
  received = 0;
  withdrawn = 0;
  endOfRib = false;
  /** With `track`: the IPv4 prefixes held now, as address * 64 + length. */
  readonly table = new Set<number>();
  /** NOTIFICATIONs received, as "code/subcode". */
  readonly notifications: string[] = [];
  /** Called after every UPDATE (for completion detection without polling). */
  onProgress: () => void = () => undefined;
  /** Called when an Established session's connection closes (the device went away). */
  onClosed: () => void = () => undefined;
  private readonly cursor = new NlriCursor();

  constructor(private readonly o: SpeakerOptions) {}

  connect(): Promise<void> {
    return this.run(net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress }), 'connect');
  }

  /** Speak BGP on a connection someone else accepted (the receiving end of bench:loadgen). */
  attach(socket: net.Socket): Promise<void> {
    return this.run(socket, 'now');
  }

  private run(s: net.Socket, openOn: 'connect' | 'now'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket = s;
      this.framer = new MessageFramer(OPEN_CONTEXT);
      this.ctx = OPEN_CONTEXT;
      this.established = false;
      this.endOfRib = false;
      s.setNoDelay(true);
      s.on('error', reject);
      // Closed before Established (refused, or a NOTIFICATION): no session.
      s.once('close', () => {
        if (this.socket !== s) return;
        const was = this.established;
        this.established = false;
        if (was) this.onClosed();
        else reject(new Error('connection closed before the session was up'));
      });
      s.on('data', (chunk) => this.onData(chunk, resolve));
      const open = () =>
        s.write(
          encodeOpen({
            version: 4,
            myAs: myAsField(this.o.asn),
            holdTime: this.o.holdTime,
            bgpId: parseIpv4(this.o.routerId),
            capabilities: [
              { kind: 'multiprotocol', afi: 1, safi: 1 },
              { kind: 'multiprotocol', afi: 2, safi: 1 },
              { kind: 'route-refresh' },
              { kind: 'four-octet-as', asn: this.o.asn },
              ...(this.o.gracefulRestart
                ? [{ kind: 'graceful-restart' as const, flags: 0, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80 }, { afi: 2, safi: 1, flags: 0x80 }] }]
                : []),
            ],
          }),
        );
      if (openOn === 'now') open();
      else s.once('connect', open);
    });
  }

  private onData(chunk: Buffer, onEstablished: () => void): void {
    this.framer.push(chunk);
    for (let f = this.framer.next(); f; f = this.framer.next()) {
      // Lazy: UPDATEs are scanned, not decoded (the receivers only count prefixes).
      const r = decodeBody(f.buf, f.offset, f.length, f.type, this.ctx, true);
      if (!r.ok) throw new Error(`device sent a bad message: ${r.error.message}`);
      const m = r.value;
      if (m.type === 'open') {
        this.ctx = makeContext({ asn4: true });
        this.framer.setContext(this.ctx);
        this.socket?.write(encodeKeepalive());
      } else if (m.type === 'keepalive') {
        this.keepalives.push(performance.now());
        if (!this.established) {
          this.established = true;
          onEstablished();
        }
        this.socket?.write(encodeKeepalive());
      } else if (m.type === 'update') {
        const u = m.update;
        if (u.endOfRib >= 0) this.endOfRib = true;
        const track = this.o.track === true;
        for (const block of [u.nlri, u.mpReach?.nlri]) {
          if (!block) continue;
          this.cursor.reset(block);
          while (this.cursor.next()) {
            this.received++;
            if (track) this.table.add(this.key());
          }
        }
        for (const block of [u.withdrawn, u.mpUnreach?.withdrawn]) {
          if (!block) continue;
          this.cursor.reset(block);
          while (this.cursor.next()) {
            this.withdrawn++;
            if (track) this.table.delete(this.key());
          }
        }
        this.onProgress();
      } else if (m.type === 'notification') {
        this.notifications.push(`${m.notification.code}/${m.notification.subcode}`);
      }
    }
  }

  /**
   * Announce `n` prefixes of `family` — IPv4 /24s (or `length`) from `base` (uint32), or IPv6
   * /56s in 2001:db8::/32 — `perUpdate` per UPDATE, cycling through `sets` attribute sets (`variant`
   * changes them all, for churn). Resolves when every byte has been handed to the kernel.
   */
  async announce(o: { family: Family; base: number; n: number; perUpdate: number; sets: number; nextHop: string; variant?: number; endOfRib?: boolean; length?: number }): Promise<void> {
    const v6 = o.family === Family.IPV6_UNICAST;
    const attrs: Buffer[] = [];
    for (let k = 0; k < o.sets; k++) {
      const list: PathAttribute[] = [
        { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
        // A path from beyond this AS (65000 ...), so iBGP receivers do not see their own ASN.
        { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [65000, 65100 + k, ...(o.variant ? [65500 + o.variant] : [])] }] },
        { kind: 'med', type: 4, flags: 0x80, med: k + (o.variant ?? 0) * 100 },
        // iBGP UPDATEs carry LOCAL_PREF (RFC 4271 5.1.5; FRR treats them as withdrawn otherwise).
        { kind: 'local-pref', type: 5, flags: 0x40, localPref: 100 },
      ];
      if (!v6) list.splice(2, 0, { kind: 'next-hop', type: 3, flags: 0x40, nextHop: parseIpv4(o.nextHop) });
      attrs.push(encodePathAttributes(list, this.ctx));
    }
    const nh = v6 ? (parseAddress(o.nextHop) as Buffer) : Buffer.alloc(0);
    await this.stream(o.family, o.n, o.perUpdate, o.base, o.length ?? (v6 ? 56 : 24), (w, chunk, off, batch, from, k) =>
      v6 ? w.announceMp(chunk, off, attrs[k % o.sets] as Buffer, nh, batch, from, batch.count) : w.announceV4(chunk, off, attrs[k % o.sets] as Buffer, batch, from, batch.count),
    o.endOfRib ?? true);
  }

  /** Withdraw what announce() sent (same family, base and count). */
  async withdraw(o: { family: Family; base: number; n: number; perUpdate: number; length?: number }): Promise<void> {
    await this.stream(o.family, o.n, o.perUpdate, o.base, o.length ?? (o.family === Family.IPV6_UNICAST ? 56 : 24), (w, chunk, off, batch, from) =>
      o.family === Family.IPV6_UNICAST ? w.withdrawMp(chunk, off, batch, from, batch.count) : w.withdrawV4(chunk, off, batch, from, batch.count),
    false);
  }

  /** Announce `n` IPv4 /24s from `base` (the original benchmark interface). */
  async announceV4(base: number, n: number, perUpdate: number, sets: number, nextHop: string): Promise<void> {
    await this.announce({ family: Family.IPV4_UNICAST, base, n, perUpdate, sets, nextHop });
  }

  private async stream(
    family: Family,
    n: number,
    perUpdate: number,
    base: number,
    length: number,
    write: (w: UpdateWriter, chunk: Buffer, off: number, batch: PrefixBatch, from: number, k: number) => number,
    endOfRib: boolean,
  ): Promise<void> {
    const s = this.socket;
    if (!s) throw new Error('not connected');
    const v6 = family === Family.IPV6_UNICAST;
    const batch = new PrefixBatch(family, perUpdate);
    const w = new UpdateWriter(4096);
    const chunk = Buffer.allocUnsafe(64 * 4096);
    const p6 = Buffer.alloc(16);
    let off = 0;
    let k = 0;
    for (let i = 0; i < n; i += perUpdate) {
      batch.clear();
      for (let j = i; j < Math.min(n, i + perUpdate); j++) {
        if (v6) {
          // The 24 bits after 2001:db8::/32 count up from `base` (2001:db8::/32 holds only 65536
          // /48s; /56s give room for millions).
          p6.writeUInt32BE(0x20010db8, 0);
          p6.writeUIntBE((base + j) & 0xffffff, 4, 3);
          batch.pushV6(p6, 0, length);
        } else batch.pushV4((base + j * 2 ** (32 - length)) >>> 0, length);
      }
      for (let from = 0; from < batch.count; ) {
        from = write(w, chunk, off, batch, from, k++);
        off += w.length;
        if (off + 4096 > chunk.length) {
          if (!s.write(Buffer.from(chunk.subarray(0, off)))) await new Promise((r) => s.once('drain', r));
          off = 0;
        }
      }
    }
    const tail = Buffer.concat([chunk.subarray(0, off), ...(endOfRib ? [encodeEndOfRib(family)] : [])]);
    if (!s.write(tail)) await new Promise((r) => s.once('drain', r));
  }

  /** Send pre-encoded messages as fast as the socket takes them (in 256 KB writes), then End-of-RIB. */
  async sendAll(messages: Buffer[], endOfRib: Family | null): Promise<void> {
    const s = this.socket;
    if (!s) throw new Error('not connected');
    for (let i = 0; i < messages.length; ) {
      let size = 0;
      let j = i;
      while (j < messages.length && size < 262_144) size += (messages[j++] as Buffer).length;
      if (!s.write(Buffer.concat(messages.slice(i, j), size))) await new Promise((r) => s.once('drain', r));
      i = j;
    }
    if (endOfRib !== null && !s.write(encodeEndOfRib(endOfRib))) await new Promise((r) => s.once('drain', r));
  }

  /** The current prefix's table key (see `track`). */
  private key(): number {
    const c = this.cursor;
    if (c.family === Family.IPV4_UNICAST) return c.v4 * 64 + c.length;
    let w = 0;
    for (let k = 4; k < 8; k++) w = w * 256 + (k * 8 < c.length ? (c.buf[c.bytesAt + k] as number) : 0);
    return w * 64 + (c.length % 64);
  }

  /** Forget what was counted (between phases of a scenario). */
  resetCounts(): void {
    this.received = 0;
    this.withdrawn = 0;
  }

  /** Write bytes as they are (a NOTIFICATION before closing, crafted UPDATEs); resolves when the socket can take more. */
  async sendRaw(bytes: Buffer): Promise<void> {
    const s = this.socket;
    if (s && !s.write(bytes)) await new Promise<void>((r) => s.once('drain', () => r()));
  }

  close(): void {
    this.socket?.destroy();
  }
}
