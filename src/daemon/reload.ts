/**
 * Reload as two steps. Plan: what the new config changes (config/diff.ts), refused as a whole if
 * it changes identity, and the config that will be in force (what cannot change live keeps its
 * running value). Apply: first everything that can fail (binding new listening sockets, MD5 keys
 * of changed and added neighbours), undone if any of it fails so the running state is exactly as
 * before; then the rest, which cannot fail: sessions removed, changed (reset, re-export,
 * ROUTE-REFRESH or live), added; routing, guard, control groups, log level.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { CeaseSubcode } from '../wire/constants.js';
import type { Peer } from '../session/peer.js';
import type { BgpListener, ListenChange } from '../session/transport.js';
import type { LocalSpeaker } from '../session/negotiate.js';
import { ConfigError, type Config, type NeighborConfig } from '../config/load.js';
import { formatPlan, planReload, type ReloadPlan } from '../config/diff.js';
import type { Clock } from '../time/clock.js';
import { peerConfig } from './peer-settings.js';
import type { PeerRegistry } from './peer-registry.js';
import type { Routing } from './routing.js';
import { State } from '../session/fsm.js';

/** How long a removed session's Peer lingers so its NOTIFICATION can leave. */
const DISPOSE_DELAY_MS = 200;

export interface ReloadTarget {
  config: Config;
  readonly listener: BgpListener | null;
  readonly registry: PeerRegistry;
  readonly routing: Routing | null;
  readonly clock: Clock;
  readonly log: Logger;
  localSpeaker(n: NeighborConfig): LocalSpeaker;
  refreshLocalSpeakers(): void;
  /** Settings outside sessions and routing (memory guard, socket groups, log level, BIRD sockets). */
  applyOperational(effective: Config, old: Config): void;
  /** BFD sessions for the neighbours now configured; holds sessions that must wait for theirs. */
  syncBfd(): void;
}

/** The config a reload puts in force: what cannot change live keeps its running value. */
export function effectiveConfig(running: Config, next: Config): Config {
  return {
    ...next,
    // The kernel sync keeps its settings, but for the lists it follows live (blackholes follow the
    // announcements; static routes and ignored interfaces follow a Calico datastore).
    fib: { ...running.fib, blackhole: next.fib.blackhole, staticRoutes: next.fib.staticRoutes, ignoreInterfaces: next.fib.ignoreInterfaces, excludeWithin: next.fib.excludeWithin },
    control: {
      ...next.control,
      socket: running.control.socket,
      birdCompat: running.control.birdCompat,
      birdCompat6: running.control.birdCompat6,
      readOnlySocket: running.control.readOnlySocket,
    },
    metrics: running.metrics,
  };
}

/** Plan step: the plan, or a ConfigError when the change cannot be applied live at all. */
export function planStep(running: Config, next: Config): ReloadPlan {
  const plan = planReload(running, next);
  if (running.routerId !== next.routerId || running.asn !== next.asn) {
    throw new ConfigError(`routerId and asn changes need a restart of wrend (${plan.restartNeeded.join(', ')}); nothing was applied`);
  }
  return plan;
}

/**
 * The fallible part, all or nothing: new listening sockets bound beside the old ones, and the
 * MD5 keys of neighbours whose password changed installed. Returns the listen change to commit.
 */
async function prepare(t: ReloadTarget, plan: ReloadPlan, effective: Config): Promise<ListenChange | null> {
  const undo: (() => void)[] = [];
  try {
    let listening: ListenChange | null = null;
    if (plan.listen && t.listener) {
      try {
        listening = await t.listener.change(effective.listen.address, effective.listen.port);
      } catch (err) {
        throw new ConfigError(`cannot listen on ${effective.listen.address.join(', ')} port ${effective.listen.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was applied`);
      }
      const l = listening;
      undo.push(() => l.rollback());
    }
    const listener = t.listener;
    if (listener) {
      const byAddress = new Map(effective.neighbors.map((n) => [n.address, n]));
      const touched = [...plan.added, ...plan.changed.map((c) => c.address)];
      for (const address of touched) {
        const was = t.registry.isDynamic(address) ? undefined : t.registry.neighbor(address)?.password;
        const now = byAddress.get(address)?.password;
        if (was === now) continue;
        try {
          listener.setPeerPassword(address, now ?? '');
        } catch (err) {
          throw new ConfigError(`cannot set the TCP MD5 key of neighbor ${address} (${(err as Error).message}); nothing was applied`);
        }
        undo.push(() => listener.setPeerPassword(address, was ?? ''));
      }
    }
    return listening;
  } catch (err) {
    for (const u of undo.reverse()) {
      try {
        u();
      } catch {
        // best effort: the key or socket was never in force
      }
    }
    throw err;
  }
}

/** Apply step: prepare (may fail, then nothing changed), then everything else. */
export async function applyReload(t: ReloadTarget, next: Config): Promise<ReloadPlan> {
  const plan = planStep(t.config, next);
  const effective = effectiveConfig(t.config, next);
  const listening = await prepare(t, plan, effective);
  const old = t.config;
  t.config = effective;
  const linger = (peer: Peer) => t.clock.setTimer(DISPOSE_DELAY_MS, () => peer.dispose());
  for (const address of plan.removed) {
    const peer = t.registry.remove(address);
    if (!peer) continue;
    if (peer.config.password) clearPassword(t.listener, address);
    peer.stop('neighbor removed from the configuration', CeaseSubcode.PEER_DECONFIGURED);
    linger(peer);
  }
  t.routing?.reconfigure(effective, plan.announce);
  const byAddress = new Map(effective.neighbors.map((n) => [n.address, n]));
  for (const c of plan.changed) {
    const n = byAddress.get(c.address) as NeighborConfig;
    const peer = t.registry.get(c.address);
    t.registry.setNeighbor(n);
    if (!peer) continue;
    peer.reconfigure(peerConfig(n), t.localSpeaker(n));
    let reset = c.action === 'reset';
    if (c.action === 'export') t.routing?.reexport(peer);
    if (c.action === 'import' && t.routing && !t.routing.refreshImport(peer)) reset = true;
    if (reset && peer.state !== State.IDLE) {
      peer.stop(`configuration changed: ${c.changes.join('; ')}`.slice(0, 128), CeaseSubcode.OTHER_CONFIG_CHANGE);
      peer.start();
    }
  }
  const added: Peer[] = [];
  for (const address of plan.added) {
    const n = byAddress.get(address) as NeighborConfig;
    // A dynamic client (from the listen range) now configured by name: its session restarts
    // with the configured settings.
    const dynamic = t.registry.takeDynamic(address);
    if (dynamic) {
      dynamic.stop('neighbor now configured explicitly', CeaseSubcode.OTHER_CONFIG_CHANGE);
      linger(dynamic);
    }
    added.push(t.registry.add(n));
  }
  // New sessions that must wait for BFD are held before they first dial.
  t.syncBfd();
  for (const p of added) p.start();
  // Graceful-restart settings go into the OPENs of sessions established from now on.
  if (!isDeepStrictEqual(old.gracefulRestart, effective.gracefulRestart)) t.refreshLocalSpeakers();
  if (listening) {
    listening.commit();
    // Sockets bound for this change need the MD5 keys of the neighbours that have one (the
    // same keys prepare() installed on the old sockets, so this does not fail for a new reason).
    for (const p of t.registry.peers.values()) {
      if (!p.config.password) continue;
      try {
        t.listener?.setPeerPassword(p.config.address, p.config.password);
      } catch (err) {
        t.log.error({ peer: p.config.address, error: (err as Error).message }, 'cannot set the TCP MD5 key on a new listening socket');
      }
    }
  }
  t.applyOperational(effective, old);
  t.log.info({ plan: formatPlan(plan).trimEnd().split('\n') }, 'configuration reloaded');
  return plan;
}

export function clearPassword(listener: BgpListener | null, address: string): void {
  try {
    listener?.setPeerPassword(address, '');
  } catch {
    // no key was set
  }
}
