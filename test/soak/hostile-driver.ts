/**
 * The hostile peer of hostile.ts, run inside its own namespace, one phase per run:
 *   maximal  legal UPDATEs whose attributes fill a 4096-byte message, beside a normal one
 *   regex    UPDATEs with 22-ASN paths, each a set of its own, against a 12-wildcard policy
 *   flood    N routes, each with an attribute set of its own (the memory guard must stop it)
 *   idle     K silent connections to the BGP port from listen-range addresses, K to metrics
 * It prints one JSON line with what it saw, then holds its connections for HOLD seconds.
 *
 * Usage: node hostile-driver.js '{"phase":"maximal","host":"192.0.2.1","local":"192.0.2.3",...}'
 */
import net from 'node:net';
import { BenchSpeaker } from '../../bench/lib/speaker.js';
import { makeContext } from '../../src/wire/context.js';
import { encodeUpdate } from '../../src/wire/update.js';
import { encodeNlri, parsePrefix, type Prefix } from '../../src/wire/nlri.js';
import { Family } from '../../src/wire/constants.js';
import { parseIpv4 } from '../../src/wire/address.js';
import type { PathAttribute } from '../../src/wire/attributes/types.js';

interface Options {
  phase: 'maximal' | 'regex' | 'flood' | 'idle';
  host: string;
  local: string;
  asn: number;
  hold: number;
  /** flood: routes; regex: UPDATEs; idle: connections of each kind. */
  n?: number;
  /** idle: the first address of the listen range to connect from (the namespace has n of them), and the metrics port. */
  firstAddress?: string;
  metricsPort?: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as Options;
/** Listen-range addresses the driver's namespace has (hostile.ts adds them). */
export const ADDRESSES = 120;
const ctx = makeContext({ asn4: true });
const say = (v: Record<string, unknown>) => process.stdout.write(JSON.stringify(v) + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function update(prefix: string, asns: number[], extra: PathAttribute[] = []): Buffer {
  const attrs: PathAttribute[] = [
    { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
    { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns }] },
    { kind: 'next-hop', type: 3, flags: 0x40, nextHop: parseIpv4(o.local) },
    { kind: 'local-pref', type: 5, flags: 0x40, localPref: 100 },
    ...extra,
  ];
  return encodeUpdate({ attributes: attrs, nlri: encodeNlri([parsePrefix(prefix) as Prefix], Family.IPV4_UNICAST, false) }, ctx);
}

async function speaker(): Promise<BenchSpeaker> {
  const s = new BenchSpeaker({ host: o.host, port: 179, localAddress: o.local, asn: o.asn, routerId: o.local, holdTime: 90 });
  await s.connect();
  return s;
}

/** Report what was sent, keep the session `hold` seconds (wrend's answer is watched meanwhile), then close. */
async function holdThenClose(s: BenchSpeaker, report: Record<string, unknown>): Promise<void> {
  say(report);
  await sleep(o.hold * 1000);
  s.close();
}

async function main(): Promise<void> {
  if (o.phase === 'maximal') {
    const s = await speaker();
    await s.sendRaw(update('203.0.113.0/26', [65010]));
    // 1008 communities: the UPDATE is 4090 bytes, legal; with what a reflector adds it cannot fit.
    const communities: PathAttribute = { kind: 'communities', type: 8, flags: 0xd0, communities: Array.from({ length: 1008 }, (_, i) => (65010 * 65536 + i) >>> 0) };
    const big = update('203.0.113.64/26', [65010], [communities]);
    await s.sendRaw(big);
    await s.sendRaw(update('203.0.113.128/26', [65010, 65011], [communities]));
    return holdThenClose(s, { phase: o.phase, sent: 3, largest: big.length });
  }
  if (o.phase === 'regex') {
    const s = await speaker();
    const n = o.n ?? 2000;
    for (let i = 0; i < n; i++) {
      // 22 ASNs; the last one differs, so every UPDATE is a set of its own (no policy cache hit).
      const asns = Array.from({ length: 21 }, (_, k) => 65100 + k);
      asns.push(70000 + i);
      await s.sendRaw(update(`240.${(i >> 8) & 255}.${i & 255}.0/24`, asns));
    }
    return holdThenClose(s, { phase: o.phase, sent: n });
  }
  if (o.phase === 'flood') {
    const s = await speaker();
    const n = o.n ?? 200_000;
    const started = Date.now();
    // Each route its own attribute set; stop once wrend has ended the session.
    const sending = s.announce({ family: Family.IPV4_UNICAST, base: 0xf0000000, n, perUpdate: 1, sets: n, nextHop: o.local }).catch(() => undefined);
    for (let i = 0; i < 600 && s.notifications.length === 0; i++) await sleep(100);
    say({ phase: o.phase, notifications: s.notifications, ms: Date.now() - started });
    s.close();
    await Promise.race([sending, sleep(1000)]);
    return;
  }
  // idle: connections that never say anything, to the BGP port and to the metrics endpoint.
  const n = o.n ?? 100;
  const first = parseIpv4(o.firstAddress ?? o.local);
  let bgpClosed = 0;
  let metricsClosed = 0;
  const socks: net.Socket[] = [];
  // One BGP connection per address of the range the namespace has (ADDRESSES of them).
  const bgp = Math.min(n, ADDRESSES);
  for (let i = 0; i < n; i++) {
    if (i < bgp) {
      const a = first + i;
      const local = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
      const b = net.connect({ host: o.host, port: 179, localAddress: local });
      b.on('error', () => undefined);
      b.on('close', () => bgpClosed++);
      b.on('data', () => undefined);
      socks.push(b);
    }
    const m = net.connect({ host: o.host, port: o.metricsPort ?? 9179, localAddress: o.local });
    m.on('error', () => undefined);
    m.on('close', () => metricsClosed++);
    socks.push(m);
  }
  await sleep(o.hold * 1000);
  say({ phase: o.phase, bgpOpened: bgp, metricsOpened: n, bgpClosed, metricsClosed });
  for (const s of socks) s.destroy();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    say({ phase: o.phase, error: (err as Error).message });
    process.exit(1);
  },
);
