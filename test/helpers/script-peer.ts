/**
 * A scripted BGP peer for tests, run inside a namespace: it connects, completes the OPEN exchange,
 * then writes every hex line it reads on stdin to the session as it is, and reports on stdout (one
 * JSON line each) what it hears back: {"event":"established"}, {"event":"notification","code":..,
 * "subcode":..}, {"event":"closed"}. It sends a KEEPALIVE every few seconds.
 *
 * Usage: node script-peer.js '{"host":"192.0.2.1","local":"192.0.2.3","asn":65003}'
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { Family } from '../../src/wire/constants.js';
import { encodeOpen } from '../../src/wire/open.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { localOpen } from '../../src/session/negotiate.js';
import { parseIpv4 } from '../../src/wire/address.js';

const o = JSON.parse(process.argv[2] ?? '{}') as { host: string; local: string; asn: number };
const say = (x: Record<string, unknown>) => process.stdout.write(JSON.stringify(x) + '\n');
const sock = net.connect({ host: o.host, port: 179, localAddress: o.local });
let got: Buffer = Buffer.alloc(0);
let up = false;
sock.on('connect', () => {
  sock.write(encodeOpen(localOpen({
    asn: o.asn, routerId: parseIpv4(o.local), holdTime: 90, families: 1 << Family.IPV4_UNICAST,
    addPathReceive: 0, addPathSend: 0, gracefulRestart: null, hostname: 'script', extendedMessage: false,
  })));
});
sock.on('data', (d: Buffer) => {
  got = Buffer.concat([got, d]);
  let off = 0;
  while (off + 19 <= got.length) {
    const len = got.readUInt16BE(off + 16);
    if (len < 19 || off + len > got.length) break;
    const type = got[off + 18];
    if (type === 4 && !up) {
      up = true;
      sock.write(encodeKeepalive());
      say({ event: 'established' });
    }
    if (type === 3) say({ event: 'notification', code: got[off + 19], subcode: got[off + 20] });
    off += len;
  }
  got = got.subarray(off);
});
sock.on('error', () => undefined);
sock.on('close', () => {
  say({ event: 'closed' });
  process.exit(0);
});
setInterval(() => up && sock.write(encodeKeepalive()), 3000).unref();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim()) sock.write(Buffer.from(line.trim(), 'hex'));
});
