/**
 * One configured neighbour: runs the actions the FSM asks for (dial, send, timers, close), turns
 * bytes and timer expiries into FSM events, negotiates the session, and resolves collisions.
 * Events are processed strictly in order; every state change is logged once, here.
 */
import type { Logger } from 'pino';
import { State, initialFsmState, step, type FsmAction, type FsmConfig, type FsmEvent, type FsmState } from './fsm.js';
import { PeerTimers } from './timers.js';
import { decideCollision } from './collision.js';
import { localOpen, negotiate, type LocalSpeaker, type SessionParameters } from './negotiate.js';
import type { Clock } from '../time/clock.js';
import type { Connection } from './transport.js';
import { Link, rejectWith } from './link.js';
import { SessionReader, type ReaderSink } from './reader.js';
import { decodeBody, type Message } from '../wire/message.js';
import { BgpError } from '../wire/errors.js';
import { encodeOpen, type OpenMessage } from '../wire/open.js';
import { encodeKeepalive } from '../wire/keepalive.js';
import { ceaseNotification, describeNotification, encodeNotification, endsForGood, hardReset, isHardReset, notificationFromError, takesShutdownMessage, type NotificationMessage } from '../wire/notification.js';
import { CeaseSubcode, ErrorCode, MessageType } from '../wire/constants.js';
import type { UpdateMessage } from '../wire/update.js';
import type { RouteRefreshMessage } from '../wire/route-refresh.js';
import { LogRateLimit } from '../log/rate-limit.js';
import type { PeerEndpoint } from '../config/peer-endpoint.js';

/** Who a neighbour is and how to reach it: shared by the config file and the running peer. */
export interface PeerConfig extends PeerEndpoint {
  fsm: FsmConfig;
}

/** What the rest of the daemon hears from a peer. */
export interface PeerEvents {
  established(peer: Peer, params: SessionParameters): void;
  /**
   * The session ended; `notified`: by a NOTIFICATION (sent or received), not a bare close;
   * `graceful`: the peer's routes may be kept as stale (RFC 4724: no NOTIFICATION; RFC 8538 with
   * the N bit exchanged: any NOTIFICATION but a Hard Reset).
   */
  down(peer: Peer, reason: string, notified: boolean, graceful: boolean): void;
  update(peer: Peer, update: UpdateMessage): void;
  routeRefresh(peer: Peer, msg: RouteRefreshMessage): void;
  /** Every state change, once (for metrics and tests). */
  stateChange(peer: Peer, from: State, to: State, reason: string): void;
  /** The session's socket drained its send queue. */
  drain(peer: Peer): void;
}

export const NO_PEER_EVENTS: PeerEvents = {
  established: () => undefined,
  down: () => undefined,
  update: () => undefined,
  routeRefresh: () => undefined,
  stateChange: () => undefined,
  drain: () => undefined,
};

export type Dialer = (peer: PeerConfig, timeoutSeconds: number, done: (err: Error | null, conn: Connection | null) => void) => () => void;

/** Seconds a second (racing) connection has to send its OPEN. */
export const CANDIDATE_OPEN_SECONDS = 10;
/** How long a restart candidate's OPEN waits for the old session to show it is dead or alive. */
export const RESTART_CONFIRM_MS = 500;

export class Peer {
  config: PeerConfig;
  private readonly log: Logger;
  private fsm: FsmState;
  private readonly timers: PeerTimers;
  private link: Link | null = null;
  /** An inbound connection racing the current one (collision), until its OPEN decides. */
  private candidate: Link | null = null;
  private cancelDial: (() => void) | null = null;
  private readonly queue: FsmEvent[] = [];
  private processing = false;
  params: SessionParameters | null = null;
  /** The last NOTIFICATION of the session, sent or received (BMP Peer Down carries it). */
  lastNotice: { sent: boolean; notification: NotificationMessage } | null = null;
  /** The Established session negotiated RFC 8538's N bit. */
  private gracefulNotification = false;
  /** The peer's OPEN of the current session, as decoded (BMP Peer Up re-encodes it). */
  openReceived: OpenMessage | null = null;
  /** Clock time of the last state change, for `show neighbors`. */
  since: number;
  lastNotification = '';
  readonly counters = { messagesIn: 0, messagesOut: 0, updatesIn: 0, flaps: 0 };
  /** Messages by BGP type (1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH). */
  readonly messagesByType = { in: [0, 0, 0, 0, 0, 0], out: [0, 0, 0, 0, 0, 0] };

  constructor(
    config: PeerConfig,
    private local: LocalSpeaker,
    private readonly clock: Clock,
    log: Logger,
    private readonly dialer: Dialer,
    private readonly events: PeerEvents = NO_PEER_EVENTS,
  ) {
    this.config = config;
    // Every line this session logs carries its peer.
    this.log = log.child({ peer: config.address });
    this.fsm = initialFsmState(config.fsm);
    this.since = clock.now();
    this.timers = new PeerTimers(clock, (timer) => this.dispatch({ type: 'TimerExpired', timer }));
    this.reader = new SessionReader(clock, this.readerSink());
  }

  get state(): State {
    return this.fsm.state;
  }

  get lastError(): string {
    return this.fsm.lastError;
  }

  get enabled(): boolean {
    return this.fsm.enabled;
  }

  start(): void {
    // A disposed peer (a dynamic neighbour that went, a removed one) never comes back: a late
    // timer (a prefix-limit restart) must not bring up a session nobody owns.
    if (this.disposed) return;
    this.dispatch({ type: 'ManualStart' });
  }
  private disposed = false;

  /**
   * New settings (config reload). Timers and connection settings apply from the next event and
   * connection; what the running session negotiated stays until it is reset.
   */
  reconfigure(config: PeerConfig, local: LocalSpeaker): void {
    this.config = config;
    this.local = local;
  }

  /** Administrative stop: Cease/Administrative Shutdown with an RFC 9003 message. */
  stop(message = 'administratively shut down', subcode: number = CeaseSubcode.ADMIN_SHUTDOWN, data?: Buffer): void {
    this.dropCandidate(null);
    // Where the Cease has no room for the message (RFC 4486 data instead), it becomes the last error.
    const notification = ceaseNotification(subcode, message, data);
    this.dispatch({ type: 'ManualStop', notification, ...(takesShutdownMessage(subcode) ? {} : { reason: message }) });
  }

  /**
   * Stop for a restart of wrend: close the connection without a NOTIFICATION, so that a peer
   * doing graceful restart (RFC 4724) keeps our routes until we are back.
   */
  close(reason = 'restarting'): void {
    this.dropCandidate(null);
    this.dispatch({ type: 'ManualStop', notification: null, reason });
  }

  /**
   * A liveness check (BFD) says the peer is gone: end the session at once, with `notification`
   * or (null) a bare close that keeps graceful restart; `hold` keeps it down until release().
   */
  automaticStop(reason: string, notification: NotificationMessage | null, hold: boolean): void {
    this.dropCandidate(null);
    this.dispatch({ type: 'AutomaticStop', notification, reason, hold });
  }

  /** The liveness check is good again: a held session may connect. */
  release(): void {
    this.dispatch({ type: 'Release' });
  }

  /** Held down by a liveness check (no connection until released). */
  get held(): boolean {
    return this.fsm.held;
  }

  /** An accepted TCP connection from this peer's address. */
  offerInbound(conn: Connection): void {
    if (!this.fsm.enabled || this.fsm.held) {
      conn.destroy();
      return;
    }
    const state = this.fsm.state;
    // Connect (our dial under way) is not in this list: the peer may already have accepted our
    // connection and be using it, as we would use this one; dropping ours here while it drops
    // this one (each side seeing the other's first) left both without a session. The two race
    // as a collision instead, decided by BGP Identifier when the OPEN arrives (RFC 4271 6.8).
    if (state === State.IDLE || state === State.ACTIVE) {
      this.abandonOutbound();
      this.attach(new Link(conn, true));
      this.dispatch({ type: 'TcpConnectionConfirmed' });
      return;
    }
    const restartCandidate = state === State.ESTABLISHED && Boolean(this.params?.peerGracefulRestart && this.local.gracefulRestart);
    if (state === State.ESTABLISHED && !restartCandidate) {
      this.log.info({ remote: conn.remoteAddress }, 'rejecting a second connection while Established');
      rejectWith(conn, CEASE_COLLISION);
      return;
    }
    // OpenSent/OpenConfirm: race it until its OPEN arrives (RFC 4271 §6.8). Established with
    // graceful restart: the peer may have restarted before we saw the old connection go, but only
    // a valid OPEN on the new connection says so (RFC 4724 §4.2); a bare connection from its
    // address (any process on that host) must not end the session. Our OPEN waits for theirs there.
    this.dropCandidate(CEASE_COLLISION);
    const cand = new Link(conn, true);
    cand.restart = restartCandidate;
    this.candidate = cand;
    conn.onData((chunk) => this.onCandidateData(cand, chunk));
    conn.onClose(() => {
      if (this.candidate === cand) this.candidate = null;
    });
    // A candidate that sends no OPEN in time goes: it holds the peer's slot otherwise.
    const deadline = this.clock.setTimer(CANDIDATE_OPEN_SECONDS * 1000, () => {
      if (this.candidate !== cand) return;
      this.log.info({ remote: conn.remoteAddress }, 'closing a second connection that sent no OPEN');
      this.dropCandidate({ code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0, data: Buffer.alloc(0) });
    });
    conn.onClose(() => this.clock.clearTimer(deadline));
    if (!restartCandidate) {
      this.write(cand, encodeOpen(localOpen(this.local)));
      cand.openSent = true;
    }
  }

  /**
   * The racing connection becomes the session's (the dial failed, or it won the collision before
   * the dial completed): attached, confirmed, and its OPEN, if already received, handled.
   */
  private promoteCandidate(cand: Link): void {
    this.candidate = null;
    this.abandonOutbound();
    this.attach(cand);
    this.dispatch({ type: 'TcpConnectionConfirmed' });
    if (cand.params) {
      this.params = cand.params;
      this.openReceived = cand.open;
      this.dispatch({ type: 'BGPOpen', holdTime: cand.params.holdTime });
    }
    this.onData(cand, EMPTY);
  }

  private abandonOutbound(): void {
    this.cancelDial?.();
    this.cancelDial = null;
    if (this.link) {
      this.link.conn.destroy();
      this.link = null;
    }
  }

  private dropCandidate(notification: NotificationMessage | null): void {
    const c = this.candidate;
    if (!c) return;
    this.candidate = null;
    if (c.confirm !== null) this.clock.clearTimer(c.confirm);
    if (notification) rejectWith(c.conn, notification);
    else c.conn.destroy();
  }

  private attach(link: Link): void {
    this.link = link;
    link.conn.onData((chunk) => {
      if (this.link === link) this.onData(link, chunk);
    });
    link.conn.onDrain(() => {
      if (this.link === link) this.events.drain(this);
    });
    link.conn.onClose((reason) => {
      if (this.link === link) {
        this.link = null;
        this.dispatch({ type: 'TcpConnectionFails', reason });
        // The old session is gone: a restarted peer's connection waiting on that carries on now.
        const cand = this.candidate;
        if (cand && cand.confirm !== null) this.adoptRestart(cand);
      }
    });
  }

  /** Queue an event; events are handled one at a time, in order. */
  dispatch(ev: FsmEvent): void {
    this.queue.push(ev);
    if (this.processing) return;
    this.processing = true;
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) this.handle(e);
    } finally {
      this.processing = false;
    }
  }

  private handle(ev: FsmEvent): void {
    const before = this.fsm;
    const r = step(before, ev, this.config.fsm, this.clock.now());
    this.fsm = r.state;
    if (r.state.state !== before.state) {
      this.since = this.clock.now();
      // Reaching and leaving Established have a log budget of their own: the connection attempts
      // before a session comes up must not use it up (the Established line went missing), and a
      // peer that comes up and drops again and again must not flood the log either.
      const established = r.state.state === State.ESTABLISHED || before.state === State.ESTABLISHED;
      const f = logLimit.fields(`${this.config.address}|${established ? 'established' : 'state'}`);
      if (f) this.log.info({ from: before.state, to: r.state.state, event: ev.type, reason: r.state.lastError || undefined, ...f }, `session ${before.state} -> ${r.state.state}`);
      if (before.state === State.ESTABLISHED) this.counters.flaps++;
      this.events.stateChange(this, before.state, r.state.state, r.state.lastError);
    }
    for (const a of r.actions) this.run(a);
  }

  private run(a: FsmAction): void {
    switch (a.type) {
      case 'connect': {
        this.cancelDial?.();
        this.cancelDial = this.dialer(this.config, this.config.fsm.connectRetryTime, (err, conn) => {
          this.cancelDial = null;
          const cand = this.candidate;
          if (err || !conn) {
            // The peer's connection, racing ours, carries the session instead.
            if (cand && this.fsm.state === State.CONNECT) this.promoteCandidate(cand);
            else this.dispatch({ type: 'TcpConnectionFails', reason: err ? err.message : 'connect failed', refused: (err as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED' });
            return;
          }
          if (this.link) {
            // An inbound connection won meanwhile.
            conn.destroy();
            return;
          }
          this.attach(new Link(conn, false));
          this.dispatch({ type: 'TcpConnectionConfirmed' });
          // The peer's connection raced ours and its OPEN is in: the BGP Identifiers decide now.
          if (cand?.params && this.candidate === cand) this.decideCollision(cand);
        });
        return;
      }
      case 'close':
        this.cancelDial?.();
        this.cancelDial = null;
        if (this.link) {
          this.link.conn.end();
          this.link = null;
        }
        this.params = null;
        return;
      case 'send-open':
        if (this.link && !this.link.openSent) {
          this.write(this.link, encodeOpen(localOpen(this.local)));
          this.link.openSent = true;
        }
        return;
      case 'send-keepalive':
        // A peer that has not read what is already queued would not see another KEEPALIVE
        // either; skipping it keeps a stalled connection from growing our buffers.
        if (this.link && this.link.conn.pendingBytes === 0) this.write(this.link, encodeKeepalive());
        return;
      case 'send-notification': {
        // RFC 8538: with the N bit exchanged, a Cease that ends the session for good goes as Hard Reset.
        const n = this.gracefulNotification && endsForGood(a.notification) && !isHardReset(a.notification) ? hardReset(a.notification) : a.notification;
        const f = logLimit.fields(`${this.config.address}|error`);
        if (f) this.log.warn({ notification: describeNotification(n), ...f }, 'sending NOTIFICATION');
        if (this.link) this.write(this.link, encodeNotification(n));
        this.lastNotice = { sent: true, notification: n };
        return;
      }
      case 'start-timer':
        this.timers.start(a.timer, a.seconds);
        return;
      case 'stop-timer':
        this.timers.stop(a.timer);
        return;
      case 'established':
        this.gracefulNotification = this.params?.gracefulNotification ?? false;
        if (this.params) this.events.established(this, this.params);
        return;
      case 'down': {
        const graceful = !a.notified || (this.gracefulNotification && this.lastNotice !== null && !isHardReset(this.lastNotice.notification));
        this.gracefulNotification = false;
        this.events.down(this, a.reason, a.notified, graceful);
        return;
      }
    }
  }

  private write(link: Link, bytes: Buffer): void {
    this.countOut(bytes);
    link.conn.write(bytes);
  }

  /** Count the messages in an encoded buffer (headers only: length at 16, type at 18). */
  private countOut(bytes: Buffer): void {
    const byType = this.messagesByType.out;
    for (let off = 0; off + 19 <= bytes.length; ) {
      const len = bytes.readUInt16BE(off + 16);
      const type = bytes[off + 18] as number;
      if (type < byType.length) byType[type] = (byType[type] as number) + 1;
      this.counters.messagesOut++;
      if (len < 19) break;
      off += len;
    }
  }

  /** Bytes on the session's connection: framed and decoded by the reader, a turn's budget at a time. */
  private onData(link: Link, chunk: Buffer): void {
    this.reader.read(link, chunk);
  }

  private readonly reader: SessionReader;

  private readerSink(): ReaderSink {
    return {
      isCurrent: (link) => this.link === link,
      framed: (type) => {
        this.countIn(type);
        // The peer still speaks on the session: the connection that looked like its restart is a
        // leftover of a collision (its OPEN arrived late), and goes.
        if (this.candidate && this.candidate.confirm !== null) {
          this.log.info('connection collision: the Established session is alive, closing the late connection');
          this.dropCandidate(CEASE_COLLISION);
        }
      },
      message: (link, m) => this.onMessage(link, m),
      error: (err) => this.messageError(err),
    };
  }

  private messageError(err: unknown): void {
    const e = err instanceof BgpError ? err : null;
    if (!e) throw err;
    const f = logLimit.fields(`${this.config.address}|error`);
    if (f) this.log.warn({ code: e.code, error: e.message, ...f }, 'malformed message');
    this.dispatch({ type: 'MessageError', notification: notificationFromError(e), reason: e.message });
  }

  private onMessage(link: Link, m: Message): void {
    switch (m.type) {
      case 'open': {
        let params: SessionParameters;
        try {
          params = negotiate(this.local, this.config.asn, m.open);
        } catch (err) {
          this.messageError(err);
          return;
        }
        link.negotiated(params);
        this.params = params;
        this.openReceived = m.open;
        if (this.candidate && this.decideCollision(link === this.link ? this.candidate : link)) return;
        this.dispatch({ type: 'BGPOpen', holdTime: params.holdTime });
        return;
      }
      case 'keepalive':
        this.dispatch(KEEPALIVE_MSG);
        return;
      case 'update':
        this.counters.updatesIn++;
        this.dispatch(UPDATE_MSG);
        if (this.fsm.state === State.ESTABLISHED) this.events.update(this, m.update);
        return;
      case 'route-refresh':
        this.dispatch({ type: 'RouteRefreshMsg' });
        if (this.fsm.state === State.ESTABLISHED) this.events.routeRefresh(this, m.routeRefresh);
        return;
      case 'notification': {
        const text = describeNotification(m.notification);
        this.lastNotification = text;
        this.lastNotice = { sent: false, notification: m.notification };
        const f = logLimit.fields(`${this.config.address}|error`);
        if (f) this.log.warn({ notification: text, code: m.notification.code, subcode: m.notification.subcode, ...f }, 'received NOTIFICATION');
        this.dispatch({ type: 'NotifMsg', reason: `received ${text}` });
        return;
      }
    }
  }

  /** A message received from the peer, on the session or on a racing connection. */
  private countIn(type: number): void {
    this.counters.messagesIn++;
    if (type < 6) this.messagesByType.in[type] = (this.messagesByType.in[type] as number) + 1;
  }

  /** Bytes on the racing inbound connection: only its OPEN matters. */
  private onCandidateData(cand: Link, chunk: Buffer): void {
    // Once promoted (or dropped) the connection's bytes are the session's: attach() reads them.
    if (this.candidate !== cand) return;
    cand.framer.push(chunk);
    let frame;
    try {
      frame = cand.framer.next();
    } catch (err) {
      if (err instanceof BgpError) this.dropCandidate(notificationFromError(err));
      return;
    }
    if (!frame || this.candidate !== cand) return;
    // Counted as received: when this connection wins, its OPEN is the session's.
    this.countIn(frame.type);
    if (cand.params && frame.type === MessageType.NOTIFICATION) {
      // The peer closes this connection itself (it chose the other one in a collision).
      this.log.info({ remote: cand.conn.remoteAddress }, 'connection collision: the peer closed the second connection');
      this.dropCandidate(null);
      return;
    }
    const r = decodeBody(frame.buf, frame.offset, frame.length, frame.type, cand.ctx);
    if (!r.ok || r.value.type !== 'open') {
      this.dropCandidate(r.ok ? { code: ErrorCode.FSM, subcode: 1, data: Buffer.alloc(0) } : notificationFromError(r.error));
      return;
    }
    try {
      cand.params = negotiate(this.local, this.config.asn, r.value.open);
      cand.open = r.value.open;
    } catch (err) {
      if (err instanceof BgpError) this.dropCandidate(notificationFromError(err));
      return;
    }
    cand.negotiated(cand.params);
    this.decideCollision(cand);
  }

  /** The restarted peer's connection (RFC 4724 §4.2) replaces the old session, if still wanted. */
  private adoptRestart(cand: Link): void {
    if (this.candidate !== cand || !cand.params) return;
    if (cand.confirm !== null) this.clock.clearTimer(cand.confirm);
    cand.confirm = null;
    if (!this.fsm.enabled) {
      this.dropCandidate(CEASE_ADMIN_SHUTDOWN);
      return;
    }
    if (this.fsm.state !== State.ESTABLISHED) {
      // The old session went meanwhile.
      this.promoteCandidate(cand);
      return;
    }
    this.log.info({ remote: cand.conn.remoteAddress }, 'OPEN on a new connection while Established: the peer restarted (graceful restart)');
    // The old session ends as if its connection failed (its routes kept as stale), then this one carries on.
    this.abandonOutbound();
    this.dispatch({ type: 'TcpConnectionFails', reason: 'peer restarted (new connection while Established)' });
    this.promoteCandidate(cand);
  }

  /**
   * Both connections may now be compared (the peer's BGP Identifier is known). Returns true when
   * the current connection was replaced by the candidate.
   */
  private decideCollision(cand: Link): boolean {
    const current = this.link;
    const params = cand.params;
    if (!params || this.candidate !== cand) return false;
    const verdict = decideCollision({
      state: this.fsm.state,
      enabled: this.fsm.enabled,
      hasCurrent: current !== null,
      currentInbound: current?.inbound ?? false,
      candidateInbound: cand.inbound,
      candidateRestart: cand.restart,
      localId: this.local.routerId,
      remoteId: params.peerId,
    });
    switch (verdict) {
      case 'refuse':
        this.dropCandidate(CEASE_ADMIN_SHUTDOWN);
        return false;
      case 'await-dial':
        return false;
      case 'promote':
        this.log.info(this.fsm.state === State.CONNECT ? "connection collision: the peer's connection wins before ours is up" : "connection collision: continuing on the peer's connection (ours is gone)");
        this.promoteCandidate(cand);
        return true;
      case 'keep-established':
        // A racing connection from before the session came up, whose OPEN arrived after: taking
        // it for a restart would end a good session for a connection the peer has just closed.
        this.log.info('connection collision: keeping the Established session');
        this.dropCandidate(CEASE_COLLISION);
        return false;
      case 'confirm-restart':
        // RFC 4724 §4.2: an OPEN on a new connection while Established is the restarted peer's,
        // unless it is a collision whose OPEN arrived late (two busy speakers dialling each other):
        // then the peer closes it with a NOTIFICATION at once, or speaks on the session. Wait
        // RESTART_CONFIRM_MS for either; a KEEPALIVE on the old connection makes a restarted peer's
        // host answer with a reset, which ends the wait early. Neither: the peer restarted.
        if (cand.confirm === null && current) {
          this.write(current, encodeKeepalive());
          cand.confirm = this.clock.setTimer(RESTART_CONFIRM_MS, () => this.adoptRestart(cand));
        }
        return false;
      case 'keep-current':
        this.log.info('connection collision: keeping the existing connection');
        this.dropCandidate(CEASE_COLLISION);
        return false;
      case 'switch':
        this.log.info('connection collision: continuing on the new connection');
        this.candidate = null;
        if (current) rejectWith(current.conn, CEASE_COLLISION);
        this.attach(cand);
        // Messages that arrived behind the OPEN on the candidate are processed from its framer.
        this.params = params;
        if (cand.open) this.openReceived = cand.open;
        this.dispatch({ type: 'CollisionWinnerOpen', holdTime: params.holdTime });
        this.onData(cand, EMPTY);
        return true;
    }
  }

  /** Our address on the current connection ('' when none). */
  /** The OPEN we send on this session (the same bytes the session sent: one function makes both). */
  openSent(): Buffer {
    return encodeOpen(localOpen(this.local));
  }

  /** The TCP ports of the session's connection (0 when none). */
  get ports(): { local: number; remote: number } {
    return { local: this.link?.conn.localPort ?? 0, remote: this.link?.conn.remotePort ?? 0 };
  }

  get localAddress(): string {
    return this.link?.conn.localAddress ?? '';
  }

  /** Bytes queued towards the peer and not yet taken by the socket. */
  get pendingBytes(): number {
    return this.link?.conn.pendingBytes ?? 0;
  }

  /** Send encoded messages (UPDATEs from the RIB) on the Established session. */
  sendRaw(bytes: Buffer): void {
    if (this.link && this.fsm.state === State.ESTABLISHED) {
      this.countOut(bytes);
      this.link.conn.write(bytes);
    }
  }

  /** A snapshot for `show neighbors`. */
  status(): { address: string; asn: number; state: State; since: number; lastError: string; lastNotification: string; params: SessionParameters | null } {
    return {
      address: this.config.address,
      asn: this.config.asn,
      state: this.fsm.state,
      since: this.since,
      lastError: this.fsm.lastError,
      lastNotification: this.lastNotification,
      params: this.fsm.state === State.ESTABLISHED ? this.params : null,
    };
  }

  /** Release timers and connections (daemon shutdown after stop()). */
  dispose(): void {
    this.disposed = true;
    this.timers.stopAll();
    this.cancelDial?.();
    this.dropCandidate(null);
    this.link?.conn.end();
    this.link = null;
  }
}

/**
 * A peer that fails and reconnects hundreds of times a second must not write as many log lines:
 * per address, state changes and errors are logged 30 a minute, the rest counted into the next
 * line. Shared by every Peer, since a dynamic neighbour is a new Peer on each connection.
 */
const logLimit = new LogRateLimit(30, 60_000);

const EMPTY = Buffer.alloc(0);
/** The per-message events, shared (events are read, never changed). */
const UPDATE_MSG: FsmEvent = { type: 'UpdateMsg' };
const KEEPALIVE_MSG: FsmEvent = { type: 'KeepAliveMsg' };
const CEASE_COLLISION: NotificationMessage = { code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_COLLISION, data: EMPTY };
const CEASE_ADMIN_SHUTDOWN: NotificationMessage = { code: ErrorCode.CEASE, subcode: CeaseSubcode.ADMIN_SHUTDOWN, data: EMPTY };
