/**
 * Reading a session's connection: frame and decode what arrived, each message handed to the
 * sink in order. At most UPDATE_BYTES of UPDATEs, and no more than TURN_MS of work, are handled
 * per event-loop turn: then reading pauses and the rest waits in the framer, so timers (our
 * keepalives), other peers and control requests (health probes) run in between, however big the
 * table and however cold the JIT.
 */
import { decodeBody, type Message } from '../wire/message.js';
import { MessageType } from '../wire/constants.js';
import { BgpError } from '../wire/errors.js';
import { scanUpdate, UpdateScratch, type UpdateMessage } from '../wire/update.js';
import type { Clock } from '../time/clock.js';
import type { Link } from './link.js';

/**
 * Bytes of UPDATEs handled from one peer per event-loop turn: a few thousand prefixes, whether they
 * come 500 to an UPDATE (one attribute set) or 5 (a real table's diversity). A count of UPDATEs (8,
 * before) cut a diverse feed into turns of 40 prefixes, each paying a turn's fixed costs.
 */
export const UPDATE_BYTES = 32_768;
/** Milliseconds of UPDATE handling per peer per event-loop turn. */
export const TURN_MS = 4;
const EMPTY = Buffer.alloc(0);

export interface ReaderSink {
  /** Whether `link` is still the session's connection (reading stops when it is not). */
  isCurrent(link: Link): boolean;
  /** A whole message was framed (before it is decoded): counters, liveness. */
  framed(type: number): void;
  message(link: Link, m: Message): void;
  /** A framing or decoding error (a BgpError: the NOTIFICATION follows from it). */
  error(err: unknown): void;
}

/**
 * A session's reader hands UPDATEs to the sink one at a time and the sink is done with each before
 * the next is read (route history and BMP copy what they keep): so the message object, its spans
 * and the Message around it are the same objects from one UPDATE to the next.
 */
export class SessionReader {
  /** Set while reading waits for the next event-loop turn. */
  private yielding = false;
  private readonly scratch = new UpdateScratch();
  /** An UPDATE in the scratch is being handled: one read meanwhile (re-entered) scans into objects of its own. */
  private handling = false;
  private updateMessage: { type: 'update'; update: UpdateMessage } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly sink: ReaderSink,
  ) {}

  /** Bytes arrived on `link` (or, with an empty chunk, go on with what the framer holds). */
  read(link: Link, chunk: Buffer): void {
    if (chunk.length > 0) link.framer.push(chunk);
    if (this.yielding) return;
    let updates = 0;
    let bytes = 0;
    const deadline = performance.now() + TURN_MS;
    for (;;) {
      if (!this.sink.isCurrent(link)) return;
      if ((bytes >= UPDATE_BYTES || (updates > 0 && (updates & 7) === 0 && performance.now() > deadline)) && link.framer.buffered >= 19) {
        this.yielding = true;
        link.conn.pause();
        this.clock.defer(() => {
          this.yielding = false;
          link.conn.resume();
          this.read(link, EMPTY);
        });
        return;
      }
      let frame;
      try {
        frame = link.framer.next();
      } catch (err) {
        this.sink.error(err);
        return;
      }
      if (!frame) return;
      this.sink.framed(frame.type);
      if (frame.type === MessageType.UPDATE) {
        updates++;
        bytes += frame.length;
      }
      if (frame.type === MessageType.UPDATE) {
        const scratch = this.handling ? null : this.scratch;
        let update: UpdateMessage;
        try {
          update = scanUpdate(frame.buf, frame.offset, frame.offset + frame.length, link.ctx, scratch);
        } catch (err) {
          if (!(err instanceof BgpError)) throw err;
          this.sink.error(err);
          return;
        }
        if (!scratch) {
          this.sink.message(link, { type: 'update', update });
          continue;
        }
        let m = this.updateMessage;
        if (m) m.update = update;
        else m = this.updateMessage = { type: 'update', update };
        this.handling = true;
        try {
          this.sink.message(link, m);
        } finally {
          this.handling = false;
          scratch.release();
        }
        continue;
      }
      const r = decodeBody(frame.buf, frame.offset, frame.length, frame.type, link.ctx);
      if (!r.ok) {
        this.sink.error(r.error);
        return;
      }
      this.sink.message(link, r.value);
    }
  }
}
