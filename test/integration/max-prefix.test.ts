/**
 * Per-peer prefix limits against a live BIRD peer announcing three prefixes: warn keeps the
 * session and logs once; restart sends Cease / Maximum Number of Prefixes Reached (RFC 4486, with
 * AFI, SAFI and the limit), stays down for restartAfter, then reconnects; stop stays down.
 */
import t from 'tap';
import { netnsLab, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

t.test('maxPrefixes: warn, restart and stop', async (t) => {
  const lab = netnsLab(t, 'maxpfx', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC, d: nsD } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], c: ['192.0.2.3/24'], d: ['192.0.2.4/24'] });
  const routes = ['203.0.113.0/26', '203.0.113.64/26', '203.0.113.128/26'];
  const birds = [nsB, nsC, nsD].map((ns, i) => new Bird(lab, ns, { routerId: `192.0.2.${i + 2}`, asn: 65002 + i, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: routes }));
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [
      { address: '192.0.2.2', asn: 65002, connectRetryTime: 1, maxPrefixes: { limit: 2, action: 'warn' } },
      { address: '192.0.2.3', asn: 65003, connectRetryTime: 1, maxPrefixes: { limit: 2, action: 'restart', restartAfter: 3 } },
      { address: '192.0.2.4', asn: 65004, connectRetryTime: 1, maxPrefixes: { limit: 2, action: 'stop' } },
    ],
  });
  t.teardown(() => w.stop());
  const over = (peer: string) => w.lines.filter((l) => l.peer === peer && l.msg === 'maximum number of prefixes exceeded');
  // BIRD shows the Cease as its last error only until its next connection attempt (a second or
  // so later): look as soon as wren has sent it.
  const sent = await waitFor('wren sends D the Cease', () => w.lines.some((l) => l.peer === '192.0.2.4' && l.msg === 'sending NOTIFICATION' && /Maximum Number of Prefixes Reached/.test(String(l.notification))), 45_000).catch(() => false);
  const birdSaw = await waitFor('BIRD D saw it', () => /Maximum number of prefixes reached/i.test((birds[2] as Bird).birdc('show protocols all')), 5_000, 50).catch(() => false);
  await waitFor('all three crossed the limit', () => ['192.0.2.2', '192.0.2.3', '192.0.2.4'].every((p) => over(p).length > 0), 45_000);

  // warn: the session stays, all routes are kept, one warning.
  t.equal(w.state('192.0.2.2'), 'Established');
  t.equal(over('192.0.2.2').length, 1, 'warned once');
  t.match(JSON.parse(w.wrenc('--json', 'show', 'neighbors', '192.0.2.2').stdout), [{ state: 'Established', routesReceived: 3 }]);

  // stop: Cease/1 with AFI 1, SAFI 1, limit 2; stays down.
  t.ok(sent, 'Cease / Maximum Number of Prefixes Reached sent');
  t.ok(birdSaw, 'BIRD decoded it as such');
  t.match(JSON.parse(w.wrenc('--json', 'show', 'neighbors', '192.0.2.4').stdout), [{ state: 'Idle', lastError: 'maximum number of prefixes (2) exceeded', routesReceived: 0 }]);

  // restart: down, then up again after restartAfter (and over the limit again).
  await waitFor('C restarted', () => w.lines.filter((l) => l.peer === '192.0.2.3' && l.to === 'Established').length >= 2, 30_000);
  t.ok(over('192.0.2.3').length >= 1);
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(w.state('192.0.2.4'), 'Idle', 'stop stays down');
  t.ok(w.wrenc('enable', '192.0.2.4').status === 0, 'until enabled by hand');
});
