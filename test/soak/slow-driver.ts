/**
 * The slow-reader scenario's peers (run inside the soak namespace by slow-reader.ts): an injector
 * that announces N prefixes to the reflector, withdraws them all and announces them again with
 * other attributes; a normal client that must get every change promptly; and a slow client whose
 * socket (receive buffer at its minimum) is read one byte a second through libc, so the reflector
 * faces a peer that takes almost nothing. JSON lines on stdout:
 *   {"phase":"announced","ms":..} {"phase":"withdrawn",..} {"phase":"reannounced",..} {"phase":"done","slowRead":bytes}
 */
import { Family } from '../../src/wire/constants.js';
import { encodeOpen, myAsField } from '../../src/wire/open.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { parseIpv4 } from '../../src/wire/address.js';
import { libc } from '../../src/os/libc.js';
import { sockaddr } from '../../src/session/sockopt.js';
import { BenchSpeaker } from '../../bench/lib/speaker.js';
import { clientAddress, injectorAddress } from '../../bench/lib/bench-netns.js';

const N = Number(process.env.N ?? 1_000_000);
const HOLD = Number(process.env.HOLD ?? 10);
const c = libc();
const lib = c.koffi.load('libc.so.6');
const c_recv = lib.func('long recv(int fd, uint8_t *buf, unsigned long len, int flags)');
const c_send = lib.func('long send(int fd, const uint8_t *buf, unsigned long len, int flags)');
const MSG_DONTWAIT = 0x40;
const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A BGP session over a raw socket whose reading we control byte by byte. */
class SlowPeer {
  readonly fd: number;
  read = 0;
  constructor(local: string) {
    this.fd = c.socket(2, 1, 0) as number;
    const small = Buffer.alloc(4);
    small.writeInt32LE(1024, 0);
    c.setsockopt(this.fd, 1, 8, small, 4); // SO_RCVBUF: the kernel's minimum
    const from = sockaddr(local, 0);
    if ((c.bind(this.fd, from, from.length) as number) < 0) throw new Error('bind failed');
    const to = sockaddr('198.18.0.1', 179);
    if ((c.connect(this.fd, to, to.length) as number) < 0) throw new Error('connect failed');
  }
  send(b: Buffer): void {
    c_send(this.fd, b, b.length, 0);
  }
  /** Up to `n` bytes if any are there. */
  recv(n: number): Buffer {
    const b = Buffer.alloc(n);
    const got = c_recv(this.fd, b, n, MSG_DONTWAIT) as number;
    if (got > 0) this.read += got;
    return got > 0 ? b.subarray(0, got) : Buffer.alloc(0);
  }
  /** The OPEN exchange, read at normal speed: until the reflector's KEEPALIVE. */
  async open(routerId: string): Promise<void> {
    this.send(encodeOpen({ version: 4, myAs: myAsField(64512), holdTime: 90, bgpId: parseIpv4(routerId), capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 64512 }] }));
    let got = Buffer.alloc(0);
    for (let i = 0; i < 200; i++) {
      // Exactly one header, then its body: nothing past the KEEPALIVE is read here.
      const need = got.length < 19 ? 19 - got.length : got.readUInt16BE(16) - got.length;
      if (need > 0) got = Buffer.concat([got, this.recv(need)]);
      if (got.length >= 19 && got.length === got.readUInt16BE(16)) {
        if (got[18] === 4) {
          this.send(encodeKeepalive());
          return;
        }
        got = Buffer.alloc(0);
        continue;
      }
      await sleep(50);
    }
    throw new Error('no OPEN exchange');
  }
}

async function main(): Promise<void> {
  const slow = new SlowPeer(clientAddress(1, false));
  await slow.open('198.19.0.2');
  let ticks = 0;
  const reader = setInterval(() => {
    slow.recv(1);
    // Our KEEPALIVEs still go out: it is our reading that is slow, not our sending.
    if (++ticks % 20 === 0) slow.send(encodeKeepalive());
  }, 1000);
  const fast = new BenchSpeaker({ host: '198.18.0.1', port: 179, localAddress: clientAddress(0, false), asn: 64512, routerId: '198.19.0.1', holdTime: 240 });
  await fast.connect();
  const inj = new BenchSpeaker({ host: '198.18.0.1', port: 179, localAddress: injectorAddress(false), asn: 64512, routerId: '198.19.255.254', holdTime: 240 });
  await inj.connect();
  await sleep(500);
  const wait = async (what: string, done: () => boolean) => {
    const t0 = performance.now();
    while (!done() && performance.now() - t0 < 300_000) await sleep(50);
    say({ phase: what, ms: Math.round(performance.now() - t0), ok: done() });
  };
  const base = 0xf0000000;
  const spec = { family: Family.IPV4_UNICAST, base, n: N, perUpdate: 500, sets: 16, nextHop: '198.18.0.10' };
  void inj.announce(spec);
  await wait('announced', () => fast.received >= N);
  fast.resetCounts();
  void inj.withdraw({ family: Family.IPV4_UNICAST, base, n: N, perUpdate: 500 });
  await wait('withdrawn', () => fast.withdrawn >= N);
  fast.resetCounts();
  void inj.announce({ ...spec, variant: 1, endOfRib: false });
  await wait('reannounced', () => fast.received >= N);
  await sleep(HOLD * 1000);
  clearInterval(reader);
  say({ phase: 'done', slowRead: slow.read });
  // Hold the sessions while the caller looks at them.
  await sleep(5000);
  process.exit(0);
}

void main();
