/**
 * Shortened soak runs (the full ones: npm run soak:fuzz / soak:flap / soak:slow):
 * - the session fuzzer against a live wrend while BIRD holds a good session;
 * - a flap storm of 200 dynamic clients;
 * - a slow reader while 1M routes change.
 */
import t from 'tap';
import { netnsReady } from '../helpers/netns.js';
import { runFuzz } from '../soak/fuzz.js';
import { runFlapStorm } from '../soak/flap-storm.js';
import { runSlowReader } from '../soak/slow-reader.js';
import { HIGH_WATER } from '../../src/rib/update-group.js';

t.test('fuzzer: mutated messages over TCP never crash wrend nor disturb another session', async (t) => {
  if (!netnsReady(t, ['bird', 'birdc'])) return;
  const r = await runFuzz({ messages: 40_000, seconds: 60, seed: 1, hardRate: 0.002 });
  t.comment(JSON.stringify({ tried: r.messagesTried, read: r.messagesRead, connections: r.connections, before: r.before, after: r.after, peakRssMB: r.peakRssMB }));
  t.notOk(r.crashed, `wrend survived (crasher: ${r.crashFile ?? 'none'})`);
  t.equal(r.messagesTried, 40_000);
  t.ok(r.messagesRead > 10_000, `wrend read ${r.messagesRead} of them`);
  t.ok(r.connections > 10, 'sessions were reset and came back');
  t.equal(r.goodSessionResets, 0, 'the BIRD session was never reset');
  t.ok(r.goodRoutesKept, "BIRD's routes are still there");
  t.same(r.after.rib, r.before.rib, 'the RIB is back to its baseline (no attribute set or group left behind)');
  t.ok(r.logLinesPer1000 < 5, `bounded logs: ${r.logLinesPer1000} lines per 1000 messages`);
});

t.test('flap storm: 200 clients drop and return; all come back and the RIB is as before', async (t) => {
  if (!netnsReady(t, [])) return;
  const r = await runFlapStorm({ peers: 200, prefixes: 10, seconds: 20 });
  t.comment(JSON.stringify({ flaps: r.flaps, baseline: r.baseline, after: r.after, peakRssMB: r.peakRssMB }));
  t.ok(r.wrendAlive);
  t.ok(r.flaps >= 100, `${r.flaps} flaps`);
  t.equal(r.clientsBack, 200);
  t.ok((r.receivedMinMax[0] ?? 0) >= 199 * 10, 'every client holds every other block again');
  t.equal(r.after.established, 200, 'every session re-established');
  t.same(r.after.rib, r.baseline.rib, 'the RIB holds exactly what it held before the storm');
  t.equal(r.after.neighbors, r.baseline.neighbors, 'no dynamic neighbor left behind');
});

t.test('slow reader: memory stays bounded, the fast client is not held back', async (t) => {
  if (!netnsReady(t, [])) return;
  // 1M routes: far more than the kernel's socket buffers hold, so the queue towards the slow peer fills.
  const r = await runSlowReader({ prefixes: 1_000_000 });
  t.comment(JSON.stringify(r));
  t.ok(r.wrendAlive);
  t.ok(Object.values(r.phases).length === 3 && Object.values(r.phases).every((p) => p.ok), 'the normal client got every change');
  t.ok(r.slowSessionUp, 'the slow session is still up');
  t.ok(r.slowQueueBytes > 0 && r.slowQueueBytes <= HIGH_WATER + 1024 * 1024, `queue towards the slow peer capped (${r.slowQueueBytes} bytes)`);
});
