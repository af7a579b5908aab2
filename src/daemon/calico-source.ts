/**
 * wrend configured by Calico's datastore: the local file names the store (`datastore:`) and adds
 * what is this host's own (control, logging, fib, extra neighbours and policies); the BGP identity
 * and topology come from the resources (datastore/calico-config.ts). Every settled change of the
 * datastore becomes a new config that goes through the daemon's reload, as a file change would:
 * only what changed is touched. A change that does not make a valid config is logged and the
 * running config stays.
 */
import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError, configFromDocument, documentOf, parseDocument, type Config } from '../config/load.js';
import { readConfigFile } from '../config/read-file.js';
import type { WrenDocument } from '../config/schema-types.js';
import type { Clock } from '../time/clock.js';
import { calicoDocument, DatastoreConfigError } from '../datastore/calico-config.js';
import { DatastoreSync, type DatastoreStatus } from '../datastore/datastore-sync.js';
import { openEtcd, type KvStore } from '../datastore/etcd-store.js';
import type { ConfigSource } from './config-source.js';

export interface CalicoSourceOptions {
  log: Logger;
  clock: Clock;
  /** Test seam: the store (default: etcd at the configured endpoints). */
  store?: KvStore;
}

/** This node's name: the file's nodeName, then $NODENAME (as calico-node), then the host name. */
export function nodeNameOf(local: WrenDocument): string {
  return local.nodeName ?? process.env.NODENAME ?? hostname();
}

export class CalicoSource implements ConfigSource {
  /** Called with each new config the datastore makes (set by the daemon's owner). */
  onConfig: (config: Config) => void = () => undefined;
  /** What the last computation left out (missing secrets, duplicates). */
  problems: string[] = [];
  /** The last config document computed (for `wrenc show config`): the same shape as a file. */
  document: WrenDocument | null = null;

  private constructor(
    private local: WrenDocument,
    private readonly sync: DatastoreSync,
    private readonly log: Logger,
  ) {}

  /** Connect (or fall back to the snapshot) and compute the first config. */
  static async open(local: WrenDocument, o: CalicoSourceOptions): Promise<{ source: CalicoSource; config: Config }> {
    const ds = local.datastore;
    if (!ds) throw new ConfigError('no datastore configured');
    const nodeName = nodeNameOf(local);
    const store = o.store ?? (await openEtcd({ endpoints: ds.endpoints, ...(ds.tls ? { tls: ds.tls } : {}) }));
    let source: CalicoSource | null = null;
    const sync = new DatastoreSync({
      nodeName,
      endpoints: ds.endpoints,
      store,
      snapshot: ds.snapshot ?? null,
      clock: o.clock,
      log: o.log,
      onChange: () => source?.changed(),
    });
    source = new CalicoSource(local, sync, o.log);
    await sync.start();
    return { source, config: source.compute(local) };
  }

  /** The effective config from a local document and the datastore state in force. */
  private compute(local: WrenDocument): Config {
    const secrets = local.datastore?.secrets ?? {};
    const secret = (name: string, key: string): string | null => {
      const file = secrets[`${name}/${key}`];
      if (!file) return null;
      try {
        return readFileSync(file, 'utf8').trim();
      } catch (err) {
        this.log.error({ secret: `${name}/${key}`, file, error: (err as Error).message }, 'cannot read a BGPPeer password file');
        return null;
      }
    };
    let result;
    try {
      result = calicoDocument(this.sync.state, local, secret);
    } catch (err) {
      if (err instanceof DatastoreConfigError) throw new ConfigError(`datastore: ${err.message}`);
      throw err;
    }
    if (result.problems.join('\n') !== this.problems.join('\n')) for (const p of result.problems) this.log.warn({ problem: p }, 'datastore: left out of the config');
    this.problems = result.problems;
    const config = configFromDocument(documentOf(result.document, `datastore (node ${this.sync.state.nodeName})`));
    this.document = result.document;
    return config;
  }

  /** A reload: the local file again, with the datastore state in force. */
  async load(file: string, dir: string | null): Promise<Config> {
    const { raw } = parseDocument(await readConfigFile(file, dir), file);
    if (!raw.datastore) throw new ConfigError(`${file}: has no datastore any more; switching a running wrend from the datastore to a file needs a restart`);
    const was = this.local.datastore;
    if (!isDeepStrictEqual({ e: was?.endpoints, t: was?.tls, n: nodeNameOf(this.local) }, { e: raw.datastore.endpoints, t: raw.datastore.tls, n: nodeNameOf(raw) })) {
      throw new ConfigError(`${file}: datastore endpoints, tls and nodeName change only with a restart of wrend; nothing was applied`);
    }
    const config = this.compute(raw);
    this.local = raw;
    return config;
  }

  /** The datastore changed: a new config for the daemon (or the running one stays, with a log line). */
  private changed(): void {
    let config: Config;
    try {
      config = this.compute(this.local);
    } catch (err) {
      this.log.error({ error: (err as Error).message }, 'datastore change not applied: it does not make a valid config; the running config stays');
      return;
    }
    this.onConfig(config);
  }

  status(): DatastoreStatus & { problems: string[] } {
    return { ...this.sync.status(), problems: this.problems };
  }

  stop(): Promise<void> {
    return this.sync.stop();
  }
}
