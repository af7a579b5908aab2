/**
 * Reading wren's config file: YAML or JSON by extension, validated by config/wren.schema.json, then
 * turned into a Config with templates resolved, topology expanded and defaults filled in. Every
 * error names the file, line:column and key.
 */
import { readConfigFile } from './read-file.js';
import { addressToString, parseAddress, parseIpv4 } from '../wire/address.js';
import { DEFAULT_FIB, type FibConfig } from './fib-config.js';
import type { PeerEndpoint } from './peer-endpoint.js';
import { ConfigError } from './config-error.js';
import { formatPath, parseConfigText, type ConfigDocument, type ConfigPath } from './document.js';
import { routeProtocolNumber, validateSchema } from './schema.js';
import type { PeerSettingsDoc, WrenDocument } from './schema-types.js';
import { compilePolicies, type Policy } from '../policy/policy.js';

export { ConfigError };

export interface NeighborConfig extends PeerEndpoint {
  holdTime: number;
  keepaliveTime: number;
  connectRetryTime: number;
  /** RFC 4271 DelayOpen (s); 0 sends OPEN as soon as TCP is up. */
  delayOpenTime: number;
  families: ('ipv4' | 'ipv6')[];
  /** This neighbour is our route-reflector client. */
  routeReflectorClient: boolean;
  nextHopSelf: boolean;
  /** Accept paths with our own ASN up to this many times (BIRD's `allow local as`). */
  allowOwnAs: number;
  /** RFC 7911 ADD-PATH for this neighbour. */
  addPaths: 'send' | 'receive' | 'both' | 'off';
  /** Which paths an ADD-PATH send session gets: the best only, all, the ECMP set, or the N best (a number). */
  addPathsSend?: 'best' | 'all' | 'multipath' | number;
  /** Our ASN towards this neighbour when it is not `asn` (BIRD's `local as`). */
  localAs?: number;
  /** eBGP: keep the next hop instead of setting it to ourselves. */
  nextHopKeep: boolean;
  /** Where the neighbour comes from: the neighbors list, the mesh, or the reflector keys. */
  origin: 'neighbors' | 'mesh' | 'routeReflectors' | 'routeReflector';
  /** Passive, but dial anyway when the peer has not connected within connectRetryTime. */
  passiveFallback: boolean;
  /** Prefix limit: warn, stop (until enabled again) or restart after `restartAfter` seconds. */
  maxPrefixes?: { limit: number; action?: 'warn' | 'stop' | 'restart'; restartAfter?: number };
  /** RFC 4724 with this neighbour (default: the global gracefulRestart.enabled). */
  gracefulRestart?: boolean;
  /** Seconds announced as our restart time to this neighbour (default: gracefulRestart.restartTime). */
  restartTime?: number;
  /** Offer RFC 8654 extended messages. */
  extendedMessages: boolean;
  /** RFC 8950: IPv4 routes with IPv6 next hops on an IPv6 session. */
  extendedNextHop?: boolean;
  /** Policy chains (names from `policies`) for routes received from and sent to the peer. */
  import?: string[];
  export?: string[];
  /** Keep the neighbour's routes as received, before import policy (show route received / filtered). */
  keepReceived: boolean;
  /** BFD with this neighbour (RFC 5880), when set. */
  bfd?: BfdSettings;
}

/** A neighbour's BFD settings, defaults applied (intervals in ms). */
export interface BfdSettings {
  minRx: number;
  minTx: number;
  multiplier: number;
  /** RFC 5883 multihop; unset: multihop when the neighbour is. */
  multihop?: boolean;
  /** The BGP session stays down while BFD is not Up. */
  strict: boolean;
  /** BFD down keeps graceful restart (when negotiated and the peer's C bit is clear). */
  gracefulRestart: boolean;
  authentication?: { type: 'simple' | 'keyed-md5' | 'meticulous-md5' | 'keyed-sha1' | 'meticulous-sha1'; keyId: number; password: string };
}

export const BFD_DEFAULTS = { minRx: 300, minTx: 300, multiplier: 3, strict: true, gracefulRestart: false } as const;

function bfdOf(raw: NonNullable<PeerSettingsDoc['bfd']>): BfdSettings | undefined {
  if (raw === false) return undefined;
  if (raw === true) return { ...BFD_DEFAULTS };
  const { authentication, ...rest } = raw;
  const b: BfdSettings = { ...BFD_DEFAULTS, ...rest };
  if (authentication) b.authentication = { keyId: 1, ...authentication };
  return b;
}

export interface Config {
  routerId: string;
  asn: number;
  listen: { address: string[]; port: number };
  neighbors: NeighborConfig[];
  /**
   * Unnumbered neighbours: an interface each, the peer's link-local address learned from its
   * router advertisements (daemon/unnumbered.ts); its settings as a template.
   */
  unnumbered: { interface: string; settings: PeerTemplate }[];
  hostname: string;
  /** Prefixes this router originates. */
  announce: string[];
  /** This router reflects routes (RFC 4456) for the clients listed or flagged. */
  routeReflector: {
    clusterId: string;
    clients: string[];
    listenRange: string | null;
    template: PeerTemplate;
    /** Bounds on neighbours from the listen range: in all, not yet Established, seconds to send an OPEN. */
    maxDynamicNeighbors: number;
    maxPendingDynamic: number;
    openTimeout: number;
  } | null;
  mesh: { nodes: string[]; self: string; template: PeerTemplate } | null;
  routeReflectors: string[];
  fib: FibConfig;
  gracefulRestart: GracefulRestartConfig;
  /** Control socket path and owning group (null: the defaults / command line), BIRD-compatible sockets. */
  control: {
    socket: string | null;
    group: string | null;
    birdCompat: string | null;
    birdCompat6: string | null;
    /** `configure FILE` reads only under this directory. */
    configDir: string | null;
    /** A second socket answering show commands only, and its group. */
    readOnlySocket: string | null;
    readOnlyGroup: string | null;
  };
  logging: { level: string | null };
  /** Prometheus endpoint, when configured. */
  metrics: { listen: string } | null;
  /** BMP monitoring stations, when configured. */
  bmp: { stations: { address: string; port: number }[]; routeMonitoring: 'post-policy' | 'pre-policy' | 'both'; statsInterval: number; maxQueueMB: number } | null;
  /** MRT: where requested dumps may go, and the periodic RIB dump. */
  mrt: { dumpDir: string | null; rib: { path: string; interval: number } | null; updates: { path: string; interval: number; queueMB: number } | null };
  /** MED rules of the best-path selection. */
  bestPath: { alwaysCompareMed: boolean; missingMedWorst: boolean };
  /** The memory guard's budget (null: the machine's default) and heap share. */
  memory: { limitMB: number | null; heapShare: number };
  /** Policies compiled once at load (config `policies`, `prefixSets`), and their source text. */
  policies: Map<string, Policy>;
  policySource: { policies: Record<string, unknown>; prefixSets: Record<string, unknown> };
  /** Policy chain for the `announce` prefixes. */
  announcePolicy: string[];
}

type Obj = Record<string, unknown>;
type NeighborDoc = NonNullable<WrenDocument['neighbors']>[number];
type FibDoc = NonNullable<WrenDocument['fib']>;

/** RFC 4724 settings (config key `gracefulRestart`). */
export interface GracefulRestartConfig {
  enabled: boolean;
  /** Restart time we announce (s): how long peers keep our routes after our session drops. */
  restartTime: number;
  /** How long a restarted peer has to send End-of-RIB before its leftover stale routes go (s). */
  staleTime: number;
  /** After start, the longest wait for End-of-RIB from the neighbours before exporting (s). */
  deferralTime: number;
  /** The longest restart time a peer may ask us to keep its routes for (s); longer asks are cut. */
  maxPeerRestartTime: number;
  /** RFC 8538 N bit: graceful restart also across NOTIFICATIONs and hold timer expiry (not Hard Reset). */
  notification: boolean;
  /** RFC 9494: seconds routes are kept as long-lived stale after the restart time (ours to peers, and at most theirs); 0: off. */
  longLivedStaleTime: number;
  /** The restart record (restart-state.ts); null: wrend.state next to the control socket. */
  stateFile?: string | null;
}

export const DEFAULT_GRACEFUL_RESTART: GracefulRestartConfig = { enabled: true, restartTime: 120, staleTime: 360, deferralTime: 10, maxPeerRestartTime: 120, notification: true, longLivedStaleTime: 0 };

/** An address as sockets write it (schema-valid input: parseAddress succeeds). */
function canonicalAddress(a: string): string {
  const b = parseAddress(a);
  return b ? addressToString(b) : a;
}

/** Settings a neighbour takes from its template (everything but its address). */
export type PeerTemplate = Partial<Omit<NeighborConfig, 'address' | 'origin' | 'passiveFallback'>>;

/** Cross-field checks the schema cannot express, reported at the offending key. */
class Checker {
  constructor(private readonly doc: ConfigDocument) {}

  fail(path: ConfigPath, msg: string, key = false): never {
    const { line, col } = this.doc.locate(path, key);
    throw new ConfigError(`${this.doc.file}:${line}:${col} ${formatPath(path)}: ${msg}`);
  }
}

/** Where the metrics endpoint listens when `metrics.listen` is not given: loopback only (it is unauthenticated). */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9179';

/** The prefix limit of an eBGP neighbour that sets none (documented in docs/configuration.md). */
export const EBGP_MAX_PREFIXES = { limit: 2_000_000, action: 'stop' } as const;

const NEIGHBOR_DEFAULTS = {
  port: 179, passive: false, description: '', holdTime: 90, keepaliveTime: 0, connectRetryTime: 5, delayOpenTime: 0,
  routeReflectorClient: false, nextHopSelf: false, allowOwnAs: 0, addPaths: 'off', nextHopKeep: false, passiveFallback: false,
  extendedMessages: true,
  keepReceived: false,
} as const;

/** `best`, `all`, `multipath` or `best-N` (schema-checked) as a selection. */
function pathSelection(text: string): NonNullable<NeighborConfig['addPathsSend']> {
  if (text === 'all' || text === 'multipath' || text === 'best') return text;
  return Number(text.slice('best-'.length));
}

/** Template settings from their schema-valid form: addPaths true/false become both/off. */
function templateOf(raw: PeerSettingsDoc): PeerTemplate {
  const { addPaths, bfd, ...rest } = raw;
  const t: PeerTemplate = rest;
  if (typeof addPaths === 'object') {
    const send = addPaths.send !== undefined && addPaths.send !== 'off';
    t.addPaths = send && addPaths.receive ? 'both' : send ? 'send' : addPaths.receive ? 'receive' : 'off';
    if (addPaths.send !== undefined) t.addPathsSend = pathSelection(addPaths.send);
  } else if (addPaths !== undefined) t.addPaths = addPaths === true ? 'both' : addPaths === false ? 'off' : (addPaths as 'send' | 'receive' | 'both');
  // `bfd: false` turns off what a template turned on.
  if (bfd !== undefined) t.bfd = bfdOf(bfd);
  return t;
}

/** A complete neighbour: defaults, then the template, then its own settings. */
export function makeNeighbor(address: string, origin: NeighborConfig['origin'], asn: number, ...layers: Partial<Omit<NeighborConfig, 'address'>>[]): NeighborConfig {
  const n: NeighborConfig = { ...NEIGHBOR_DEFAULTS, address, asn, families: [address.includes(':') ? 'ipv6' : 'ipv4'], origin };
  for (const l of layers) Object.assign(n, l);
  return n;
}

/** Checks of a resolved neighbour that span several keys; `at` is where its settings are. */
function checkNeighbor(c: Checker, n: NeighborConfig, at: ConfigPath, own: Obj): void {
  const where = (k: string): ConfigPath => (k in own ? [...at, k] : at);
  if (n.holdTime === 1 || n.holdTime === 2) c.fail(where('holdTime'), 'must be 0 or at least 3');
  if (n.multihop && n.ttlSecurity) c.fail(where('ttlSecurity'), 'cannot be combined with multihop');
  if (n.nextHopSelf && n.nextHopKeep) c.fail(where('nextHopKeep'), 'cannot be combined with nextHopSelf');
  if (n.password !== undefined && Buffer.byteLength(n.password) > 80) c.fail(where('password'), 'must be at most 80 bytes');
  if (n.sourceAddress && n.sourceAddress.includes(':') !== n.address.includes(':')) c.fail(where('sourceAddress'), 'must be of the same family as the address');
  const linkLocal = /^fe[89ab]/i.test(n.address);
  if (linkLocal && !n.interface) c.fail(where('address'), `${n.address} is link-local: give the interface it is on (interface: eth0)`);
  if (!linkLocal && n.interface) c.fail(where('interface'), `goes with a link-local (fe80::/10) address, not ${n.address}`);
  const auth = n.bfd?.authentication;
  if (auth && Buffer.byteLength(auth.password) > (auth.type.endsWith('sha1') ? 20 : 16)) {
    c.fail('bfd' in own ? [...at, 'bfd', 'authentication', 'password'] : at, `must be at most ${auth.type.endsWith('sha1') ? 20 : 16} bytes for ${auth.type}`);
  }
}

/** A config file's text, parsed and validated against the schema (not yet a Config). */
export interface ValidDocument {
  doc: ConfigDocument;
  raw: WrenDocument;
}

export function parseDocument(text: string, file: string): ValidDocument {
  const doc = parseConfigText(text, file);
  return { doc, raw: validateSchema(doc) };
}

/** A document made in memory (the Calico datastore's): validated like a file; errors name `what`. */
export function documentOf(value: WrenDocument, what: string): ValidDocument {
  const doc: ConfigDocument = { file: what, value, locate: () => ({ line: 1, col: 1 }) };
  return { doc, raw: validateSchema(doc) };
}

export function parseConfig(text: string, file: string): Config {
  return configFromDocument(parseDocument(text, file));
}

/** A validated document with no datastore (or one the datastore's settings were merged into) as a Config. */
export function configFromDocument({ doc, raw }: ValidDocument): Config {
  const c = new Checker(doc);
  if (raw.datastore) c.fail(['datastore'], 'this file names a datastore: wrend computes the config from it (it cannot be read as a file alone)', true);
  // The schema requires both when there is no datastore.
  const routerId = raw.routerId as string;
  const asn = raw.asn as number;
  if (parseIpv4(routerId) === 0) c.fail(['routerId'], 'must not be 0.0.0.0');
  const la = raw.listen?.address;
  const listen = { address: la === undefined ? ['0.0.0.0', '::'] : Array.isArray(la) ? la : [la], port: raw.listen?.port ?? 179 };
  // A Map, not an object: a template named "constructor" or "toString" must not find Object.prototype's.
  const templates = new Map<string, PeerTemplate>();
  for (const [name, t] of Object.entries(raw.peerTemplates ?? {})) templates.set(name, templateOf(t));
  const template = (name: string | undefined, at: ConfigPath): PeerTemplate => {
    if (name === undefined) return {};
    const t = templates.get(name);
    return t ?? c.fail(at, `no peer template "${name}" (defined: ${[...templates.keys()].join(', ') || 'none'})`);
  };
  const rawPolicies = raw.policies ?? {};
  const rawSets = raw.prefixSets ?? {};
  const compiled = compilePolicies(rawPolicies, rawSets);
  const bad = compiled.errors[0];
  if (bad) c.fail(bad.path, bad.msg);
  const checkChain = (names: readonly string[] | undefined, at: ConfigPath) => {
    for (const [i, n] of (names ?? []).entries()) {
      if (!compiled.policies.has(n)) c.fail([...at, i], `no policy "${n}" (defined: ${[...compiled.policies.keys()].join(', ') || 'none'})`);
    }
  };
  for (const [name, t] of Object.entries(raw.peerTemplates ?? {})) {
    checkChain(t.import, ['peerTemplates', name, 'import']);
    checkChain(t.export, ['peerTemplates', name, 'export']);
  }
  (raw.neighbors ?? []).forEach((n, i) => {
    checkChain(n.import, ['neighbors', i, 'import']);
    checkChain(n.export, ['neighbors', i, 'export']);
  });
  checkChain(raw.fib?.policy, ['fib', 'policy']);
  checkChain(raw.fib?.learn?.policy, ['fib', 'learn', 'policy']);
  checkChain(raw.announcePolicy, ['announcePolicy']);
  const statics = new Set<string>();
  (raw.fib?.staticRoutes ?? []).forEach((r, i) => {
    const at: ConfigPath = ['fib', 'staticRoutes', i];
    if (r.prefix.includes(':') !== r.via.includes(':')) c.fail([...at, 'via'], `${r.via} is not of the family of ${r.prefix}`);
    if (statics.has(r.prefix)) c.fail([...at, 'prefix'], `${r.prefix} has a static route already`);
    statics.add(r.prefix);
  });
  const seen = new Set<string>();
  // Unnumbered neighbours (an interface, no address): their address comes from discovery.
  const unnumbered: Config['unnumbered'] = [];
  const unnumberedAt = new Set<string>();
  (raw.neighbors ?? []).forEach((own: NeighborDoc, i) => {
    if (own.address !== undefined) return;
    const at: ConfigPath = ['neighbors', i];
    const iface: string = own.interface ?? c.fail(at, 'needs an address, or an interface for an unnumbered neighbor');
    if (unnumberedAt.has(iface)) c.fail([...at, 'interface'], `${iface} has an unnumbered neighbor already`);
    unnumberedAt.add(iface);
    const { template: _name, address: _address, ...settings } = own;
    const t: PeerTemplate = { ...template(own.template, [...at, 'template']), ...templateOf(settings) };
    const probe = makeNeighbor('fe80::1', 'neighbors', 0, t);
    if (!probe.asn) c.fail(at, 'asn is required (here or in its template)');
    checkNeighbor(c, probe, at, own);
    unnumbered.push({ interface: iface, settings: t });
  });
  const neighbors = (raw.neighbors ?? []).filter((own) => own.address !== undefined).map((given: NeighborDoc): NeighborConfig => {
    let own = given;
    const at: ConfigPath = ['neighbors', (raw.neighbors ?? []).indexOf(given)];
    // fe80::2%eth0: the interface of a link-local neighbour written as its zone.
    const zoned = (own.address as string).split('%');
    if (zoned.length === 2) {
      if (own.interface && own.interface !== zoned[1]) c.fail([...at, 'interface'], `${own.interface}, but the address says ${zoned[1] as string}`);
      own = { ...own, address: zoned[0] as string, interface: zoned[1] as string };
    }
    // One spelling per address (2001:db8:0::1 is 2001:db8::1), the one sockets report.
    const address = canonicalAddress(own.address as string);
    if (seen.has(address)) c.fail([...at, 'address'], address === own.address ? `${address} is configured twice` : `${own.address} is ${address}, configured twice`);
    seen.add(address);
    const t = template(own.template, [...at, 'template']);
    const { template: _name, address: _address, ...settings } = own;
    const n = makeNeighbor(address, 'neighbors', 0, t, templateOf(settings));
    if (!n.asn) c.fail(at, 'asn is required (here or in its template)');
    checkNeighbor(c, n, at, own);
    return n;
  });
  const meshRaw = raw.mesh;
  const mesh: Config['mesh'] = meshRaw ? { nodes: meshRaw.nodes.map(canonicalAddress), self: canonicalAddress(meshRaw.self ?? routerId), template: template(meshRaw.template, ['mesh', 'template']) } : null;
  const rrRaw = raw.routeReflector;
  const routeReflector: Config['routeReflector'] = rrRaw
    ? {
        clusterId: rrRaw.clusterId ?? routerId,
        clients: (rrRaw.clients ?? []).map(canonicalAddress),
        listenRange: rrRaw.listenRange ?? null,
        template: template(rrRaw.template, ['routeReflector', 'template']),
        maxDynamicNeighbors: rrRaw.maxDynamicNeighbors ?? 10_000,
        maxPendingDynamic: rrRaw.maxPendingDynamic ?? 4096,
        openTimeout: rrRaw.openTimeout ?? 10,
      }
    : null;
  for (const [key, t] of [['mesh', mesh?.template], ['routeReflector', routeReflector?.template]] as const) {
    if (t?.asn !== undefined && t.asn !== asn) c.fail([key, 'template'], `its template sets asn ${t.asn}, but ${key} peers are iBGP (asn ${asn})`);
  }
  const control = raw.control ?? {};
  const config: Config = {
    routerId,
    asn,
    listen,
    neighbors,
    unnumbered,
    hostname: raw.hostname ?? '',
    announce: raw.announce ?? [],
    routeReflector,
    mesh,
    routeReflectors: (raw.routeReflectors ?? []).map(canonicalAddress),
    fib: parseFib(raw.fib),
    gracefulRestart: { ...DEFAULT_GRACEFUL_RESTART, ...raw.gracefulRestart },
    control: {
      socket: control.socket ?? null,
      group: control.group ?? null,
      birdCompat: control.birdCompat ?? null,
      birdCompat6: control.birdCompat6 ?? null,
      configDir: control.configDir ?? null,
      readOnlySocket: control.readOnlySocket ?? null,
      readOnlyGroup: control.readOnlyGroup ?? null,
    },
    logging: { level: raw.logging?.level ?? null },
    metrics: raw.metrics ? { listen: raw.metrics.listen ?? DEFAULT_METRICS_LISTEN } : null,
    bmp: raw.bmp ? { stations: raw.bmp.stations, routeMonitoring: raw.bmp.routeMonitoring ?? 'post-policy', statsInterval: raw.bmp.statsInterval ?? 60, maxQueueMB: raw.bmp.maxQueueMB ?? 32 } : null,
    mrt: {
      dumpDir: raw.mrt?.dumpDir ?? null,
      rib: raw.mrt?.rib ? { path: raw.mrt.rib.path, interval: raw.mrt.rib.interval ?? 7200 } : null,
      updates: raw.mrt?.updates ? { path: raw.mrt.updates.path, interval: raw.mrt.updates.interval ?? 900, queueMB: raw.mrt.updates.queueMB ?? 16 } : null,
    },
    bestPath: { alwaysCompareMed: raw.bestPath?.alwaysCompareMed ?? false, missingMedWorst: raw.bestPath?.missingMedAsWorst ?? false },
    memory: { limitMB: raw.memory?.limitMB ?? null, heapShare: raw.memory?.heapShare ?? 0.75 },
    policies: compiled.policies,
    policySource: { policies: rawPolicies, prefixSets: rawSets },
    announcePolicy: raw.announcePolicy ?? [],
  };
  config.neighbors = expandTopology(config);
  for (const n of config.neighbors) {
    // RFC 8950 carries IPv4 routes over an IPv6 session: the session has the IPv4 family too.
    if (n.extendedNextHop && n.address.includes(':') && !n.families.includes('ipv4')) n.families = ['ipv4', ...n.families];
    n.gracefulRestart ??= config.gracefulRestart.enabled;
    // An eBGP neighbour without a limit of its own gets one: a full Internet table fits, a runaway does not.
    if (!n.maxPrefixes && n.asn !== (n.localAs ?? config.asn)) n.maxPrefixes = { ...EBGP_MAX_PREFIXES };
  }
  return config;
}

function protocolNumber(v: number | string): number {
  return typeof v === 'number' ? v : (routeProtocolNumber(v) as number);
}

/** The fib section (already schema-valid) with defaults filled in. */
function parseFib(raw: FibDoc | undefined): FibConfig {
  if (raw === undefined) return DEFAULT_FIB;
  const d = DEFAULT_FIB;
  const { tunnel, learn } = raw;
  return {
    enabled: raw.enabled ?? true,
    table: raw.table ?? d.table,
    protocol: raw.protocol === undefined ? d.protocol : protocolNumber(raw.protocol),
    metric: raw.metric ?? d.metric,
    ecmp: { maxPaths: raw.ecmp?.maxPaths ?? d.ecmp.maxPaths },
    tunnel: tunnel ? { interface: tunnel.interface ?? 'tunl0', mode: tunnel.mode ?? 'always' } : null,
    learn: learn ? { protocols: (learn.protocols ?? ['boot', 'static']).map(protocolNumber), tables: learn.tables ?? [d.table], policy: learn.policy ?? [] } : null,
    policy: raw.policy ?? [],
    scanInterval: raw.scanInterval ?? d.scanInterval,
    persist: raw.persist ?? d.persist,
    convergenceTimeout: raw.convergenceTimeout ?? d.convergenceTimeout,
    exclude: raw.exclude ?? [],
    excludeWithin: raw.excludeWithin ?? [],
    blackhole: raw.blackhole ?? [],
    staticRoutes: (raw.staticRoutes ?? []).map((r) => ({ prefix: r.prefix, via: r.via })),
    ignoreInterfaces: raw.ignoreInterfaces ?? [],
  };
}

function compareAddresses(a: string, b: string): number {
  const x = parseAddress(a) as Buffer;
  const y = parseAddress(b) as Buffer;
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}

/**
 * Neighbours implied by the topology keys, behind the explicit ones (an explicit neighbour with
 * the same address wins). Mesh: iBGP to every other node; as Calico does, a node waits for peers
 * with a higher address, but compares addresses as numbers (Calico compares strings, which puts
 * 192.0.2.10 below 192.0.2.9), and when that would leave both sides waiting against a BIRD node
 * it dials after connectRetryTime anyway.
 */
export function expandTopology(config: Config): NeighborConfig[] {
  const out = [...config.neighbors];
  const have = new Set(out.map((n) => n.address));
  const add = (address: string, origin: NeighborConfig['origin'], template: PeerTemplate, extra: Partial<NeighborConfig>) => {
    if (have.has(address)) return;
    have.add(address);
    out.push(makeNeighbor(address, origin, config.asn, template, { asn: config.asn }, extra));
  };
  if (config.mesh) {
    for (const node of config.mesh.nodes) {
      if (compareAddresses(node, config.mesh.self) === 0 || node.includes(':') !== config.mesh.self.includes(':')) continue;
      const passive = compareAddresses(node, config.mesh.self) > 0;
      add(node, 'mesh', config.mesh.template, { passive, passiveFallback: passive });
    }
  }
  for (const rr of config.routeReflectors) add(rr, 'routeReflectors', {}, {});
  for (const client of config.routeReflector?.clients ?? []) add(client, 'routeReflector', config.routeReflector?.template ?? {}, { routeReflectorClient: true });
  return out;
}

/** A config file read (without blocking the event loop) and parsed; with `dir`, only a file under it. */
export async function loadConfigAsync(file: string, dir: string | null = null): Promise<Config> {
  return parseConfig(await readConfigFile(file, dir), file);
}
