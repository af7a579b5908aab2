/**
 * A cold full iBGP mesh of `n` nodes in one benchmark namespace (198.18.0.2 .. n+1 on its
 * loopback): every node started at once, each announcing one /26 (data, 240.0.0.0/8), no kernel
 * sync (they share one kernel); each dials from its own address (wren sourceAddress, BIRD local).
 * Converged when every node holds all n blocks. wren, or BIRD 2 with
 * one protocol per neighbour and `strict bind` (50 BIRDs cannot all bind *:179).
 */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from '../../src/cli/client.js';
import { BenchNetns, cpuSeconds, statSeconds } from './bench-netns.js';
import { WREND_NODE_FLAGS } from '../../src/daemon/node-flags.js';
import { wrendEnv } from './daemon-env.js';

export interface MeshResult {
  nodes: number;
  /** From the first start to the last. */
  startMs: number;
  /** From the last node's start until every node holds every block; null past the cap. */
  doneMs: number | null;
  /**
   * From the last node's start until the last node first answered its control socket (wren) or
   * `show route count` (BIRD): the start-up, which on one 2-core machine is 50 start-ups' CPU.
   */
  upMs: number | null;
  /** CPU seconds of all nodes, summed, each taken when it first answered: what start-up cost. */
  upCpuSeconds: number;
  /** The fewest blocks any node held at the end. */
  minHeld: number;
  procs: ChildProcess[];
}

/**
 * CPU seconds of one start of a bare `node` (`node -e 0`, the same Node flags), averaged over
 * `runs`, in wrend's environment: the floor any Node daemon pays per node before its own code runs.
 */
export function bareNodeCpuSeconds(runs = 10): number {
  const children = () => statSeconds('self', 13);
  const before = children();
  for (let i = 0; i < runs; i++) spawnSync(process.execPath, [...WREND_NODE_FLAGS, '-e', '0'], { env: wrendEnv() });
  return (children() - before) / runs;
}

const addr = (i: number) => `198.18.0.${i + 2}`;
const block = (i: number) => `240.0.${i}.0/26`;

function birdConfig(i: number, n: number): string {
  const lines = [
    `router id ${addr(i)};`,
    'protocol device {}',
    `protocol static { ipv4; route ${block(i)} blackhole; }`,
    `template bgp mesh { local ${addr(i)} as 64512; strict bind yes; hold time 90; connect delay time 1; ipv4 { import all; export all; }; }`,
  ];
  for (let j = 0; j < n; j++) if (j !== i) lines.push(`protocol bgp p${j} from mesh { neighbor ${addr(j)} as 64512; }`);
  return lines.join('\n') + '\n';
}

/** The blocks node i holds; null while it does not answer yet. */
async function held(ns: BenchNetns, daemon: 'wren' | 'bird', i: number): Promise<number | null> {
  if (daemon === 'bird') {
    const out = spawnSync('birdc', ['-s', ns.path(`b${i}.ctl`), 'show', 'route', 'count'], { encoding: 'utf8', timeout: 2000 }).stdout ?? '';
    const m = /(\d+) of \d+ routes for (\d+) networks/.exec(out);
    return m ? Number(m[2]) : null;
  }
  try {
    const r = (await request(ns.path(`w${i}.sock`), 'show route count', {}, undefined, 2)) as Record<string, unknown>;
    return Number(r.ipv4 ?? 0);
  } catch {
    return null;
  }
}

export async function runMesh(ns: BenchNetns, daemon: 'wren' | 'bird', n: number, capMs: number): Promise<MeshResult> {
  const procs: ChildProcess[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (daemon === 'bird') procs.push(ns.startBird(birdConfig(i, n), `b${i}`));
    else {
      const neighbors = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).map((j) => ({ address: addr(j), asn: 64512 }));
      procs.push(ns.startWren({ routerId: addr(i), asn: 64512, listen: { address: [addr(i)], port: 179 }, neighbors: neighbors.map((nb) => ({ ...nb, sourceAddress: addr(i) })), announce: [block(i)], fib: { enabled: false } }, `w${i}`));
    }
  }
  const last = performance.now();
  const counts = new Array<number>(n).fill(0);
  const up = new Array<number | null>(n).fill(null);
  const upCpu = new Array<number>(n).fill(0);
  let doneMs: number | null = null;
  while (performance.now() - last < capMs) {
    await new Promise((r) => setTimeout(r, 200));
    // Asked all at once: one busy node must not delay the reading of the others.
    await Promise.all(counts.map(async (c, i) => {
      if (c === n) return;
      const h = await held(ns, daemon, i);
      if (h === null) return;
      counts[i] = h;
      if (up[i] === null) {
        up[i] = performance.now() - last;
        upCpu[i] = cpuSeconds(procs[i]?.pid as number);
      }
    }));
    if (counts.every((c) => c === n)) {
      doneMs = Math.round(performance.now() - last);
      break;
    }
  }
  const upMs = up.every((u) => u !== null) ? Math.round(Math.max(...(up as number[]))) : null;
  return { nodes: n, startMs: Math.round(last - t0), doneMs, upMs, upCpuSeconds: Math.round(upCpu.reduce((a, b) => a + b, 0) * 10) / 10, minHeld: Math.min(...counts), procs };
}
