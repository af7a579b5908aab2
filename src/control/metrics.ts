/**
 * The Prometheus endpoint (config `metrics: {listen: "127.0.0.1:9179"}`), with prom-client. Every
 * value is read from the daemon when scraped, never counted on a hot path: sessions, messages by
 * type, prefixes received/filtered/advertised, RIB and FIB sizes, FIB operations, update groups,
 * event-loop lag, plus Node's process metrics. Operators put bird_exporter beside BIRD for this.
 */
import { wrenVersion } from '../config/version.js';
import type net from 'node:net';
import http from 'node:http';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { Family } from '../wire/constants.js';
import { fnv1a } from '../rib/attr-store.js';
import { State } from '../session/fsm.js';
import { peerType } from './neighbor-commands.js';
import type { ControlHost, Health } from './host.js';
import type { Peer } from '../session/peer.js';
import type { BfdSnapshot } from '../bfd/bfd-service.js';
import type { SessionStatus } from '../bfd/messages.js';

const STATES: State[] = [State.IDLE, State.CONNECT, State.ACTIVE, State.OPEN_SENT, State.OPEN_CONFIRM, State.ESTABLISHED];
const TYPES = ['', 'open', 'update', 'notification', 'keepalive', 'route_refresh'];

/** "host:port" or "[v6]:port". */
export function parseListen(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  return port <= 65535 ? { host: (m[1] ?? m[2]) as string, port } : null;
}

export function buildRegistry(d: ControlHost): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'wren_' });
  new Gauge({ name: 'wren_build_info', help: 'Always 1; the version of the running wrend', labelNames: ['version', 'node'], registers: [reg] }).set({ version: wrenVersion(), node: process.version }, 1);
  const peerLabels = ['peer', 'asn', 'type'] as const;
  const peers = () => [...d.peers()].map((p) => ({ p, labels: { peer: p.config.address, asn: String(p.config.asn), type: peerType(d, p.config.address) } }));

  new Gauge({
    name: 'wren_bgp_session_state', help: 'Session state: 1 for the current FSM state (label state)', labelNames: [...peerLabels, 'state'], registers: [reg],
    collect() {
      this.reset();
      for (const { p, labels } of peers()) for (const s of STATES) this.set({ ...labels, state: s }, p.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'wren_bgp_session_up', help: '1 when the session is Established', labelNames: peerLabels, registers: [reg],
    collect() {
      this.reset();
      for (const { p, labels } of peers()) this.set(labels, p.state === State.ESTABLISHED ? 1 : 0);
    },
  });
  new Gauge({
    name: 'wren_bgp_session_uptime_seconds', help: 'Seconds since the session was Established (0 when it is not)', labelNames: peerLabels, registers: [reg],
    collect() {
      this.reset();
      const now = Date.now();
      for (const { p, labels } of peers()) this.set(labels, p.state === State.ESTABLISHED ? (now - p.since) / 1000 : 0);
    },
  });
  new Counter({
    name: 'wren_bgp_session_flaps_total', help: 'Times the session left Established', labelNames: peerLabels, registers: [reg],
    collect() {
      this.reset();
      for (const { p, labels } of peers()) this.inc(labels, p.counters.flaps);
    },
  });
  for (const dir of ['received', 'sent'] as const) {
    new Counter({
      name: `wren_bgp_messages_${dir}_total`, help: `BGP messages ${dir}, by type`, labelNames: [...peerLabels, 'message'], registers: [reg],
      collect() {
        this.reset();
        for (const { p, labels } of peers()) {
          const counts = dir === 'received' ? p.messagesByType.in : p.messagesByType.out;
          for (let t = 1; t < TYPES.length; t++) this.inc({ ...labels, message: TYPES[t] as string }, counts[t] as number);
        }
      },
    });
  }
  const prefixGauge = (name: string, help: string, read: (p: Peer) => number) =>
    new Gauge({
      name, help, labelNames: peerLabels, registers: [reg],
      collect() {
        this.reset();
        if (d.routeCounts()) for (const { p, labels } of peers()) this.set(labels, read(p));
      },
    });
  prefixGauge('wren_bgp_prefixes_received', 'Prefixes from the peer in the RIB (accepted by import policy)', (p) => d.routeCounts()?.received(p) ?? 0);
  prefixGauge('wren_bgp_prefixes_advertised', 'Prefixes announced to the peer', (p) => d.routeCounts()?.advertised(p) ?? 0);
  const prefixCounter = (name: string, help: string, read: (p: Peer) => number) =>
    new Counter({
      name, help, labelNames: peerLabels, registers: [reg],
      collect() {
        this.reset();
        if (d.routeCounts()) for (const { p, labels } of peers()) this.inc(labels, read(p));
      },
    });
  prefixCounter('wren_bgp_prefixes_filtered_total', 'Announcements the import policy rejected', (p) => d.routeCounts()?.filtered(p) ?? 0);
  prefixCounter('wren_bgp_updates_refused_total', 'UPDATEs refused (loops, own next hop, malformed attributes)', (p) => d.routeCounts()?.rejected(p) ?? 0);
  new Counter({
    name: 'wren_config_reloads_total', help: 'Configuration reloads, by result (applied, failed)', labelNames: ['result'], registers: [reg],
    collect() {
      this.reset();
      const r = d.reloads();
      this.inc({ result: 'applied' }, r.applied);
      this.inc({ result: 'failed' }, r.failed);
    },
  });
  new Gauge({
    name: 'wren_ready', help: '1 when /healthz answers 200 (started, start-up deferral over, a session up if any is configured)', registers: [reg],
    collect() {
      this.set(d.health().ready ? 1 : 0);
    },
  });

  new Gauge({
    name: 'wren_rib_prefixes', help: 'Prefixes with a best path', labelNames: ['family', 'afi', 'safi'], registers: [reg],
    collect() {
      this.reset();
      const rib = d.rib();
      if (!rib) return;
      for (const [f, name] of [[Family.IPV4_UNICAST, 'ipv4'], [Family.IPV6_UNICAST, 'ipv6']] as const) this.set({ family: name, afi: name, safi: 'unicast' }, rib.routesOf(f));
    },
  });
  new Gauge({
    name: 'wren_rib_paths', help: 'Candidate paths (all peers, all prefixes)', registers: [reg],
    collect() {
      this.set(d.rib()?.paths ?? 0);
    },
  });
  new Gauge({
    name: 'wren_rib_attribute_sets', help: 'Attribute sets: received (import) and announced (export, those sent as received included)', labelNames: ['store'], registers: [reg],
    collect() {
      const stats = d.rib()?.stats();
      this.set({ store: 'import' }, stats?.importAttributeSets ?? 0);
      this.set({ store: 'export' }, stats?.exportAttributeSets ?? 0);
    },
  });
  new Gauge({
    name: 'wren_update_group_members', help: 'Sessions in each update group (routes encoded once per group)', labelNames: ['group', 'family', 'kind'], registers: [reg],
    collect() {
      this.reset();
      for (const g of d.rib()?.updateGroups() ?? []) {
        const id = fnv1a(Buffer.from(g.key)).toString(16).padStart(8, '0');
        this.set({ group: id, family: g.family === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6', kind: g.kind }, g.size);
      }
    },
  });
  new Gauge({
    name: 'wren_fib_routes', help: 'Routes wren has installed in the kernel', registers: [reg],
    collect() {
      this.set(d.fib()?.installed ?? 0);
    },
  });
  new Counter({
    name: 'wren_fib_operations_total', help: 'Kernel route operations by kind', labelNames: ['op'], registers: [reg],
    collect() {
      this.reset();
      const c = d.fib()?.counters;
      if (!c) return;
      for (const op of ['installs', 'deletes', 'adopted', 'pruned', 'repaired', 'retried'] as const) this.inc({ op }, c[op]);
    },
  });
  new Counter({
    name: 'wren_fib_errors_total', help: 'Kernel route operations that failed', registers: [reg],
    collect() {
      this.reset();
      this.inc(d.fib()?.counters.errors ?? 0);
    },
  });
  new Gauge({
    name: 'wren_event_loop_delay_worst_seconds', help: 'Longest event-loop delay seen since start', registers: [reg],
    collect() {
      this.set(d.loopWorstMs / 1000);
    },
  });
  // Only when the config comes from the Calico datastore.
  if (d.datastore()) {
    new Gauge({
      name: 'wren_datastore_connected', help: '1 while the Calico datastore (etcd) is connected and watched; 0 while wrend runs on the last good state', registers: [reg],
      collect() {
        this.set(d.datastore()?.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'wren_datastore_rejected_resources', help: 'Calico resources that did not validate and were ignored', registers: [reg],
      collect() {
        this.set(d.datastore()?.rejected.length ?? 0);
      },
    });
  }
  new Counter({
    name: 'wren_mrt_records_total', help: 'MRT: RIB dumps written and update-log records written, dropped (queue full or write failed), and errors', labelNames: ['what'], registers: [reg],
    collect() {
      this.reset();
      const dumps = d.mrt().status;
      this.inc({ what: 'rib_dumps' }, dumps.dumps);
      this.inc({ what: 'rib_dump_errors' }, dumps.errors);
      const u = d.updateLog();
      if (!u) return;
      this.inc({ what: 'update_records' }, u.records);
      this.inc({ what: 'update_records_dropped' }, u.dropped);
      this.inc({ what: 'update_write_errors' }, u.errors);
    },
  });
  registerBfdMetrics(reg, d);
  return reg;
}

/** BFD sessions, from one snapshot of the BFD worker per scrape. */
function registerBfdMetrics(reg: Registry, d: ControlHost): void {
  let cache: { at: number; snap: Promise<BfdSnapshot | null> } | null = null;
  const snapshot = (): Promise<BfdSnapshot | null> => {
    const now = Date.now();
    if (!cache || now - cache.at > 500) cache = { at: now, snap: (d.bfd().snapshot() ?? Promise.resolve(null)).catch(() => null) };
    return cache.snap;
  };
  const perSession = (name: string, help: string, kind: 'gauge' | 'counter', read: (s: SessionStatus) => number) => {
    const opts = {
      name, help, labelNames: ['peer'], registers: [reg],
      async collect(this: Gauge | Counter) {
        this.reset();
        const snap = await snapshot();
        for (const s of snap?.sessions ?? []) {
          if (this instanceof Gauge) this.set({ peer: s.peer }, read(s));
          else this.inc({ peer: s.peer }, read(s));
        }
      },
    };
    return kind === 'gauge' ? new Gauge(opts) : new Counter(opts);
  };
  perSession('wren_bfd_session_up', 'BFD session state: 1 when Up', 'gauge', (s) => (s.state === 'Up' ? 1 : 0));
  perSession('wren_bfd_session_flaps_total', 'Times the BFD session left Up', 'counter', (s) => s.flaps);
  perSession('wren_bfd_packets_received_total', 'BFD packets accepted on the session', 'counter', (s) => s.packetsIn);
  perSession('wren_bfd_packets_sent_total', 'BFD packets sent on the session', 'counter', (s) => s.packetsOut);
  perSession('wren_bfd_detection_time_seconds', 'Negotiated detection time', 'gauge', (s) => s.detectionTime / 1000);
  perSession('wren_bfd_tx_gap_max_seconds', 'Longest gap between two periodic BFD packets while Up', 'gauge', (s) => s.maxTxGap / 1000);
  new Counter({
    name: 'wren_bfd_packets_dropped_total', help: 'BFD packets dropped, by reason (kernel: TTL not 255 on single-hop, or a full buffer)', labelNames: ['reason'], registers: [reg],
    async collect() {
      this.reset();
      const snap = await snapshot();
      if (!snap) return;
      for (const [reason, n] of Object.entries(snap.counters.dropped)) this.inc({ reason }, n);
      if (snap.counters.kernelDropped > 0) this.inc({ reason: 'kernel' }, snap.counters.kernelDropped);
    },
  });
}

/** Connections the metrics endpoint serves at once; more are closed on accept. */
export const MAX_CONNECTIONS = 64;

export class MetricsServer {
  private server: http.Server | null = null;

  constructor(
    private readonly listen: string,
    private readonly registry: Registry,
    private readonly log: Logger,
    /** /healthz: 200 when ready, 503 with the reason otherwise. */
    private readonly health: (() => Health) | null = null,
  ) {}

  async start(): Promise<void> {
    const at = parseListen(this.listen);
    if (!at) throw new Error(`metrics.listen: "${this.listen}" is not HOST:PORT`);
    // connectionsCheckingInterval: the header and request timeouts below are enforced every second.
    const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/healthz' && this.health) {
        const h = this.health();
        res.writeHead(h.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h) + '\n');
        return;
      }
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('wren: metrics are at /metrics, health at /healthz\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
      );
    });
    // An unauthenticated endpoint bounds what strangers can hold: connections in all, and how
    // long an idle or slow one may stay (19,990 idle connections once took every descriptor).
    server.maxConnections = MAX_CONNECTIONS;
    server.headersTimeout = 5_000;
    server.requestTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    // Idle sockets go after 4 s (below headersTimeout: Node's own header check re-arms the socket
    // timeout, so a longer one never fired on a connection that sent nothing).
    server.on('connection', (socket: net.Socket) => socket.setTimeout(4_000, () => socket.destroy()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ error: err.message }, 'metrics endpoint error'));
    this.server = server;
    this.log.info({ listen: this.listen }, 'metrics endpoint listening');
  }

  /** The port listened on (0 in the config: one the kernel chose). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  close(): void {
    this.server?.close();
  }
}
