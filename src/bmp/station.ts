/**
 * One BMP monitoring station (RFC 7854), wren as the client: connect, send Initiation, then for
 * every established session Peer Up, its whole post-policy table as Route Monitoring and
 * End-of-RIB, then every change as it happens, Statistics Reports every `statsInterval` seconds,
 * Peer Down when a session ends, Termination when wren stops. Never slows routing: everything
 * goes through the socket's buffer with backpressure for the table and a byte bound for the live
 * messages; a station that falls behind the bound (or reads nothing) is dropped and resynced on
 * its next connection, with a backoff between attempts. Bytes a station sends are read and
 * ignored.
 */
import net from 'node:net';
import type { Clock } from '../time/clock.js';
import { drainOrClose } from '../os/socket-drain.js';
import { initiation, peerDown, peerUp, routeMonitoring, statistics, termination, type BmpPeer } from './bmp-codec.js';

/** What the daemon tells the station about one established session. */
export interface MonitoredSession {
  peer: BmpPeer;
  local: Uint8Array;
  localPort: number;
  remotePort: number;
  sentOpen: Buffer;
  receivedOpen: Buffer;
  /** Its post-policy table as UPDATEs, then the End-of-RIB markers (generated lazily). */
  table(): Iterable<Buffer>;
  stats(): { type: number; value: number }[];
}

export interface StationFeed {
  sessions(): MonitoredSession[];
}

export interface StationOptions {
  address: string;
  port: number;
  sysName: string;
  sysDescr: string;
  statsInterval: number;
  /** Bytes of live messages that may wait for the station before it is dropped. */
  maxQueueBytes: number;
}

export interface StationStatus {
  station: string;
  connected: boolean;
  connects: number;
  drops: number;
  messages: number;
  bytesIn: number;
  lastError: string;
}

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

export class BmpStation {
  readonly status: StationStatus;
  private sock: net.Socket | null = null;
  private syncing = false;
  private live: Buffer[] = [];
  private liveBytes = 0;
  private backoff = BACKOFF_MIN_MS;
  private retry: unknown = null;
  private statsTimer: unknown = null;
  private stopped = false;

  constructor(private readonly o: StationOptions, private readonly feed: StationFeed, private readonly clock: Clock, private readonly onProblem: (m: string) => void) {
    this.status = { station: `${o.address}:${o.port}`, connected: false, connects: 0, drops: 0, messages: 0, bytesIn: 0, lastError: '' };
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const s = net.connect({ host: this.o.address, port: this.o.port });
    this.sock = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.status.connected = true;
      this.status.connects++;
      this.backoff = BACKOFF_MIN_MS;
      void this.sync(s);
      this.statsTimer = this.clock.setTimer(this.o.statsInterval * 1000, () => this.statsTick(s));
    });
    // A station has nothing to say to us (RFC 7854 3.3): read and count, never act.
    s.on('data', (d: Buffer) => (this.status.bytesIn += d.length));
    s.on('error', (err) => (this.status.lastError = err.message));
    s.on('close', () => this.closed(s));
  }

  private closed(s: net.Socket): void {
    if (this.sock !== s) return;
    this.sock = null;
    this.syncing = false;
    this.live = [];
    this.liveBytes = 0;
    this.clock.clearTimer(this.statsTimer);
    if (this.status.connected) this.status.drops++;
    this.status.connected = false;
    if (this.stopped) return;
    this.retry = this.clock.setTimer(this.backoff, () => this.connect());
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
  }

  private write(s: net.Socket, b: Buffer): boolean {
    this.status.messages++;
    return s.write(b);
  }


  /** Initiation, then every session's Peer Up and table; then what happened meanwhile. */
  private async sync(s: net.Socket): Promise<void> {
    this.syncing = true;
    this.write(s, initiation(this.o.sysName, this.o.sysDescr));
    for (const m of this.feed.sessions()) {
      if (this.sock !== s) return;
      this.write(s, this.peerUpMessage(m));
      for (const u of m.table()) {
        if (this.sock !== s) return;
        if (!this.write(s, routeMonitoring(m.peer, this.clock.now(), u))) await drainOrClose(s);
      }
    }
    if (this.sock !== s) return;
    this.syncing = false;
    const queued = this.live;
    this.live = [];
    this.liveBytes = 0;
    for (const b of queued) this.write(s, b);
  }

  private peerUpMessage(m: MonitoredSession): Buffer {
    return peerUp(m.peer, this.clock.now(), m.local, m.localPort, m.remotePort, m.sentOpen, m.receivedOpen);
  }

  /** A live message: written now, or queued during the initial sync; past the bound, the station is dropped. */
  private send(b: Buffer): void {
    const s = this.sock;
    if (!s || !this.status.connected) return;
    if (this.syncing) {
      this.live.push(b);
      this.liveBytes += b.length;
    } else {
      this.write(s, b);
    }
    if (this.liveBytes + s.writableLength > this.o.maxQueueBytes) {
      this.status.lastError = `the station fell ${this.liveBytes + s.writableLength} bytes behind; dropped, to be resynced`;
      this.onProblem(`BMP station ${this.status.station}: ${this.status.lastError}`);
      s.destroy();
    }
  }

  peerUp(m: MonitoredSession): void {
    this.send(this.peerUpMessage(m));
    if (!this.sock) return;
    // A session that came up while connected: its table follows its Peer Up. During the initial
    // sync both are queued: the sync's list of sessions was taken before this one came up.
    for (const u of m.table()) this.send(routeMonitoring(m.peer, this.clock.now(), u));
  }

  peerDown(p: BmpPeer, reason: number, data: Buffer): void {
    this.send(peerDown(p, this.clock.now(), reason, data));
  }

  route(p: BmpPeer, update: Buffer): void {
    this.send(routeMonitoring(p, this.clock.now(), update));
  }

  private statsTick(s: net.Socket): void {
    if (this.sock !== s) return;
    if (!this.syncing) for (const m of this.feed.sessions()) this.send(statistics(m.peer, this.clock.now(), m.stats()));
    this.statsTimer = this.clock.setTimer(this.o.statsInterval * 1000, () => this.statsTick(s));
  }

  /** Termination, then close (wren stops or the station was removed from the config). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimer(this.retry);
    this.clock.clearTimer(this.statsTimer);
    const s = this.sock;
    if (!s) return;
    if (this.status.connected) s.end(termination('wren is stopping'));
    else s.destroy();
    await new Promise<void>((r) => {
      const t = setTimeout(() => (s.destroy(), r()), 500);
      s.once('close', () => (clearTimeout(t), r()));
    });
  }
}
