/**
 * `monitor`: a stream of session state changes and best-route changes as they happen. The daemon
 * never waits for the client: events go into a bounded queue (route changes coalesced per
 * prefix); a client that falls more than MAX_PENDING behind gets a last `overflow` row and the
 * stream ends, and it can monitor again.
 */
import { Family } from '../wire/constants.js';
import { addressToString, primaryNextHop } from '../wire/address.js';
import type { ControlServer } from './server.js';
import type { ControlHost } from './host.js';
import { isoString } from '../time/iso-time.js';

/** Events (sessions, plus distinct prefixes changed) one client may have waiting. */
export const MAX_PENDING = 20_000;

interface SessionEvent {
  event: 'session';
  time: string;
  peer: string;
  from: string;
  to: string;
  reason: string;
}

export function registerMonitorCommands(server: ControlServer, host: ControlHost): void {
  server.on('monitor', async (req, out) => {
    const rib = host.rib();
    const sessions: SessionEvent[] = [];
    // Changed prefixes by slot (family in the low bit), with the prefix as it was when it changed.
    const routes = new Map<number, string>();
    let overflow = false;
    let wake: (() => void) | null = null;
    const kick = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const full = () => sessions.length + routes.size >= MAX_PENDING;
    const offSessions = host.onSessionChange((peer, from, to, reason) => {
      if (full()) overflow = true;
      else sessions.push({ event: 'session', time: isoString(Date.now()), peer, from, to, reason });
      kick();
    });
    const wantRoutes = req.args?.sessions !== true;
    const offRoutes = rib && wantRoutes
      ? rib.onChange((f, s) => {
          const key = s * 2 + f;
          if (routes.has(key)) return;
          if (full()) overflow = true;
          else routes.set(key, rib.prefixText(f, s));
          kick();
        })
      : () => undefined;
    let closed = false;
    out.onClose(() => {
      closed = true;
      kick();
    });
    try {
      await out.row({ event: 'monitoring', time: isoString(Date.now()), routes: wantRoutes });
      while (!closed && !out.closed && !overflow) {
        if (sessions.length === 0 && routes.size === 0) {
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        for (const e of sessions.splice(0)) await out.row(e);
        const batch = [...routes];
        routes.clear();
        for (const [key, prefix] of batch) {
          const f = (key & 1) as Family;
          const s = key >>> 1;
          const now = rib && rib.isPrefix(f, s) && rib.prefixText(f, s) === prefix ? rib.best(f, s) : -1;
          if (!rib || now < 0) {
            await out.row({ event: 'route', time: isoString(Date.now()), prefix, best: null });
            continue;
          }
          const a = rib.attrs(now);
          const src = rib.source(now);
          await out.row({
            event: 'route',
            time: isoString(Date.now()),
            prefix,
            best: {
              nextHop: a.nextHop.length === 0 ? 'self' : addressToString(primaryNextHop(a.nextHop)),
              from: src.address,
              asPath: a.asPath.map((seg) => seg.asns.join(' ')).join(' '),
            },
          });
        }
      }
      if (overflow && !out.closed) await out.row({ event: 'overflow', time: isoString(Date.now()), message: `more than ${MAX_PENDING} changes were waiting for this client; the stream ends (monitor again)` });
      if (!out.closed) out.done();
    } finally {
      offSessions();
      offRoutes();
    }
  });
}
