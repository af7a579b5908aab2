/**
 * Calico's v3 resources as calico-node stores them in etcd (JSON under
 * /calico/resources/v3/projectcalico.org/<kind>/<name>) and its IPAM block affinities
 * (/calico/ipam/v2/host/<node>/ipv4/block/<a.b.c.d-NN>), parsed into what wren uses. A resource
 * that does not parse is rejected with its key and the field at fault; the others stand.
 */
import { parseAddress } from '../wire/address.js';
import { isCanonicalPrefix } from '../config/formats.js';
import { compileSelector, SelectorError, type Labels, type Selector } from './selector.js';

export const RESOURCES_PREFIX = '/calico/resources/v3/projectcalico.org/';
export const IPAM_HOST_PREFIX = '/calico/ipam/v2/host/';

export interface BgpConfiguration {
  name: string;
  asNumber?: number;
  nodeToNodeMeshEnabled?: boolean;
  listenPort?: number;
  logSeverityScreen?: string;
  /** Seconds (from a duration such as "120s"). */
  nodeMeshMaxRestartTime?: number;
  serviceClusterIPs: string[];
  serviceExternalIPs: string[];
  serviceLoadBalancerIPs: string[];
  /** Community values by name (spec.communities). */
  communities: Map<string, string>;
  /** Communities for the routes inside a CIDR (names from `communities`, or values aa:nn / aa:nn:mm). */
  prefixAdvertisements: { cidr: string; communities: string[] }[];
  /** Interfaces (names or globs) whose addresses are not connected networks (spec.ignoredInterfaces). */
  ignoredInterfaces: string[];
  /** NodeIP: listen for BGP on the node's BGP addresses only (spec.bindMode). */
  bindMode?: 'None' | 'NodeIP';
  /** Which pools' cluster routes the BGP daemon programs (spec.programClusterRoutes; unset: see calico-config). */
  programClusterRoutes?: ClusterRoutes;
  /** A programClusterRoutes value this version does not know (Calico treats it as unset, and so do we). */
  unknownProgramClusterRoutes?: string;
  /** Felix's normal route priority (kernel metric) per family (spec.ipv4/ipv6NormalRoutePriority). */
  normalRoutePriority: { v4: number; v6: number };
}

export const CLUSTER_ROUTES = ['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly'] as const;
export type ClusterRoutes = (typeof CLUSTER_ROUTES)[number];

export interface CalicoNode {
  name: string;
  labels: Labels;
  /** The BGP addresses without their prefix length. */
  ipv4?: string;
  ipv6?: string;
  asNumber?: number;
  routeReflectorClusterID?: string;
}

export interface BgpPeer {
  name: string;
  node?: string;
  nodeSelector?: Selector;
  peerIP?: string;
  peerPort?: number;
  peerSelector?: Selector;
  asNumber?: number;
  localASNumber?: number;
  keepOriginalNextHop: boolean;
  nextHopMode?: 'Auto' | 'Self' | 'Keep';
  sourceAddress?: 'UseNodeIP' | 'None';
  keepaliveTime?: number;
  /** Seconds: the graceful restart time announced to this peer (spec.maxRestartTime). */
  maxRestartTime?: number;
  /** The gateway through which the peer is reached: a host route to it is installed (spec.reachableBy). */
  reachableBy?: string;
  numAllowedLocalASNumbers?: number;
  ttlSecurity?: number;
  password?: { name: string; key: string };
  /** BGPFilter names, applied in order. */
  filters: string[];
  /** Manual: the selected peers do not get the reverse peering automatically (Calico's reversePeering). */
  reversePeering: 'Auto' | 'Manual';
}

export type FilterDirection = 'importV4' | 'exportV4' | 'importV6' | 'exportV6';

export interface BgpFilterRule {
  cidr?: string;
  /** Prefix lengths for In / NotIn. */
  min?: number;
  max?: number;
  matchOperator: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  /** RemotePeers: only routes learned from BGP peers. */
  remotePeers: boolean;
  interface?: string;
  /** The rule applies only on sessions with a peer of this type (its AS equal to ours: iBGP). */
  peerType?: 'eBGP' | 'iBGP';
  /** The route carries this community (aa:nn) or large community (aa:nn:mm). */
  community?: string;
  /** The AS path begins with these ASNs. */
  asPathPrefix?: number[];
  /** The route's priority (Calico: LOCAL_PREF = 2147483647 - priority). */
  priority?: number;
  /** Applied in order to a matching route before it is accepted. */
  operations: BgpFilterOperation[];
  action: 'Accept' | 'Reject';
}

export type BgpFilterOperation = { addCommunity: string } | { prependASPath: number[] } | { setPriority: number };

/** Calico converts between a route priority (kernel metric, lower wins) and LOCAL_PREF with 2^31-1 - x. */
export const CALICO_PRIORITY_BASE = 2147483647;
export const CALICO_NORMAL_ROUTE_PRIORITY = 1024;

export interface BgpFilter {
  name: string;
  rules: Record<FilterDirection, BgpFilterRule[]>;
}

export interface IpPool {
  name: string;
  cidr: string;
  disabled: boolean;
  disableBGPExport: boolean;
  ipipMode: 'Never' | 'Always' | 'CrossSubnet';
  vxlanMode: 'Never' | 'Always' | 'CrossSubnet';
}

export interface BlockAffinity {
  host: string;
  cidr: string;
  state: string;
  deleted: boolean;
}

export class ResourceError extends Error {
  constructor(
    readonly key: string,
    readonly field: string,
    what: string,
  ) {
    super(`${key}: ${field ? `${field}: ` : ''}${what}`);
  }
}

type Json = Record<string, unknown>;

/** Calico stores AS numbers and counts as numbers, or as "64512" / "1.10" (asdot) strings. */
function integerOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (typeof v === 'string' && /^\d+\.\d+$/.test(v)) {
    const [hi, lo] = v.split('.').map(Number) as [number, number];
    if (hi <= 0xffff && lo <= 0xffff) return hi * 65536 + lo;
  }
  return null;
}

/** Field readers that throw a ResourceError naming the key and field. */
class Fields {
  constructor(
    readonly key: string,
    private readonly obj: Json,
    private readonly at: string,
  ) {}

  private path(f: string): string {
    if (!f) return this.at;
    return this.at ? `${this.at}.${f}` : f;
  }

  fail(f: string, what: string): never {
    throw new ResourceError(this.key, this.path(f), what);
  }

  has(f: string): boolean {
    return this.obj[f] !== undefined && this.obj[f] !== null;
  }

  sub(f: string): Fields {
    const v = this.obj[f];
    if (v === undefined || v === null) return new Fields(this.key, {}, this.path(f));
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(f, 'must be an object');
    return new Fields(this.key, v as Json, this.path(f));
  }

  str(f: string): string | undefined {
    const v = this.obj[f];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return this.fail(f, 'must be a string');
    return v;
  }

  bool(f: string): boolean | undefined {
    const v = this.obj[f];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return this.fail(f, 'must be true or false');
    return v;
  }

  int(f: string, min: number, max: number): number | undefined {
    const v = this.obj[f];
    if (v === undefined || v === null) return undefined;
    const n = integerOf(v);
    if (n === null || n < min || n > max) return this.fail(f, `must be an integer from ${min} to ${max}`);
    return n;
  }

  /** A list of AS numbers (each a number, or a "64512" / asdot "1.10" string). */
  asns(f: string, minItems: number, maxItems: number): number[] | undefined {
    const v = this.obj[f];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length < minItems || v.length > maxItems) return this.fail(f, `must be a list of ${minItems} to ${maxItems} AS numbers`);
    return v.map((x, i) => {
      const n = integerOf(x);
      if (n === null || n < 1 || n > 4294967295) return this.fail(`${f}[${i}]`, 'must be an AS number from 1 to 4294967295');
      return n;
    });
  }

  /** A Kubernetes duration ("90s", "2m", "1h30m") in whole seconds. */
  seconds(f: string): number | undefined {
    const v = this.str(f);
    if (v === undefined) return undefined;
    const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$/.exec(v);
    if (!m || v === '') return this.fail(f, `must be a duration like 120s or 2m, not ${JSON.stringify(v)}`);
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  }

  strings(f: string): string[] {
    const v = this.obj[f];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return this.fail(f, 'must be a list of strings');
    return v as string[];
  }

  list(f: string): Json[] {
    const v = this.obj[f];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) return this.fail(f, 'must be a list of objects');
    return v as Json[];
  }

  labels(f: string): Labels {
    const v = this.obj[f];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) return this.fail(f, 'must map label names to strings');
    return v as Labels;
  }

  selector(f: string): Selector | undefined {
    const v = this.str(f);
    if (v === undefined) return undefined;
    try {
      return compileSelector(v);
    } catch (e) {
      if (e instanceof SelectorError) return this.fail(f, e.message);
      throw e;
    }
  }

  /** An address with an optional /length (Calico's Node addresses are CIDRs: the address is what counts). */
  address(f: string): string | undefined {
    const v = this.str(f);
    if (v === undefined) return undefined;
    const a = v.split('/')[0] as string;
    if (!parseAddress(a)) return this.fail(f, `${JSON.stringify(v)} is not an IP address`);
    return a;
  }

  cidr(f: string): string {
    const v = this.str(f);
    if (v === undefined) return this.fail(f, 'is required');
    if (!isCanonicalPrefix(v)) return this.fail(f, `${JSON.stringify(v)} is not a prefix without host bits`);
    return v;
  }

  oneOf<T extends string>(f: string, allowed: readonly T[]): T | undefined {
    const v = this.str(f);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) return this.fail(f, `must be one of ${allowed.join(', ')}`);
    return v as T;
  }
}

function parseJson(key: string, text: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ResourceError(key, '', 'not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ResourceError(key, '', 'not a JSON object');
  return v as Json;
}

/** metadata.name, which must match the key's last segment. */
function nameOf(key: string, r: Json): string {
  const last = key.slice(key.lastIndexOf('/') + 1);
  const name = new Fields(key, r, '').sub('metadata').str('name');
  if (name !== undefined && name !== last) throw new ResourceError(key, 'metadata.name', `is ${JSON.stringify(name)}, but the key names ${JSON.stringify(last)}`);
  return last;
}

const ASN = [1, 4294967295] as const;

/** A community value as Calico writes one: aa:nn (16-bit parts) or aa:nn:mm (32-bit parts). */
export function isCommunityValue(v: string): boolean {
  const parts = v.split(':');
  if ((parts.length !== 2 && parts.length !== 3) || parts.some((x) => !/^\d{1,10}$/.test(x))) return false;
  const max = parts.length === 2 ? 0xffff : 0xffffffff;
  return parts.every((x) => Number(x) <= max);
}

function communityValue(f: Fields, field: string, v: string | undefined): string {
  if (v === undefined) return f.fail(field, 'is required');
  if (!isCommunityValue(v)) return f.fail(field, `${JSON.stringify(v)} is not a community (aa:nn with parts up to 65535, or aa:nn:mm)`);
  return v;
}


export function parseBgpConfiguration(key: string, text: string): BgpConfiguration {
  const r = parseJson(key, text);
  const spec = new Fields(key, r, '').sub('spec');
  const cidrs = (f: string) => spec.list(f).map((x, i) => new Fields(key, x, `spec.${f}[${i}]`).cidr('cidr'));
  const communities = new Map<string, string>();
  spec.list('communities').forEach((c, i) => {
    const f = new Fields(key, c, `spec.communities[${i}]`);
    const name = f.str('name') ?? f.fail('name', 'is required');
    const value = f.str('value') ?? f.fail('value', 'is required');
    communities.set(name, communityValue(f, 'value', value));
  });
  const prefixAdvertisements = spec.list('prefixAdvertisements').map((a, i) => {
    const f = new Fields(key, a, `spec.prefixAdvertisements[${i}]`);
    const cidr = f.cidr('cidr');
    const list = f.strings('communities');
    for (const [j, c] of list.entries()) if (!communities.has(c) && !isCommunityValue(c)) f.fail(`communities[${j}]`, `${JSON.stringify(c)} is neither a name in spec.communities nor a community value`);
    return { cidr, communities: list.map((c) => communities.get(c) ?? c) };
  });
  const out: BgpConfiguration = {
    name: nameOf(key, r),
    serviceClusterIPs: cidrs('serviceClusterIPs'),
    serviceExternalIPs: cidrs('serviceExternalIPs'),
    serviceLoadBalancerIPs: cidrs('serviceLoadBalancerIPs'),
    communities,
    prefixAdvertisements,
    ignoredInterfaces: spec.strings('ignoredInterfaces').map((name, i) => {
      if (!/^[A-Za-z0-9_.:*?@-]{1,15}$/.test(name)) spec.fail(`ignoredInterfaces[${i}]`, `${JSON.stringify(name)} is not an interface name or pattern (up to 15 characters)`);
      return name;
    }),
    normalRoutePriority: {
      v4: spec.int('ipv4NormalRoutePriority', 1, 2147483646) ?? CALICO_NORMAL_ROUTE_PRIORITY,
      v6: spec.int('ipv6NormalRoutePriority', 1, 2147483646) ?? CALICO_NORMAL_ROUTE_PRIORITY,
    },
  };
  const pcr = spec.str('programClusterRoutes');
  if (pcr !== undefined) {
    if ((CLUSTER_ROUTES as readonly string[]).includes(pcr)) out.programClusterRoutes = pcr as ClusterRoutes;
    else out.unknownProgramClusterRoutes = pcr;
  }
  const bind = spec.oneOf('bindMode', ['None', 'NodeIP'] as const);
  if (bind !== undefined) out.bindMode = bind;
  const asn = spec.int('asNumber', ...ASN);
  if (asn !== undefined) out.asNumber = asn;
  const mesh = spec.bool('nodeToNodeMeshEnabled');
  if (mesh !== undefined) out.nodeToNodeMeshEnabled = mesh;
  const port = spec.int('listenPort', 1, 65535);
  if (port !== undefined) out.listenPort = port;
  const sev = spec.oneOf('logSeverityScreen', ['Debug', 'Info', 'Warning', 'Error', 'Fatal'] as const);
  if (sev !== undefined) out.logSeverityScreen = sev;
  const rt = spec.seconds('nodeMeshMaxRestartTime');
  if (rt !== undefined) out.nodeMeshMaxRestartTime = rt;
  return out;
}

export function parseNode(key: string, text: string): CalicoNode {
  const r = parseJson(key, text);
  const top = new Fields(key, r, '');
  const bgp = top.sub('spec').sub('bgp');
  const out: CalicoNode = { name: nameOf(key, r), labels: top.sub('metadata').labels('labels') };
  const v4 = bgp.address('ipv4Address');
  if (v4 !== undefined) {
    if (v4.includes(':')) bgp.fail('ipv4Address', 'must be an IPv4 address');
    out.ipv4 = v4;
  }
  const v6 = bgp.address('ipv6Address');
  if (v6 !== undefined) {
    if (!v6.includes(':')) bgp.fail('ipv6Address', 'must be an IPv6 address');
    out.ipv6 = v6;
  }
  const asn = bgp.int('asNumber', ...ASN);
  if (asn !== undefined) out.asNumber = asn;
  const cluster = bgp.str('routeReflectorClusterID');
  if (cluster !== undefined) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(cluster) || !parseAddress(cluster)) bgp.fail('routeReflectorClusterID', 'must be an IPv4 address (as Calico writes a cluster ID)');
    out.routeReflectorClusterID = cluster;
  }
  return out;
}

/** "192.0.2.1", "192.0.2.1:1179", "2001:db8::1", "[2001:db8::1]:1179". */
function splitPeerIP(f: Fields, v: string): { ip: string; port?: number } {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(v) ?? /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  const ip = m ? (m[1] as string) : v;
  if (!parseAddress(ip)) return f.fail('peerIP', `${JSON.stringify(v)} is not an IP address (with an optional :port)`);
  if (!m) return { ip };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return f.fail('peerIP', 'port must be 1-65535');
  return { ip, port };
}

export function parseBgpPeer(key: string, text: string): BgpPeer {
  const r = parseJson(key, text);
  const spec = new Fields(key, r, '').sub('spec');
  const out: BgpPeer = {
    name: nameOf(key, r),
    keepOriginalNextHop: spec.bool('keepOriginalNextHop') ?? false,
    filters: spec.strings('filters'),
    reversePeering: spec.oneOf('reversePeering', ['Auto', 'Manual'] as const) ?? 'Auto',
  };
  const node = spec.str('node');
  if (node !== undefined) out.node = node;
  const ns = spec.selector('nodeSelector');
  if (ns) out.nodeSelector = ns;
  const peerIP = spec.str('peerIP');
  if (peerIP !== undefined) {
    const { ip, port } = splitPeerIP(spec, peerIP);
    out.peerIP = ip;
    if (port !== undefined) out.peerPort = port;
  }
  const ps = spec.selector('peerSelector');
  if (ps) out.peerSelector = ps;
  if (peerIP !== undefined && ps) spec.fail('peerSelector', 'cannot be combined with peerIP');
  if (peerIP === undefined && !ps) spec.fail('peerIP', 'a peer needs peerIP or peerSelector');
  if (node !== undefined && ns) spec.fail('nodeSelector', 'cannot be combined with node');
  const asn = spec.int('asNumber', ...ASN);
  if (asn !== undefined) out.asNumber = asn;
  if (peerIP !== undefined && asn === undefined) spec.fail('asNumber', 'is required with peerIP');
  const las = spec.int('localASNumber', ...ASN);
  if (las !== undefined) out.localASNumber = las;
  const nhm = spec.oneOf('nextHopMode', ['Auto', 'Self', 'Keep'] as const);
  if (nhm !== undefined) out.nextHopMode = nhm;
  const src = spec.oneOf('sourceAddress', ['UseNodeIP', 'None'] as const);
  if (src !== undefined) out.sourceAddress = src;
  const ka = spec.seconds('keepaliveTime');
  if (ka !== undefined) out.keepaliveTime = ka;
  const rt = spec.seconds('maxRestartTime');
  if (rt !== undefined) {
    // The restart time field of the capability has 12 bits.
    if (rt < 1 || rt > 4095) spec.fail('maxRestartTime', `must be from 1s to 4095s (the capability's 12 bits), not ${rt}s`);
    out.maxRestartTime = rt;
  }
  const via = spec.str('reachableBy');
  if (via !== undefined) {
    const gw = parseAddress(via);
    if (!gw) return spec.fail('reachableBy', `${JSON.stringify(via)} is not an IP address`);
    // With a peerSelector, the host routes go to the selected nodes' addresses of the gateway's family.
    if (out.peerIP !== undefined && (gw.length === 4) !== !out.peerIP.includes(':')) spec.fail('reachableBy', `${via} is not of the same address family as peerIP ${out.peerIP}`);
    out.reachableBy = via;
  }
  const allow = spec.int('numAllowedLocalASNumbers', 0, 10);
  if (allow !== undefined) out.numAllowedLocalASNumbers = allow;
  const ttl = spec.int('ttlSecurity', 0, 254);
  if (ttl) out.ttlSecurity = ttl;
  if (spec.has('password')) {
    const ref = spec.sub('password').sub('secretKeyRef');
    const name = ref.str('name');
    const k = ref.str('key');
    if (name === undefined || k === undefined) return spec.fail('password', 'needs secretKeyRef with name and key');
    out.password = { name, key: k };
  }
  return out;
}

export function parseBgpFilter(key: string, text: string): BgpFilter {
  const r = parseJson(key, text);
  const spec = new Fields(key, r, '').sub('spec');
  const rules = {} as Record<FilterDirection, BgpFilterRule[]>;
  for (const dir of ['importV4', 'exportV4', 'importV6', 'exportV6'] as const) {
    const v6 = dir.endsWith('V6');
    rules[dir] = spec.list(dir).map((raw, i) => {
      const f = new Fields(key, raw, `spec.${dir}[${i}]`);
      const rule: BgpFilterRule = {
        matchOperator: f.oneOf('matchOperator', ['Equal', 'NotEqual', 'In', 'NotIn'] as const) ?? 'Equal',
        remotePeers: f.oneOf('source', ['RemotePeers'] as const) === 'RemotePeers',
        operations: [],
        action: f.oneOf('action', ['Accept', 'Reject'] as const) ?? f.fail('action', 'is required (Accept or Reject)'),
      };
      if (f.has('cidr')) {
        const cidr = f.cidr('cidr');
        if (cidr.includes(':') !== v6) f.fail('cidr', `must be an ${v6 ? 'IPv6' : 'IPv4'} prefix in ${dir}`);
        rule.cidr = cidr;
      }
      if (f.has('prefixLength')) {
        if (rule.cidr === undefined) f.fail('prefixLength', 'needs cidr');
        if (rule.matchOperator !== 'In' && rule.matchOperator !== 'NotIn') f.fail('prefixLength', 'goes with matchOperator In or NotIn');
        const pl = f.sub('prefixLength');
        const min = pl.int('min', 0, v6 ? 128 : 32);
        const max = pl.int('max', 0, v6 ? 128 : 32);
        if (min !== undefined) rule.min = min;
        if (max !== undefined) rule.max = max;
        const len = Number((rule.cidr as string).split('/')[1]);
        if (Math.max(len, min ?? len) > Math.min(v6 ? 128 : 32, max ?? 128)) f.fail('prefixLength', `leaves no prefix length to match under ${rule.cidr as string}`);
      }
      const iface = f.str('interface');
      if (iface !== undefined) rule.interface = iface;
      const peerType = f.oneOf('peerType', ['eBGP', 'iBGP'] as const);
      if (peerType) rule.peerType = peerType;
      if (f.has('communities')) {
        const values = f.sub('communities').strings('values');
        // Calico admits exactly one value today (a match operator for several is planned).
        if (values.length !== 1) f.fail('communities.values', 'must hold exactly one community');
        rule.community = communityValue(f, 'communities.values[0]', values[0]);
      }
      const asp = f.asns('asPathPrefix', 1, 64);
      if (asp) rule.asPathPrefix = asp;
      const prio = f.int('priority', 1, 2147483646);
      if (prio !== undefined) rule.priority = prio;
      f.list('operations').forEach((o, j) => {
        const op = new Fields(key, o, `spec.${dir}[${i}].operations[${j}]`);
        const set = ['addCommunity', 'prependASPath', 'setPriority'].filter((k) => op.has(k));
        if (set.length !== 1) op.fail('', 'must set exactly one of addCommunity, prependASPath, setPriority');
        if (op.has('addCommunity')) rule.operations.push({ addCommunity: communityValue(op, 'addCommunity.value', op.sub('addCommunity').str('value')) });
        else if (op.has('prependASPath')) rule.operations.push({ prependASPath: op.sub('prependASPath').asns('prefix', 1, 10) ?? op.fail('prependASPath.prefix', 'is required') });
        else rule.operations.push({ setPriority: op.sub('setPriority').int('value', 1, 2147483646) ?? op.fail('setPriority.value', 'is required') });
      });
      if (rule.operations.length > 10) f.fail('operations', 'may hold at most 10 operations');
      if (rule.operations.length > 0 && rule.action !== 'Accept') f.fail('operations', 'may only be used with action Accept');
      return rule;
    });
  }
  return { name: nameOf(key, r), rules };
}

export function parseIpPool(key: string, text: string): IpPool {
  const r = parseJson(key, text);
  const spec = new Fields(key, r, '').sub('spec');
  return {
    name: nameOf(key, r),
    cidr: spec.cidr('cidr'),
    disabled: spec.bool('disabled') ?? false,
    disableBGPExport: spec.bool('disableBGPExport') ?? false,
    ipipMode: spec.oneOf('ipipMode', ['Never', 'Always', 'CrossSubnet'] as const) ?? 'Never',
    vxlanMode: spec.oneOf('vxlanMode', ['Never', 'Always', 'CrossSubnet'] as const) ?? 'Never',
  };
}

/** `/calico/ipam/v2/host/<node>/ipv4/block/10.0.1.0-26` and its value. */
export function parseBlockAffinity(key: string, text: string): BlockAffinity {
  const m = /^\/calico\/ipam\/v2\/host\/([^/]+)\/ipv[46]\/block\/([^/]+)$/.exec(key);
  if (!m) throw new ResourceError(key, '', 'not a block affinity key');
  const cidr = (m[2] as string).replace(/-(\d+)$/, '/$1');
  if (!isCanonicalPrefix(cidr)) throw new ResourceError(key, '', `${JSON.stringify(m[2])} is not a block (a.b.c.d-NN)`);
  const f = new Fields(key, parseJson(key, text), '');
  return { host: m[1] as string, cidr, state: f.str('state') ?? 'confirmed', deleted: f.bool('deleted') ?? false };
}
