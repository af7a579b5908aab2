/** Following the datastore with a fake store and the fake clock: read, watch, settle, lost watch, outage, snapshot. */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DatastoreSync, SETTLE_MS } from '../../../src/datastore/datastore-sync.js';
import type { KvStore, StoreSnapshot, WatchHandlers } from '../../../src/datastore/etcd-store.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const R = '/calico/resources/v3/projectcalico.org/';
const nodeKv = (name: string, ip: string) => ({ key: `${R}nodes/${name}`, value: JSON.stringify({ metadata: { name }, spec: { bgp: { ipv4Address: ip } } }) });

class FakeStore implements KvStore {
  kvs = new Map<string, string>();
  revision = 10;
  down = false;
  reads = 0;
  handlers: WatchHandlers | null = null;
  watchedFrom: string | null = null;
  closed = false;
  async readAll(prefixes: readonly string[]): Promise<StoreSnapshot> {
    this.reads++;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:2379');
    return { revision: String(this.revision), kvs: [...this.kvs].filter(([k]) => prefixes.some((p) => k.startsWith(p))).map(([key, value]) => ({ key, value })) };
  }
  async watch(_p: readonly string[], from: string, h: WatchHandlers): Promise<() => Promise<void>> {
    this.handlers = h;
    this.watchedFrom = from;
    return async () => {
      this.handlers = null;
    };
  }
  reconnects = 0;
  reconnect(): void {
    this.reconnects++;
    this.handlers = null;
  }
  close(): void {
    this.closed = true;
  }
  put(key: string, value: string): void {
    this.kvs.set(key, value);
    this.revision++;
    this.handlers?.events([{ key, value }], String(this.revision));
  }
}

const log = pino({ level: 'silent' });
const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A sync of node "a" over a store holding its Node, started; `changes()` counts what it announced. */
async function started() {
  const store = new FakeStore();
  store.kvs.set(nodeKv('a', '192.0.2.1').key, nodeKv('a', '192.0.2.1').value);
  const clock = new FakeClock();
  let n = 0;
  const sync = new DatastoreSync({ nodeName: 'a', endpoints: ['http://x'], store, snapshot: null, clock, log, onChange: () => n++ });
  await sync.start();
  return { store, clock, sync, changes: () => n };
}

t.test('read, watch from the next revision, and one change per settled burst', async (t) => {
  const { store, clock, sync, changes } = await started();
  t.equal(store.watchedFrom, '11', 'watch from the revision after the read');
  t.equal(sync.state.nodes.size, 1);
  t.match(sync.status(), { connected: true, source: 'etcd', revision: '10' });
  store.put(nodeKv('b', '192.0.2.2').key, nodeKv('b', '192.0.2.2').value);
  store.put(nodeKv('c', '192.0.2.3').key, nodeKv('c', '192.0.2.3').value);
  t.equal(changes(), 0, 'not before the burst settles');
  clock.advance(SETTLE_MS);
  t.equal(changes(), 1, 'two puts, one change');
  t.equal(sync.state.nodes.size, 3);
  store.put(`${R}bgppeers/bad`, '{');
  clock.advance(SETTLE_MS);
  t.equal(changes(), 2);
  t.match(sync.status().rejected, [{ key: `${R}bgppeers/bad`, why: /not valid JSON/ }]);
  store.put('/calico/felix/v1/unrelated', 'x');
  clock.advance(SETTLE_MS);
  t.equal(changes(), 2, 'keys wren does not read change nothing');
  await sync.stop();
  t.ok(store.closed);
});

t.test('a lost watch reads everything again; an outage keeps the state and is retried with backoff', async (t) => {
  const { store, clock, sync, changes } = await started();
  store.handlers?.connection(false, 'stream reset');
  t.match(sync.status(), { connected: false, lastError: 'stream reset' }, 'disconnected, state kept');
  t.equal(sync.state.nodes.size, 1);
  store.handlers?.connection(true, 'watch connected');
  t.equal(sync.status().connected, true);
  clock.advance(10_000);
  t.equal(store.reconnects, 0, 'a watch that came back is kept');
  // A watch that stays down is not waited for: reconnect and read again.
  store.handlers?.connection(false, 'stream reset');
  clock.advance(5000);
  await flush();
  t.equal(store.reconnects, 1, 'reconnected after 5 s down');
  t.equal(store.reads, 2, 'and read everything again');
  t.ok(store.handlers, 'watching again');
  // Compaction: the watch is cancelled; meanwhile a node was added.
  store.kvs.set(nodeKv('b', '192.0.2.2').key, nodeKv('b', '192.0.2.2').value);
  store.revision = 50;
  store.down = true;
  store.handlers?.lost('required revision has been compacted');
  clock.advance(0);
  await flush();
  t.equal(store.reads, 3, 'read again at once');
  t.equal(sync.state.nodes.size, 1, 'etcd down: the last good state stays');
  clock.advance(1000);
  await flush();
  t.equal(store.reads, 4, 'retried after 1 s');
  clock.advance(1999);
  await flush();
  t.equal(store.reads, 4, 'then after 2 s, not sooner');
  store.down = false;
  clock.advance(1);
  await flush();
  t.equal(store.reads, 5);
  t.equal(sync.state.nodes.size, 2, 'back: the change made meanwhile is in');
  t.equal(store.watchedFrom, '51');
  clock.advance(SETTLE_MS);
  t.equal(changes(), 2, 'each read again is announced (the reconnect, then the way back)');
  await sync.stop();
});

t.test('the snapshot: written after changes, used when etcd is down at start, refused for another node', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-ds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const snapshot = join(dir, 'state', 'datastore.json');
  const store = new FakeStore();
  store.kvs.set(nodeKv('a', '192.0.2.1').key, nodeKv('a', '192.0.2.1').value);
  const clock = new FakeClock();
  const first = new DatastoreSync({ nodeName: 'a', endpoints: ['http://x'], store, snapshot, clock, log, onChange: () => undefined });
  await first.start();
  clock.advance(1000);
  t.ok(existsSync(snapshot), 'written');
  t.match(JSON.parse(readFileSync(snapshot, 'utf8')), { node: 'a', revision: '10' });
  await first.stop();

  const down = new FakeStore();
  down.down = true;
  const second = new DatastoreSync({ nodeName: 'a', endpoints: ['http://x'], store: down, snapshot, clock, log, onChange: () => undefined });
  await second.start();
  t.match(second.status(), { source: 'snapshot', connected: false, revision: '10' });
  t.equal(second.state.nodes.get('a')?.ipv4, '192.0.2.1');
  await second.stop();

  const other = new DatastoreSync({ nodeName: 'b', endpoints: ['http://x'], store: down, snapshot, clock, log, onChange: () => undefined });
  await t.rejects(other.start(), /cannot read the Calico datastore .* no snapshot/, "another node's snapshot is not used");
  await other.stop();
});
