/**
 * What a reload must do: the difference between the running config and a new one, as a plan that
 * `wrenc configure check` prints and `configure` / SIGHUP applies. A session is reset only when a
 * setting it negotiated or its TCP connection depends on changed; everything else is applied live.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config, NeighborConfig } from './load.js';

/** How a neighbour setting change is applied. */
type Effect = 'reset' | 'export' | 'import' | 'live';

const NEIGHBOR_EFFECTS: Record<keyof Omit<NeighborConfig, 'address'>, Effect> = {
  asn: 'reset',
  localAs: 'reset',
  port: 'reset',
  families: 'reset',
  addPaths: 'reset',
  // The paths an ADD-PATH session is sent: the path ids change with the selection, so the session
  // starts again (a move between groups withdraws by prefix, not by every id it was sent).
  addPathsSend: 'reset',
  holdTime: 'reset',
  keepaliveTime: 'reset',
  password: 'reset',
  multihop: 'reset',
  ttlSecurity: 'reset',
  sourceAddress: 'reset',
  sourcePort: 'reset',
  interface: 'reset',
  // Client status changes which routes a peer gets and where its routes go: both are re-sent
  // (the session's new update group withdraws what it no longer gets), no reset.
  routeReflectorClient: 'export',
  gracefulRestart: 'reset',
  // Announced in the next OPEN: a session is not reset for it.
  restartTime: 'live',
  extendedMessages: 'reset',
  extendedNextHop: 'reset',
  nextHopSelf: 'export',
  nextHopKeep: 'export',
  export: 'export',
  allowOwnAs: 'import',
  // The routes as received are asked for again (ROUTE-REFRESH) to fill a new Adj-RIB-In.
  keepReceived: 'import',
  import: 'import',
  passive: 'live',
  passiveFallback: 'live',
  connectRetryTime: 'live',
  delayOpenTime: 'live',
  description: 'live',
  maxPrefixes: 'live',
  // BFD sessions follow their settings live (new intervals by a Poll Sequence, RFC 5880 §6.8.3).
  bfd: 'live',
  origin: 'live',
};

/** FIB settings a reload applies live (the others need a restart of wrend). */
export const LIVE_FIB_KEYS: readonly (keyof Config['fib'])[] = ['blackhole', 'staticRoutes', 'ignoreInterfaces', 'excludeWithin'];

export interface NeighborChange {
  address: string;
  /** Changed settings, like `holdTime 90 -> 30`. */
  changes: string[];
  /** reset: the session restarts; export: routes re-sent with new attributes; import: routes
   * asked for again by ROUTE-REFRESH (reset if the peer cannot); live: takes effect as is. */
  action: 'reset' | 'export' | 'import' | 'live';
}

export interface ReloadPlan {
  added: string[];
  removed: string[];
  changed: NeighborChange[];
  /** Announced prefixes added and removed; `reapply` when their policy changed (all re-originated). */
  announce: { added: string[]; removed: string[]; reapply: boolean };
  listen: boolean;
  /** Settings that only a restart of wrend applies (kernel routes are kept across it). */
  restartNeeded: string[];
  /** Other changes applied live (hostname, control socket group, log level, ...). */
  other: string[];
}

const show = (v: unknown): string => (v === undefined ? '(unset)' : typeof v === 'string' ? v || '""' : JSON.stringify(v));
/** Deep equality of config values (key order does not matter; config values hold no functions or Maps). */
const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
const RANK: Record<Effect, number> = { live: 0, export: 1, import: 2, reset: 3 };

function neighborChange(a: NeighborConfig, b: NeighborConfig, changedPolicies: Set<string>): NeighborChange | null {
  const changes: string[] = [];
  let action: Effect = 'live';
  // The same policy names, but a policy's terms changed: re-apply it like a changed setting.
  for (const dir of ['import', 'export'] as const) {
    const hit = (b[dir] ?? []).filter((n) => changedPolicies.has(n) && (a[dir] ?? []).includes(n));
    if (hit.length === 0) continue;
    changes.push(`${dir} policy ${hit.join(', ')} changed`);
    if (RANK[dir] > RANK[action]) action = dir;
  }
  for (const key of Object.keys(NEIGHBOR_EFFECTS) as (keyof typeof NEIGHBOR_EFFECTS)[]) {
    if (same(a[key], b[key])) continue;
    changes.push(key === 'password' ? 'password changed' : `${key} ${show(a[key])} -> ${show(b[key])}`);
    if (RANK[NEIGHBOR_EFFECTS[key]] > RANK[action]) action = NEIGHBOR_EFFECTS[key];
  }
  return changes.length ? { address: a.address, changes, action } : null;
}

export function planReload(old: Config, next: Config): ReloadPlan {
  const changedPolicies = policyChanges(old, next);
  const before = new Map(old.neighbors.map((n) => [n.address, n]));
  const after = new Map(next.neighbors.map((n) => [n.address, n]));
  const plan: ReloadPlan = {
    added: [...after.keys()].filter((a) => !before.has(a)),
    removed: [...before.keys()].filter((a) => !after.has(a)),
    changed: [],
    announce: {
      added: next.announce.filter((p) => !old.announce.includes(p)),
      removed: old.announce.filter((p) => !next.announce.includes(p)),
      reapply: !same(old.announcePolicy, next.announcePolicy) || next.announcePolicy.some((n) => changedPolicies.has(n)),
    },
    listen: !same(old.listen, next.listen),
    restartNeeded: [],
    other: [],
  };
  for (const [address, n] of after) {
    const o = before.get(address);
    const c = o && neighborChange(o, n, changedPolicies);
    if (c) plan.changed.push(c);
  }
  if (old.routerId !== next.routerId) plan.restartNeeded.push(`routerId ${old.routerId} -> ${next.routerId}`);
  if (old.asn !== next.asn) plan.restartNeeded.push(`asn ${old.asn} -> ${next.asn}`);
  if ((old.routeReflector?.clusterId ?? null) !== (next.routeReflector?.clusterId ?? null)) {
    plan.other.push(`routeReflector.clusterId ${show(old.routeReflector?.clusterId)} -> ${show(next.routeReflector?.clusterId)} (every session's routes re-sent, no reset)`);
  }
  for (const k of Object.keys(next.fib) as (keyof Config['fib'])[]) {
    if (LIVE_FIB_KEYS.includes(k) || same(old.fib[k], next.fib[k])) continue;
    plan.restartNeeded.push(`fib.${k} ${show(old.fib[k])} -> ${show(next.fib[k])}`);
  }
  // The blackhole list follows the announcements (Calico's blocks): applied live.
  for (const k of LIVE_FIB_KEYS) if (!same(old.fib[k], next.fib[k])) plan.other.push(`fib.${k} ${show(old.fib[k])} -> ${show(next.fib[k])}`);
  if (old.control.socket !== next.control.socket) plan.restartNeeded.push(`control.socket ${show(old.control.socket)} -> ${show(next.control.socket)}`);
  if (!same(old.metrics, next.metrics)) plan.restartNeeded.push(`metrics ${show(old.metrics?.listen)} -> ${show(next.metrics?.listen)}`);
  for (const k of ['birdCompat', 'birdCompat6', 'readOnlySocket'] as const) {
    if (old.control[k] !== next.control[k]) plan.restartNeeded.push(`control.${k} ${show(old.control[k])} -> ${show(next.control[k])}`);
  }
  if (old.hostname !== next.hostname) plan.other.push(`hostname ${show(old.hostname)} -> ${show(next.hostname)} (sent to sessions established from now on)`);
  if (!same(old.gracefulRestart, next.gracefulRestart)) plan.other.push(`gracefulRestart ${show(old.gracefulRestart)} -> ${show(next.gracefulRestart)} (for sessions established from now on)`);
  if (old.control.group !== next.control.group) plan.other.push(`control.group ${show(old.control.group)} -> ${show(next.control.group)}`);
  if (old.control.readOnlyGroup !== next.control.readOnlyGroup) plan.other.push(`control.readOnlyGroup ${show(old.control.readOnlyGroup)} -> ${show(next.control.readOnlyGroup)}`);
  if (!same(old.bestPath, next.bestPath)) plan.other.push(`bestPath ${show(old.bestPath)} -> ${show(next.bestPath)} (every prefix decided again)`);
  if (!same(old.memory, next.memory)) plan.other.push(`memory ${show(old.memory)} -> ${show(next.memory)}`);
  if (old.logging.level !== next.logging.level) plan.other.push(`logging.level ${show(old.logging.level)} -> ${show(next.logging.level)}`);
  if ((old.routeReflector?.listenRange ?? null) !== (next.routeReflector?.listenRange ?? null)) {
    plan.other.push(`routeReflector.listenRange ${show(old.routeReflector?.listenRange)} -> ${show(next.routeReflector?.listenRange)} (for new connections)`);
  }
  if (!same(old.routeReflector?.template, next.routeReflector?.template)) plan.other.push('routeReflector.template changed (for new dynamic clients)');
  for (const n of [...(next.fib.policy ?? []), ...(next.fib.learn?.policy ?? [])]) {
    if (changedPolicies.has(n)) plan.restartNeeded.push(`policy ${n} (used by fib) changed`);
  }
  return plan;
}

/** Names of policies whose terms (or the prefix sets they use) differ between two configs. */
function policyChanges(old: Config, next: Config): Set<string> {
  const sets = new Set<string>();
  const a = old.policySource;
  const b = next.policySource;
  for (const k of new Set([...Object.keys(a.prefixSets), ...Object.keys(b.prefixSets)])) if (!same(a.prefixSets[k], b.prefixSets[k])) sets.add(k);
  const out = new Set<string>();
  for (const k of new Set([...Object.keys(a.policies), ...Object.keys(b.policies)])) {
    const text = JSON.stringify(b.policies[k] ?? null);
    if (!same(a.policies[k], b.policies[k]) || [...sets].some((s) => text.includes(`"prefixSet":${JSON.stringify(s)}`))) out.add(k);
  }
  return out;
}

export function planIsEmpty(p: ReloadPlan): boolean {
  return !p.added.length && !p.removed.length && !p.changed.length && !p.announce.added.length && !p.announce.removed.length && !p.announce.reapply && !p.listen && !p.restartNeeded.length && !p.other.length;
}

/** The plan as text for people (`wrenc configure check`). */
export function formatPlan(p: ReloadPlan): string {
  if (planIsEmpty(p)) return 'no changes\n';
  const lines: string[] = [];
  for (const a of p.added) lines.push(`+ neighbor ${a}: added, session starts`);
  for (const a of p.removed) lines.push(`- neighbor ${a}: removed, session stops (Cease: peer de-configured)`);
  const verb = { reset: 'session reset', export: 'routes re-sent, no reset', import: 'routes requested again (route refresh), no reset', live: 'applied, no reset' };
  for (const c of p.changed) lines.push(`~ neighbor ${c.address}: ${verb[c.action]} (${c.changes.join('; ')})`);
  for (const x of p.announce.added) lines.push(`+ announce ${x}`);
  for (const x of p.announce.removed) lines.push(`- announce ${x}`);
  if (p.announce.reapply) lines.push('~ announce: policy changed, prefixes re-originated');
  if (p.listen) lines.push('~ listen: listener reopened, sessions stay up');
  for (const x of p.other) lines.push(`~ ${x}`);
  for (const x of p.restartNeeded) lines.push(`! ${x}: needs a restart of wrend (kernel routes are kept across it); not applied`);
  return lines.join('\n') + '\n';
}
