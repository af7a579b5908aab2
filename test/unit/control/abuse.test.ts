/**
 * Control-socket and config-file abuse (issue 16.5): a client that pipelines requests and never
 * reads is served no further than the output budget and then dropped; config files are read only
 * when regular, small and (with configDir) in place, and errors never echo their contents.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ControlServer } from '../../../src/control/server.js';
import { request } from '../../../src/cli/client.js';
import { OUTPUT_LIMIT } from '../../../src/control/unix-socket.js';
import { MAX_CONFIG_BYTES, readConfigFile } from '../../../src/config/read-file.js';
import { loadConfigAsync, parseConfig } from '../../../src/config/load.js';

const tmp = (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-abuse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('a client that pipelines requests and never reads is bounded, then dropped; others are served', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'wren.sock');
  const server = new ControlServer(path, pino({ level: 'silent' }));
  let handled = 0;
  const big = 'x'.repeat(64 * 1024);
  server.on('show big', (_req, out) => {
    handled++;
    out.result(big);
  });
  server.on('show status', (_req, out) => out.result({ ok: true }));
  await server.start();
  t.teardown(() => server.close());
  const hog = net.connect(path);
  hog.on('error', () => undefined);
  hog.pause(); // never reads
  await new Promise((r) => hog.once('connect', r));
  const line = JSON.stringify({ id: 1, command: 'show big' }) + '\n';
  hog.write(line.repeat(20_000));
  let closed = false;
  hog.on('close', () => (closed = true));
  for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 20));
  // 20,000 requests of 64 KB answers would be 1.3 GB; what the daemon holds is bounded.
  t.ok(handled * 64 * 1024 < OUTPUT_LIMIT + 64 * 1024 * 64, `answered ${handled} of 20000 before stopping`);
  t.same(await request(path, 'show status', {}), { ok: true }, 'another client is answered meanwhile');
  hog.destroy();
});

t.test('config files: FIFOs, devices, oversized files and files outside configDir are refused', async (t) => {
  const dir = tmp(t);
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  const started = Date.now();
  await t.rejects(readConfigFile(fifo), { message: /not a regular file/ }, 'a FIFO is refused without blocking');
  t.ok(Date.now() - started < 2000);
  await t.rejects(readConfigFile('/dev/zero'), { message: /not a regular file/ });
  const huge = join(dir, 'huge.yaml');
  writeFileSync(huge, Buffer.alloc(MAX_CONFIG_BYTES + 10, 0x20));
  await t.rejects(readConfigFile(huge), { message: /more than the 1048576/ });
  const allowed = join(dir, 'etc');
  execFileSync('mkdir', [allowed]);
  const good = join(allowed, 'wren.yaml');
  writeFileSync(good, 'routerId: 192.0.2.1\nasn: 64512\n');
  const secret = join(dir, 'secret.json');
  writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');
  const link = join(allowed, 'link.json');
  symlinkSync(secret, link);
  t.equal((await loadConfigAsync(good, allowed)).asn, 64512, 'a file under configDir is read');
  await t.rejects(loadConfigAsync(link, allowed), { message: /not under/ }, 'a symlink out of configDir is refused');
  const err = await loadConfigAsync(link).catch((e: Error) => e);
  t.match(String((err as Error).message), /not valid JSON/);
  t.notMatch(String((err as Error).message), /root/, 'the parse error does not echo the file');
});

t.test('a YAML alias bomb is a config error (exit 2 at start), not a crash', async (t) => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
  t.throws(() => parseConfig(bomb, 'bomb.yaml'), { message: /^bomb\.yaml: Excessive alias count/ });
});

t.test('wrenc gives up on a daemon that accepts and never answers, and on one that closes without answering', async (t) => {
  const dir = tmp(t);
  const hung = join(dir, 'hung.sock');
  const server = net.createServer(() => undefined);
  await new Promise<void>((r) => server.listen(hung, r));
  t.teardown(() => server.close());
  await t.rejects(request(hung, 'show status', {}, undefined, 0.1), { message: /did not answer within 0.1 s/ });
  const closing = join(dir, 'closing.sock');
  const server2 = net.createServer((s) => s.end());
  await new Promise<void>((r) => server2.listen(closing, r));
  t.teardown(() => server2.close());
  await t.rejects(request(closing, 'show status', {}), { message: /closed the connection before answering/ });
});

t.test('the read-only socket answers show commands and refuses everything else', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'ro.sock');
  const server = new ControlServer(path, pino({ level: 'silent' }), null, true);
  const ran: string[] = [];
  for (const c of ['show status', 'node status', 'down', 'configure', 'disable', 'enable']) {
    server.on(c, (_req, out) => {
      ran.push(c);
      out.result({ ok: c });
    });
  }
  await server.start();
  t.teardown(() => server.close());
  t.same(await request(path, 'show status', {}), { ok: 'show status' });
  t.same(await request(path, 'node status', {}), { ok: 'node status' });
  for (const c of ['down', 'configure', 'disable', 'enable']) {
    await t.rejects(request(path, c, {}), { message: new RegExp(`"${c}" is not allowed on the read-only socket`) }, `${c} refused`);
  }
  t.same(ran, ['show status', 'node status'], 'no refused handler ran');
});
