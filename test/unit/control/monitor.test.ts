// monitor never makes the daemon wait: a client that does not read gets a bounded queue, then a
// last overflow row and the end of the stream; its subscriptions go with it.
import t from 'tap';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ControlServer } from '../../../src/control/server.js';
import { registerMonitorCommands, MAX_PENDING } from '../../../src/control/monitor-commands.js';
import type { ControlHost } from '../../../src/control/host.js';

t.test('a slow monitor client overflows and is let go; the daemon side never blocks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-mon-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'wren.sock');
  const listeners = new Set<(a: string, f: string, to: string, r: string) => void>();
  const host = {
    rib: () => null,
    onSessionChange: (fn: (a: string, f: string, to: string, r: string) => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  } as unknown as ControlHost;
  const server = new ControlServer(path, pino({ level: 'silent' }));
  registerMonitorCommands(server, host);
  await server.start();
  t.teardown(() => server.close());
  const s = net.connect(path);
  let text = '';
  s.setEncoding('utf8');
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(JSON.stringify({ id: 1, command: 'monitor', args: {} }) + '\n');
  // Wait for the first row, then stop reading.
  await new Promise<void>((r) => s.once('data', (d: string) => ((text += d), s.pause(), r())));
  t.equal(listeners.size, 1, 'subscribed');
  const n = MAX_PENDING * 3;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) for (const l of listeners) l(`192.0.2.${i % 250}`, 'Idle', 'Connect', 'test');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.comment(`${n} events pushed in ${ms.toFixed(1)} ms with the client not reading`);
  s.resume();
  s.on('data', (d: string) => (text += d));
  // The connection stays open for more requests: the stream's end is its `done` line.
  for (let i = 0; i < 500 && !text.includes('"done":true'); i++) await new Promise((r) => setTimeout(r, 10));
  s.destroy();
  const rows = text.trim().split('\n').map((l) => JSON.parse(l) as { row?: { event: string }; done?: boolean });
  const events = rows.filter((r) => r.row).map((r) => r.row?.event);
  t.equal(events.at(-1), 'overflow', 'the last row says it overflowed');
  t.ok(rows.at(-1)?.done, 'then the stream ends');
  t.ok(events.length <= MAX_PENDING + 2, `no more than the queue bound was sent (${events.length})`);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(listeners.size, 0, 'unsubscribed when the stream ended');
});
