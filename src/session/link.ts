/** One TCP connection of a session: its framer, codec context and the OPEN it received (if any). */
import { MessageFramer } from '../wire/framer.js';
import { OPEN_CONTEXT, type CodecContext } from '../wire/context.js';
import { encodeNotification, type NotificationMessage } from '../wire/notification.js';
import type { SessionParameters } from './negotiate.js';
import type { OpenMessage } from '../wire/open.js';
import type { Connection } from './transport.js';

export class Link {
  readonly framer = new MessageFramer(OPEN_CONTEXT);
  ctx: CodecContext = OPEN_CONTEXT;
  params: SessionParameters | null = null;
  /** The OPEN it received, as decoded. */
  open: OpenMessage | null = null;
  /** Our OPEN went out on it (a racing candidate gets one before it may become the session's). */
  openSent = false;
  /** A candidate that arrived while the session was Established: its OPEN may mean the peer restarted. */
  restart = false;
  /** Set while such a candidate's OPEN waits for the old session to prove dead or alive. */
  confirm: unknown = null;
  constructor(readonly conn: Connection, readonly inbound: boolean) {}

  /** The OPEN was accepted: later messages decode with the negotiated context. */
  negotiated(params: SessionParameters): void {
    this.params = params;
    this.ctx = params.codec;
    this.framer.setContext(params.codec);
  }
}

/** Send a NOTIFICATION and close. */
export function rejectWith(conn: Connection, n: NotificationMessage): void {
  conn.write(encodeNotification(n));
  conn.end();
}
