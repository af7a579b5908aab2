/**
 * What a starting wrend learns from its previous run, to tell a restart from a cold start
 * (RFC 4724). A restart is when peers may still hold our routes as stale: then wrend sets the
 * Restart State bit and defers its exports until its table is complete. A cold start (first
 * start, after a reboot, after `wrenc down`) has nothing to protect: routes go out at once, as
 * BIRD and FRR do when not told they are restarting.
 *
 * The record is a small JSON file (gracefulRestart.stateFile; by default next to the control
 * socket, so in /run/wren: it survives a service restart but not a reboot). A running wrend
 * rewrites it when the set of neighbours with graceful-restart sessions changes (at most once
 * per WRITE_DELAY_MS) and touches it every HEARTBEAT_MS, writes it at a SIGTERM restart and
 * removes it at `wrenc down`. The neighbours it lists include dynamic ones (listen range), so a
 * restarted reflector waits for the End-of-RIB of exactly the clients it had, not a timer.
 */
import { promises as fsp, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { every, realClock, type Clock } from '../time/clock.js';

export interface RestartState {
  /** When the previous run last wrote or touched the file (ms since the epoch). */
  savedAt: number;
  /** Neighbours (addresses) that had sessions with graceful restart negotiated. */
  neighbors: string[];
}

export const HEARTBEAT_MS = 10_000;
export const WRITE_DELAY_MS = 1000;
/** A larger file is not ours (100k neighbours of 40 bytes fit). */
export const MAX_STATE_BYTES = 4 * 1048576;

const ADDRESS = /^[0-9a-fA-F.:]{2,45}$/;

/** The record in `text`, or null when it is not one (a torn or foreign file counts as none). */
export function parseRestartState(text: string, savedAt: number): RestartState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { neighbors?: unknown }).neighbors)) return null;
  const neighbors = (raw as { neighbors: unknown[] }).neighbors.filter((n): n is string => typeof n === 'string' && ADDRESS.test(n));
  return { savedAt, neighbors };
}

/**
 * Whether the previous run ended recently enough that peers may still keep its routes: they keep
 * them for the restart time we announced (plus one heartbeat, as the file is touched that often).
 */
export function isRestart(state: RestartState | null, now: number, restartTimeSeconds: number): boolean {
  if (!state) return false;
  const age = now - state.savedAt;
  return age >= -HEARTBEAT_MS && age <= restartTimeSeconds * 1000 + HEARTBEAT_MS;
}

export class RestartStateFile {
  private timer: unknown = null;
  private stopHeartbeat: (() => void) | null = null;
  private written = '';
  private writing = false;
  private stopped = false;

  constructor(
    readonly path: string,
    /** The neighbours to record now. */
    private readonly current: () => string[],
    private readonly onError: (what: string, err: Error) => void,
    private readonly clock: Clock = realClock,
  ) {}

  /** The previous run's record (once, at start), or null. */
  read(): RestartState | null {
    try {
      const st = statSync(this.path);
      if (!st.isFile() || st.size > MAX_STATE_BYTES) return null;
      return parseRestartState(readFileSync(this.path, 'utf8'), st.mtimeMs);
    } catch {
      return null;
    }
  }

  /** Record the current neighbours now and keep the record fresh while running. */
  start(): void {
    this.stopped = false;
    this.schedule();
    this.stopHeartbeat?.();
    this.stopHeartbeat = every(this.clock, HEARTBEAT_MS, () => void this.write(true));
  }

  /** The set may have changed: rewrite soon (changes within WRITE_DELAY_MS share one write). */
  schedule(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = this.clock.setTimer(WRITE_DELAY_MS, () => {
      this.timer = null;
      void this.write(false);
    });
  }

  private text(): string {
    return JSON.stringify({ neighbors: [...new Set(this.current())].sort() });
  }

  private async write(touch: boolean): Promise<void> {
    if (this.writing || this.stopped) return;
    const text = this.text();
    this.writing = true;
    try {
      if (text === this.written && touch) {
        const now = new Date();
        await fsp.utimes(this.path, now, now);
      } else if (text !== this.written) {
        const tmp = `${this.path}.tmp`;
        await fsp.writeFile(tmp, text, { mode: 0o640 });
        await fsp.rename(tmp, this.path);
        this.written = text;
      }
    } catch (err) {
      this.written = '';
      this.onError('cannot write the restart state file', err as Error);
    } finally {
      this.writing = false;
    }
  }

  private halt(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.stopHeartbeat?.();
    this.timer = this.stopHeartbeat = null;
  }

  /** wrend stops for a restart: the record, as it is now, for the next run. */
  stopForRestart(): void {
    this.halt();
    try {
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, this.text(), { mode: 0o640 });
      renameSync(tmp, this.path);
    } catch (err) {
      this.onError('cannot write the restart state file', err as Error);
    }
  }

  /** wrend goes down for good (peers were told with a Cease): the next start is a cold one. */
  remove(): void {
    this.halt();
    rmSync(this.path, { force: true });
    rmSync(`${this.path}.tmp`, { force: true });
  }
}
