/**
 * npm run bench:loadgen — the load generator against itself over loopback: one BenchSpeaker
 * announces N IPv4 /24s (500 per UPDATE, 16 attribute sets) to another that counts every prefix.
 * It must be far faster than the daemons it measures (BIRD takes in about 1.2M prefixes/s here),
 * or the benchmark would measure the generator.
 */
import net from 'node:net';
import { BenchSpeaker } from './lib/speaker.js';

const N = Number(process.env.N ?? 1_000_000);

async function main(): Promise<void> {
  const sink = new BenchSpeaker({ host: '', port: 0, asn: 64512, routerId: '198.18.0.1', holdTime: 90 });
  const server = net.createServer((s) => void sink.attach(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const src = new BenchSpeaker({ host: '127.0.0.1', port, asn: 64512, routerId: '198.18.0.2', holdTime: 90 });
  await src.connect();
  const t0 = performance.now();
  const done = new Promise<number>((resolve) => {
    sink.onProgress = () => {
      if (sink.received >= N) resolve(performance.now() - t0);
    };
  });
  await src.announceV4(0xf0000000, N, 500, 16, '198.18.0.2');
  const sent = performance.now() - t0;
  const ms = await done;
  console.log(JSON.stringify({ prefixes: N, sendMs: Math.round(sent), receivedMs: Math.round(ms), prefixesPerSecond: Math.round((N / ms) * 1000) }));
  console.log(`load generator: ${(N / ms / 1000).toFixed(2)} M prefixes/s end to end over loopback (BIRD ingests about 1.2 M/s)`);
  src.close();
  sink.close();
  server.close();
}

void main();
