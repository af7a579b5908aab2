/**
 * Following the Calico datastore: one consistent read, then a watch from the next revision;
 * changes are applied to the CalicoState and announced (batched: a burst of writes is one
 * change). When the watch is lost (compaction) everything is read again; while etcd cannot be
 * reached, the last good state stays in force and reads are retried with backoff. The state is
 * kept in a snapshot file (written after changes settle), which a start with etcd down runs from.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../time/clock.js';
import { LogRateLimit } from '../log/rate-limit.js';
import { CalicoState } from './calico-state.js';
import type { KvStore, StoreEvent, StoreSnapshot } from './etcd-store.js';
import { isoString } from '../time/iso-time.js';

/** A burst of changes within this long is applied as one. */
export const SETTLE_MS = 100;
/** Retry delays after a failed read: from the first to the cap, doubling. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 5000;
/**
 * A watch that stays disconnected this long is not waited for: the connection is made afresh and
 * everything read again (a watch created while etcd was still starting can hang unanswered).
 */
export const WATCH_STALL_MS = 5000;
/** The snapshot is written at most this often. */
const SNAPSHOT_DELAY_MS = 1000;

export interface DatastoreStatus {
  type: 'etcdv3';
  endpoints: string[];
  connected: boolean;
  /** Where the state in force came from. */
  source: 'etcd' | 'snapshot' | 'none';
  revision: string | null;
  lastChange: string | null;
  lastError: string | null;
  resources: { nodes: number; bgpPeers: number; bgpConfigurations: number; ipPools: number; blockAffinities: number };
  rejected: { key: string; why: string }[];
}

export interface SyncOptions {
  nodeName: string;
  endpoints: string[];
  store: KvStore;
  snapshot: string | null;
  clock: Clock;
  log: Logger;
  /** The state changed (after SETTLE_MS); the owner computes and applies a new config. */
  onChange: () => void;
}

export class DatastoreSync {
  readonly state: CalicoState;
  private revision: string | null = null;
  private connected = false;
  private source: DatastoreStatus['source'] = 'none';
  private lastChange: number | null = null;
  private lastError: string | null = null;
  private stopWatch: (() => Promise<void>) | null = null;
  private settleTimer: unknown = null;
  private snapshotTimer: unknown = null;
  private retryTimer: unknown = null;
  private retryMs = RETRY_FIRST_MS;
  private stallTimer: unknown = null;
  private stopped = false;
  private readonly logLimit = new LogRateLimit(10, 60_000);

  constructor(private readonly o: SyncOptions) {
    this.state = new CalicoState(o.nodeName);
  }

  /**
   * The first state: etcd's, or the snapshot's when etcd cannot be reached (then etcd is retried
   * in the background). Throws when there is neither.
   */
  async start(): Promise<void> {
    try {
      await this.resync(false);
    } catch (err) {
      this.fail(err, 'cannot read the datastore');
      if (!this.loadSnapshot()) throw new Error(`cannot read the Calico datastore at ${this.o.endpoints.join(', ')} (${(err as Error).message}) and there is no snapshot${this.o.snapshot ? ` at ${this.o.snapshot}` : ' (datastore.snapshot)'} to start from`);
      this.o.log.warn({ snapshot: this.o.snapshot, revision: this.revision }, 'datastore unreachable: running from the snapshot until it is back');
      this.retryLater();
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    }
  }

  /** Read everything, replace the state, and watch from the next revision. */
  private async resync(announce: boolean): Promise<void> {
    await this.stopWatch?.().catch(() => undefined);
    this.stopWatch = null;
    const snap = await this.o.store.readAll(this.state.prefixes());
    if (this.stopped) return;
    this.replace(snap);
    this.source = 'etcd';
    this.connected = true;
    this.lastError = null;
    this.retryMs = RETRY_FIRST_MS;
    this.o.log.info({ revision: snap.revision, keys: snap.kvs.length, node: this.o.nodeName }, 'datastore read');
    this.scheduleSnapshot();
    if (announce) this.changed();
    this.stopWatch = await this.o.store.watch(this.state.prefixes(), String(BigInt(snap.revision) + 1n), {
      events: (evs, revision) => this.onEvents(evs, revision),
      connection: (up, why) => {
        this.o.log.debug({ up, why }, 'datastore watch connection');
        if (up) this.clearStall();
        else this.watchStall();
        if (up === this.connected) return;
        this.connected = up;
        if (up) this.o.log.info('datastore connection back; the watch resumes where it was');
        else this.fail(new Error(why), 'datastore connection lost; running on the last good state');
      },
      lost: (why) => {
        this.fail(new Error(why), 'datastore watch lost; reading everything again');
        this.retryLater(0);
      },
    });
  }

  /** The watch is down: if it is not back within WATCH_STALL_MS, reconnect and read everything again. */
  private watchStall(): void {
    if (this.stallTimer !== null || this.stopped) return;
    this.stallTimer = this.o.clock.setTimer(WATCH_STALL_MS, () => {
      this.stallTimer = null;
      if (this.connected || this.stopped) return;
      this.o.log.info('datastore watch still down: reconnecting and reading everything again');
      this.stopWatch = null;
      this.o.store.reconnect();
      this.retryLater(0);
    });
  }

  private clearStall(): void {
    if (this.stallTimer !== null) this.o.clock.clearTimer(this.stallTimer);
    this.stallTimer = null;
  }

  private replace(snap: StoreSnapshot): void {
    this.state.clear();
    for (const { key, value } of snap.kvs) this.applyOne({ key, value });
    this.revision = snap.revision;
    this.lastChange = Date.now();
  }

  private applyOne(e: StoreEvent): boolean {
    const r = this.state.apply(e.key, e.value);
    if (r.rejected) {
      const f = this.logLimit.fields(`rejected|${e.key}`);
      if (f) this.o.log.warn({ key: e.key, error: r.rejected.message, ...f }, 'datastore resource rejected; the rest is applied');
    }
    return r.changed;
  }

  private onEvents(evs: StoreEvent[], revision: string): void {
    let changed = false;
    for (const e of evs) changed = this.applyOne(e) || changed;
    this.revision = revision;
    if (!changed) return;
    this.lastChange = Date.now();
    this.changed();
    this.scheduleSnapshot();
  }

  /** Tell the owner once the burst settles. */
  private changed(): void {
    if (this.settleTimer !== null) return;
    this.settleTimer = this.o.clock.setTimer(SETTLE_MS, () => {
      this.settleTimer = null;
      if (!this.stopped) this.o.onChange();
    });
  }

  private retryLater(ms = this.retryMs): void {
    if (this.stopped || this.retryTimer !== null) return;
    this.retryTimer = this.o.clock.setTimer(ms, () => {
      this.retryTimer = null;
      this.o.log.debug({ afterMs: ms }, 'datastore: reading again');
      this.resync(true).catch((err: unknown) => {
        this.fail(err, 'datastore still unreachable; running on the last good state');
        this.retryLater();
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      });
    });
  }

  private fail(err: unknown, what: string): void {
    this.connected = false;
    this.lastError = (err as Error).message;
    const f = this.logLimit.fields(`fail|${what}`);
    if (f) this.o.log.warn({ error: this.lastError, endpoints: this.o.endpoints, ...f }, what);
  }

  // ---- snapshot ----

  private scheduleSnapshot(): void {
    if (!this.o.snapshot || this.snapshotTimer !== null) return;
    this.snapshotTimer = this.o.clock.setTimer(SNAPSHOT_DELAY_MS, () => {
      this.snapshotTimer = null;
      this.writeSnapshot();
    });
  }

  /** The raw keys and values in force, so a start from it parses them as from etcd. */
  private writeSnapshot(): void {
    const path = this.o.snapshot;
    if (!path) return;
    const kvs = this.state.raw();
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify({ node: this.o.nodeName, revision: this.revision, kvs }), { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    } catch (err) {
      const f = this.logLimit.fields('snapshot');
      if (f) this.o.log.warn({ file: path, error: (err as Error).message, ...f }, 'cannot write the datastore snapshot');
    }
  }

  private loadSnapshot(): boolean {
    const path = this.o.snapshot;
    if (!path) return false;
    try {
      const j = JSON.parse(readFileSync(path, 'utf8')) as { node?: unknown; revision?: unknown; kvs?: unknown };
      if (j.node !== this.o.nodeName || !Array.isArray(j.kvs)) return false;
      const kvs = (j.kvs as unknown[]).filter((x): x is { key: string; value: string } => typeof x === 'object' && x !== null && typeof (x as { key?: unknown }).key === 'string' && typeof (x as { value?: unknown }).value === 'string');
      this.replace({ revision: typeof j.revision === 'string' ? j.revision : '0', kvs });
      this.source = 'snapshot';
      return true;
    } catch {
      return false;
    }
  }

  status(): DatastoreStatus {
    const s = this.state;
    return {
      type: 'etcdv3',
      endpoints: this.o.endpoints,
      connected: this.connected,
      source: this.source,
      revision: this.revision,
      lastChange: this.lastChange === null ? null : isoString(this.lastChange),
      lastError: this.lastError,
      resources: { nodes: s.nodes.size, bgpPeers: s.peers.size, bgpConfigurations: s.configs.size, ipPools: s.pools.size, blockAffinities: s.affinities.size },
      rejected: s.rejectedList,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.settleTimer, this.retryTimer, this.stallTimer]) if (t !== null) this.o.clock.clearTimer(t);
    if (this.snapshotTimer !== null) {
      this.o.clock.clearTimer(this.snapshotTimer);
      this.writeSnapshot();
    }
    await this.stopWatch?.().catch(() => undefined);
    this.o.store.close();
  }
}
