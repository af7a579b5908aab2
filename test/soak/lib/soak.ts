/** What the soak scripts share: where the repo is, arguments, and readings of wrend and BIRD. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Bird } from '../../helpers/daemons.js';
import type { Wren } from '../../helpers/wren.js';

/** The repository root (this file runs from dist/test/soak/lib or test/soak/lib). */
export const REPO = join(import.meta.dirname, ...(import.meta.dirname.includes('/dist/') ? ['..', '..', '..', '..'] : ['..', '..', '..']));

export function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export interface MemorySnapshot {
  rssMB: number;
  heapUsedMB: number;
  rib: { prefixes: number; paths: number; importAttributeSets: number; exportAttributeSets: number; updateGroups: number };
}

/**
 * wrend's heap after a full collection: started with --heapsnapshot-signal=SIGUSR2 (see
 * WREND_NODE_ARGS), a heap snapshot collects all garbage first. The snapshot file is removed.
 */
export async function heapAfterGcMB(proc: ChildProcess, heapMB: () => number, dir = process.cwd()): Promise<number | null> {
  if (!(process.env.WREND_NODE_ARGS ?? '').includes('--heapsnapshot-signal=SIGUSR2')) return null;
  const before = new Set(readdirSync(dir));
  proc.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const made = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (made.length) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const f of made) rmSync(join(dir, f), { force: true });
      return heapMB();
    }
  }
  return null;
}

/** wrend's memory and RIB sizes now. */
export function memorySnapshot(w: Wren): MemorySnapshot {
  const m = w.json<{ processMB: { heapUsed: number }; rib: MemorySnapshot['rib'] }>('show', 'memory');
  const { prefixes, paths, importAttributeSets, exportAttributeSets, updateGroups } = m.rib;
  return { rssMB: w.rssMB(), heapUsedMB: m.processMB.heapUsed, rib: { prefixes, paths, importAttributeSets, exportAttributeSets, updateGroups } };
}

/** When BIRD's session `proto` last changed state (its `show protocols` since column). */
export function birdSince(bird: Bird, proto: string): string {
  const line = bird.birdc('show protocols').split('\n').find((l) => l.startsWith(`${proto} `)) ?? '';
  return line.trim().split(/\s+/).slice(3, 5).join(' ');
}

/**
 * Whether two `birdSince` readings are the same state change. BIRD prints that time as wall-clock
 * now minus the monotonic age, so two reads of one unchanged session can differ by a millisecond.
 */
export function sameBirdSince(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = a.split(' ');
  const tb = b.split(' ');
  // Everything before the time (the state, a date) must match; the time may differ by a jitter.
  if (ta.length !== tb.length || ta.slice(0, -1).join(' ') !== tb.slice(0, -1).join(' ')) return false;
  const ms = (t: string | undefined): number => {
    const m = /^(\d+):(\d+):(\d+)(?:\.(\d+))?$/.exec(t ?? '');
    return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number((m[4] ?? '0').padEnd(3, '0').slice(0, 3)) : NaN;
  };
  return Math.abs(ms(ta.at(-1)) - ms(tb.at(-1))) <= 50;
}

/** Call `fn` with each JSON line a driver writes (its progress reports). */
export function onJsonLines<T>(stream: Readable | null | undefined, fn: (line: T) => void): void {
  if (stream) createInterface({ input: stream }).on('line', (line) => line.trim() && fn(JSON.parse(line) as T));
}
