/** The metrics endpoint bounds its connections (issue 16.10) and listens on loopback by default. */
import t from 'tap';
import net from 'node:net';
import { pino } from 'pino';
import { Registry, Counter } from 'prom-client';
import { MAX_CONNECTIONS, MetricsServer } from '../../../src/control/metrics.js';
import { parseConfig } from '../../../src/config/load.js';

t.test('connections past the cap are closed; a scrape works once they go', async (t) => {
  const reg = new Registry();
  new Counter({ name: 'wren_test_total', help: 'test', registers: [reg] }).inc(3);
  const server = new MetricsServer('127.0.0.1:0', reg, pino({ level: 'silent' }));
  await server.start();
  t.teardown(() => server.close());
  const socks: net.Socket[] = [];
  let closed = 0;
  for (let i = 0; i < MAX_CONNECTIONS + 20; i++) {
    const s = net.connect(server.port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => closed++);
    socks.push(s);
  }
  for (let i = 0; i < 100 && closed < 20; i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(closed >= 20, `connections over ${MAX_CONNECTIONS} closed (${closed})`);
  // The idle ones that were let in go after the idle timeout (4 s): the only real wait in this file.
  for (let i = 0; i < 60 && closed < socks.length; i++) await new Promise((r) => setTimeout(r, 100));
  t.equal(closed, socks.length, 'idle connections are closed by the server');
  for (const s of socks) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  t.equal(res.status, 200);
  t.match(await res.text(), /wren_test_total 3/);
});

t.test('metrics without listen: loopback', async (t) => {
  const c = parseConfig('routerId: 192.0.2.1\nasn: 64512\nmetrics: {}\n', 'm.yaml');
  t.same(c.metrics, { listen: '127.0.0.1:9179' });
});
