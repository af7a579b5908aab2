/**
 * The main thread's side of BFD: starts the worker (worker.ts) when the first session is wanted
 * and stops it when the last goes, hands it the wanted sessions, and turns its messages into
 * state changes and status answers. Should the worker die, every session it ran is reported down
 * and a new worker takes over after a second.
 */
import { Worker } from 'node:worker_threads';
import type { BfdCounters, FromWorker, SessionSpec, SessionStatus, StateChange, ToWorker } from './messages.js';

export interface BfdServiceEvents {
  stateChange(change: StateChange): void;
  /** A problem in the worker (a socket that cannot be bound, a send error), to be logged. */
  problem(message: string): void;
}

export interface BfdSnapshot {
  sessions: SessionStatus[];
  counters: BfdCounters;
}

const STATUS_TIMEOUT_MS = 2000;
const RESTART_DELAY_MS = 1000;

/**
 * The worker's heap: 64 MB of old generation, and a 6 MB young generation, which V8 splits into
 * two 2 MB semi-spaces and a new large-object space: the size --max-semi-space-size=2 gives the
 * main thread. A worker's heap is made when it starts, after wrend has put that flag back to its
 * default (daemon/node-flags.ts), so it must be given here.
 */
export const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 6 } as const;

export class BfdService {
  private worker: Worker | null = null;
  private specs: SessionSpec[] = [];
  private readonly states = new Map<string, string>();
  private nextId = 1;
  private readonly waiting = new Map<number, (s: BfdSnapshot) => void>();
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;

  // '../bfd/': the same file from this module's directory and from the bundle's (dist/src/bundle,
  // where this code runs after `npm run build`); the worker itself always runs from its modules.
  constructor(private readonly events: BfdServiceEvents, private readonly workerUrl = new URL('../bfd/worker.js', import.meta.url)) {}

  /** The sessions wanted now; none stops the worker. */
  configure(specs: SessionSpec[]): void {
    this.specs = specs;
    const keys = new Set(specs.map((s) => s.key));
    for (const k of [...this.states.keys()]) if (!keys.has(k)) this.states.delete(k);
    if (specs.length === 0) {
      this.stopWorker();
      return;
    }
    if (!this.worker && !this.restartTimer) this.startWorker();
    this.post({ type: 'configure', sessions: specs });
  }

  /** A session's state as last reported ('Down' until the worker says otherwise). */
  state(key: string): string {
    return this.states.get(key) ?? 'Down';
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Every session's status, from the worker. */
  snapshot(): Promise<BfdSnapshot> {
    if (!this.worker) return Promise.resolve({ sessions: [], counters: { dropped: {}, kernelDropped: 0, packetsIn: 0 } });
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the BFD worker did not answer'));
      }, STATUS_TIMEOUT_MS);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.post({ type: 'status', id });
    });
  }

  private post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private startWorker(): void {
    const w = new Worker(this.workerUrl, { resourceLimits: WORKER_LIMITS });
    this.worker = w;
    w.unref();
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (err) => this.events.problem(`BFD worker failed: ${err.message}`));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      if (this.stopping || this.specs.length === 0) return;
      this.events.problem(`BFD worker exited (code ${code}); restarting it`);
      // Its sessions are gone: what was Up is down now.
      for (const spec of this.specs) this.report({ key: spec.key, peer: spec.peer, from: this.state(spec.key), to: 'Down', diag: 0, reason: 'BFD worker stopped', remoteCpi: false, remoteAdminDown: false });
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.specs.length === 0 || this.stopping) return;
        this.startWorker();
        this.post({ type: 'configure', sessions: this.specs });
      }, RESTART_DELAY_MS);
      this.restartTimer.unref();
    });
  }

  private report(change: StateChange): void {
    if (change.from === change.to) return;
    this.states.set(change.key, change.to);
    this.events.stateChange(change);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'state':
        this.report(m.change);
        return;
      case 'status':
        this.waiting.get(m.id)?.({ sessions: m.sessions, counters: m.counters });
        this.waiting.delete(m.id);
        return;
      case 'error':
        this.events.problem(m.message);
        return;
      case 'ready':
        return;
    }
  }

  private stopWorker(): void {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    w.postMessage({ type: 'stop' } satisfies ToWorker);
    // The worker closes itself after sending AdminDown; terminate if it does not.
    const t = setTimeout(() => void w.terminate(), 500);
    t.unref();
    w.once('exit', () => clearTimeout(t));
  }

  /** The daemon is going: AdminDown to every peer, then the worker ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const w = this.worker;
    if (!w) return;
    const gone = new Promise<void>((r) => w.once('exit', () => r()));
    this.stopWorker();
    await gone;
  }
}
