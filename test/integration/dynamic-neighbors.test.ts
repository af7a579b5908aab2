/**
 * Listen-range neighbours come and go with their connections (issue 16.8): connections that close
 * in OpenSent, and connections that never send an OPEN, leave no neighbour behind; the number of
 * pending ones is capped; and a well-behaved client still gets its session afterwards.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

/** Run inside the clients' namespace: N connections from N addresses; odd ones close after our OPEN, even ones stay silent. */
const DRIVER = `
const net = require('node:net');
const n = Number(process.argv[1]);
let done = 0;
for (let i = 0; i < n; i++) {
  const s = net.connect({ host: '192.0.2.1', port: 179, localAddress: '192.0.2.' + (10 + i) });
  s.on('error', () => {});
  s.on('data', () => { if (i % 2 === 1) s.destroy(); });
  s.on('close', () => { if (++done === n) { console.log(JSON.stringify({ closed: done })); } });
  setTimeout(() => s.destroy(), 20000).unref();
}
setTimeout(() => process.exit(0), 25000);
`;

t.test('dynamic neighbours that close early or never speak go away; the pending cap holds; good clients get in', async (t) => {
  const lab = netnsLab(t, 'dyn', ['bird', 'birdc']);
  if (!lab) return;
  const w = lab.ns('wren');
  const c = lab.ns('clients');
  const b = lab.ns('bird');
  const sw = lab.switch('sw');
  lab.attach(sw, w, ['192.0.2.1/24']);
  const cif = lab.attach(sw, c, ['192.0.2.10/24']);
  lab.attach(sw, b, ['192.0.2.250/24']);
  const N = 160;
  lab.exec(c, 'ip', ['-batch', '-'], { input: Array.from({ length: N - 1 }, (_, i) => `addr add 192.0.2.${11 + i}/24 dev ${cif}`).join('\n') + '\n' });
  const wren = new Wren(lab, w, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    routeReflector: { clusterId: '192.0.2.1', listenRange: '192.0.2.0/24', openTimeout: 2, maxPendingDynamic: 50 },
  }, 'wren', 'info');
  await waitFor('wrend up', () => wren.wrenc('show', 'status').status === 0, 20_000);
  const driver = lab.spawn(c, process.execPath, ['-e', DRIVER, String(N)]);
  let out = '';
  driver.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const neighbors = () => wren.json<unknown[]>('show', 'neighbors').length;
  const peak = await waitFor('dynamic neighbours created', () => neighbors(), 10_000);
  t.ok(peak > 0, `dynamic neighbours appear (${peak})`);
  t.ok(peak <= 50, 'never more pending than maxPendingDynamic');
  const refused = await waitFor('refusals logged', () => wren.lines.find((l) => /too many dynamic neighbors/.test(l.msg)), 10_000).catch(() => undefined);
  t.ok(refused, 'connections over the cap are refused with a log line');
  await waitFor('every dynamic neighbour gone', () => neighbors() === 0, 15_000).catch(() => undefined);
  t.equal(neighbors(), 0, 'none left: closed ones at once, silent ones after openTimeout');
  t.ok(wren.lines.some((l) => l.level === 60 || /uncaught|TypeError/.test(String(l.msg))) === false, 'no crash');
  // A well-behaved client after the flood.
  const bird = new Bird(lab, b, { routerId: '192.0.2.250', asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }], announce: ['198.51.100.0/26'] });
  const up = await waitFor('BIRD Established', () => bird.established('192.0.2.1'), 30_000).catch(() => false);
  t.ok(up, 'a good client gets its session');
  t.equal(neighbors(), 1);
  driver.kill();
  await sleep(100);
  await wren.stop();
});
