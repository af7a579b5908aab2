/**
 * One BFD session's state machine (RFC 5880 §6.8) as pure functions: (state, event) -> (state,
 * actions). Times are in microseconds, as on the wire. The engine owns the clock, the sockets and
 * the timers: it asks `transmitInterval` and `detectionTime` after every step.
 */
import { checkAuth, type AuthConfig, type SeqState } from './auth.js';
import { BfdState, Diag, type BfdPacket, type OutgoingPacket } from './packet.js';

/** RFC 5880 §6.8.3: while the session is not Up, we send no faster than once a second. */
export const SLOW_TX_US = 1_000_000;

export interface BfdParams {
  /** Desired Min TX and Required Min RX (µs), and our Detect Mult. */
  minTx: number;
  minRx: number;
  multiplier: number;
  auth: AuthConfig | null;
}

export interface BfdSession {
  readonly params: BfdParams;
  readonly state: BfdState;
  readonly diag: number;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly remoteState: BfdState;
  readonly remoteDiag: number;
  readonly remoteCpi: boolean;
  /** bfd.RemoteMinRxInterval: initially 1 µs (§6.8.1). */
  readonly remoteMinRx: number;
  readonly remoteDesiredMinTx: number;
  readonly remoteDetectMult: number;
  /** What our packets advertise (bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval). */
  readonly desiredMinTx: number;
  readonly requiredMinRx: number;
  /** What is in force while a Poll Sequence runs: an increase of our TX interval and a decrease of our RX interval wait for the Final (§6.8.3). */
  readonly txInForce: number;
  readonly rxInForce: number;
  readonly pollActive: boolean;
  readonly authSeq: SeqState;
  /** Detection times passed without a packet (the sequence number is forgotten after two). */
  readonly silent: number;
  readonly adminDown: boolean;
}

export type BfdEvent =
  /** A decoded packet for this session and its bytes (for authentication). */
  | { type: 'packet'; packet: BfdPacket; bytes: Buffer }
  /** A Detection Time passed without a valid packet. */
  | { type: 'detect-expired' }
  | { type: 'admin-down' }
  | { type: 'admin-up' }
  | { type: 'configure'; params: BfdParams };

export type BfdAction =
  /** Send a packet with the Final bit now (an answer to a Poll). */
  | { type: 'send-final' }
  /** Send a packet now, outside the periodic schedule (a state change, a new Poll). */
  | { type: 'send-now' }
  | { type: 'state-change'; from: BfdState; to: BfdState; diag: number }
  /** The packet was dropped; the reason names a counter. */
  | { type: 'discard'; reason: string };

export interface BfdStep {
  session: BfdSession;
  actions: BfdAction[];
}

export function newSession(params: BfdParams, localDiscr: number): BfdSession {
  const tx = Math.max(params.minTx, SLOW_TX_US);
  return {
    params,
    state: BfdState.DOWN,
    diag: Diag.NONE,
    localDiscr,
    remoteDiscr: 0,
    remoteState: BfdState.DOWN,
    remoteDiag: 0,
    remoteCpi: false,
    remoteMinRx: 1,
    remoteDesiredMinTx: 0,
    remoteDetectMult: 0,
    desiredMinTx: tx,
    requiredMinRx: params.minRx,
    txInForce: tx,
    rxInForce: params.minRx,
    pollActive: false,
    authSeq: { known: false, last: 0 },
    silent: 0,
    adminDown: false,
  };
}

/** The interval between our periodic packets before jitter (µs); 0: send none (§6.8.7). */
export function transmitInterval(s: BfdSession): number {
  if (s.remoteMinRx === 0) return 0;
  return Math.max(s.txInForce, s.remoteMinRx);
}

/** How long without a packet before the session is declared down (µs); 0 before the first packet. */
export function detectionTime(s: BfdSession): number {
  if (s.remoteDetectMult === 0) return 0;
  return s.remoteDetectMult * Math.max(s.rxInForce, s.remoteDesiredMinTx);
}

/** Jitter the interval (µs) by `r` in [0, 1): 75-100% of it, or 75-90% with a multiplier of 1 (§6.8.7). */
export function jitter(intervalUs: number, multiplier: number, r: number): number {
  const span = multiplier === 1 ? 0.15 : 0.25;
  return intervalUs * (0.75 + span * r);
}

/** The packet we send now (`final`: the answer to a Poll, which never polls itself). */
export function outgoing(s: BfdSession, final: boolean): OutgoingPacket {
  return {
    diag: s.diag,
    state: s.state,
    poll: s.pollActive && !final,
    final,
    cpi: false,
    detectMult: s.params.multiplier,
    myDiscr: s.localDiscr,
    yourDiscr: s.remoteDiscr,
    desiredMinTx: s.desiredMinTx,
    requiredMinRx: s.requiredMinRx,
  };
}

/**
 * New advertised intervals: applied at once while not Up; while Up through a Poll Sequence,
 * with a slower TX and a faster RX waiting for the Final (§6.8.3).
 */
function advertise(s: BfdSession, tx: number, rx: number, actions: BfdAction[]): BfdSession {
  if (tx === s.desiredMinTx && rx === s.requiredMinRx) return s;
  if (s.state !== BfdState.UP) return { ...s, desiredMinTx: tx, requiredMinRx: rx, txInForce: tx, rxInForce: rx, pollActive: false };
  actions.push({ type: 'send-now' });
  return {
    ...s,
    desiredMinTx: tx,
    requiredMinRx: rx,
    txInForce: Math.min(tx, s.txInForce),
    rxInForce: Math.max(rx, s.rxInForce),
    pollActive: true,
  };
}

/** The TX interval we advertise in a state: never below a second unless Up. */
function txFor(state: BfdState, params: BfdParams): number {
  return state === BfdState.UP ? params.minTx : Math.max(params.minTx, SLOW_TX_US);
}

function moveTo(s: BfdSession, to: BfdState, diag: number, actions: BfdAction[]): BfdSession {
  if (to === s.state) return s;
  actions.push({ type: 'state-change', from: s.state, to, diag }, { type: 'send-now' });
  let next: BfdSession = { ...s, state: to, diag };
  if (to !== BfdState.UP) next = { ...next, pollActive: false, txInForce: next.desiredMinTx, rxInForce: next.requiredMinRx };
  return advertise(next, txFor(to, s.params), s.params.minRx, actions);
}

export function step(s: BfdSession, ev: BfdEvent): BfdStep {
  const actions: BfdAction[] = [];
  switch (ev.type) {
    case 'configure': {
      const next = { ...s, params: ev.params };
      return { session: advertise(next, txFor(s.state, ev.params), ev.params.minRx, actions), actions };
    }
    case 'admin-down': {
      if (s.adminDown) return { session: s, actions };
      const next = moveTo({ ...s, adminDown: true }, BfdState.ADMIN_DOWN, Diag.ADMIN_DOWN, actions);
      return { session: next, actions };
    }
    case 'admin-up': {
      if (!s.adminDown) return { session: s, actions };
      return { session: moveTo({ ...s, adminDown: false }, BfdState.DOWN, Diag.NONE, actions), actions };
    }
    case 'detect-expired': {
      // §6.8.1: the remote discriminator is forgotten; the sequence number after two Detection Times.
      const silent = s.silent + 1;
      let next: BfdSession = { ...s, remoteDiscr: 0, remoteState: BfdState.DOWN, remoteDetectMult: 0, remoteMinRx: 1, silent };
      if (silent >= 2) next = { ...next, authSeq: { known: false, last: 0 } };
      if (s.state === BfdState.INIT || s.state === BfdState.UP) next = moveTo(next, BfdState.DOWN, Diag.DETECTION_EXPIRED, actions);
      return { session: next, actions };
    }
    case 'packet':
      return receive(s, ev.packet, ev.bytes, actions);
  }
}

/** §6.8.6, from the authentication check on (decode and session lookup are done). */
function receive(s: BfdSession, p: BfdPacket, bytes: Buffer, actions: BfdAction[]): BfdStep {
  const discard = (reason: string): BfdStep => {
    actions.push({ type: 'discard', reason });
    return { session: s, actions };
  };
  if (p.demand) return discard('demand');
  const length = bytes[3] as number;
  const seq = checkAuth(bytes, length, s.params.auth, s.authSeq, p.detectMult);
  if (typeof seq === 'string') return discard(seq);
  let next: BfdSession = {
    ...s,
    remoteDiscr: p.myDiscr,
    remoteState: p.state,
    remoteDiag: p.diag,
    remoteCpi: p.cpi,
    remoteMinRx: p.requiredMinRx,
    remoteDesiredMinTx: p.desiredMinTx,
    remoteDetectMult: p.detectMult,
    silent: 0,
    authSeq: seq >= 0 ? { known: true, last: seq } : s.authSeq,
  };
  if (p.final && next.pollActive) next = { ...next, pollActive: false, txInForce: next.desiredMinTx, rxInForce: next.requiredMinRx };
  if (p.poll) actions.push({ type: 'send-final' });
  if (next.state === BfdState.ADMIN_DOWN) return { session: next, actions };
  if (p.state === BfdState.ADMIN_DOWN) {
    if (next.state !== BfdState.DOWN) next = moveTo(next, BfdState.DOWN, Diag.NEIGHBOR_DOWN, actions);
    return { session: next, actions };
  }
  switch (next.state) {
    case BfdState.DOWN:
      if (p.state === BfdState.DOWN) next = moveTo(next, BfdState.INIT, Diag.NONE, actions);
      else if (p.state === BfdState.INIT) next = moveTo(next, BfdState.UP, Diag.NONE, actions);
      break;
    case BfdState.INIT:
      if (p.state === BfdState.INIT || p.state === BfdState.UP) next = moveTo(next, BfdState.UP, Diag.NONE, actions);
      break;
    case BfdState.UP:
      if (p.state === BfdState.DOWN) next = moveTo(next, BfdState.DOWN, Diag.NEIGHBOR_DOWN, actions);
      break;
  }
  return { session: next, actions };
}
