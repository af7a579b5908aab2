/**
 * Start-up: a restart or a cold start (restart-state.ts), and on a restart the deferral of
 * exports (RFC 4724 restarting speaker) until End-of-RIB from every neighbour that had a
 * graceful-restart session with the previous run or is configured, minus those that cannot send
 * one (failed, no graceful restart, restarting themselves), or gracefulRestart.deferralTime.
 */
import type { Logger } from 'pino';
import type { Peer } from '../session/peer.js';
import { State } from '../session/fsm.js';
import type { Config } from '../config/load.js';
import type { Clock } from '../time/clock.js';
import { Convergence } from './convergence.js';
import { RestartStateFile, isRestart } from './restart-state.js';
import type { Routing } from './routing.js';

export interface StartupDeps {
  config(): Config;
  peers(): ReadonlyMap<string, Peer>;
  /** Where to keep the restart record when gracefulRestart.stateFile is not set (the control socket's path). */
  socketPath: string | null;
  clock: Clock;
  log: Logger;
  /** The table is complete after a restart: OPENs from now on go without the Restart State bit. */
  onTableComplete(): void;
}

/** NOTIFICATION error code 2 (RFC 4271 4.5). */
const OPEN_MESSAGE_ERROR = 2;
/** Failures after an OPEN before a neighbour is no longer waited for at start-up. */
const OPEN_FAILURES_GONE = 3;

export class Startup {
  /**
   * True from a restart until the table is complete: our OPENs carry the Restart State bit
   * (RFC 4724), telling peers that keep our routes not to wait for our End-of-RIB.
   */
  restarting = false;
  /** While restarting: the neighbours the previous run had, still recorded until the table is complete. */
  private previousNeighbors: string[] = [];
  readonly restartFile: RestartStateFile | null;
  /** Exports wait for it (restart only). */
  exportConvergence: Convergence | null = null;

  constructor(private readonly deps: StartupDeps) {
    this.restartFile = this.stateFile();
  }

  private stateFile(): RestartStateFile | null {
    const c = this.deps.config().gracefulRestart;
    const path = c.stateFile ?? (this.deps.socketPath ? this.deps.socketPath.replace(/(\.sock)?$/, '.state') : null);
    if (!path) return null;
    return new RestartStateFile(
      path,
      () => {
        const out = this.restarting ? [...this.previousNeighbors] : [];
        for (const [address, p] of this.deps.peers()) if (p.state === State.ESTABLISHED && p.params?.gracefulRestartFamilies) out.push(address);
        return out;
      },
      (what, err) => this.deps.log.warn({ file: path, error: err.message }, what),
      this.deps.clock,
    );
  }

  /** Read the previous run's record: a restart defers exports, anything else is a cold start. */
  decide(routing: Routing): void {
    const config = this.deps.config();
    const previous = this.restartFile?.read() ?? null;
    // The longest restart time any neighbour was told bounds how long ago a run may have ended.
    const restartTime = Math.max(config.gracefulRestart.restartTime, ...config.neighbors.map((n) => n.restartTime ?? 0));
    if (config.gracefulRestart.enabled && previous && isRestart(previous, Date.now(), restartTime)) {
      this.deferExports(routing, previous.neighbors);
    } else {
      this.deps.log.info({ stateFile: this.restartFile?.path ?? null }, 'cold start: no recent run to recover from, routes are sent at once');
    }
  }

  private deferExports(routing: Routing, previous: string[]): void {
    const config = this.deps.config();
    this.restarting = true;
    this.previousNeighbors = previous;
    routing.deferExports();
    const expected = new Set([...config.neighbors.map((n) => n.address), ...previous]);
    const c = new Convergence(
      expected,
      (why) => {
        this.restarting = false;
        this.previousNeighbors = [];
        this.deps.log.info({ why }, 'startup: table complete, exporting');
        routing.endDeferral();
        this.deps.onTableComplete();
        this.restartFile?.schedule();
      },
      this.deps.clock,
    );
    this.deps.log.info({ waitFor: expected.size, deferralTime: config.gracefulRestart.deferralTime }, 'restart: exports wait for End-of-RIB from the neighbors of the previous run');
    this.exportConvergence = c;
    routing.endOfRibListeners.push((address) => c.endOfRib(address));
  }

  /** Sessions are starting: the deferral's clock runs, and the restart record is kept from now on. */
  start(): void {
    this.exportConvergence?.start(this.deps.config().gracefulRestart.deferralTime);
    this.watchFirstAttempts();
    this.restartFile?.start();
  }

  /**
   * A neighbour that has no session under way one connect-retry time (plus a second) after start
   * is not waited for: an absent host must not hold back the exports to the others.
   */
  private watchFirstAttempts(): void {
    const c = this.exportConvergence;
    if (!c) return;
    for (const [address, peer] of this.deps.peers()) {
      this.deps.clock.setTimer((peer.config.fsm.connectRetryTime + 1) * 1000, () => {
        if (peer.state !== State.OPEN_SENT && peer.state !== State.OPEN_CONFIRM && peer.state !== State.ESTABLISHED) c.gone(address);
      });
    }
  }

  stateChange(peer: Peer, from: State, to: State): void {
    const address = peer.config.address;
    // A failed attempt or an ended session: no End-of-RIB to wait for from this neighbour, unless
    // it spoke BGP and closed for a reason a retry gets past (see settledFailure).
    if (from !== State.IDLE && (to === State.ACTIVE || to === State.IDLE) && this.settledFailure(peer, from)) this.exportConvergence?.gone(address);
    // RFC 4724 4.1: not waited for either when it has no graceful restart or is restarting itself.
    const gr = peer.params?.peerGracefulRestart;
    if (to === State.ESTABLISHED && (!gr || gr.restarting)) this.exportConvergence?.gone(address);
    if (to === State.ESTABLISHED || from === State.ESTABLISHED) this.restartFile?.schedule();
  }

  /**
   * Whether a failed attempt means the neighbour will not send End-of-RIB soon. A connection that
   * failed (refused, unreachable, reset before an OPEN) does. A neighbour that got as far as OPEN
   * and then closed may be one still tearing down our previous run's session (a peer that has not
   * yet seen our previous session go may reject or reset the new one): it is retried,
   * and waited for until its third such failure, or at once when it refused our OPEN (an OPEN
   * Message Error: a retry brings the same), and always within the deferral time.
   */
  private settledFailure(peer: Peer, from: State): boolean {
    if (from !== State.OPEN_SENT && from !== State.OPEN_CONFIRM && from !== State.ESTABLISHED) return true;
    const n = peer.lastNotice;
    if (n && !n.sent && n.notification.code === OPEN_MESSAGE_ERROR) return true;
    const address = peer.config.address;
    const failures = (this.openFailures.get(address) ?? 0) + 1;
    this.openFailures.set(address, failures);
    return failures >= OPEN_FAILURES_GONE;
  }

  private readonly openFailures = new Map<string, number>();

  /** wrend stops: a restart keeps the record for the next run, `down` removes it (the next start is cold). */
  stop(mode: 'restart' | 'down'): void {
    if (mode === 'restart') this.restartFile?.stopForRestart();
    else this.restartFile?.remove();
    this.exportConvergence?.stop();
  }
}
