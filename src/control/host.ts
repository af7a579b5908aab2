/**
 * The one interface the control layer (wrenc's socket, the read-only socket, the BIRD-compatible
 * socket, metrics) is given by the daemon. Control reads sessions, the RIB (through RibReader),
 * the FIB's status and the memory guard through it, and asks for a reload or a stop; it never
 * imports src/daemon. The daemon builds it (daemon/control-host.ts); tests can build their own.
 */
import type { Peer } from '../session/peer.js';
import type { NeighborConfig } from '../config/load.js';
import type { ReloadPlan } from '../config/diff.js';
import type { RibReader } from '../rib/rib-reader.js';
import type { PolicyChain } from '../policy/policy.js';
import type { FibDiff } from '../fib/fib-sync.js';
import type { DatastoreStatus } from '../datastore/datastore-sync.js';
import type { BfdSnapshot } from '../bfd/bfd-service.js';
import type { RibDumper } from '../mrt/dumper.js';
import type { UpdateLogStatus } from '../mrt/update-log.js';
import type { StationStatus } from '../bmp/station.js';

/** Per-session route counts (daemon/routing keeps them). */
export interface PeerRouteCounts {
  received(p: Peer): number;
  advertised(p: Peer): number;
  filtered(p: Peer): number;
  rejected(p: Peer): number;
  staleRoutes(address: string): number;
  /** The import policy chain of a neighbour, for explain. */
  importChain(address: string): PolicyChain | null;
}

export interface FibCounters {
  installs: number;
  deletes: number;
  errors: number;
  adopted: number;
  pruned: number;
  repaired: number;
  retried: number;
}

/** The kernel FIB as control sees it. */
export interface FibStatus {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  readonly installed: number;
  readonly counters: Readonly<FibCounters>;
  diff(): Promise<FibDiff>;
  /** The interface a next hop is reached on (a connected subnet), or ''. */
  interfaceFor(nextHop: Uint8Array): string;
}

export interface MemoryGuardStatus {
  limitBytes: number;
  heapShare: number;
  /** Sessions the guard has stopped so far. */
  sessionsStopped: number;
}

/** BFD as control sees it. */
export interface BfdStatus {
  /** The state of a neighbour's BFD session, or null when it has none. */
  state(address: string): string | null;
  /** Every session's status from the BFD worker (null: no BFD session configured). */
  snapshot(): Promise<BfdSnapshot> | null;
}

/** What /healthz answers (the rule: docs/metrics.md). */
export interface Health {
  ready: boolean;
  reason: string;
  established: number;
  configured: number;
}

export interface ControlHost {
  readonly routerId: string;
  readonly asn: number;
  /** The sessions, configured and dynamic. */
  peers(): Iterable<Peer>;
  peer(address: string): Peer | undefined;
  readonly peerCount: number;
  /** The neighbour config a session came from (undefined for one not configured). */
  neighborConfig(address: string): NeighborConfig | undefined;
  /** Whether a neighbour is one of our route reflector's clients. */
  isReflectorClient(address: string): boolean;
  /** The RIB, once routing has started. */
  rib(): RibReader | null;
  routeCounts(): PeerRouteCounts | null;
  /** The kernel FIB sync, when enabled. */
  fib(): FibStatus | null;
  bfd(): BfdStatus;
  /** Ready for traffic: started, the start-up deferral over, and a session up if any is configured. */
  health(): Health;
  /**
   * Soft reset of an Established session: `in` asks the peer to send its routes again
   * (ROUTE-REFRESH), `out` sends it ours again. Returns what was done, or throws why not.
   */
  refresh(address: string, direction: 'in' | 'out'): string;
  /** MRT dumps of the RIB (wrenc dump rib, mrt.rib). */
  mrt(): RibDumper;
  /** The BMP stations (bmp.stations) and how each is doing. */
  bmpStations(): StationStatus[];
  /** The MRT update log (mrt.updates), when configured. */
  updateLog(): UpdateLogStatus | null;
  /** Call `fn` on every session state change; returns the unsubscribe. */
  onSessionChange(fn: (address: string, from: string, to: string, reason: string) => void): () => void;
  /** Reloads applied and refused since start (file, SIGHUP, wrenc or the datastore). */
  reloads(): { applied: number; failed: number };
  /** The worst event-loop delay seen (ms). */
  readonly loopWorstMs: number;
  memoryGuard(): MemoryGuardStatus | null;
  /** The Calico datastore the config comes from, or null (a file alone). */
  datastore(): (DatastoreStatus & { problems: string[] }) | null;
  /** The config document in force as the datastore computed it (null: the file alone is the config). */
  effectiveDocument(): unknown;
  /** Reload from `file` (null: the file wrend started with); `check` plans without applying. */
  reload(file: string | null, check: boolean): Promise<ReloadPlan>;
  /** Stop wrend (`wrenc down`): Cease with `message` to every peer, then exit. */
  shutdown(message: string): void;
}
