/**
 * `mrt.updates`: every UPDATE received, as BGP4MP_MESSAGE_AS4 (the _ADDPATH subtype on ADD-PATH
 * sessions), and every session state change, as BGP4MP_STATE_CHANGE_AS4, appended to a file
 * named by the time (strftime, UTC) and rotated every `interval` seconds. Recording never makes a
 * session wait: records go into a bounded queue that a writer drains; when the queue is full,
 * records are dropped and counted (and the next record written says so in the log).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Clock } from '../time/clock.js';
import { Bgp4mp, MRT_STATE, MrtType, bgp4mpMessage, bgp4mpStateChange, mrtRecord } from './mrt-codec.js';
import { strftimeUtc } from './dumper.js';

export interface UpdateLogOptions {
  path: string;
  /** Seconds per file. */
  interval: number;
  /** Bytes the queue may hold before records are dropped. */
  queueBytes: number;
}

export interface UpdateLogStatus {
  file: string | null;
  records: number;
  bytes: number;
  dropped: number;
  errors: number;
  lastError: string;
}

/** Who a record is about: the peer and our side of the session. */
export interface SessionEnds {
  peerAs: number;
  localAs: number;
  peer: Uint8Array;
  local: Uint8Array;
}

export class UpdateLog {
  readonly status: UpdateLogStatus = { file: null, records: 0, bytes: 0, dropped: 0, errors: 0, lastError: '' };
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private fh: FileHandle | null = null;
  private fileName: string | null = null;
  private closed = false;

  constructor(
    private options: UpdateLogOptions,
    private readonly clock: Clock,
    private readonly onProblem: (message: string) => void,
  ) {}

  reconfigure(o: UpdateLogOptions): void {
    this.options = o;
  }

  /** An UPDATE as received (the whole message, header included). */
  update(ends: SessionEnds, message: Buffer, addPath: boolean): void {
    const body = bgp4mpMessage(ends.peerAs, ends.localAs, ends.peer, ends.local, message);
    this.push(mrtRecord(Math.floor(this.clock.now() / 1000), MrtType.BGP4MP, addPath ? Bgp4mp.MESSAGE_AS4_ADDPATH : Bgp4mp.MESSAGE_AS4, body));
  }

  stateChange(ends: SessionEnds, from: string, to: string): void {
    const body = bgp4mpStateChange(ends.peerAs, ends.localAs, ends.peer, ends.local, MRT_STATE[from] ?? 0, MRT_STATE[to] ?? 0);
    this.push(mrtRecord(Math.floor(this.clock.now() / 1000), MrtType.BGP4MP, Bgp4mp.STATE_CHANGE_AS4, body));
  }

  private push(record: Buffer): void {
    if (this.closed) return;
    if (this.queued + record.length > this.options.queueBytes) {
      if (this.status.dropped++ === 0 || this.status.dropped % 10_000 === 0) this.onProblem(`MRT update queue full (${this.options.queueBytes} bytes): ${this.status.dropped} records dropped so far`);
      return;
    }
    this.queue.push(record);
    this.queued += record.length;
    if (!this.writing) void this.drain();
  }

  /** The file for now: a new one when the period changed. */
  private async target(): Promise<FileHandle> {
    const period = Math.floor(this.clock.now() / 1000 / this.options.interval) * this.options.interval;
    const name = strftimeUtc(this.options.path, new Date(period * 1000));
    if (this.fh && name === this.fileName) return this.fh;
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
    this.fh = await open(name, 'a', 0o640);
    this.fileName = name;
    this.status.file = name;
    return this.fh;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = Buffer.concat(this.queue, this.queued);
        const n = this.queue.length;
        this.queue = [];
        this.queued = 0;
        try {
          const fh = await this.target();
          await fh.write(batch);
          this.status.records += n;
          this.status.bytes += batch.length;
        } catch (err) {
          this.status.errors++;
          this.status.dropped += n;
          this.status.lastError = `${this.fileName ?? this.options.path}: ${(err as Error).message}`;
          if (this.status.errors === 1 || this.status.errors % 100 === 0) this.onProblem(`MRT update log: ${this.status.lastError} (${n} records lost)`);
          await this.fh?.close().catch(() => undefined);
          this.fh = null;
          this.fileName = null;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** Write what is queued, then close the file. */
  async close(): Promise<void> {
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    if (this.queue.length) await this.drain();
    this.closed = true;
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
  }
}
