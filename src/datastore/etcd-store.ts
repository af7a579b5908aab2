/**
 * The Calico datastore in etcd v3, through the `etcd3` client from npm (gRPC; it works with the
 * etcd 3.4 Debian ships): a consistent read of every key under some prefixes with its revision,
 * then a watch from the next revision. The client reconnects a dropped watch by itself and resumes
 * from the last revision it saw; a watch etcd cancels (the revision was compacted) is reported
 * lost, and the caller reads everything again. The package (and gRPC) is loaded only when a
 * datastore is configured.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Etcd3, IOptions, Watcher } from 'etcd3';

export interface StoreEvent {
  key: string;
  /** null: the key was deleted. */
  value: string | null;
}

export interface StoreSnapshot {
  revision: string;
  kvs: { key: string; value: string }[];
}

export interface WatchHandlers {
  /** Changes in revision order, one call per etcd response. */
  events(evs: StoreEvent[], revision: string): void;
  /** The connection dropped (the client retries) or came back. */
  connection(up: boolean, why: string): void;
  /** The watch cannot go on from its revision (compaction, cancel): read everything again. */
  lost(why: string): void;
}

/** The store the datastore sync reads: etcd here; a second one (Kubernetes CRDs) would plug in beside. */
export interface KvStore {
  readAll(prefixes: readonly string[]): Promise<StoreSnapshot>;
  watch(prefixes: readonly string[], fromRevision: string, h: WatchHandlers): Promise<() => Promise<void>>;
  /** Drop the connection and its watches and connect afresh (a watch that does not come back). */
  reconnect(): void;
  close(): void;
}

export interface EtcdOptions {
  endpoints: string[];
  tls?: { ca?: string; cert?: string; key?: string };
  /** Per-request timeout (ms): a read against an unreachable cluster fails after it. */
  timeoutMs?: number;
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * The watch's reconnect delay: doubling from 250 ms to at most 2 s (the client's default grows
 * to 30 s, so a watch could resume half a minute after etcd is back).
 */
function capped(ms: number): WatchBackoff {
  return { duration: ms, next: () => capped(Math.min(2000, ms * 2)) } as WatchBackoff;
}

export async function openEtcd(o: EtcdOptions): Promise<KvStore> {
  // Required, not imported: wrend's bundle may run as one CommonJS script (bin/script-cache.ts),
  // which has no import().
  const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as typeof import('etcd3');
  const options: IOptions = {
    hosts: o.endpoints,
    dialTimeout: o.timeoutMs ?? 3000,
    // Reads end after the timeout; the watch is a stream that lives as long as the connection.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: new Date(Date.now() + (o.timeoutMs ?? 3000)) }),
    faultHandling: { watchBackoff: capped(250) },
    // gRPC's own reconnect backoff, capped likewise.
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
  };
  if (o.tls && (o.tls.ca || o.tls.cert)) {
    options.credentials = {
      rootCertificate: o.tls.ca ? readFileSync(o.tls.ca) : Buffer.alloc(0),
      ...(o.tls.key ? { privateKey: readFileSync(o.tls.key) } : {}),
      ...(o.tls.cert ? { certChain: readFileSync(o.tls.cert) } : {}),
    };
  }
  return new EtcdStore(() => new Client(options));
}

class EtcdStore implements KvStore {
  private client: Etcd3;
  /** Bumped by reconnect(): the watches of an older client are silent (their client is closed). */
  private generation = 0;

  constructor(private readonly connect: () => Etcd3) {
    this.client = connect();
  }

  reconnect(): void {
    this.generation++;
    this.client.close();
    this.client = this.connect();
  }

  async readAll(prefixes: readonly string[]): Promise<StoreSnapshot> {
    // One revision for all prefixes: read the first, then the others at its revision.
    let revision: string | null = null;
    const kvs: StoreSnapshot['kvs'] = [];
    for (const prefix of prefixes) {
      let q = this.client.getAll().prefix(prefix);
      if (revision !== null) q = q.revision(revision);
      const res = await q.exec();
      revision ??= String(res.header.revision);
      for (const kv of res.kvs) kvs.push({ key: kv.key.toString(), value: kv.value.toString() });
    }
    return { revision: revision ?? '0', kvs };
  }

  async watch(prefixes: readonly string[], fromRevision: string, h: WatchHandlers): Promise<() => Promise<void>> {
    const watchers: Watcher[] = [];
    const generation = this.generation;
    const live = () => generation === this.generation;
    for (const prefix of prefixes) {
      const w = await this.client.watch().prefix(prefix).startRevision(fromRevision).create();
      w.on('data', (res) => {
        if (!live()) return;
        const evs: StoreEvent[] = (res.events ?? []).map((e) => ({ key: e.kv.key.toString(), value: e.type === 'Delete' ? null : e.kv.value.toString() }));
        if (evs.length) h.events(evs, String(res.header.revision));
      });
      w.on('disconnected', (err) => live() && h.connection(false, err.message));
      w.on('connected', () => live() && h.connection(true, 'watch connected'));
      w.on('error', (err) => live() && h.lost(err.message));
      watchers.push(w);
    }
    return async () => {
      for (const w of watchers) await w.cancel().catch(() => undefined);
    };
  }

  close(): void {
    this.client.close();
  }
}
