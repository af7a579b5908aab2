import { HEADER_LENGTH } from './constants.js';
import { checkHeader } from './header.js';
import type { CodecContext } from './context.js';

/** One framed message: `buf[offset, offset + length)` holds it, header included. */
export interface Frame {
  buf: Buffer;
  offset: number;
  length: number;
  type: number;
}

/**
 * Splits a TCP byte stream into BGP messages. Knows nothing of sockets: feed it chunks with push()
 * and drain it with next(). A frame's buffer is valid until the next push(); copy what you keep.
 */
export class MessageFramer {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private ctx: CodecContext;
  private readonly frame: Frame = { buf: this.buf, offset: 0, length: 0, type: 0 };

  constructor(ctx: CodecContext) {
    this.ctx = ctx;
  }

  /** Messages after the OPEN exchange are framed with the negotiated limits. */
  setContext(ctx: CodecContext): void {
    this.ctx = ctx;
  }

  /** Bytes received but not yet returned as a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): void {
    if (this.start === this.end) {
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    // A partial message is pending: join it with the new chunk into fresh memory, so that no view
    // of an old socket chunk outlives the message it belonged to.
    const pending = this.end - this.start;
    const joined = Buffer.allocUnsafe(pending + chunk.length);
    this.buf.copy(joined, 0, this.start, this.end);
    chunk.copy(joined, pending);
    this.buf = joined;
    this.start = 0;
    this.end = joined.length;
  }

  /**
   * The next complete message, or null when more bytes are needed. Throws BgpError on a bad
   * header. The returned Frame object is reused by the next call.
   */
  next(): Frame | null {
    const avail = this.end - this.start;
    if (avail < HEADER_LENGTH) {
      this.compact();
      return null;
    }
    const length = checkHeader(this.buf, this.start, this.ctx);
    if (avail < length) {
      this.compact();
      return null;
    }
    const f = this.frame;
    f.buf = this.buf;
    f.offset = this.start;
    f.length = length;
    f.type = this.buf[this.start + 18] as number;
    this.start += length;
    return f;
  }

  /** Copy a small leftover out of a large chunk so the chunk can be freed. */
  private compact(): void {
    const pending = this.end - this.start;
    if (pending === 0) {
      this.buf = EMPTY;
      this.start = this.end = 0;
    } else if (this.start > 0 && this.buf.length > 4 * pending) {
      this.buf = Buffer.from(this.buf.subarray(this.start, this.end));
      this.start = 0;
      this.end = pending;
    }
  }
}

const EMPTY = Buffer.alloc(0);
