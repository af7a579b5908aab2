/**
 * What the main thread and the BFD worker say to each other: the only coupling between them.
 * Intervals here are in milliseconds; the protocol's microseconds stay inside the worker.
 */
import type { AuthConfig } from './auth.js';

/** One BFD session the daemon wants, keyed by `key` (peer address, and `/multihop` for RFC 5883). */
export interface SessionSpec {
  key: string;
  peer: string;
  /** Our address for the session ('' lets the kernel choose). */
  local: string;
  multihop: boolean;
  minTx: number;
  minRx: number;
  multiplier: number;
  auth: AuthConfig | null;
}

export interface StateChange {
  key: string;
  peer: string;
  from: string;
  to: string;
  /** Our diagnostic for the change (RFC 5880 §4.1), and its name. */
  diag: number;
  reason: string;
  /** The peer's Control Plane Independent bit, as last received (RFC 5882 §4.3). */
  remoteCpi: boolean;
  /** The peer said AdminDown: its clients must not act on this (RFC 5882 §3.2). */
  remoteAdminDown: boolean;
}

export interface SessionStatus {
  key: string;
  peer: string;
  local: string;
  multihop: boolean;
  state: string;
  remoteState: string;
  localDiscr: number;
  remoteDiscr: number;
  /** The diagnostic of the last time the session left Up (or the current one), and the peer's last. */
  lastDiag: string;
  remoteDiag: string;
  /** Configured, and in force after negotiation with the peer (ms). */
  minTx: number;
  minRx: number;
  multiplier: number;
  txInterval: number;
  remoteMinRx: number;
  remoteMinTx: number;
  remoteMultiplier: number;
  detectionTime: number;
  authenticated: boolean;
  /** Clock time (ms) of the last state change; uptime is from there while Up. */
  since: number;
  flaps: number;
  packetsIn: number;
  packetsOut: number;
  /** Packets for this session dropped (authentication, demand bit...). */
  dropped: number;
  /** The longest time between two of our periodic packets, against the interval in force (ms). */
  maxTxGap: number;
  lastError: string;
}

export interface BfdCounters {
  /** Packets dropped before any session saw them, by reason (short, version, no-session...). */
  dropped: Record<string, number>;
  /** Dropped in the kernel: TTL other than 255 on single-hop, or the receive buffer full. */
  kernelDropped: number;
  packetsIn: number;
}

export type ToWorker =
  | { type: 'configure'; sessions: SessionSpec[] }
  | { type: 'status'; id: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'state'; change: StateChange }
  | { type: 'status'; id: number; sessions: SessionStatus[]; counters: BfdCounters }
  | { type: 'error'; message: string };
