/**
 * The BFD sessions of one daemon: finds the session each packet is for, runs its state machine
 * (session.ts) and its two timers (periodic transmission, detection), and reports state changes.
 * Sockets and time are ports, so tests drive it with a fake clock and in-memory packets; in
 * wrend it runs in the BFD worker (worker.ts), away from the main event loop.
 */
import type { Clock } from '../time/clock.js';
import { authSectionLength, signBfd } from './auth.js';
import type { BfdCounters, SessionSpec, SessionStatus, StateChange } from './messages.js';
import { BfdState, decodeBfd, diagName, Diag, encodeBfd, STATE_NAMES } from './packet.js';
import { detectionTime, jitter, newSession, outgoing, step, transmitInterval, type BfdAction, type BfdParams, type BfdSession } from './session.js';

export interface EnginePorts {
  clock: Clock;
  send(peer: string, multihop: boolean, local: string, bytes: Buffer): void;
  /** Uniform in [0, 1). */
  random(): number;
  stateChange(change: StateChange): void;
}

interface Running {
  spec: SessionSpec;
  s: BfdSession;
  txTimer: unknown;
  detectTimer: unknown;
  /** The Detection Time last armed (ms), kept for the second silent period. */
  lastDetect: number;
  lastPeriodic: number;
  maxTxGap: number;
  xmitSeq: number;
  since: number;
  lastDiag: number;
  flaps: number;
  packetsIn: number;
  packetsOut: number;
  dropped: number;
  lastError: string;
}

const us = (ms: number) => Math.round(ms * 1000);
const ms = (us: number) => us / 1000;

function paramsOf(spec: SessionSpec): BfdParams {
  return { minTx: us(spec.minTx), minRx: us(spec.minRx), multiplier: spec.multiplier, auth: spec.auth };
}

export class BfdEngine {
  private readonly sessions = new Map<string, Running>();
  private readonly byDiscr = new Map<number, Running>();
  private readonly bySource = new Map<string, Running>();
  readonly counters: BfdCounters = { dropped: {}, kernelDropped: 0, packetsIn: 0 };

  constructor(private readonly ports: EnginePorts) {}

  /** The wanted sessions: new ones start, changed ones renegotiate, missing ones say AdminDown and go. */
  configure(specs: readonly SessionSpec[]): void {
    const wanted = new Set(specs.map((s) => s.key));
    for (const [key, r] of this.sessions) if (!wanted.has(key)) this.remove(key, r);
    for (const spec of specs) {
      const r = this.sessions.get(spec.key);
      if (!r) this.add(spec);
      else if (JSON.stringify(r.spec) !== JSON.stringify(spec)) {
        const moved = r.spec.peer !== spec.peer || r.spec.local !== spec.local || r.spec.multihop !== spec.multihop;
        if (moved) {
          this.remove(spec.key, r);
          this.add(spec);
        } else {
          r.spec = spec;
          this.apply(r, step(r.s, { type: 'configure', params: paramsOf(spec) }));
        }
      }
    }
  }

  private discriminator(): number {
    for (;;) {
      const d = (Math.floor(this.ports.random() * 0xffffffff) >>> 0) || 1;
      if (!this.byDiscr.has(d)) return d;
    }
  }

  private add(spec: SessionSpec): void {
    const discr = this.discriminator();
    const r: Running = {
      spec,
      s: newSession(paramsOf(spec), discr),
      txTimer: null,
      detectTimer: null,
      lastDetect: 0,
      lastPeriodic: -1,
      maxTxGap: 0,
      xmitSeq: Math.floor(this.ports.random() * 0xffffffff) >>> 0,
      since: this.ports.clock.now(),
      lastDiag: Diag.NONE,
      flaps: 0,
      packetsIn: 0,
      packetsOut: 0,
      dropped: 0,
      lastError: '',
    };
    this.sessions.set(spec.key, r);
    this.byDiscr.set(discr, r);
    this.bySource.set(sourceKey(spec.peer, spec.multihop), r);
    this.transmit(r, false);
    this.scheduleTx(r);
  }

  private remove(key: string, r: Running): void {
    const clock = this.ports.clock;
    clock.clearTimer(r.txTimer);
    clock.clearTimer(r.detectTimer);
    // Tell the peer we went on purpose (RFC 5882 §3.2: its clients must not act on AdminDown).
    if (r.s.state !== BfdState.DOWN || r.s.remoteDiscr !== 0) {
      r.s = step(r.s, { type: 'admin-down' }).session;
      this.transmit(r, false);
    }
    this.sessions.delete(key);
    this.byDiscr.delete(r.s.localDiscr);
    if (this.bySource.get(sourceKey(r.spec.peer, r.spec.multihop)) === r) this.bySource.delete(sourceKey(r.spec.peer, r.spec.multihop));
  }

  /** Stop every session (the daemon is going): AdminDown to each peer. */
  shutdown(): void {
    for (const [key, r] of [...this.sessions]) this.remove(key, r);
  }

  private drop(reason: string): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
  }

  /** A UDP payload from `from` on the single-hop or multihop port. */
  receive(bytes: Buffer, from: string, multihop: boolean): void {
    this.counters.packetsIn++;
    const p = decodeBfd(bytes);
    if (typeof p === 'string') return this.drop(p);
    let r: Running | undefined;
    if (p.yourDiscr !== 0) {
      r = this.byDiscr.get(p.yourDiscr);
      if (!r) return this.drop('unknown-discriminator');
      if (r.spec.peer !== from || r.spec.multihop !== multihop) return this.drop('wrong-source');
    } else {
      r = this.bySource.get(sourceKey(from, multihop));
      if (!r) return this.drop('no-session');
    }
    const result = step(r.s, { type: 'packet', packet: p, bytes });
    if (result.actions.some((a) => a.type === 'discard')) {
      r.dropped++;
      this.apply(r, result);
      return;
    }
    r.packetsIn++;
    this.apply(r, result);
    this.armDetect(r, ms(detectionTime(r.s)));
  }

  private apply(r: Running, result: { session: BfdSession; actions: BfdAction[] }): void {
    const before = r.s;
    r.s = result.session;
    let sendNow = false;
    for (const a of result.actions) {
      switch (a.type) {
        case 'state-change': {
          r.since = this.ports.clock.now();
          if (a.from === BfdState.UP) r.flaps++;
          if (a.to !== BfdState.UP) r.lastDiag = a.diag;
          const remoteAdminDown = r.s.remoteState === BfdState.ADMIN_DOWN && a.diag === Diag.NEIGHBOR_DOWN;
          this.ports.stateChange({
            key: r.spec.key,
            peer: r.spec.peer,
            from: STATE_NAMES[a.from],
            to: STATE_NAMES[a.to],
            diag: a.diag,
            reason: remoteAdminDown ? 'the peer took the session administratively down' : diagName(a.diag),
            remoteCpi: r.s.remoteCpi,
            remoteAdminDown,
          });
          break;
        }
        case 'send-final':
          this.transmit(r, true);
          break;
        case 'send-now':
          sendNow = true;
          break;
        case 'discard':
          this.drop(a.reason);
          r.lastError = a.reason === 'demand' ? 'the peer asks for demand mode, which wren does not run' : `packet dropped: ${a.reason}`;
          break;
      }
    }
    if (sendNow) this.transmit(r, false);
    if (transmitInterval(before) !== transmitInterval(r.s) || before.params.multiplier !== r.s.params.multiplier || before.state !== r.s.state) {
      // The gap is measured between packets of one schedule only.
      r.lastPeriodic = -1;
      this.scheduleTx(r);
    }
  }

  private transmit(r: Running, final: boolean): void {
    const auth = r.s.params.auth;
    const out = Buffer.alloc(24 + (auth ? authSectionLength(auth) : 0));
    const len = encodeBfd(outgoing(r.s, final), out, auth ? authSectionLength(auth) : 0);
    if (auth) {
      r.xmitSeq = (r.xmitSeq + 1) >>> 0;
      signBfd(out, len, auth, r.xmitSeq);
    }
    r.packetsOut++;
    this.ports.send(r.spec.peer, r.spec.multihop, r.spec.local, out);
  }

  /** Our periodic packets at the negotiated interval, jittered (§6.8.7). */
  private scheduleTx(r: Running): void {
    const clock = this.ports.clock;
    clock.clearTimer(r.txTimer);
    r.txTimer = null;
    const interval = transmitInterval(r.s);
    if (interval === 0) return;
    const delay = ms(jitter(interval, r.s.params.multiplier, this.ports.random()));
    r.txTimer = clock.setTimer(delay, () => {
      const now = clock.now();
      if (r.lastPeriodic >= 0 && r.s.state === BfdState.UP) r.maxTxGap = Math.max(r.maxTxGap, now - r.lastPeriodic);
      r.lastPeriodic = now;
      this.transmit(r, false);
      this.scheduleTx(r);
    });
  }

  private armDetect(r: Running, detectMs: number): void {
    const clock = this.ports.clock;
    clock.clearTimer(r.detectTimer);
    r.detectTimer = null;
    if (detectMs <= 0) return;
    r.lastDetect = detectMs;
    r.detectTimer = clock.setTimer(detectMs, () => {
      r.detectTimer = null;
      this.apply(r, step(r.s, { type: 'detect-expired' }));
      // The second silent period forgets the peer's sequence number (§6.8.1).
      if (r.s.silent < 2) this.armDetect(r, r.lastDetect);
    });
  }

  status(): SessionStatus[] {
    return [...this.sessions.values()].map((r) => {
      const s = r.s;
      return {
        key: r.spec.key,
        peer: r.spec.peer,
        local: r.spec.local,
        multihop: r.spec.multihop,
        state: STATE_NAMES[s.state],
        remoteState: STATE_NAMES[s.remoteState],
        localDiscr: s.localDiscr,
        remoteDiscr: s.remoteDiscr,
        lastDiag: diagName(r.lastDiag),
        remoteDiag: diagName(s.remoteDiag),
        minTx: r.spec.minTx,
        minRx: r.spec.minRx,
        multiplier: r.spec.multiplier,
        txInterval: ms(transmitInterval(s)),
        remoteMinRx: ms(s.remoteMinRx),
        remoteMinTx: ms(s.remoteDesiredMinTx),
        remoteMultiplier: s.remoteDetectMult,
        detectionTime: ms(detectionTime(s)),
        authenticated: s.params.auth !== null,
        since: r.since,
        flaps: r.flaps,
        packetsIn: r.packetsIn,
        packetsOut: r.packetsOut,
        dropped: r.dropped,
        maxTxGap: r.maxTxGap,
        lastError: r.lastError,
      };
    });
  }
}

function sourceKey(peer: string, multihop: boolean): string {
  return `${multihop ? 'm' : 's'}|${peer}`;
}
