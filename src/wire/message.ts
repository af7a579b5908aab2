import { HEADER_LENGTH, MessageType } from './constants.js';
import { decodeSafely, type Decoded } from './errors.js';
import { checkHeader } from './header.js';
import { headerError } from './errors.js';
import { HeaderSubcode } from './constants.js';
import { decodeOpen, encodeOpen, type OpenMessage } from './open.js';
import { decodeUpdate, encodeUpdate, scanUpdate, type UpdateMessage } from './update.js';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification.js';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.js';
import { encodeKeepalive } from './keepalive.js';
import type { CodecContext } from './context.js';

export type Message =
  | { type: 'open'; open: OpenMessage }
  | { type: 'update'; update: UpdateMessage }
  | { type: 'notification'; notification: NotificationMessage }
  | { type: 'keepalive' }
  | { type: 'route-refresh'; routeRefresh: RouteRefreshMessage };

/**
 * Decode the message that starts at `off` (header included) and is known to be complete, e.g. a
 * Frame from MessageFramer. Returns data or a typed error; never throws on malformed input.
 */
export function decodeBody(buf: Buffer, off: number, length: number, type: number, ctx: CodecContext, lazyUpdates = false): Decoded<Message> {
  return decodeSafely((): Message => {
    const end = off + length;
    switch (type) {
      case MessageType.OPEN:
        return { type: 'open', open: decodeOpen(buf, off, end) };
      case MessageType.UPDATE:
        // Lazy: only what locates the NLRI; the RIB decodes attributes when its intern table misses.
        return { type: 'update', update: lazyUpdates ? scanUpdate(buf, off, end, ctx) : decodeUpdate(buf, off, end, ctx) };
      case MessageType.NOTIFICATION:
        return { type: 'notification', notification: decodeNotification(buf, off, end) };
      case MessageType.KEEPALIVE:
        return { type: 'keepalive' };
      case MessageType.ROUTE_REFRESH:
        return { type: 'route-refresh', routeRefresh: decodeRouteRefresh(buf, off, end) };
      default:
        throw headerError('header.type', `unknown message type ${type}`, HeaderSubcode.BAD_MESSAGE_TYPE, Buffer.from([type]));
    }
  });
}

/** Decode one whole message at `off` in `buf`: header checks, then the body. */
export function decodeMessage(buf: Buffer, off: number, ctx: CodecContext): Decoded<Message> {
  const head = decodeSafely(() => {
    if (buf.length - off < HEADER_LENGTH) {
      throw headerError('header.length', `${buf.length - off} bytes is shorter than a header`, HeaderSubcode.BAD_MESSAGE_LENGTH);
    }
    const length = checkHeader(buf, off, ctx);
    if (buf.length - off < length) {
      throw headerError('header.length', `message of ${length} bytes truncated to ${buf.length - off}`, HeaderSubcode.BAD_MESSAGE_LENGTH);
    }
    return length;
  });
  if (!head.ok) return head;
  return decodeBody(buf, off, head.value, buf[off + 18] as number, ctx);
}

export function encodeMessage(msg: Message, ctx: CodecContext): Buffer {
  switch (msg.type) {
    case 'open':
      return encodeOpen(msg.open);
    case 'update': {
      const u = msg.update;
      return encodeUpdate({ withdrawn: u.withdrawn, nlri: u.nlri, attributes: u.attributes ?? [] }, ctx);
    }
    case 'notification':
      return encodeNotification(msg.notification);
    case 'keepalive':
      return encodeKeepalive();
    case 'route-refresh':
      return encodeRouteRefresh(msg.routeRefresh);
  }
}
