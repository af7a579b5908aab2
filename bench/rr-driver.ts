/**
 * Runs inside the benchmark namespace: M client sessions and one injector against the device under
 * test (a route reflector). Prints JSON: time from the injector's first UPDATE until every client
 * holds all N prefixes.
 */
import { BenchSpeaker } from './lib/speaker.js';

const N = Number(process.env.N ?? 100_000);
const M = Number(process.env.M ?? 1);
const DUT = process.env.DUT ?? '198.18.0.1';
const CAP_MS = Number(process.env.CAP_MS ?? 120_000);

async function main(): Promise<void> {
  const clients: BenchSpeaker[] = [];
  for (let i = 0; i < M; i++) {
    const addr = `198.18.0.${10 + i}`;
    const c = new BenchSpeaker({ host: DUT, port: 179, localAddress: addr, asn: 64512, routerId: addr, holdTime: 90 });
    clients.push(c);
  }
  await Promise.all(clients.map((c) => c.connect()));
  const inj = new BenchSpeaker({ host: DUT, port: 179, localAddress: '198.18.0.2', asn: 64512, routerId: '198.18.0.2', holdTime: 90 });
  await inj.connect();
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  let doneAt = 0;
  const finished = new Promise<void>((resolve) => {
    const check = () => {
      if (clients.every((c) => c.received >= N)) {
        doneAt = performance.now();
        resolve();
      }
    };
    for (const c of clients) c.onProgress = check;
    setTimeout(resolve, CAP_MS).unref();
  });
  await inj.announceV4(0xf0000000, N, 500, 16, '198.18.0.2');
  const sentAt = performance.now();
  await finished;
  const got = clients.map((c) => c.received);
  console.log(JSON.stringify({
    n: N, m: M, sendMs: Math.round(sentAt - t0),
    doneMs: doneAt ? Math.round(doneAt - t0) : null,
    minReceived: Math.min(...got),
  }));
  for (const c of [...clients, inj]) c.close();
  process.exit(0);
}

void main();
