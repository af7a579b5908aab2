/**
 * The TCP side of a session: a thin Connection port over net.Socket, outbound dialing (plain, or
 * through sockopt.ts when MD5, GTSM, TTL or a source port must be set before the SYN), and the
 * listener that hands accepted connections to whoever owns the peer.
 */
import net from 'node:net';
import { dialWithOptions, fdOf, setMd5Key, setMinTtl, setTtl, type DialOptions } from './sockopt.js';

/** What a peer needs of a connection; tests substitute a fake. */
export interface Connection {
  /** Without the zone of a link-local address (that is `interface`). */
  readonly remoteAddress: string;
  /** The interface of a link-local connection, when known. */
  readonly interface?: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Queue bytes; false when the kernel buffer is full and the caller should wait for drain. */
  write(bytes: Buffer): boolean;
  /** Bytes queued in user space, waiting for the socket. */
  readonly pendingBytes: number;
  onData(fn: (chunk: Buffer) => void): void;
  onClose(fn: (reason: string) => void): void;
  onDrain(fn: () => void): void;
  /** Stop and restart reading (to bound the work done in one event-loop turn). */
  pause(): void;
  resume(): void;
  /** Flush what is queued, then close. */
  end(): void;
  destroy(): void;
}

/** Strip the IPv4-mapped prefix a dual-stack socket reports. */
export function normalizeAddress(a: string | undefined): string {
  if (!a) return '';
  const bare = a.includes('%') ? a.slice(0, a.indexOf('%')) : a;
  return bare.startsWith('::ffff:') && bare.includes('.') ? bare.slice(7) : bare;
}

/** The zone of a link-local socket address ("fe80::1%eth0" -> "eth0"), '' without one. */
export function zoneOf(a: string | undefined): string {
  return a && a.includes('%') ? a.slice(a.indexOf('%') + 1) : '';
}

export class TcpConnection implements Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The interface of a link-local connection ('' otherwise). */
  readonly interface: string;
  private closed = false;

  constructor(private readonly socket: net.Socket) {
    this.interface = zoneOf(socket.remoteAddress) || zoneOf(socket.localAddress);
    this.remoteAddress = normalizeAddress(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = normalizeAddress(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
    socket.setNoDelay(true);
    socket.setKeepAlive(false);
  }

  write(bytes: Buffer): boolean {
    if (this.closed) return false;
    return this.socket.write(bytes);
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  onData(fn: (chunk: Buffer) => void): void {
    this.socket.on('data', fn);
  }

  onClose(fn: (reason: string) => void): void {
    let error = '';
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    this.socket.on('close', () => {
      this.closed = true;
      fn(error ? `connection error ${error}` : 'connection closed by peer');
    });
  }

  onDrain(fn: () => void): void {
    this.socket.on('drain', fn);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    // Do not wait forever for a peer that stopped reading.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

export type DialSpec = DialOptions;

function needsRawSocket(o: DialSpec): boolean {
  return Boolean(o.password || o.ttl || o.minTtl || o.sourcePort);
}

/** Dial a peer. Returns a cancel function; `done` is called at most once, never after cancel. */
export function dial(o: DialSpec, done: (err: Error | null, conn: Connection | null) => void): () => void {
  let cancelled = false;
  if (needsRawSocket(o)) {
    dialWithOptions(o, (err, fd) => {
      if (cancelled) {
        if (!err) new net.Socket({ fd }).destroy();
        return;
      }
      if (err) return done(err, null);
      const s = new net.Socket({ fd, readable: true, writable: true });
      done(null, new TcpConnection(s));
    });
    return () => {
      cancelled = true;
    };
  }
  const s = net.connect({ host: o.interface ? `${o.address}%${o.interface}` : o.address, port: o.port, localAddress: o.sourceAddress, timeout: o.timeoutSeconds * 1000 });
  const fail = (err: Error) => {
    if (cancelled) return;
    cancelled = true;
    s.destroy();
    done(err, null);
  };
  s.once('error', fail);
  s.once('timeout', () => fail(new Error('connect timeout')));
  s.once('connect', () => {
    if (cancelled) return;
    s.removeListener('error', fail);
    s.setTimeout(0);
    done(null, new TcpConnection(s));
  });
  return () => {
    if (!cancelled) {
      cancelled = true;
      s.destroy();
    }
  };
}

/** Per-peer socket security applied to the listener and to accepted sockets. */
export interface PeerSecurity {
  password?: string;
  ttlSecurity?: number;
  multihop?: number;
}

/** A change of the listening sockets, bound but not yet in force: commit it, or roll it back. */
export interface ListenChange {
  /** Close the sockets the new set no longer has. */
  commit(): void;
  /** Close the sockets this change bound; the old set stays as it was. */
  rollback(): void;
}

export class BgpListener {
  /** Listening sockets by "address|port". */
  private readonly servers = new Map<string, net.Server>();

  constructor(private readonly onConnection: (conn: Connection, socket: net.Socket) => void) {}

  /** Listen on each address (IPv6 listeners are IPv6-only, so IPv4 and IPv6 can share the port). */
  async listen(addresses: string[], port: number): Promise<void> {
    (await this.change(addresses, port)).commit();
  }

  /**
   * Bind what `addresses` and `port` need that is not bound yet, keeping every socket already
   * bound, so that nothing stops listening before the new set is known to work. When a bind fails
   * the ones this call made are closed again and the error is thrown: the old set is untouched.
   * Linux refuses an address beside a wildcard listener of its family on the same port (0.0.0.0 to
   * the node address: Calico's bindMode NodeIP): when that wildcard goes with this change it is
   * closed first (a connection arriving meanwhile is refused and its peer dials again), and a
   * rollback binds it again.
   */
  async change(addresses: string[], port: number): Promise<ListenChange> {
    const want = new Set(addresses.map((a) => `${a}|${port}`));
    const added = new Map<string, net.Server>();
    const released = new Map<string, string>();
    const restore = async () => {
      for (const [key, address] of released) {
        try {
          this.servers.set(key, await this.bind(address, port));
        } catch {
          // The port was taken meanwhile: nothing better to do than go on without it.
        }
      }
    };
    try {
      for (const address of addresses) {
        const key = `${address}|${port}`;
        if (this.servers.has(key) || added.has(key)) continue;
        try {
          added.set(key, await this.bind(address, port));
        } catch (err) {
          const wild = address.includes(':') ? '::' : '0.0.0.0';
          const wkey = `${wild}|${port}`;
          const w = this.servers.get(wkey);
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !w || want.has(wkey)) throw err;
          w.close();
          this.servers.delete(wkey);
          released.set(wkey, wild);
          added.set(key, await this.bind(address, port));
        }
      }
    } catch (err) {
      for (const s of added.values()) s.close();
      await restore();
      throw err;
    }
    return {
      commit: () => {
        for (const [key, s] of this.servers) {
          if (want.has(key)) continue;
          s.close();
          this.servers.delete(key);
        }
        for (const [key, s] of added) this.servers.set(key, s);
      },
      rollback: () => {
        for (const s of added.values()) s.close();
        void restore();
      },
    };
  }

  private async bind(address: string, port: number): Promise<net.Server> {
    const server = net.createServer({ noDelay: true }, (socket) => this.onConnection(new TcpConnection(socket), socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, ipv6Only: address.includes(':'), exclusive: true }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    return server;
  }

  get ports(): number[] {
    return [...this.servers.values()].map((s) => (s.address() as net.AddressInfo).port);
  }

  /** Install or remove a peer's MD5 key on every listening socket of its address family. */
  setPeerPassword(peer: string, password: string): void {
    for (const s of this.servers.values()) {
      const local = (s.address() as net.AddressInfo).address;
      if (local.includes(':') !== peer.includes(':')) continue;
      const fd = fdOf(s);
      if (fd >= 0) setMd5Key(fd, peer, password);
    }
  }

  close(): void {
    for (const s of this.servers.values()) s.close();
    this.servers.clear();
  }
}

/** Apply TTL and GTSM to an accepted socket for a peer. */
export function secureAccepted(socket: net.Socket, peer: string, sec: PeerSecurity): void {
  const fd = fdOf(socket);
  if (fd < 0) return;
  const v6 = peer.includes(':');
  if (sec.ttlSecurity) {
    setTtl(fd, v6, 255);
    setMinTtl(fd, v6, 256 - sec.ttlSecurity);
  } else if (sec.multihop) {
    setTtl(fd, v6, sec.multihop);
  }
}
