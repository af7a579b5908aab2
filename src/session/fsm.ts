/**
 * The RFC 4271 §8 finite state machine as one pure function: (state, event) -> (state, actions).
 * Timers and the TCP connection are ports: the FSM asks for them with actions, and their outcomes
 * come back as events. Nothing here reads a clock or touches a socket.
 */
import { ErrorCode, FsmSubcode } from '../wire/constants.js';
import type { NotificationMessage } from '../wire/notification.js';

export const State = {
  IDLE: 'Idle',
  CONNECT: 'Connect',
  ACTIVE: 'Active',
  OPEN_SENT: 'OpenSent',
  OPEN_CONFIRM: 'OpenConfirm',
  ESTABLISHED: 'Established',
} as const;
export type State = (typeof State)[keyof typeof State];

export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'delayOpen' | 'idleHold';

export interface FsmConfig {
  passive: boolean;
  /** A passive peer dials anyway when nobody connected within connectRetryTime. */
  passiveFallback: boolean;
  connectRetryTime: number;
  /**
   * The retry after a refused connection (s): the peer's host answered, its daemon is not listening
   * yet (it is starting, as every node of a cluster does at once). It doubles with each refusal in a
   * row, up to connectRetryTime, so a peer that stays away costs no more than before.
   */
  refusedRetryTime: number;
  /** Hold time we offer (s); 0 disables keepalives. */
  holdTime: number;
  /** Keepalive interval (s); 0 means a third of the negotiated hold time. */
  keepaliveTime: number;
  /** RFC 4271 DelayOpen (s); 0 disables it. */
  delayOpenTime: number;
  /** How long we wait in OpenSent for the peer's OPEN (s; RFC 4271 suggests 240). */
  openHoldTime: number;
  /** Idle-hold backoff after an error: first delay, cap, and how long a session must stay up to reset it. */
  idleHoldStart: number;
  idleHoldMax: number;
  stableTime: number;
}

export const DEFAULT_FSM_CONFIG: FsmConfig = {
  passive: false,
  passiveFallback: false,
  connectRetryTime: 5,
  refusedRetryTime: 1,
  holdTime: 90,
  keepaliveTime: 0,
  delayOpenTime: 0,
  // RFC 4271 §8.2.2: a large hold time while the OPEN exchange is under way.
  openHoldTime: 240,
  idleHoldStart: 5,
  idleHoldMax: 30,
  stableTime: 60,
};

/** Everything the FSM remembers between events. Immutable: step() returns a new one. */
export interface FsmState {
  readonly state: State;
  /** False after a manual stop: no automatic restart. */
  readonly enabled: boolean;
  readonly connectRetryCounter: number;
  /** Refused connections in a row (see FsmConfig.refusedRetryTime). */
  readonly refusedStreak: number;
  /** The idle-hold delay the next automatic restart waits. */
  readonly idleHold: number;
  /** Negotiated hold and keepalive times of the current session (s). */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  /** Clock time (ms) the session reached Established, or -1. */
  readonly establishedAt: number;
  /** Why the session last went down (for show output), or ''. */
  readonly lastError: string;
  /** Held down by a liveness check (BFD): no connection, in or out, until released. */
  readonly held: boolean;
}

export function initialFsmState(config: FsmConfig): FsmState {
  return {
    state: State.IDLE,
    enabled: false,
    connectRetryCounter: 0,
    refusedStreak: 0,
    idleHold: config.idleHoldStart,
    holdTime: 0,
    keepaliveTime: 0,
    establishedAt: -1,
    lastError: '',
    held: false,
  };
}

export type FsmEvent =
  | { type: 'ManualStart' }
  /** Administrative stop: with a NOTIFICATION, or (null) a bare close that peers may treat as a restart (RFC 4724). */
  | { type: 'ManualStop'; notification: NotificationMessage | null; reason?: string }
  /**
   * A liveness check (BFD, RFC 5882) says the peer is gone (RFC 4271 event 8, AutomaticStop): the
   * session ends with the NOTIFICATION (null: a bare close, so graceful restart keeps its routes).
   * `hold`: no new session until Release; otherwise the usual idle hold, then a new attempt.
   */
  | { type: 'AutomaticStop'; notification: NotificationMessage | null; reason: string; hold: boolean }
  | { type: 'Release' }
  | { type: 'TimerExpired'; timer: TimerName }
  | { type: 'TcpConnectionConfirmed' }
  /** `refused`: the peer answered our SYN with a reset (nothing listens there yet). */
  | { type: 'TcpConnectionFails'; reason: string; refused?: boolean }
  /** A valid OPEN, already checked and negotiated: the session's hold time. */
  | { type: 'BGPOpen'; holdTime: number }
  /** A malformed or unacceptable message: the NOTIFICATION to send (null: none, e.g. when the error is a NOTIFICATION). */
  | { type: 'MessageError'; notification: NotificationMessage; reason: string }
  | { type: 'NotifMsg'; reason: string }
  | { type: 'KeepAliveMsg' }
  | { type: 'UpdateMsg' }
  | { type: 'RouteRefreshMsg' }
  /**
   * Collision resolution kept the other connection, whose OPEN (already checked) carries this
   * hold time: the session continues on it from OpenConfirm. A collision never ends a session
   * here: the losing connection is either a racing candidate the Peer closes itself (it never was
   * the FSM's) or the FSM's own, replaced by this event. So RFC 4271's OpenCollisionDump (event
   * 23) has no counterpart (session/collision.ts decides).
   */
  | { type: 'CollisionWinnerOpen'; holdTime: number };

export type FsmAction =
  | { type: 'connect' }
  | { type: 'close' }
  | { type: 'send-open' }
  | { type: 'send-keepalive' }
  | { type: 'send-notification'; notification: NotificationMessage }
  | { type: 'start-timer'; timer: TimerName; seconds: number }
  | { type: 'stop-timer'; timer: TimerName }
  | { type: 'established' }
  /** The session ended; `notified`: a NOTIFICATION was sent or received (RFC 4724: no graceful restart then). */
  | { type: 'down'; reason: string; notified: boolean };

export interface FsmResult {
  state: FsmState;
  actions: FsmAction[];
}

const ALL_TIMERS: TimerName[] = ['connectRetry', 'hold', 'keepalive', 'delayOpen'];

/** Shared action lists of the per-message path (never changed by whoever runs them). */
const NO_ACTIONS: FsmAction[] = [];
const HOLD_RESTART = new Map<number, FsmAction[]>();
function holdRestart(seconds: number): FsmAction[] {
  let a = HOLD_RESTART.get(seconds);
  if (!a) {
    a = [{ type: 'start-timer', timer: 'hold', seconds }];
    // Hold times in use are few; peers choosing new ones without end get lists of their own.
    if (HOLD_RESTART.size < 64) HOLD_RESTART.set(seconds, a);
  }
  return a;
}

function notification(code: number, subcode: number): NotificationMessage {
  return { code, subcode, data: Buffer.alloc(0) };
}

const FSM_ERROR_SUBCODE: Partial<Record<State, number>> = {
  [State.OPEN_SENT]: FsmSubcode.UNEXPECTED_IN_OPENSENT,
  [State.OPEN_CONFIRM]: FsmSubcode.UNEXPECTED_IN_OPENCONFIRM,
  [State.ESTABLISHED]: FsmSubcode.UNEXPECTED_IN_ESTABLISHED,
};

/**
 * The single place where a peer changes state. `now` is the clock time in ms (used only to decide
 * whether a session was stable long enough to reset the idle-hold backoff).
 */
export function step(s: FsmState, ev: FsmEvent, config: FsmConfig, now: number): FsmResult {
  // Every message of an arriving table: the state stays and the hold timer restarts. The same
  // outcome as the general case below, without its closures and copies (it runs per UPDATE).
  if (s.state === State.ESTABLISHED && (ev.type === 'UpdateMsg' || ev.type === 'KeepAliveMsg' || ev.type === 'RouteRefreshMsg')) {
    return { state: s, actions: s.holdTime > 0 ? holdRestart(s.holdTime) : NO_ACTIONS };
  }
  const actions: FsmAction[] = [];
  const to = (state: State, patch: Partial<FsmState> = {}): FsmResult => ({ state: { ...s, ...patch, state }, actions });

  /** Drop the session: optional NOTIFICATION, close, stop timers, back to Idle; restart later if enabled. */
  const fail = (reason: string, notif: NotificationMessage | null, received = false): FsmResult => {
    if (notif) actions.push({ type: 'send-notification', notification: notif });
    actions.push({ type: 'close' });
    for (const t of ALL_TIMERS) actions.push({ type: 'stop-timer', timer: t });
    const wasEstablished = s.state === State.ESTABLISHED;
    if (wasEstablished || s.state === State.OPEN_CONFIRM || s.state === State.OPEN_SENT) actions.push({ type: 'down', reason, notified: notif !== null || received });
    const stable = wasEstablished && s.establishedAt >= 0 && now - s.establishedAt >= config.stableTime * 1000;
    const idleHold = stable ? config.idleHoldStart : s.idleHold;
    if (s.enabled) actions.push({ type: 'start-timer', timer: 'idleHold', seconds: idleHold });
    return to(State.IDLE, {
      connectRetryCounter: s.connectRetryCounter + 1,
      idleHold: Math.min(config.idleHoldMax, Math.max(config.idleHoldStart, idleHold * 2)),
      establishedAt: -1,
      lastError: reason,
    });
  };

  /** Start (or restart) towards a session: active peers dial, passive ones wait. */
  const start = (): FsmResult => {
    actions.push({ type: 'start-timer', timer: 'connectRetry', seconds: config.connectRetryTime });
    if (config.passive) return to(State.ACTIVE, { enabled: true });
    actions.push({ type: 'connect' });
    return to(State.CONNECT, { enabled: true });
  };

  /** The TCP connection is up: send OPEN (or wait DelayOpen first). */
  const connected = (): FsmResult => {
    actions.push({ type: 'stop-timer', timer: 'connectRetry' });
    if (config.delayOpenTime > 0) {
      actions.push({ type: 'start-timer', timer: 'delayOpen', seconds: config.delayOpenTime });
      return to(s.state === State.IDLE ? State.ACTIVE : s.state, { refusedStreak: 0 });
    }
    actions.push({ type: 'send-open' }, { type: 'start-timer', timer: 'hold', seconds: config.openHoldTime });
    return to(State.OPEN_SENT, { refusedStreak: 0 });
  };

  /** The wait before the next dial: short after a refusal, doubling per refusal in a row, never past connectRetryTime. */
  const retryAfter = (refused: boolean): { seconds: number; streak: number } => {
    if (!refused || config.refusedRetryTime <= 0 || config.refusedRetryTime >= config.connectRetryTime) return { seconds: config.connectRetryTime, streak: 0 };
    return { seconds: Math.min(config.connectRetryTime, config.refusedRetryTime * 2 ** Math.min(s.refusedStreak, 16)), streak: s.refusedStreak + 1 };
  };

  /** Keepalive/hold timers for the negotiated hold time. */
  const sessionTimers = (hold: number): { keepalive: number } => {
    const keepalive = hold === 0 ? 0 : config.keepaliveTime > 0 ? Math.min(config.keepaliveTime, Math.max(1, Math.floor(hold / 3))) : Math.max(1, Math.floor(hold / 3));
    if (hold > 0) {
      actions.push({ type: 'start-timer', timer: 'hold', seconds: hold });
      actions.push({ type: 'start-timer', timer: 'keepalive', seconds: keepalive });
    } else {
      actions.push({ type: 'stop-timer', timer: 'hold' }, { type: 'stop-timer', timer: 'keepalive' });
    }
    return { keepalive };
  };

  if (ev.type === 'ManualStop') {
    const open = s.state !== State.IDLE && s.state !== State.CONNECT && s.state !== State.ACTIVE;
    actions.push({ type: 'stop-timer', timer: 'idleHold' });
    const r = fail(ev.reason ?? 'administratively stopped', open ? ev.notification : null);
    // No automatic restart after a manual stop.
    return {
      state: { ...r.state, enabled: false, idleHold: config.idleHoldStart, connectRetryCounter: 0 },
      actions: r.actions.filter((a) => !(a.type === 'start-timer' && a.timer === 'idleHold')),
    };
  }

  if (ev.type === 'AutomaticStop') {
    if (s.state === State.IDLE) {
      if (ev.hold) actions.push({ type: 'stop-timer', timer: 'idleHold' });
      return to(State.IDLE, { held: s.held || ev.hold, lastError: ev.reason });
    }
    const open = s.state !== State.CONNECT && s.state !== State.ACTIVE;
    const r = fail(ev.reason, open ? ev.notification : null);
    if (!ev.hold) return r;
    return { state: { ...r.state, held: true }, actions: r.actions.filter((a) => !(a.type === 'start-timer' && a.timer === 'idleHold')) };
  }
  if (ev.type === 'Release') {
    if (!s.held) return to(s.state);
    if (s.state === State.IDLE && s.enabled) {
      actions.push({ type: 'stop-timer', timer: 'idleHold' });
      const r = start();
      return { state: { ...r.state, held: false }, actions };
    }
    return to(s.state, { held: false });
  }

  // Errors end a session the same way in every state that has a connection.
  if (s.state !== State.IDLE) {
    if (ev.type === 'MessageError') return fail(ev.reason, ev.notification);
    if (ev.type === 'NotifMsg') return fail(ev.reason, null, true);
  }

  switch (s.state) {
    case State.IDLE:
      // Held: enabled (or not) as asked, but no connection until Release.
      if (s.held) {
        if (ev.type === 'TcpConnectionConfirmed') actions.push({ type: 'close' });
        return to(State.IDLE, ev.type === 'ManualStart' ? { enabled: true } : {});
      }
      if (ev.type === 'ManualStart') {
        actions.push({ type: 'stop-timer', timer: 'idleHold' });
        return start();
      }
      if (ev.type === 'TimerExpired' && ev.timer === 'idleHold' && s.enabled) return start();
      // An inbound connection while waiting out the idle hold: take it rather than make a
      // returning peer wait (the peer runner only offers it when the peer is enabled).
      if (ev.type === 'TcpConnectionConfirmed' && s.enabled) {
        actions.push({ type: 'stop-timer', timer: 'idleHold' });
        return connected();
      }
      if (ev.type === 'TcpConnectionConfirmed') {
        actions.push({ type: 'close' });
        return to(State.IDLE);
      }
      return to(State.IDLE);

    case State.CONNECT:
    case State.ACTIVE:
      switch (ev.type) {
        case 'ManualStart':
          return to(s.state);
        case 'TcpConnectionConfirmed':
          return connected();
        case 'TcpConnectionFails': {
          const retry = retryAfter(ev.refused === true);
          actions.push({ type: 'stop-timer', timer: 'delayOpen' }, { type: 'start-timer', timer: 'connectRetry', seconds: retry.seconds });
          return to(State.ACTIVE, { lastError: ev.reason, connectRetryCounter: s.connectRetryCounter + 1, refusedStreak: retry.streak });
        }
        case 'TimerExpired':
          if (ev.timer === 'connectRetry') {
            actions.push({ type: 'start-timer', timer: 'connectRetry', seconds: config.connectRetryTime });
            if (config.passive && !config.passiveFallback) return to(State.ACTIVE);
            if (s.state === State.CONNECT) actions.push({ type: 'close' });
            actions.push({ type: 'connect' });
            return to(State.CONNECT);
          }
          if (ev.timer === 'delayOpen') {
            actions.push({ type: 'send-open' }, { type: 'start-timer', timer: 'hold', seconds: config.openHoldTime });
            return to(State.OPEN_SENT);
          }
          return to(s.state);
        case 'BGPOpen': {
          // An OPEN while DelayOpen runs (RFC 4271 §8.2.2, events 20/21).
          actions.push({ type: 'stop-timer', timer: 'delayOpen' }, { type: 'stop-timer', timer: 'connectRetry' }, { type: 'send-open' }, { type: 'send-keepalive' });
          // The interval the timers use (keepaliveTime respected), not hold/3 again: the first and
          // later keepalives must agree.
          const { keepalive } = sessionTimers(ev.holdTime);
          return to(State.OPEN_CONFIRM, { holdTime: ev.holdTime, keepaliveTime: keepalive });
        }
        default:
          return fail('unexpected message before OPEN', notification(ErrorCode.FSM, FsmSubcode.UNSPECIFIED));
      }

    case State.OPEN_SENT:
      switch (ev.type) {
        case 'ManualStart':
          return to(s.state);
        case 'CollisionWinnerOpen':
        case 'BGPOpen': {
          actions.push({ type: 'stop-timer', timer: 'connectRetry' }, { type: 'send-keepalive' });
          const { keepalive } = sessionTimers(ev.holdTime);
          return to(State.OPEN_CONFIRM, { holdTime: ev.holdTime, keepaliveTime: keepalive });
        }
        case 'TcpConnectionFails':
          actions.push({ type: 'close' }, { type: 'stop-timer', timer: 'hold' }, { type: 'start-timer', timer: 'connectRetry', seconds: config.connectRetryTime });
          return to(State.ACTIVE, { lastError: ev.reason });
        case 'TimerExpired':
          if (ev.timer === 'hold') return fail('hold timer expired', notification(ErrorCode.HOLD_TIMER_EXPIRED, 0));
          return to(s.state);
        default:
          return fail(`unexpected ${ev.type} in OpenSent`, notification(ErrorCode.FSM, FSM_ERROR_SUBCODE[s.state] ?? 0));
      }

    case State.OPEN_CONFIRM:
    case State.ESTABLISHED:
      switch (ev.type) {
        case 'ManualStart':
          return to(s.state);
        case 'CollisionWinnerOpen': {
          if (s.state === State.ESTABLISHED) return to(s.state);
          actions.push({ type: 'send-keepalive' });
          const { keepalive } = sessionTimers(ev.holdTime);
          return to(State.OPEN_CONFIRM, { holdTime: ev.holdTime, keepaliveTime: keepalive });
        }
        case 'KeepAliveMsg':
        case 'UpdateMsg':
        case 'RouteRefreshMsg':
          if (s.state === State.OPEN_CONFIRM && ev.type !== 'KeepAliveMsg') {
            return fail(`unexpected ${ev.type} in OpenConfirm`, notification(ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_OPENCONFIRM));
          }
          if (s.holdTime > 0) actions.push({ type: 'start-timer', timer: 'hold', seconds: s.holdTime });
          if (s.state === State.OPEN_CONFIRM) {
            actions.push({ type: 'established' });
            return to(State.ESTABLISHED, { establishedAt: now, connectRetryCounter: 0, lastError: '' });
          }
          return to(State.ESTABLISHED);
        case 'TimerExpired':
          if (ev.timer === 'hold') return fail('hold timer expired', notification(ErrorCode.HOLD_TIMER_EXPIRED, 0));
          if (ev.timer === 'keepalive') {
            actions.push({ type: 'send-keepalive' });
            if (s.keepaliveTime > 0) actions.push({ type: 'start-timer', timer: 'keepalive', seconds: s.keepaliveTime });
          }
          return to(s.state);
        case 'TcpConnectionFails':
          return fail(ev.reason, null);
        default:
          return fail(`unexpected ${ev.type} in ${s.state}`, notification(ErrorCode.FSM, FSM_ERROR_SUBCODE[s.state] ?? 0));
      }
  }
}
