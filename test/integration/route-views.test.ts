/**
 * Per-neighbour route views against a live wrend with a BIRD peer: `show route received` (before
 * import policy, kept with keepReceived), `show route filtered` (rejected, with the policy term),
 * counts, the answer for a neighbour whose routes are not kept, and keepReceived switched on by a
 * reload (filled by ROUTE-REFRESH, no session reset).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { WRENC, Wren } from '../helpers/wren.js';

interface Row {
  prefix: string;
  asPath: string;
  importPolicy?: string[];
}

t.test('show route received / filtered with keepReceived, and switched on by a reload', async (t) => {
  const lab = netnsLab(t, 'views', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], c: ['192.0.2.3/24'] });
  const announce = ['203.0.113.0/24', '203.0.113.128/25', '198.51.100.0/26'];
  new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce });
  new Bird(lab, nsC, { routerId: '192.0.2.3', asn: 65003, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce });
  const config = (cKeeps: boolean) => ({
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    policies: { 'no-doc3': { terms: [{ name: 'drop-203', match: { prefix: ['203.0.113.0/24 orlonger'] }, actions: { reject: true } }], default: 'accept' } },
    neighbors: [
      { address: '192.0.2.2', asn: 65002, connectRetryTime: 1, keepReceived: true, import: ['no-doc3'] },
      { address: '192.0.2.3', asn: 65003, connectRetryTime: 1, keepReceived: cKeeps, import: ['no-doc3'] },
    ],
  });
  const w = new Wren(lab, nsW, config(false));
  t.teardown(() => w.stop());
  const json = <T>(...args: string[]) => w.json<T>(...args);
  await waitFor('both sessions up and B\'s routes received', () => json<Row[]>('show', 'route', 'received', '192.0.2.2').length === 3, 45_000, 250);
  const received = json<Row[]>('show', 'route', 'received', '192.0.2.2');
  t.same(received.map((r) => r.prefix).sort(), [...announce].sort(), 'received: all three, before policy');
  t.ok(received.every((r) => r.asPath === '65002'), 'as received');
  const filtered = json<Row[]>('show', 'route', 'filtered', '192.0.2.2');
  t.same(filtered.map((r) => [r.prefix, r.importPolicy]).sort(), [['203.0.113.0/24', ['no-doc3/drop-203: reject']], ['203.0.113.128/25', ['no-doc3/drop-203: reject']]], 'filtered: the two 203.0.113 prefixes, by term drop-203');
  t.same(json('show', 'route', 'filtered', '192.0.2.2', 'count'), { ipv4: 2, ipv6: 0, total: 2 });
  t.same(json<Row[]>('show', 'route', 'peer', '192.0.2.2').map((r) => r.prefix), ['198.51.100.0/26'], 'the RIB holds what policy accepted');
  const text = w.wrenc('show', 'route', 'filtered', '192.0.2.2').stdout;
  t.match(text, /203\.0\.113\.0\/24 .*\[no-doc3\/drop-203: reject\]/, 'text: the term after the route');
  // C's routes are not kept: the answer says so and how to change it.
  const notKept = w.wrenc('show', 'route', 'received', '192.0.2.3');
  t.equal(notKept.status, 1);
  t.match(notKept.stderr, /routes from 192\.0\.2\.3 are not kept before import policy \(set keepReceived: true/);
  t.match(w.wrenc('show', 'route', 'filtered', '192.0.2.3').stderr, /Its import policy rejected 2 announcements so far/);
  // keepReceived on by reload: ROUTE-REFRESH fills it, the session stays up.
  const flapsBefore = json<{ rows: { address: string; flaps: number }[] }>('show', 'summary').rows.find((r) => r.address === '192.0.2.3')?.flaps;
  writeFileSync(w.configFile, JSON.stringify(config(true)));
  t.equal(w.wrenc('configure').status, 0);
  await waitFor('C\'s routes received after the refresh', () => json<Row[]>('show', 'route', 'received', '192.0.2.3').length === 3, 15_000, 200);
  t.equal(json<{ rows: { address: string; flaps: number; state: string }[] }>('show', 'summary').rows.find((r) => r.address === '192.0.2.3')?.flaps, flapsBefore, 'no session reset');
  // explain names what policy rejected, where it is kept: B's and (now) C's paths for the /24.
  const ex = w.wrenc('show', 'route', '203.0.113.0/24', 'explain').stdout;
  t.match(ex, /^203\.0\.113\.0\/24: 2 candidate paths$/m, `explain: ${ex}`);
  t.match(ex, /via 192\.0\.2\.2 from 192\.0\.2\.2 \(ebgp\) .* -- lost at: rejected by import policy\n\s+import policy: no-doc3\/drop-203: reject/);
  t.match(ex, /from 192\.0\.2\.3 .* -- lost at: rejected by import policy/);

  // Soft resets, both ways, without a reset; BIRD counts the refresh it was asked for.
  const inC = w.wrenc('refresh', 'in', '192.0.2.3');
  t.equal(inC.status, 0, inC.stderr);
  t.match(inC.stdout, /asked 192\.0\.2\.3 for its routes again \(ROUTE-REFRESH\)/);
  const outB = w.wrenc('refresh', 'out', '192.0.2.2');
  t.equal(outB.status, 0, outB.stderr);
  t.match(outB.stdout, /our routes are being sent to 192\.0\.2\.2 again/);
  t.match(w.wrenc('refresh', 'in', '192.0.2.9').stderr, /no neighbor 192\.0\.2\.9/);
  t.equal(w.wrenc('refresh', 'sideways', '192.0.2.2').status, 2, 'a usage error');
  await waitFor('still three received from C', () => json<Row[]>('show', 'route', 'received', '192.0.2.3').length === 3, 5000, 200);
  t.same(json<{ rows: { flaps: number }[] }>('show', 'summary').rows.map((r) => r.flaps), [0, 0], 'no session reset anywhere');

  // monitor: B disabled -> its session event and the block's best moving to C; enabled again.
  const mon = spawn(process.execPath, [WRENC, '--socket', w.socket, '--json', 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void mon.kill('SIGKILL'));
  const events: { event: string; peer?: string; to?: string; prefix?: string; best?: { from: string } | null }[] = [];
  let buf = '';
  mon.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  await waitFor('monitor started', () => events.some((e) => e.event === 'monitoring'), 5000, 50);
  t.equal(w.wrenc('disable', '192.0.2.2').status, 0);
  await waitFor('B\'s session event and the block moving to C', () => events.some((e) => e.event === 'session' && e.peer === '192.0.2.2' && e.to === 'Idle') && events.some((e) => e.event === 'route' && e.prefix === '198.51.100.0/26' && e.best?.from === '192.0.2.3'), 10_000, 50);
  t.equal(w.wrenc('enable', '192.0.2.2').status, 0);
  await waitFor('B back', () => events.some((e) => e.event === 'session' && e.peer === '192.0.2.2' && e.to === 'Established'), 20_000, 50);
  t.ok(events.every((e) => ['monitoring', 'session', 'route'].includes(e.event)), 'only session and route events, no overflow');
  mon.kill('SIGTERM');
  await sleep(300);
  t.ok(w.alive, 'wrend unaffected by the monitor going');
});
