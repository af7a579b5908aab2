/**
 * RFC 4271 §6.8 connection collision, as a pure decision: of two connections with the same peer,
 * keep the one initiated by the speaker with the higher BGP Identifier; and what to do with a
 * second connection whose OPEN arrives in each state (RFC 4724 §4.2 for one while Established).
 * The Peer runs the verdict; the table tests in test/unit/session/collision.test.ts pin it.
 */
import { State } from './fsm.js';

export function keepInbound(localId: number, remoteId: number): boolean {
  return remoteId >>> 0 > localId >>> 0;
}

/** What the Peer knows when a racing connection's OPEN is in (the peer's BGP Identifier known). */
export interface CollisionFacts {
  state: State;
  enabled: boolean;
  /** The session has a connection of its own (ours, or an accepted one). */
  hasCurrent: boolean;
  currentInbound: boolean;
  candidateInbound: boolean;
  /** The candidate arrived while Established with graceful restart: it may be the restarted peer's. */
  candidateRestart: boolean;
  localId: number;
  remoteId: number;
}

export type CollisionVerdict =
  /** Disabled meanwhile: close the candidate (Cease / Administrative Shutdown). */
  | 'refuse'
  /** Our dial is under way and ours wins: wait for it (the candidate carries on if it fails). */
  | 'await-dial'
  /** No connection of ours to compare: the candidate carries the session. */
  | 'promote'
  /** A late OPEN from a collision with an Established session: the session stays, the candidate goes. */
  | 'keep-established'
  /** Established with graceful restart: a restarted peer's OPEN, unless the old session proves alive. */
  | 'confirm-restart'
  /** The session's connection wins: the candidate goes (Cease / Connection Collision Resolution). */
  | 'keep-current'
  /** The candidate wins: the session's connection goes and the session continues on the candidate. */
  | 'switch';

export function decideCollision(f: CollisionFacts): CollisionVerdict {
  if (!f.hasCurrent) {
    if (!f.enabled) return 'refuse';
    return f.state === State.CONNECT && !keepInbound(f.localId, f.remoteId) ? 'await-dial' : 'promote';
  }
  if (f.state === State.ESTABLISHED) return f.candidateRestart ? 'confirm-restart' : 'keep-established';
  // Two connections of the same direction cannot be told apart by identifier: the newer one wins
  // (the peer gave up on the older).
  if (f.candidateInbound === f.currentInbound) return 'switch';
  return keepInbound(f.localId, f.remoteId) === f.candidateInbound ? 'switch' : 'keep-current';
}
