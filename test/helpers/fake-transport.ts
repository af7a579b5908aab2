import type { Connection } from '../../src/session/transport.js';

/** Delivers bytes between fake connections when flushed, in order. */
export class FakeNetwork {
  private readonly pending: (() => void)[] = [];
  /** Links whose traffic towards them is dropped (a peer that went silent). */
  readonly blackholes = new Set<FakeConnection>();

  schedule(fn: () => void): void {
    this.pending.push(fn);
  }

  flush(): void {
    for (let i = 0; i < 100_000 && this.pending.length > 0; i++) this.pending.shift()?.();
  }

  /** Two connected ends, as a dialer and an acceptor see them. */
  pair(aAddr: string, bAddr: string): [FakeConnection, FakeConnection] {
    const a = new FakeConnection(this, bAddr, aAddr);
    const b = new FakeConnection(this, aAddr, bAddr);
    a.other = b;
    b.other = a;
    return [a, b];
  }
}

export class FakeConnection implements Connection {
  other: FakeConnection | null = null;
  readonly remotePort = 179;
  readonly localPort = 50000;
  readonly pendingBytes = 0;
  closed = false;
  readonly sent: Buffer[] = [];
  private dataFns: ((b: Buffer) => void)[] = [];
  private closeFns: ((r: string) => void)[] = [];

  constructor(
    private readonly net: FakeNetwork,
    readonly remoteAddress: string,
    readonly localAddress: string,
  ) {}

  write(bytes: Buffer): boolean {
    if (this.closed) return false;
    const copy = Buffer.from(bytes);
    this.sent.push(copy);
    const other = this.other;
    if (other && !this.net.blackholes.has(other)) this.net.schedule(() => other.receive(copy));
    return true;
  }

  /** Bytes arriving before anybody reads are kept, as a socket buffer keeps them. */
  private readonly inbox: Buffer[] = [];

  private receive(bytes: Buffer): void {
    if (this.closed) return;
    if (this.dataFns.length === 0) this.inbox.push(bytes);
    else this.dataFns.forEach((f) => f(bytes));
  }

  onData(fn: (b: Buffer) => void): void {
    this.dataFns.push(fn);
    if (this.dataFns.length === 1 && this.inbox.length > 0) {
      const queued = this.inbox.splice(0);
      this.net.schedule(() => queued.forEach((b) => this.receive(b)));
    }
  }

  onClose(fn: (r: string) => void): void {
    this.closeFns.push(fn);
  }

  onDrain(): void {}

  pause(): void {}

  resume(): void {}

  /** Close this end; the other end hears of it after what was already in flight. */
  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    const other = this.other;
    if (!other) return;
    this.net.schedule(() => {
      if (other.closed) return;
      other.closed = true;
      other.closeFns.forEach((f) => f('connection closed by peer'));
    });
  }

  end(): void {
    this.shut();
  }

  destroy(): void {
    this.shut();
  }
}
