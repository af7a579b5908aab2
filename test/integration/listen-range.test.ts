/**
 * Dynamic route-reflector clients: wren accepts iBGP sessions from any address in
 * routeReflector.listenRange without a line each (BIRD cannot), reflects between them, and logs
 * and closes a connection from outside the range.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

t.test('clients from the listen range are accepted and reflected; others are refused with a log line', async (t) => {
  const lab = netnsLab(t, 'lr', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const w = lab.ns('wren');
  lab.attach(sw, w, ['192.0.2.1/25', '192.0.2.129/25']);
  const clients = [
    { addr: '192.0.2.21', prefix: '198.51.100.0/26' },
    { addr: '192.0.2.22', prefix: '198.51.100.64/26' },
    { addr: '192.0.2.200', prefix: '198.51.100.128/26' }, // outside 192.0.2.0/25
  ];
  const birds = clients.map((c, i) => {
    const ns = lab.ns(`c${i}`);
    lab.attach(sw, ns, [`${c.addr}/25`]);
    return new Bird(lab, ns, {
      routerId: c.addr, asn: 64512, listen: [],
      peers: [{ address: i < 2 ? '192.0.2.1' : '192.0.2.129', asn: 64512, holdTime: 9, grace: true }],
      announce: [c.prefix],
    });
  });
  await sleep(300);
  const config = {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1', '192.0.2.129'], port: 179 },
    routeReflector: { clusterId: '192.0.2.1', listenRange: '192.0.2.0/25' },
    // Long enough that only the clients' End-of-RIB can end the wait after the restart below.
    gracefulRestart: { deferralTime: 60 },
  };
  let wren = new Wren(lab, w, config);
  t.teardown(() => wren.stop('SIGKILL'));
  await waitFor('both range clients Established', () => birds[0]?.established('192.0.2.1') && birds[1]?.established('192.0.2.1'), 40_000).catch(() => undefined);
  t.ok(birds[0]?.established('192.0.2.1') && birds[1]?.established('192.0.2.1'), 'clients inside the range: sessions up without configuration');
  const got0 = await waitFor('client 1 has client 2 block', () => birds[0]?.received('192.0.2.1', 'ipv4').includes('198.51.100.64/26'), 20_000).catch(() => false);
  const got1 = await waitFor('client 2 has client 1 block', () => birds[1]?.received('192.0.2.1', 'ipv4').includes('198.51.100.0/26'), 20_000).catch(() => false);
  t.ok(got0 && got1, 'routes reflected between dynamic clients');
  t.notOk(birds[2]?.established('192.0.2.129'), 'a client outside the range gets no session');
  const refused = await waitFor('refusal logged', () => wren.lines.find((l) => /not a configured neighbor/.test(l.msg) && l.remote === '192.0.2.200'), 20_000).catch(() => undefined);
  t.ok(refused, 'the refused connection is logged with its address');
  // One log budget covers every dynamic neighbour (2000 clients must not write 2000 lines), so
  // which client's line got through depends on how often each connected: any of them will do.
  const dynamicLines = wren.lines.filter((l) => /dynamic neighbor from the listen range/.test(l.msg));
  t.comment(`dynamic neighbour lines: ${dynamicLines.map((l) => String(l.peer)).join(' ')}`);
  t.ok(dynamicLines.some((l) => l.peer === '192.0.2.21' || l.peer === '192.0.2.22'), 'dynamic neighbour logged');
  t.ok(wren.lines.some((l) => l.msg === 'cold start: no recent run to recover from, routes are sent at once'), 'first start: cold, nothing deferred');

  // A restart (SIGTERM): the reflector waits for the End-of-RIB of exactly the clients it had
  // (from its state file), not for the deferral timer, and BIRD keeps the reflected routes.
  await sleep(1500); // the state file is rewritten within a second of a change
  await wren.stop('SIGTERM');
  await sleep(500);
  const t0 = Date.now();
  wren = new Wren(lab, w, config);
  const waited = await waitFor('restart recognised', () => wren.lines.find((l) => l.msg === 'restart: exports wait for End-of-RIB from the neighbors of the previous run'), 20_000).catch(() => undefined);
  t.equal(waited?.waitFor, 2, 'it waits for the two clients it had');
  const done = await waitFor('table complete', () => wren.lines.find((l) => l.msg === 'startup: table complete, exporting'), 40_000).catch(() => undefined);
  t.equal(done?.why, 'End-of-RIB from every neighbor', 'ended by the clients, not the timer');
  t.ok(Date.now() - t0 < 30_000, `done in ${Date.now() - t0} ms, well before the 60 s deferral`);
  const back = await waitFor('client 1 has client 2 block again', () => birds[0]?.established('192.0.2.1') && birds[0]?.received('192.0.2.1', 'ipv4').includes('198.51.100.64/26'), 20_000).catch(() => false);
  t.ok(back, 'reflection is back after the restart');
});
