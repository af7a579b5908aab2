/**
 * The shortened hostile soak (issue 16; the full one: npm run soak:hostile): maximal legal
 * attributes, a pathological AS-path policy, a unique-attribute flood against the memory guard,
 * idle-connection floods and control-socket abuse, with a BIRD canary (hold time 6) that must
 * never notice.
 */
import t from 'tap';
import { netnsReady } from '../helpers/netns.js';
import { runHostile } from '../soak/hostile.js';

t.test('hostile peers and users: wrend lives, the canary never notices', async (t) => {
  if (!netnsReady(t, ['bird', 'birdc'])) return;
  const r = await runHostile({ flood: 300_000, idle: 120, log: (l) => t.comment(l) });
  t.ok(r.wrendAlive, 'wrend survived every phase');
  t.equal(r.canaryResets, 0, 'the BIRD session was never reset');
  // 1. Maximal legal attributes.
  t.ok(r.maximal.smallAtCanary, 'an ordinary route from the same peer reaches the canary');
  t.notOk(r.maximal.bigAtCanary, 'a route that cannot be encoded for the canary is not sent');
  t.ok(r.maximal.notSentLogged, 'and logged');
  t.ok(r.maximal.peakRssMB < 300, `no runaway memory (peak ${r.maximal.peakRssMB} MB)`);
  // 2. Pathological policy.
  t.equal(r.regex.sent, 2000);
  t.ok(r.regex.routes >= 2000, 'the 22-ASN paths went through the 12-wildcard policy (none match it)');
  t.ok(r.regex.worstLoopMs < 1000, `no stall (worst event-loop delay ${r.regex.worstLoopMs} ms)`);
  // 3. Unique attribute sets against the memory guard.
  t.same(r.flood.notifications, ['6/8'], 'the flooding peer gets Cease / Out of Resources');
  t.ok(r.flood.stoppedLogged, 'and the guard logs why');
  // 4. Idle connections.
  t.equal(r.idle.bgpClosed, r.idle.bgpOpened, 'silent BGP connections are closed (openTimeout)');
  t.equal(r.idle.metricsClosed, r.idle.metricsOpened, 'idle metrics connections are closed (cap, then idle timeout)');
  t.equal(r.idle.dynamicLeft, 0, 'no dynamic neighbour left');
  t.ok(r.idle.metricsAfter > 10, 'the metrics endpoint still answers');
  // 5. Control socket.
  t.ok(r.control.fifoRefused && r.control.zeroRefused, 'a FIFO and /dev/zero are refused as config files');
  t.ok(r.control.statusMsWorst < 5000, `show status answers while a client pipelines without reading (worst ${r.control.statusMsWorst} ms)`);
});
