/**
 * The daemon as the control layer sees it (control/host.ts): sessions, the RIB's read API, the
 * FIB's status, reload and stop. Built once per daemon; everything is read live from it.
 */
import type { ControlHost, FibStatus, MemoryGuardStatus, PeerRouteCounts } from '../control/host.js';
import type { RibReader } from '../rib/rib-reader.js';
import type { Peer } from '../session/peer.js';
import type { Daemon } from './daemon.js';
import { State } from '../session/fsm.js';

export function controlHost(d: Daemon): ControlHost {
  return {
    get routerId() {
      return d.config.routerId;
    },
    get asn() {
      return d.config.asn;
    },
    peers: (): Iterable<Peer> => d.peers.values(),
    peer: (address) => d.peers.get(address),
    get peerCount() {
      return d.peers.size;
    },
    neighborConfig: (address) => d.neighborConfig(address),
    isReflectorClient: (address) => {
      const n = d.neighborConfig(address);
      return Boolean(n && (n.routeReflectorClient || d.config.routeReflector?.clients.includes(n.address)));
    },
    rib: (): RibReader | null => d.routing?.rib.reader ?? null,
    routeCounts: (): PeerRouteCounts | null => d.routing,
    fib: (): FibStatus | null => {
      const k = d.kernel;
      if (!k) return null;
      const c = d.config.fib;
      return { table: c.table, protocol: c.protocol, metric: c.metric, installed: k.fib.installedCount, counters: k.fib.counters, diff: () => k.fib.diff(), interfaceFor: (nh) => k.connected.interfaceFor(nh) };
    },
    health: () => {
      const configured = d.config.neighbors.length;
      const established = [...d.peers.values()].filter((p) => p.state === State.ESTABLISHED).length;
      const why = !d.routing ? 'starting' : d.startup?.restarting ? 'restarting: waiting for the table to be complete (graceful restart)' : configured > 0 && established === 0 ? 'no session established' : '';
      return { ready: why === '', reason: why || 'ready', established, configured };
    },
    reloads: () => ({ ...d.reloadCounts }),
    mrt: () => d.dumper,
    updateLog: () => d.updateLog?.status ?? null,
    bmpStations: () => d.bmp.status,
    onSessionChange: (fn) => {
      d.sessionListeners.add(fn);
      return () => d.sessionListeners.delete(fn);
    },
    refresh: (address, direction) => {
      const peer = d.peers.get(address);
      if (!peer) throw new Error(`no neighbor ${address}`);
      if (peer.state !== State.ESTABLISHED || !d.routing) throw new Error(`${address} is not Established (${peer.state})`);
      if (direction === 'out') {
        d.routing.reexport(peer);
        return `our routes are being sent to ${address} again`;
      }
      if (!d.routing.refreshImport(peer)) throw new Error(`${address} did not offer route refresh (RFC 2918): only a session reset (wrenc restart ${address}) gets its routes again`);
      return `asked ${address} for its routes again (ROUTE-REFRESH)`;
    },
    bfd: () => ({ state: (address) => d.bfd.state(address), snapshot: () => d.bfd.snapshot() }),
    get loopWorstMs() {
      return d.loop.worstMs;
    },
    memoryGuard: (): MemoryGuardStatus | null => (d.guard ? { limitBytes: d.guard.options.limitBytes, heapShare: d.guard.options.heapShare, sessionsStopped: d.guard.stopped } : null),
    datastore: () => d.calico?.status() ?? null,
    effectiveDocument: () => d.calico?.document ?? null,
    reload: (file, check) => d.reloadFile(file, check),
    shutdown: (message) => {
      d.downMessage = message;
      d.requestShutdown('down');
    },
  };
}
