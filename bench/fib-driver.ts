/**
 * Runs inside the injector's namespace: announces N /24s to the device under test, printing the
 * start time (JSON) when the session is up. The orchestrator measures the kernel side.
 */
import { BenchSpeaker } from './lib/speaker.js';

const N = Number(process.env.N ?? 100_000);
async function main(): Promise<void> {
  let inj = new BenchSpeaker({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.2', asn: 65000, routerId: '198.18.0.2', holdTime: 90 });
  // The device may still be starting: retry for a while.
  for (let i = 0; ; i++) {
    try {
      await inj.connect();
      break;
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
      inj = new BenchSpeaker({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.2', asn: 65000, routerId: '198.18.0.2', holdTime: 90 });
    }
  }
  const t0 = Date.now();
  console.log(JSON.stringify({ start: t0 }));
  await inj.announceV4(0xf0000000, N, 500, 16, '198.18.0.2');
  console.log(JSON.stringify({ sentMs: Date.now() - t0 }));
  // Stay connected until told to stop.
  await new Promise((r) => process.once('SIGTERM', r));
  inj.close();
}
void main();
