/**
 * npm run bench:ingest — wrend ingesting a large table from one peer over loopback while keeping
 * a 3 s hold time: how long the ingest takes, the longest gap between wrend's KEEPALIVEs (should
 * stay near the 1 s interval), and wrend's own worst event-loop stall.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchSpeaker } from './lib/speaker.js';

const N = Number(process.env.N ?? 1_000_000);
const PORT = Number(process.env.PORT ?? 11790);
const dir = mkdtempSync(join(tmpdir(), 'wren-bench-'));
const conf = join(dir, 'wren.json');
writeFileSync(conf, JSON.stringify({
  routerId: '192.0.2.1', asn: 64512, listen: { address: ['127.0.0.1'], port: PORT },
  neighbors: [{ address: '127.0.0.2', asn: 65000, passive: true, holdTime: 3 }],
}));
const wrend = spawn(process.execPath, [...(process.env.WREND_NODE_ARGS ?? '').split(' ').filter(Boolean), join(import.meta.dirname, '..', 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', join(dir, 'wren.sock'), '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
let log = '';
wrend.stdout.on('data', (d: Buffer) => (log += d.toString()));

async function main(): Promise<void> {
  await new Promise((r) => setTimeout(r, 800));
  const peer = new BenchSpeaker({ host: '127.0.0.1', port: PORT, localAddress: '127.0.0.2', asn: 65000, routerId: '192.0.2.2', holdTime: 3 });
  await peer.connect();
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  const kaBefore = peer.keepalives.length;
  await peer.announceV4(0xf0000000, N, 500, 16, '192.0.2.2');
  const sent = performance.now() - t0;
  for (let i = 0; i < 600 && !/End-of-RIB received/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  const done = performance.now() - t0;
  const stored = /"routes":(\d+),"msg":"End-of-RIB received"/.exec(log)?.[1] ?? '?';
  await new Promise((r) => setTimeout(r, 2000));
  const times = peer.keepalives.slice(Math.max(0, kaBefore - 1));
  const gaps = times.slice(1).map((x, i) => x - (times[i] as number));
  const maxGap = Math.max(...gaps);
  wrend.kill('SIGTERM');
  await new Promise((r) => wrend.once('exit', r));
  if (process.env.DEBUG) console.log(log);
  const stall = /"worstEventLoopDelayMs":(\d+)/.exec(log)?.[1] ?? '?';
  const stillUp = !/hold timer expired/.test(log);
  console.log(`ingest of ${N} IPv4 /24 in 500-prefix UPDATEs: sent in ${(sent / 1000).toFixed(2)} s, all ${stored} routes in wrend's RIB after ${(done / 1000).toFixed(2)} s (${((N / done) * 1000 / 1e6).toFixed(2)} M prefixes/s)`);
  console.log(`wrend KEEPALIVE interval 1 s: longest gap during ingest ${(maxGap / 1000).toFixed(2)} s; session stayed up: ${stillUp}`);
  console.log(`wrend worst event-loop stall: ${stall} ms`);
  peer.close();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
    wrend.kill('SIGKILL');
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
