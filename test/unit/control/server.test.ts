import t from 'tap';
import net from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ControlServer } from '../../../src/control/server.js';
import { request } from '../../../src/cli/client.js';
import { nodeStatus, table } from '../../../src/cli/format.js';

function raw(path: string, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) s.end();
    });
    s.on('close', () => resolve(out));
    s.on('connect', () => s.write(payload));
  });
}

t.test('control socket: results, streams, errors, concurrency, limits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-ctl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'run', 'wren.sock');
  const server = new ControlServer(path, pino({ level: 'silent' }));
  server.on('show status', (_req, out) => out.result({ ok: true }));
  server.on('show route', async (_req, out) => {
    for (let i = 0; i < 50_000; i++) await out.row({ i });
    out.done();
  });
  server.on('boom', () => {
    throw new Error('handler failed');
  });
  await server.start();
  t.teardown(() => server.close());
  t.equal(statSync(path).mode & 0o777, 0o660, 'socket mode 0660');
  t.same(await request(path, 'show status', {}), { ok: true });
  let rows = 0;
  await request(path, 'show route', {}, () => {
    rows++;
  });
  t.equal(rows, 50_000, 'a large answer streams completely');
  const clients = await Promise.all(Array.from({ length: 20 }, () => request(path, 'show status', {})));
  t.equal(clients.length, 20, 'many clients at once');
  await t.rejects(request(path, 'nope', {}), /unknown command "nope"/);
  await t.rejects(request(path, 'boom', {}), /handler failed/);
  t.match(await raw(path, 'not json\n'), /request is not JSON/);
  t.match(await raw(path, '{"id":1}\n'), /needs a command/);
  t.match(await raw(path, 'x'.repeat(70 * 1024)), /larger than 65536 bytes/);
  t.same(await request(path, 'show status', {}), { ok: true }, 'still answering after bad clients');
});

t.test('tables are aligned; node status has the calicoctl layout', async (t) => {
  t.equal(table(['A', 'BB'], [['xxx', 1], [null, 'y']]), 'A   | BB\n----+---\nxxx | 1\n-   | y\n');
  const out = nodeStatus([
    { peerAddress: '192.0.2.10', peerType: 'node-to-node mesh', state: 'up', since: '12:00:01', info: 'Established' },
    { peerAddress: '2001:db8::2', peerType: 'global', state: 'start', since: '12:00:02', info: 'Active' },
  ]);
  t.match(out, /IPv4 BGP status\n\+-+\+-+\+-+\+-+\+-+\+\n\| PEER ADDRESS \|\s+PEER TYPE\s+\| STATE \|\s+SINCE\s+\|\s+INFO\s+\|/);
  t.match(out, /\| 192\.0\.2\.10\s+\| node-to-node mesh \| up\s+\| 12:00:01 \| Established \|/);
  t.match(out, /IPv6 BGP status\n(.*\n){3}\| 2001:db8::2/);
});
