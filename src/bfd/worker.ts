/**
 * The BFD worker thread: its own event loop, sockets and timers, so that BFD's timing does not
 * depend on the main thread, which can be busy for tens of milliseconds with a large UPDATE burst
 * or a FIB flush. It talks to the main thread only through the messages of messages.ts.
 */
import { parentPort } from 'node:worker_threads';
import { realClock } from '../time/clock.js';
import { BfdEngine } from './engine.js';
import type { FromWorker, ToWorker } from './messages.js';
import { BfdUdp } from './udp.js';

const port = parentPort;
if (!port) throw new Error('bfd/worker.js runs as a worker thread');
const post = (m: FromWorker) => port.postMessage(m);

// Socket errors (a send to an unreachable peer while a link is down) repeat every interval: each
// distinct message is reported once a minute at most.
const reported = new Map<string, number>();
function report(message: string): void {
  const now = Date.now();
  const last = reported.get(message);
  if (last !== undefined && now - last < 60_000) return;
  if (reported.size > 256) reported.clear();
  reported.set(message, now);
  post({ type: 'error', message });
}

const udp = new BfdUdp({
  packet: (bytes, from, multihop) => engine.receive(bytes, from.startsWith('::ffff:') ? from.slice(7) : from, multihop),
  error: (what, err) => report(`${what}: ${err.message}`),
});
const engine = new BfdEngine({
  clock: realClock,
  send: (peer, multihop, local, bytes) => udp.send(peer, multihop, local, bytes),
  random: Math.random,
  stateChange: (change) => post({ type: 'state', change }),
});

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'configure':
      for (const s of m.sessions) {
        udp.listen(s.peer.includes(':') ? 6 : 4, s.multihop).catch((err: Error) => report(`cannot receive BFD packets (${s.multihop ? 'multihop' : 'single-hop'}, IPv${s.peer.includes(':') ? 6 : 4}): ${err.message}`));
      }
      engine.configure(m.sessions);
      return;
    case 'status':
      engine.counters.kernelDropped = udp.kernelDrops();
      post({ type: 'status', id: m.id, sessions: engine.status(), counters: engine.counters });
      return;
    case 'stop':
      engine.shutdown();
      // The AdminDown packets are queued on the sockets; close once they are out.
      setTimeout(() => {
        udp.close();
        port.close();
      }, 50);
      return;
  }
});
post({ type: 'ready' });
