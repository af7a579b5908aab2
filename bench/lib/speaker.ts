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
import { parseIpv4 } from '../../src/wire/address.js';
import type { PathAttribute } from '../../src/wire/attributes/types.js';

export interface SpeakerOptions {
  host: string;
  port: number;
  localAddress?: string;
  asn: number;
  routerId: string;
  holdTime: number;
}

export class BenchSpeaker {
  private socket: net.Socket | null = null;
  private readonly framer = new MessageFramer(OPEN_CONTEXT);
  private ctx = OPEN_CONTEXT;
  established = false;
  /** Arrival times (ms) of KEEPALIVEs from the device under test. */
  readonly keepalives: number[] = [];
  received = 0;
  withdrawn = 0;
  endOfRib = false;
  /** NOTIFICATIONs received, as "code/subcode". */
  readonly notifications: string[] = [];
  /** Called whenever `received` grows (for completion detection without polling). */
  onProgress: () => void = () => undefined;
  private readonly cursor = new NlriCursor();

  constructor(private readonly o: SpeakerOptions) {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
      this.socket = s;
      s.setNoDelay(true);
      s.once('error', reject);
      s.on('data', (chunk) => this.onData(chunk, resolve));
      s.once('connect', () => {
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
            ],
          }),
        );
      });
    });
  }

  private onData(chunk: Buffer, onEstablished: () => void): void {
    this.framer.push(chunk);
    for (let f = this.framer.next(); f; f = this.framer.next()) {
      const r = decodeBody(f.buf, f.offset, f.length, f.type, this.ctx);
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
        for (const block of [u.nlri, u.mpReach?.nlri]) {
          if (!block) continue;
          this.cursor.reset(block);
          while (this.cursor.next()) this.received++;
        }
        this.onProgress();
        for (const block of [u.withdrawn, u.mpUnreach?.withdrawn]) {
          if (!block) continue;
          this.cursor.reset(block);
          while (this.cursor.next()) this.withdrawn++;
        }
      } else if (m.type === 'notification') {
        this.notifications.push(`${m.notification.code}/${m.notification.subcode}`);
      }
    }
  }

  /**
   * Announce `n` IPv4 /24s starting at `base` (uint32), `perUpdate` per UPDATE, cycling through
   * `sets` attribute sets. Resolves when every byte has been handed to the kernel.
   */
  async announceV4(base: number, n: number, perUpdate: number, sets: number, nextHop: string): Promise<void> {
    const s = this.socket;
    if (!s) throw new Error('not connected');
    const attrs: Buffer[] = [];
    for (let k = 0; k < sets; k++) {
      const list: PathAttribute[] = [
        { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
        // A path from beyond this AS (65000 ...), so iBGP receivers do not see their own ASN.
        { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [65000, 65100 + k] }] },
        { kind: 'next-hop', type: 3, flags: 0x40, nextHop: parseIpv4(nextHop) },
        { kind: 'med', type: 4, flags: 0x80, med: k },
      ];
      attrs.push(encodePathAttributes(list, this.ctx));
    }
    const batch = new PrefixBatch(Family.IPV4_UNICAST, perUpdate);
    const w = new UpdateWriter(4096);
    const chunk = Buffer.allocUnsafe(64 * 4096);
    let off = 0;
    let k = 0;
    for (let i = 0; i < n; i += perUpdate) {
      batch.clear();
      for (let j = i; j < Math.min(n, i + perUpdate); j++) batch.pushV4((base + j * 256) >>> 0, 24);
      for (let from = 0; from < batch.count; ) {
        from = w.announceV4(chunk, off, attrs[k++ % sets] as Buffer, batch, from, batch.count);
        off += w.length;
        if (off + 4096 > chunk.length) {
          if (!s.write(Buffer.from(chunk.subarray(0, off)))) await new Promise((r) => s.once('drain', r));
          off = 0;
        }
      }
    }
    const tail = Buffer.concat([chunk.subarray(0, off), encodeEndOfRib(Family.IPV4_UNICAST)]);
    if (!s.write(tail)) await new Promise((r) => s.once('drain', r));
  }

  close(): void {
    this.socket?.destroy();
  }
}
