/**
 * The fuzzing peer (run inside its own namespace by fuzz.ts): connects to wrend as a configured
 * neighbour, completes the OPEN exchange, then streams mutated messages (see lib/mutator.ts) with
 * socket backpressure, reconnecting whenever wrend ends the session. Progress goes to stdout as
 * JSON lines. When wrend stops answering, the messages of the last connection are written to
 * `crashFile` (hex, one message per line) for replay.
 *
 * Usage: node fuzz-client.js '{"host":"192.0.2.1","local":"192.0.2.3","asn":65003,...}'
 */
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { Family } from '../../src/wire/constants.js';
import { encodeOpen } from '../../src/wire/open.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { localOpen } from '../../src/session/negotiate.js';
import { parseIpv4 } from '../../src/wire/address.js';
import { encodeRouteRefresh } from '../../src/wire/route-refresh.js';
import { Mutator, type MutationKind } from './lib/mutator.js';

export interface FuzzClientOptions {
  host: string;
  port: number;
  local: string;
  asn: number;
  messages: number;
  seconds: number;
  seed: number;
  /** Share of messages with damage that must end the session. */
  hardRate: number;
  crashFile: string;
}

interface Progress {
  sent: number;
  connections: number;
  refused: number;
  byKind: Partial<Record<MutationKind, number>>;
  done?: boolean;
  crashed?: boolean;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as FuzzClientOptions;
const mutator = new Mutator(opts.seed, opts.asn);
const nextHop = parseIpv4(opts.local);
const progress: Progress = { sent: 0, connections: 0, refused: 0, byKind: {} };
const deadline = Date.now() + opts.seconds * 1000;
const OPEN = encodeOpen(localOpen({
  asn: opts.asn, routerId: nextHop, holdTime: 90, families: (1 << Family.IPV4_UNICAST) | (1 << Family.IPV6_UNICAST),
  addPathReceive: 0, addPathSend: 0, gracefulRestart: null, hostname: 'fuzzer', extendedMessage: false,
}));
const REFRESH = encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 });
const BATCH = 32;
/** The messages of the current connection (for a crash report), bounded. */
let recent: Buffer[] = [];

/** One connection: OPEN exchange, then mutated messages until wrend closes it or we are done. */
async function session(): Promise<'closed' | 'refused' | 'done'> {
  const sock = net.connect({ host: opts.host, port: opts.port, localAddress: opts.local });
  let closed = false;
  let got: Buffer = Buffer.alloc(0);
  let opened = false;
  /** End-of-Route-RIB answers (RFC 7313) seen: each says wrend has read everything before our request. */
  let eorr = 0;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  sock.on('close', () => {
    closed = true;
    poke();
  });
  sock.on('error', () => undefined);
  sock.on('drain', poke);
  sock.on('data', (d: Buffer) => {
    got = got.length ? Buffer.concat([got, d]) : d;
    let off = 0;
    for (; off + 19 <= got.length; ) {
      const len = got.readUInt16BE(off + 16);
      if (len < 19 || off + len > got.length) break;
      const type = got[off + 18];
      // KEEPALIVE after the OPEN: the session is ready for UPDATEs.
      if (type === 4 && !opened) {
        opened = true;
        poke();
      }
      if (type === 5 && got[off + 21] === 2) {
        eorr++;
        poke();
      }
      off += len;
    }
    got = got.subarray(off);
  });
  const wait = (ms: number) =>
    new Promise<void>((r) => {
      wake = r;
      setTimeout(poke, ms).unref();
    });
  const connected = await new Promise<boolean>((r) => {
    sock.once('connect', () => r(true));
    sock.once('error', () => r(false));
  });
  if (!connected) return 'refused';
  progress.connections++;
  recent = [];
  sock.write(OPEN);
  while (!opened && !closed) await wait(5000);
  if (closed) return 'closed';
  sock.write(encodeKeepalive());
  while (!closed) {
    if (progress.sent >= opts.messages || Date.now() > deadline) {
      sock.destroy();
      return 'done';
    }
    for (let i = 0; i < BATCH; i++) {
      const m = mutator.next(nextHop, opts.hardRate);
      if (recent.length >= 4096) recent = recent.slice(2048);
      recent.push(m.bytes);
      progress.byKind[m.kind] = (progress.byKind[m.kind] ?? 0) + 1;
      progress.sent++;
      sock.write(m.bytes);
    }
    // A ROUTE-REFRESH after each batch: its End-of-Route-RIB answer comes once wrend has read the
    // whole batch, so a session-ending message wastes at most the rest of one batch.
    const want = eorr + 1;
    sock.write(REFRESH);
    const until = Date.now() + 5000;
    while (!closed && eorr < want && Date.now() < until) await wait(1000);
  }
  return 'closed';
}

async function main(): Promise<void> {
  let refusedSince = 0;
  const report = setInterval(() => process.stdout.write(JSON.stringify(progress) + '\n'), 1000);
  for (;;) {
    const r = await session();
    if (r === 'done') break;
    if (r === 'refused') {
      progress.refused++;
      refusedSince ||= Date.now();
      // wrend answers no more: keep what was sent on the last connection.
      if (Date.now() - refusedSince > 10_000) {
        writeFileSync(opts.crashFile, recent.map((b) => b.toString('hex')).join('\n') + '\n');
        progress.crashed = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 200));
      continue;
    }
    refusedSince = 0;
    if (Date.now() > deadline) break;
  }
  clearInterval(report);
  progress.done = true;
  process.stdout.write(JSON.stringify(progress) + '\n');
}

void main();
