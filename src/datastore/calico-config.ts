/**
 * From Calico's resources to wren's config, computed as confd computes BIRD's for a node:
 * - identity: AS from the Node, else the node's BGPConfiguration (node.<name>), else the default
 *   one, else 64512; routerId from the local file, else the Node's IPv4 BGP address;
 * - the node-to-node mesh (unless disabled, or this node is a route reflector) over every Node
 *   with a BGP address, reflectors excepted; the lower address dials (Calico's rule, with wren's
 *   fallback so mixed BIRD/wren clusters always form);
 * - BGPPeers selected for this node (node, nodeSelector, or global), each to its peerIP or to the
 *   Nodes its peerSelector selects; on a reflector (routeReflectorClusterID) iBGP peers outside its
 *   cluster are its clients;
 * - announcements: this node's confirmed block affinities (unless their pool has
 *   disableBGPExport) and the service CIDRs of the default BGPConfiguration; IPIP pools give the
 *   FIB's tunnel mode.
 * The local file's own settings win and its neighbours are added (its entries win by address).
 * The result is a config document, validated and expanded by the same code as a file.
 */
import { parseAddress } from '../wire/address.js';
import { parsePrefix } from '../wire/nlri.js';
import type { WrenDocument, PeerSettingsDoc } from '../config/schema-types.js';
import type { CalicoState } from './calico-state.js';
import { CALICO_NORMAL_ROUTE_PRIORITY, CALICO_PRIORITY_BASE, type BgpConfiguration, type BgpFilter, type BgpFilterRule, type BgpPeer, type CalicoNode, type FilterDirection } from './calico-resources.js';
import type { PolicyDoc, TermDoc } from '../policy/policy-doc.js';

export const CALICO_DEFAULT_ASN = 64512;
/** The announce policy made of BGPConfiguration prefixAdvertisements. */
export const PREFIX_ADVERTISEMENTS = 'calico.prefix-advertisements';

/** The peer template of mesh sessions when the mesh has settings of its own (nodeMeshMaxRestartTime). */
export const MESH_TEMPLATE = 'calico-mesh';
/** Interfaces Calico's BIRD config leaves out of its direct routes, whatever ignoredInterfaces adds. */
export const CALICO_IGNORED_INTERFACES = ['cali*', 'kube-ipvs*'];

export class DatastoreConfigError extends Error {}

type NeighborDoc = NonNullable<WrenDocument['neighbors']>[number] & { address: string };

export interface CalicoConfigResult {
  document: WrenDocument;
  /** What was left out, and why (a missing secret, a peer twice), for the log and show datastore. */
  problems: string[];
}

/** Looks up a BGPPeer password secret (datastore.secrets); null when there is no mapping. */
export type SecretLookup = (name: string, key: string) => string | null;

const LOG_LEVELS: Record<string, NonNullable<NonNullable<WrenDocument['logging']>['level']>> = { Debug: 'debug', Info: 'info', Warning: 'warn', Error: 'error', Fatal: 'fatal' };

/** Calico compares peer addresses as strings to decide which side waits ("the lexically greater"). */
const passiveAgainst = (peer: string, self: string) => peer > self;

/** The pool holding a block (the most specific), if any. */
function poolOf(state: CalicoState, cidr: string) {
  const p = parsePrefix(cidr);
  if (!p) return undefined;
  let best: { len: number; pool: ReturnType<CalicoState['pools']['get']> } | undefined;
  for (const pool of state.pools.values()) {
    const q = parsePrefix(pool.cidr);
    if (!q || q.family !== p.family || q.length > p.length) continue;
    let inside = true;
    for (let bit = 0; bit < q.length && inside; bit++) {
      const byte = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      if (((p.bytes[byte] as number) & mask) !== ((q.bytes[byte] as number) & mask)) inside = false;
    }
    if (inside && (!best || q.length > best.len)) best = { len: q.length, pool };
  }
  return best?.pool;
}

/** A filter's rules for one kind of session: Calico's peerType rules apply on iBGP or eBGP sessions only. */
export type FilterVariant = 'ibgp' | 'ebgp';

/** The wren policy name of a BGPFilter's rules in one direction (within the 64 characters a name may have). */
export function filterPolicyName(filter: string, dir: FilterDirection, variant?: FilterVariant): string {
  const tail = variant ? `${dir}.${variant}` : dir;
  const name = `calico.${filter}.${tail}`;
  if (name.length <= 64 && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < filter.length; i++) h = Math.imul(h ^ filter.charCodeAt(i), 0x01000193) >>> 0;
  return `calico.${filter.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 30)}.${h.toString(16)}.${tail}`;
}

/** The actions of a rule: its operations, in order, then its verdict. */
function ruleActions(rule: BgpFilterRule): NonNullable<TermDoc['actions']> {
  if (rule.action === 'Reject') return { reject: true };
  const actions: NonNullable<TermDoc['actions']> = { accept: true };
  const std: string[] = [];
  const large: string[] = [];
  let prepend: number[] = [];
  for (const op of rule.operations) {
    if ('addCommunity' in op) (op.addCommunity.split(':').length === 3 ? large : std).push(op.addCommunity);
    // Each prepend goes in front of the path as the previous one left it.
    else if ('prependASPath' in op) prepend = [...op.prependASPath, ...prepend];
    else actions.localPref = CALICO_PRIORITY_BASE - op.setPriority;
  }
  if (std.length) actions.communities = { add: std };
  if (large.length) actions.largeCommunities = { add: large };
  if (prepend.length) actions.prepend = { path: prepend };
  return actions;
}

/**
 * One BGPFilter rule as policy terms (first match decides, as Calico's rules). A priority
 * match is Calico's: LOCAL_PREF = 2^31-1 - priority on BGP routes; our own routes have the normal
 * route priority (Calico's export filter gives them that LOCAL_PREF before its BGPFilters run), so
 * a rule matching the normal priority also matches them, in a second term.
 */
function filterTerms(rule: BgpFilterRule, dir: FilterDirection, i: number, normalPriority: number): TermDoc[] {
  const v6 = dir.endsWith('V6');
  const any = v6 ? '::/0 orlonger' : '0.0.0.0/0 orlonger';
  const match: NonNullable<TermDoc['match']> = { prefix: [any] };
  if (rule.cidr) {
    const len = Number(rule.cidr.split('/')[1]);
    const range = rule.matchOperator === 'In' || rule.matchOperator === 'NotIn' ? `${rule.cidr} ge ${Math.max(len, rule.min ?? len)} le ${Math.min(v6 ? 128 : 32, rule.max ?? 128)}` : `${rule.cidr} exact`;
    if (rule.matchOperator === 'Equal' || rule.matchOperator === 'In') match.prefix = [range];
    else match.notPrefix = [range];
  }
  if (rule.remotePeers) match.source = ['bgp'];
  if (rule.interface) match.interface = [rule.interface];
  if (rule.community) {
    if (rule.community.split(':').length === 3) match.largeCommunities = { any: [rule.community] };
    else match.communities = { any: [rule.community] };
  }
  if (rule.asPathPrefix) match.asPath = { regex: `^${rule.asPathPrefix.join(' ')}` };
  const actions = ruleActions(rule);
  const name = `rule ${i + 1}`;
  if (rule.priority === undefined) return [{ name, match, actions }];
  const terms: TermDoc[] = [{ name, match: { ...match, source: ['bgp'], localPref: { eq: CALICO_PRIORITY_BASE - rule.priority } }, actions }];
  if (rule.priority === normalPriority && !rule.remotePeers && dir.startsWith('export')) terms.push({ name: `${name} (own routes)`, match: { ...match, source: ['announce', 'static', 'kernel'] }, actions });
  return terms;
}

/** Does a filter have rules only for one kind of session (peerType) in this direction? */
function hasPeerType(f: BgpFilter, dir: FilterDirection): boolean {
  return f.rules[dir].some((r) => r.peerType !== undefined);
}

function filterPolicies(filters: Iterable<BgpFilter>, normal: { v4: number; v6: number }): Record<string, PolicyDoc> {
  const out: Record<string, PolicyDoc> = {};
  for (const f of filters) {
    for (const dir of ['importV4', 'exportV4', 'importV6', 'exportV6'] as const) {
      const rules = f.rules[dir];
      if (rules.length === 0) continue;
      const normalPriority = dir.endsWith('V6') ? normal.v6 : normal.v4;
      const policy = (list: { rule: BgpFilterRule; i: number }[], what: string): PolicyDoc => ({
        description: `Calico BGPFilter ${f.name} ${dir}${what}`,
        terms: list.flatMap(({ rule, i }) => filterTerms(rule, dir, i, normalPriority)),
        default: 'next',
      });
      const indexed = rules.map((rule, i) => ({ rule, i }));
      if (!hasPeerType(f, dir)) {
        out[filterPolicyName(f.name, dir)] = policy(indexed, '');
        continue;
      }
      out[filterPolicyName(f.name, dir, 'ibgp')] = policy(indexed.filter(({ rule }) => rule.peerType !== 'eBGP'), ' (iBGP sessions)');
      out[filterPolicyName(f.name, dir, 'ebgp')] = policy(indexed.filter(({ rule }) => rule.peerType !== 'iBGP'), ' (eBGP sessions)');
    }
  }
  return out;
}

/** A BGPPeer applies to this node: named, selected, or global (neither). */
function appliesTo(p: BgpPeer, me: CalicoNode): boolean {
  if (p.node !== undefined) return p.node === me.name;
  if (p.nodeSelector) return p.nodeSelector(me.labels);
  return true;
}

export function calicoDocument(state: CalicoState, local: WrenDocument, secret: SecretLookup): CalicoConfigResult {
  const problems: string[] = [];
  const me = state.nodes.get(state.nodeName);
  if (!me) throw new DatastoreConfigError(`no Calico Node named "${state.nodeName}" in the datastore (set nodeName, or $NODENAME)`);
  const byNode: BgpConfiguration | undefined = state.configs.get(`node.${state.nodeName}`);
  const global: BgpConfiguration | undefined = state.configs.get('default');
  const setting = <K extends keyof BgpConfiguration>(k: K): BgpConfiguration[K] | undefined => byNode?.[k] ?? global?.[k];
  const globalAsn = setting('asNumber') ?? CALICO_DEFAULT_ASN;
  const asn = me.asNumber ?? globalAsn;
  const selfV4 = me.ipv4;
  const selfV6 = me.ipv6;
  const routerId = local.routerId ?? selfV4;
  if (!routerId) throw new DatastoreConfigError(`Node "${me.name}" has no spec.bgp.ipv4Address: set routerId in the local file`);
  const selfFor = (address: string) => (address.includes(':') ? selfV6 : selfV4);
  const clusterId = me.routeReflectorClusterID;

  const neighbors: NeighborDoc[] = [];
  const have = new Set<string>();
  /** Host routes to peers through their gateway (BGPPeer reachableBy), by prefix. */
  const staticRoutes = new Map<string, string>();
  /** `quiet`: a peering that is there twice by construction (both directions of one BGPPeer). */
  const add = (n: NeighborDoc, from: string, quiet = false) => {
    if (have.has(n.address)) {
      if (!quiet) problems.push(`${from}: ${n.address} is already a neighbor; left out`);
      return;
    }
    have.add(n.address);
    neighbors.push(n);
  };

  // BGPPeers selected for this node, by name (a stable order: the first of two for one address wins).
  for (const p of [...state.peers.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const from = `bgppeers/${p.name}`;
    const targets: { ip: string; port?: number; asn: number; calicoNode: boolean; clusterId?: string }[] = [];
    if (appliesTo(p, me)) {
      if (p.peerIP) targets.push({ ip: p.peerIP, ...(p.peerPort ? { port: p.peerPort } : {}), asn: p.asNumber as number, calicoNode: false });
      else if (p.peerSelector) {
        for (const n of state.nodes.values()) {
          if (n.name === me.name || !p.peerSelector(n.labels)) continue;
          for (const ip of [n.ipv4, n.ipv6]) {
            if (!ip || !selfFor(ip)) continue;
            targets.push({ ip, asn: n.asNumber ?? p.asNumber ?? globalAsn, calicoNode: true, ...(n.routeReflectorClusterID ? { clusterId: n.routeReflectorClusterID } : {}) });
          }
        }
      }
    }
    // Calico's automatic reverse peering: a node the peer side selects (peerSelector, or a peerIP
    // that is this node's address and AS) peers back with the nodes of the local side.
    const selected = p.peerSelector ? p.peerSelector(me.labels) : p.peerIP !== undefined && (p.peerIP === selfV4 || p.peerIP === selfV6) && p.asNumber === asn;
    if (selected && p.reversePeering === 'Auto') {
      for (const n of state.nodes.values()) {
        if (n.name === me.name || !appliesTo(p, n)) continue;
        for (const ip of [n.ipv4, n.ipv6]) {
          if (!ip || !selfFor(ip)) continue;
          targets.push({ ip, asn: n.asNumber ?? globalAsn, calicoNode: true, ...(n.routeReflectorClusterID ? { clusterId: n.routeReflectorClusterID } : {}) });
        }
      }
    }
    if (targets.length === 0) continue;
    let password: string | undefined;
    if (p.password) {
      const s = secret(p.password.name, p.password.key);
      if (s === null) {
        problems.push(`${from}: its password is the Kubernetes secret ${p.password.name}/${p.password.key}, which wren cannot read from etcd; map it in datastore.secrets ("${p.password.name}/${p.password.key}": FILE). The peer is left out`);
        continue;
      }
      password = s;
    }
    // A peer whose filter is missing (or was rejected) is left out: peering without it could send
    // or take routes the filter is there to stop.
    const missing = p.filters.filter((name) => !state.filters.has(name));
    if (missing.length) {
      problems.push(`${from}: its BGPFilter ${missing.join(', ')} is missing or was rejected; the peer is left out until it is there`);
      continue;
    }
    // BGPFilters, in the peer's order; rules of one family leave the other family's routes alone;
    // a filter with peerType rules has a policy for each kind of session.
    const chain = (dir: 'import' | 'export', variant: FilterVariant) =>
      p.filters.flatMap((name) => {
        const f = state.filters.get(name) as BgpFilter;
        return (['V4', 'V6'] as const)
          .filter((v) => f.rules[`${dir}${v}`].length > 0)
          .map((v) => filterPolicyName(name, `${dir}${v}`, hasPeerType(f, `${dir}${v}`) ? variant : undefined));
      });
    for (const t of targets) {
      const self = selfFor(t.ip);
      if (t.ip === self) continue;
      const localAs = p.localASNumber ?? asn;
      const variant: FilterVariant = t.asn === localAs ? 'ibgp' : 'ebgp';
      const imports = chain('import', variant);
      const exports = chain('export', variant);
      const n: NeighborDoc = { address: t.ip, asn: t.asn, description: `Calico BGPPeer ${p.name}` };
      if (t.port) n.port = t.port;
      if (p.localASNumber !== undefined && p.localASNumber !== asn) n.localAs = p.localASNumber;
      if (p.keepaliveTime) n.keepaliveTime = p.keepaliveTime;
      if (p.maxRestartTime) n.restartTime = p.maxRestartTime;
      if (p.reachableBy && (p.reachableBy.includes(':') === t.ip.includes(':'))) staticRoutes.set(`${t.ip}/${t.ip.includes(':') ? 128 : 32}`, p.reachableBy);
      if (p.ttlSecurity) n.ttlSecurity = p.ttlSecurity;
      if (p.numAllowedLocalASNumbers) n.allowOwnAs = p.numAllowedLocalASNumbers;
      if (p.nextHopMode === 'Self') n.nextHopSelf = true;
      if (p.nextHopMode === 'Keep' || (p.keepOriginalNextHop && t.asn !== localAs)) n.nextHopKeep = true;
      // Calico's default source address is the node's own (UseNodeIP). Between nodes of the
      // cluster it is the address the kernel picks anyway, and leaving it unset keeps a mesh
      // session that becomes a BGPPeer session (a move to reflectors) from being reset.
      if (p.sourceAddress !== 'None' && self && !t.calicoNode) n.sourceAddress = self;
      if (password !== undefined) n.password = password;
      if (imports.length) n.import = imports;
      if (exports.length) n.export = exports;
      // A reflector's iBGP peers outside its cluster are its clients.
      if (clusterId && t.asn === localAs && t.clusterId !== clusterId) n.routeReflectorClient = true;
      // Between Calico nodes the lexically greater address waits (both sides compute the same).
      if (t.calicoNode && self && passiveAgainst(t.ip, self)) n.passive = true;
      add(n, from, t.calicoNode);
    }
  }

  // The mesh: every other node with a BGP address, reflectors excepted; other ASes as neighbours.
  let mesh: WrenDocument['mesh'];
  const meshOn = (setting('nodeToNodeMeshEnabled') ?? true) && !clusterId;
  // nodeMeshMaxRestartTime: the graceful restart time announced on mesh sessions (default 120 s).
  const meshRestart = global?.nodeMeshMaxRestartTime && global.nodeMeshMaxRestartTime <= 4095 ? global.nodeMeshMaxRestartTime : undefined;
  const meshExtra = meshRestart ? { restartTime: meshRestart } : {};
  if (meshOn && selfV4) {
    const nodes: string[] = [selfV4];
    for (const n of state.nodes.values()) {
      if (n.name === me.name || !n.ipv4 || n.routeReflectorClusterID || n.ipv4 === selfV4) continue;
      const theirs = n.asNumber ?? globalAsn;
      if (theirs === asn) nodes.push(n.ipv4);
      else if (!have.has(n.ipv4)) add({ address: n.ipv4, asn: theirs, description: `Calico node ${n.name}`, ...meshExtra, ...(passiveAgainst(n.ipv4, selfV4) ? { passive: true } : {}) }, `nodes/${n.name}`);
    }
    if (nodes.length > 1) mesh = { nodes: nodes.sort(), self: selfV4, ...(meshRestart ? { template: MESH_TEMPLATE } : {}) };
  }
  // The IPv6 mesh (the mesh key is one family's): every other node's IPv6 BGP address, as neighbours.
  if (meshOn && selfV6) {
    for (const n of state.nodes.values()) {
      if (n.name === me.name || !n.ipv6 || n.routeReflectorClusterID || n.ipv6 === selfV6 || have.has(n.ipv6)) continue;
      add({ address: n.ipv6, asn: n.asNumber ?? globalAsn, description: `Calico node ${n.name} (IPv6 mesh)`, ...meshExtra, ...(passiveAgainst(n.ipv6, selfV6) ? { passive: true } : {}) }, `nodes/${n.name}`);
    }
  }

  // Announcements: confirmed blocks of pools that export, and the service CIDRs.
  const announce = new Set<string>();
  const blocks: string[] = [];
  for (const a of state.affinities.values()) {
    if (a.host !== state.nodeName || a.deleted || a.state !== 'confirmed') continue;
    const pool = poolOf(state, a.cidr);
    if (pool?.disableBGPExport) continue;
    announce.add(a.cidr);
    blocks.push(a.cidr);
  }
  for (const c of [...(global?.serviceClusterIPs ?? []), ...(global?.serviceExternalIPs ?? []), ...(global?.serviceLoadBalancerIPs ?? [])]) announce.add(c);
  for (const c of local.announce ?? []) announce.add(c);

  // The local file's neighbours are added; where one has an address the datastore has too, it wins.
  const own = new Map((local.neighbors ?? []).filter((n): n is NeighborDoc => n.address !== undefined).map((n) => [n.address, n]));
  // Unnumbered ones (an interface, no address) are the file's alone.
  const merged = [...neighbors.filter((n) => !own.has(n.address) && !sameAddressIn(own, n.address)), ...own.values(), ...(local.neighbors ?? []).filter((n) => n.address === undefined)];

  // prefixAdvertisements: communities on our routes inside each CIDR, through the announce policy.
  const policies: Record<string, PolicyDoc> = { ...filterPolicies(state.filters.values(), global?.normalRoutePriority ?? { v4: CALICO_NORMAL_ROUTE_PRIORITY, v6: CALICO_NORMAL_ROUTE_PRIORITY }) };
  const adverts = byNode?.prefixAdvertisements.length ? byNode.prefixAdvertisements : (global?.prefixAdvertisements ?? []);
  let announcePolicy = local.announcePolicy;
  if (adverts.length) {
    policies[PREFIX_ADVERTISEMENTS] = {
      description: 'Calico BGPConfiguration prefixAdvertisements',
      default: 'next',
      terms: adverts.map((a, i): TermDoc => {
        const std = a.communities.filter((c) => c.split(':').length === 2);
        const large = a.communities.filter((c) => c.split(':').length === 3);
        return { name: `advertisement ${i + 1}`, match: { prefix: [`${a.cidr} orlonger`] }, actions: { ...(std.length ? { communities: { add: std } } : {}), ...(large.length ? { largeCommunities: { add: large } } : {}) } };
      }),
    };
    announcePolicy = [...(local.announcePolicy ?? []), PREFIX_ADVERTISEMENTS];
  }
  const doc: WrenDocument = {
    ...local,
    routerId,
    asn,
    neighbors: merged,
    announce: [...announce].sort(),
    policies: { ...policies, ...local.policies },
    ...(announcePolicy ? { announcePolicy } : {}),
  };
  delete doc.datastore;
  delete doc.nodeName;
  if (mesh && !local.mesh) {
    doc.mesh = mesh;
    if (mesh.template === MESH_TEMPLATE) doc.peerTemplates = { [MESH_TEMPLATE]: { ...meshExtra }, ...local.peerTemplates };
  }
  // bindMode NodeIP: listen on the node's BGP addresses only (BIRD's `listen bgp address`).
  if (global?.bindMode === 'NodeIP' && !local.listen?.address) {
    const addrs = [selfV4, selfV6].filter((a): a is string => a !== undefined);
    if (addrs.length) doc.listen = { ...doc.listen, address: addrs };
  }
  const port = setting('listenPort');
  if (port !== undefined && !local.listen?.port) doc.listen = { ...local.listen, port };
  if (clusterId) doc.routeReflector = { ...local.routeReflector, clusterId };
  const sev = setting('logSeverityScreen');
  if (sev && !local.logging?.level && LOG_LEVELS[sev]) doc.logging = { ...local.logging, level: LOG_LEVELS[sev] };
  // This node's blocks as blackhole routes, as Calico's BIRD config does (an address of the block
  // that no workload holds is dropped here, not sent up the default route).
  if (local.fib && local.fib.blackhole === undefined) doc.fib = { ...doc.fib, blackhole: blocks.sort() };
  // Host routes to BGPPeers through their reachableBy gateway, as Calico's static protocol has them.
  if (local.fib && staticRoutes.size) {
    const own = local.fib.staticRoutes ?? [];
    const mine = new Set(own.map((r) => r.prefix));
    doc.fib = { ...doc.fib, staticRoutes: [...own, ...[...staticRoutes].filter(([prefix]) => !mine.has(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([prefix, via]) => ({ prefix, via }))] };
  }
  // The interfaces whose addresses are not connected networks (BIRD's `protocol direct` list).
  if (local.fib && local.fib.ignoreInterfaces === undefined) doc.fib = { ...doc.fib, ignoreInterfaces: [...(global?.ignoredInterfaces ?? []), ...CALICO_IGNORED_INTERFACES] };
  // Pools whose cluster routes Felix programs are left out of the kernel (still announced): VXLAN
  // pools always; IPIP and unencapsulated ones as programClusterRoutes says. Unset, wren programs
  // both, as BIRD did before Calico 3.33 (3.33's default leaves IPIP pools to Felix: set the field
  // as FelixConfiguration has it).
  const pcr = global?.programClusterRoutes ?? 'Enabled';
  if (global?.unknownProgramClusterRoutes) problems.push(`bgpconfigurations/default: programClusterRoutes ${JSON.stringify(global.unknownProgramClusterRoutes)} is not one of Enabled, Disabled, EnabledIPIPOnly, EnabledNoEncapOnly; treated as unset`);
  const programs = (p: { ipipMode: string; vxlanMode: string }) =>
    p.vxlanMode === 'Never' && (p.ipipMode === 'Never' ? pcr === 'Enabled' || pcr === 'EnabledNoEncapOnly' : pcr === 'Enabled' || pcr === 'EnabledIPIPOnly');
  const leftOut = [...state.pools.values()].filter((p) => !programs(p)).map((p) => p.cidr).sort();
  if (local.fib && local.fib.excludeWithin === undefined && leftOut.length) doc.fib = { ...doc.fib, excludeWithin: leftOut };
  // IPIP pools: routes to other nodes' blocks go through tunl0 (always, or off-subnet only).
  if (!local.fib?.tunnel) {
    const modes = new Set([...state.pools.values()].filter((p) => !p.disabled && programs(p)).map((p) => p.ipipMode));
    const mode = modes.has('Always') ? 'always' : modes.has('CrossSubnet') ? 'cross-subnet' : null;
    if (mode && local.fib) doc.fib = { ...doc.fib, tunnel: { interface: 'tunl0', mode } };
  }
  return { document: doc, problems };
}

/** The same address written another way (2001:db8::1 and 2001:db8:0::1). */
function sameAddressIn(own: Map<string, PeerSettingsDoc & { address: string }>, address: string): boolean {
  const a = parseAddress(address);
  if (!a) return false;
  for (const k of own.keys()) {
    const b = parseAddress(k);
    if (b && b.equals(a)) return true;
  }
  return false;
}
