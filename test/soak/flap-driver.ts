/**
 * The flapping clients (run inside the soak namespace by flap-storm.ts): P route-reflector clients
 * each announce K prefixes; then, for SECONDS, a few of them at a time drop their session (half
 * with a bare TCP close, half after a Cease) and come back with their routes, over and over.
 * Finally every client is connected again. JSON lines on stdout say where it is:
 *   {"phase":"up"}  {"phase":"stormed","flaps":N}  {"phase":"settled","received":[min,max]}
 * then it holds the sessions for HOLD seconds so the caller can measure.
 */
import { Family } from '../../src/wire/constants.js';
import { encodeNotification } from '../../src/wire/notification.js';
import { BenchSpeaker } from '../../bench/lib/speaker.js';
import { clientAddress } from '../../bench/lib/bench-netns.js';

const P = Number(process.env.P ?? 250);
const K = Number(process.env.K ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 60);
const HOLD = Number(process.env.HOLD ?? 30);
const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(i: number): BenchSpeaker {
  return new BenchSpeaker({ host: '198.18.0.1', port: 179, localAddress: clientAddress(i, false), asn: 64512, routerId: `198.19.${i >> 8}.${i & 255}`, holdTime: 240 });
}

/** Connect client i (retrying while the reflector refuses, e.g. its old session is still closing) and announce its block. */
async function up(i: number): Promise<BenchSpeaker> {
  for (let attempt = 0; ; attempt++) {
    const c = client(i);
    try {
      await c.connect();
      await c.announce({ family: Family.IPV4_UNICAST, base: (0xf0000000 + i * K * 256) >>> 0, n: K, perUpdate: K, sets: 1, nextHop: `198.18.0.${10 + (i % 200)}` });
      return c;
    } catch {
      c.close();
      if (attempt > 50) throw new Error(`client ${i} cannot connect`);
      await sleep(200 + Math.random() * 300);
    }
  }
}

async function main(): Promise<void> {
  const clients: (BenchSpeaker | null)[] = [];
  for (let i = 0; i < P; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, P - i) }, (_, j) => up(i + j)));
    clients.push(...batch);
  }
  // Converged (every client holds every block), then a pause for the caller's baseline.
  const converged = Date.now() + 120_000;
  while (Date.now() < converged && clients.some((c) => (c?.received ?? 0) < (P - 1) * K)) await sleep(200);
  say({ phase: 'up' });
  await sleep(5000);
  const end = Date.now() + SECONDS * 1000;
  let flaps = 0;
  const pending: Promise<void>[] = [];
  while (Date.now() < end) {
    for (let n = 0; n < Math.max(1, Math.floor(P / 25)); n++) {
      const i = Math.floor(Math.random() * P);
      const c = clients[i];
      if (!c) continue;
      clients[i] = null;
      flaps++;
      if (flaps % 2 === 0) void c.sendRaw(encodeNotification({ code: 6, subcode: 2, data: Buffer.alloc(0) }));
      c.close();
      pending.push(
        sleep(Math.random() * 1000)
          .then(() => up(i))
          .then((back) => {
            clients[i] = back;
          }),
      );
    }
    await sleep(200);
  }
  await Promise.all(pending);
  say({ phase: 'stormed', flaps });
  // Every client is back: each should hear every other client's block again.
  const live = clients.filter((c): c is BenchSpeaker => c !== null);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && live.some((c) => c.received < (P - 1) * K)) await sleep(500);
  const counts = live.map((c) => c.received);
  say({ phase: 'settled', clients: live.length, received: [Math.min(...counts), Math.max(...counts)] });
  await sleep(HOLD * 1000);
  for (const c of live) c.close();
  process.exit(0);
}

void main();
