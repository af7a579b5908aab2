/**
 * Reading wren's config file: YAML or JSON by extension, turned into a checked Config with
 * defaults filled in. Errors name the file and the offending key.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseAddress, parseIpv4 } from '../wire/address.js';
import { parsePrefix } from '../wire/nlri.js';
import { DEFAULT_FIB, type FibConfig } from '../fib/fib-config.js';
import type { PeerEndpoint } from '../session/peer.js';

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
  /** Our ASN towards this neighbour when it is not `asn` (BIRD's `local as`). */
  localAs?: number;
  /** eBGP: keep the next hop instead of setting it to ourselves. */
  nextHopKeep: boolean;
  /** Where the neighbour comes from: the neighbors list, the mesh, or the reflector keys. */
  origin: 'neighbors' | 'mesh' | 'routeReflectors' | 'routeReflector';
  /** Passive, but dial anyway when the peer has not connected within connectRetryTime. */
  passiveFallback: boolean;
}

export interface Config {
  routerId: string;
  asn: number;
  listen: { address: string[]; port: number };
  neighbors: NeighborConfig[];
  hostname: string;
  /** Prefixes this router originates. */
  announce: string[];
  /** This router reflects routes (RFC 4456) for the clients listed or flagged. */
  routeReflector: { clusterId: string; clients: string[]; listenRange: string | null } | null;
  mesh: { nodes: string[]; self: string } | null;
  routeReflectors: string[];
  fib: FibConfig;
}

export class ConfigError extends Error {
  readonly code = 'config.invalid';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, msg: string): never {
    throw new ConfigError(`${this.file}: ${path}: ${msg}`);
  }

  keys(o: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(path ? `${path}.${k}` : k, 'unknown key');
  }

  int(o: Obj, key: string, path: string, min: number, max: number, dflt?: number): number {
    const v = o[key];
    if (v === undefined) {
      if (dflt === undefined) this.fail(`${path}${key}`, 'is required');
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`${path}${key}`, 'must be an integer');
    if (v < min) this.fail(`${path}${key}`, `must be >= ${min}`);
    if (v > max) this.fail(`${path}${key}`, `must be <= ${max}`);
    return v;
  }

  bool(o: Obj, key: string, path: string, dflt: boolean): boolean {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(`${path}${key}`, 'must be true or false');
    return v;
  }

  str(o: Obj, key: string, path: string, dflt?: string): string {
    const v = o[key];
    if (v === undefined) {
      if (dflt === undefined) this.fail(`${path}${key}`, 'is required');
      return dflt;
    }
    if (typeof v !== 'string') this.fail(`${path}${key}`, 'must be a string');
    return v;
  }

  address(o: Obj, key: string, path: string, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    const s = this.str(o, key, path);
    if (!parseAddress(s)) this.fail(`${path}${key}`, `"${s}" is not an IP address`);
    return s;
  }
}

export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  const c = new Checker(file);
  if (!isObj(raw)) return c.fail('(top level)', 'must be a mapping');
  c.keys(raw, '', ['routerId', 'asn', 'listen', 'neighbors', 'hostname', 'announce', 'routeReflector', 'mesh', 'routeReflectors', 'fib']);
  const routerId = c.str(raw, 'routerId', '');
  if (parseIpv4(routerId) < 0 || parseIpv4(routerId) === 0) c.fail('routerId', `"${routerId}" is not a non-zero IPv4 address`);
  const asn = c.int(raw, 'asn', '', 1, 4294967295);
  const listenRaw = raw.listen ?? {};
  if (!isObj(listenRaw)) return c.fail('listen', 'must be a mapping');
  c.keys(listenRaw, 'listen', ['address', 'port']);
  const la = listenRaw.address;
  const addrs = la === undefined ? ['0.0.0.0', '::'] : Array.isArray(la) ? la : [la];
  for (const [i, a] of addrs.entries()) {
    if (typeof a !== 'string' || !parseAddress(a)) c.fail(`listen.address[${i}]`, `"${String(a)}" is not an IP address`);
  }
  const listen = { address: addrs as string[], port: c.int(listenRaw, 'port', 'listen.', 0, 65535, 179) };
  const nraw = raw.neighbors ?? [];
  if (!Array.isArray(nraw)) return c.fail('neighbors', 'must be a list');
  const seen = new Set<string>();
  const neighbors = nraw.map((n: unknown, i: number): NeighborConfig => {
    const p = `neighbors[${i}].`;
    if (!isObj(n)) return c.fail(`neighbors[${i}]`, 'must be a mapping');
    c.keys(n, `neighbors[${i}]`, [
      'address', 'asn', 'port', 'passive', 'description', 'sourceAddress', 'sourcePort', 'holdTime', 'keepaliveTime',
      'connectRetryTime', 'delayOpenTime', 'multihop', 'ttlSecurity', 'password', 'families',
      'routeReflectorClient', 'nextHopSelf', 'allowOwnAs', 'addPaths', 'localAs', 'nextHopKeep',
    ]);
    const address = c.address(n, 'address', p, true) as string;
    if (seen.has(address)) c.fail(`${p}address`, `${address} is configured twice`);
    seen.add(address);
    const holdTime = c.int(n, 'holdTime', p, 0, 65535, 90);
    if (holdTime === 1 || holdTime === 2) c.fail(`${p}holdTime`, 'must be 0 or at least 3');
    const fams = n.families ?? [address.includes(':') ? 'ipv6' : 'ipv4'];
    if (!Array.isArray(fams) || fams.length === 0 || !fams.every((f) => f === 'ipv4' || f === 'ipv6')) {
      c.fail(`${p}families`, 'must be a non-empty list of "ipv4" and "ipv6"');
    }
    const out: NeighborConfig = {
      address,
      asn: c.int(n, 'asn', p, 1, 4294967295),
      port: c.int(n, 'port', p, 1, 65535, 179),
      passive: c.bool(n, 'passive', p, false),
      description: c.str(n, 'description', p, ''),
      holdTime,
      keepaliveTime: c.int(n, 'keepaliveTime', p, 0, 21845, 0),
      connectRetryTime: c.int(n, 'connectRetryTime', p, 1, 65535, 5),
      delayOpenTime: c.int(n, 'delayOpenTime', p, 0, 240, 0),
      families: fams as ('ipv4' | 'ipv6')[],
      routeReflectorClient: c.bool(n, 'routeReflectorClient', p, false),
      nextHopSelf: c.bool(n, 'nextHopSelf', p, false),
      allowOwnAs: c.int(n, 'allowOwnAs', p, 0, 10, 0),
      origin: 'neighbors',
      passiveFallback: false,
      addPaths: 'off',
      nextHopKeep: c.bool(n, 'nextHopKeep', p, false),
    };
    if (n.addPaths !== undefined) {
      const ap = n.addPaths;
      if (ap === true) out.addPaths = 'both';
      else if (ap === false) out.addPaths = 'off';
      else if (ap === 'send' || ap === 'receive' || ap === 'both') out.addPaths = ap;
      else c.fail(`${p}addPaths`, 'must be send, receive, both, true or false');
    }
    if (n.localAs !== undefined) out.localAs = c.int(n, 'localAs', p, 1, 4294967295);
    if (out.nextHopSelf && out.nextHopKeep) c.fail(`${p}nextHopKeep`, 'cannot be combined with nextHopSelf');
    const src = c.address(n, 'sourceAddress', p, false);
    if (src) out.sourceAddress = src;
    if (n.sourcePort !== undefined) out.sourcePort = c.int(n, 'sourcePort', p, 1, 65535);
    if (n.multihop !== undefined) out.multihop = c.int(n, 'multihop', p, 1, 255);
    if (n.ttlSecurity !== undefined) out.ttlSecurity = c.int(n, 'ttlSecurity', p, 1, 254);
    if (out.multihop && out.ttlSecurity) c.fail(`${p}ttlSecurity`, 'cannot be combined with multihop');
    if (n.password !== undefined) {
      out.password = c.str(n, 'password', p);
      if (Buffer.byteLength(out.password) > 80) c.fail(`${p}password`, 'must be at most 80 bytes');
    }
    return out;
  });
  const announceRaw = raw.announce ?? [];
  if (!Array.isArray(announceRaw)) return c.fail('announce', 'must be a list of prefixes');
  const announce = announceRaw.map((x: unknown, i: number) => {
    if (typeof x !== 'string' || !parsePrefix(x)) return c.fail(`announce[${i}]`, `"${String(x)}" is not a prefix`);
    return x;
  });
  let routeReflector: Config['routeReflector'] = null;
  if (raw.routeReflector !== undefined) {
    const rr = raw.routeReflector;
    if (!isObj(rr)) return c.fail('routeReflector', 'must be a mapping');
    c.keys(rr, 'routeReflector', ['clusterId', 'clients', 'listenRange']);
    const clusterId = c.str(rr, 'clusterId', 'routeReflector.', routerId);
    if (parseIpv4(clusterId) < 0) c.fail('routeReflector.clusterId', `"${clusterId}" is not an IPv4-style id`);
    const clients = rr.clients ?? [];
    if (!Array.isArray(clients) || !clients.every((a) => typeof a === 'string' && parseAddress(a))) {
      c.fail('routeReflector.clients', 'must be a list of addresses');
    }
    let listenRange: string | null = null;
    if (rr.listenRange !== undefined) {
      listenRange = c.str(rr, 'listenRange', 'routeReflector.');
      if (!parsePrefix(listenRange)) c.fail('routeReflector.listenRange', `"${listenRange}" is not a prefix`);
    }
    routeReflector = { clusterId, clients: clients as string[], listenRange };
  }
  let mesh: Config['mesh'] = null;
  if (raw.mesh !== undefined) {
    const m = raw.mesh;
    if (!isObj(m)) return c.fail('mesh', 'must be a mapping');
    c.keys(m, 'mesh', ['nodes', 'self']);
    const nodes = m.nodes;
    if (!Array.isArray(nodes) || !nodes.every((a) => typeof a === 'string' && parseAddress(a))) return c.fail('mesh.nodes', 'must be a list of addresses');
    const self = c.str(m, 'self', 'mesh.', routerId);
    if (!parseAddress(self)) c.fail('mesh.self', `"${self}" is not an IP address`);
    mesh = { nodes: nodes as string[], self };
  }
  const rrs = raw.routeReflectors ?? [];
  if (!Array.isArray(rrs) || !rrs.every((a) => typeof a === 'string' && parseAddress(a))) return c.fail('routeReflectors', 'must be a list of addresses');
  const fib = parseFib(c, raw.fib);
  const config: Config = {
    routerId, asn, listen, neighbors, hostname: c.str(raw, 'hostname', '', ''), announce, routeReflector, mesh, routeReflectors: rrs as string[], fib,
  };
  config.neighbors = expandTopology(config);
  return config;
}

/** Kernel route protocol names as iproute2 knows them (/etc/iproute2/rt_protos). */
const PROTOCOLS: Record<string, number> = { boot: 3, static: 4, kernel: 2, bird: 12, zebra: 11, dhcp: 16 };

function protocolNumber(c: Checker, v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  if (typeof v === 'string' && PROTOCOLS[v] !== undefined) return PROTOCOLS[v];
  return c.fail(path, `"${String(v)}" is not a route protocol (0-255 or ${Object.keys(PROTOCOLS).join(', ')})`);
}

function parseFib(c: Checker, raw: unknown): FibConfig {
  if (raw === undefined) return DEFAULT_FIB;
  if (!isObj(raw)) return c.fail('fib', 'must be a mapping');
  c.keys(raw, 'fib', ['enabled', 'table', 'protocol', 'metric', 'ecmp', 'tunnel', 'learn', 'scanInterval', 'persist', 'convergenceTimeout', 'exclude']);
  const fib: FibConfig = {
    enabled: c.bool(raw, 'enabled', 'fib.', true),
    table: c.int(raw, 'table', 'fib.', 1, 4294967295, DEFAULT_FIB.table),
    protocol: raw.protocol === undefined ? DEFAULT_FIB.protocol : protocolNumber(c, raw.protocol, 'fib.protocol'),
    metric: c.int(raw, 'metric', 'fib.', 0, 4294967295, DEFAULT_FIB.metric),
    ecmp: { maxPaths: DEFAULT_FIB.ecmp.maxPaths },
    tunnel: null,
    learn: null,
    scanInterval: c.int(raw, 'scanInterval', 'fib.', 1, 3600, DEFAULT_FIB.scanInterval),
    persist: c.bool(raw, 'persist', 'fib.', DEFAULT_FIB.persist),
    convergenceTimeout: c.int(raw, 'convergenceTimeout', 'fib.', 0, 3600, DEFAULT_FIB.convergenceTimeout),
    exclude: [],
  };
  if (raw.exclude !== undefined) {
    const ex = raw.exclude;
    if (!Array.isArray(ex)) return c.fail('fib.exclude', 'must be a list of prefixes');
    fib.exclude = ex.map((x: unknown, i: number) => (typeof x === 'string' && parsePrefix(x) ? x : c.fail(`fib.exclude[${i}]`, `"${String(x)}" is not a prefix`)));
  }
  if (raw.ecmp !== undefined) {
    if (!isObj(raw.ecmp)) return c.fail('fib.ecmp', 'must be a mapping');
    c.keys(raw.ecmp, 'fib.ecmp', ['maxPaths']);
    fib.ecmp.maxPaths = c.int(raw.ecmp, 'maxPaths', 'fib.ecmp.', 1, 256, DEFAULT_FIB.ecmp.maxPaths);
  }
  if (raw.tunnel !== undefined) {
    if (!isObj(raw.tunnel)) return c.fail('fib.tunnel', 'must be a mapping');
    c.keys(raw.tunnel, 'fib.tunnel', ['interface', 'mode']);
    const mode = c.str(raw.tunnel, 'mode', 'fib.tunnel.', 'always');
    if (mode !== 'always' && mode !== 'cross-subnet') c.fail('fib.tunnel.mode', 'must be always or cross-subnet');
    fib.tunnel = { interface: c.str(raw.tunnel, 'interface', 'fib.tunnel.', 'tunl0'), mode: mode as 'always' | 'cross-subnet' };
  }
  if (raw.learn !== undefined) {
    if (!isObj(raw.learn)) return c.fail('fib.learn', 'must be a mapping');
    c.keys(raw.learn, 'fib.learn', ['protocols', 'tables']);
    const protos = raw.learn.protocols ?? ['boot', 'static'];
    const tables = raw.learn.tables ?? [DEFAULT_FIB.table];
    if (!Array.isArray(protos)) return c.fail('fib.learn.protocols', 'must be a list');
    if (!Array.isArray(tables) || !tables.every((x) => Number.isInteger(x))) return c.fail('fib.learn.tables', 'must be a list of table numbers');
    fib.learn = { protocols: protos.map((v, i) => protocolNumber(c, v, `fib.learn.protocols[${i}]`)), tables: tables as number[] };
  }
  return fib;
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
  const add = (address: string, origin: NeighborConfig['origin'], extra: Partial<NeighborConfig>) => {
    if (have.has(address)) return;
    have.add(address);
    out.push({
      address, asn: config.asn, port: 179, passive: false, description: '', holdTime: 90, keepaliveTime: 0, connectRetryTime: 5,
      delayOpenTime: 0, families: [address.includes(':') ? 'ipv6' : 'ipv4'], routeReflectorClient: false, nextHopSelf: false,
      allowOwnAs: 0, origin, passiveFallback: false, addPaths: 'off', nextHopKeep: false, ...extra,
    });
  };
  if (config.mesh) {
    for (const node of config.mesh.nodes) {
      if (compareAddresses(node, config.mesh.self) === 0 || node.includes(':') !== config.mesh.self.includes(':')) continue;
      const passive = compareAddresses(node, config.mesh.self) > 0;
      add(node, 'mesh', { passive, passiveFallback: passive });
    }
  }
  for (const rr of config.routeReflectors) add(rr, 'routeReflectors', {});
  for (const client of config.routeReflector?.clients ?? []) add(client, 'routeReflector', { routeReflectorClient: true });
  return out;
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return parseConfig(text, file);
}
