/**
 * The BGP listener's socket changes on loopback: a wildcard listener replaced by one on a single
 * address (Linux refuses the pair side by side), kept when the new bind fails, and restored by a
 * rollback.
 */
import t from 'tap';
import net from 'node:net';
import { BgpListener } from '../../../src/session/transport.js';

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Does a TCP connection to address:port get accepted? */
function connects(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

t.test('0.0.0.0 to one address: the wildcard gives way, the new socket listens, the others are refused', async (t) => {
  const port = await freePort();
  const l = new BgpListener((_conn, socket) => socket.destroy());
  t.teardown(() => l.close());
  await l.listen(['0.0.0.0'], port);
  t.ok(await connects('127.0.0.2', port), 'the wildcard takes any local address');
  const change = await l.change(['127.0.0.1'], port);
  change.commit();
  t.ok(await connects('127.0.0.1', port), 'the node address listens');
  t.notOk(await connects('127.0.0.2', port), 'another address does not any more');
  t.same(l.ports, [port]);
});

t.test('a bind that fails leaves the wildcard listening; a rollback binds it again', async (t) => {
  const port = await freePort();
  const l = new BgpListener((_conn, socket) => socket.destroy());
  t.teardown(() => l.close());
  await l.listen(['0.0.0.0'], port);
  // 192.0.2.77 is on no interface here: EADDRNOTAVAIL, after the wildcard gave way for 127.0.0.1.
  await t.rejects(l.change(['127.0.0.1', '192.0.2.77'], port), /EADDRNOTAVAIL/);
  t.ok(await connects('127.0.0.2', port), 'the wildcard is back');
  const change = await l.change(['127.0.0.1'], port);
  change.rollback();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(await connects('127.0.0.2', port), 'rolled back: the wildcard listens again');
  t.same(l.ports, [port], 'one listening socket, the wildcard');
});
