import t from 'tap';
import net from 'node:net';
import { BmpStation, type MonitoredSession } from '../../../src/bmp/station.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// A session that comes up while the station is still being sent the initial tables (its socket
// full, the sync waiting for it to drain) gets its Peer Up and its table too, after the sync.

function session(asn: number, table: Buffer[]): MonitoredSession {
  return {
    peer: { address: new Uint8Array([192, 0, 2, asn & 255]), asn, bgpId: asn, postPolicy: true },
    local: new Uint8Array([192, 0, 2, 1]),
    localPort: 179,
    remotePort: 40000,
    sentOpen: Buffer.alloc(0),
    receivedOpen: Buffer.alloc(0),
    table: () => table,
    stats: () => [],
  };
}

/** BMP messages in `b`: type and the peer AS of the per-peer header (types 0-3), in order. */
function messages(b: Buffer): { type: number; asn: number; body: Buffer }[] {
  const out: { type: number; asn: number; body: Buffer }[] = [];
  for (let at = 0; at + 6 <= b.length; ) {
    const len = b.readUInt32BE(at + 1);
    const type = b[at + 5] as number;
    // Per-peer header: type 1, flags 1, distinguisher 8, address 16, AS 4 (at 26 of it).
    const asn = type <= 3 ? b.readUInt32BE(at + 6 + 26) : 0;
    out.push({ type, asn, body: b.subarray(at + 6 + 42, at + len) });
    at += len;
  }
  return out;
}

t.test('a session up during the initial sync is sent its Peer Up and table', async (t) => {
  let conn: net.Socket | null = null;
  const chunks: Buffer[] = [];
  const server = net.createServer((c) => {
    conn = c;
    c.pause();
    c.on('data', (d: Buffer) => chunks.push(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  // A's table is large enough to fill the socket's buffers many times over.
  const big = Buffer.alloc(4000, 0x11);
  const a = session(65001, Array.from({ length: 4000 }, () => big));
  const bMarker = Buffer.from('table of B');
  const b = session(65002, [bMarker]);
  const station = new BmpStation({ address: '127.0.0.1', port, sysName: 'w', sysDescr: 'wren', statsInterval: 3600, maxQueueBytes: 1 << 26 }, { sessions: () => [a] }, new FakeClock(), () => undefined);
  station.start();
  t.teardown(() => void station.stop());
  // Wait (bounded) for the sync to stall on the paused reader, then bring B up.
  let last = -1;
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 10));
    if (conn && station.status.messages === last && last > 1) break;
    last = station.status.messages;
  }
  t.ok(station.status.messages < 4002, `the sync stalled after ${station.status.messages} messages`);
  station.peerUp(b);
  (conn as net.Socket | null)?.resume();
  for (let i = 0; i < 500 && Buffer.concat(chunks).length < 4000 * 4048; i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 100 && !messages(Buffer.concat(chunks)).some((m) => m.asn === 65002 && m.type === 0); i++) await new Promise((r) => setTimeout(r, 10));
  const got = messages(Buffer.concat(chunks));
  const upB = got.findIndex((m) => m.type === 3 && m.asn === 65002);
  t.ok(upB > 0, 'Peer Up of B');
  const tableB = got.findIndex((m) => m.type === 0 && m.asn === 65002);
  t.ok(tableB > upB, "B's table after its Peer Up");
  t.same(got[tableB]?.body, bMarker, "B's table as given");
  t.equal(got.filter((m) => m.type === 0 && m.asn === 65001).length, 4000, "all of A's table");
});
