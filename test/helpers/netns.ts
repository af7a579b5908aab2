/**
 * Network-namespace labs for integration tests: namespaces joined by veth pairs, processes started
 * inside them, and a cleanup that removes every namespace, process and file on any outcome.
 * Addresses come only from the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { isRoot, requireTools } from './tools.js';

let labCounter = 0;
const liveLabs = new Set<Lab>();

function cleanupAll(): void {
  for (const lab of liveLabs) lab.destroy();
}
process.once('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

export function run(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: 30_000 });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  }
  return (r.stdout ?? '') + (opts.allowFail ? (r.stderr ?? '') : '');
}

export class Lab {
  readonly id: string;
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly procs: ChildProcess[] = [];
  private destroyed = false;

  constructor(tag: string) {
    this.id = `w${process.pid % 100000}${tag.slice(0, 3)}${labCounter++}`;
    this.dir = mkdtempSync(join(tmpdir(), `wren-${tag}-`));
    liveLabs.add(this);
  }

  /** A namespace with loopback up; its name is unique to this lab. */
  ns(name: string): string {
    const full = `${this.id}-${name}`;
    run('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    this.exec(full, 'ip', ['link', 'set', 'lo', 'up']);
    return full;
  }

  /** Namespaces on one switch, each with its addresses: `{ w: ['192.0.2.1/24'], ... }` -> names. */
  hosts<K extends string>(sw: string, addrs: Record<K, string[]>): Record<K, string> {
    const out = {} as Record<K, string>;
    for (const k of Object.keys(addrs) as K[]) {
      out[k] = this.ns(k);
      this.attach(sw, out[k], addrs[k]);
    }
    return out;
  }

  /** Join two namespaces with a veth pair and give each end its addresses (CIDR notation). */
  link(a: string, addrsA: string[], b: string, addrsB: string[]): { ifA: string; ifB: string } {
    const n = this.namespaces.length + this.procs.length + Math.floor(Math.random() * 1e6);
    const ifA = `va${n}`.slice(0, 15);
    const ifB = `vb${n}`.slice(0, 15);
    run('ip', ['link', 'add', ifA, 'netns', a, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
    for (const [ns, ifc, addrs] of [[a, ifA, addrsA], [b, ifB, addrsB]] as const) {
      for (const addr of addrs) this.exec(ns, 'ip', ['addr', 'add', addr, 'dev', ifc, ...(addr.includes(':') ? ['nodad'] : [])]);
      this.exec(ns, 'ip', ['link', 'set', ifc, 'up']);
    }
    return { ifA, ifB };
  }

  /** A namespace holding a bridge: one L2 segment that attach() plugs namespaces into. */
  switch(name: string): string {
    const sw = this.ns(name);
    this.exec(sw, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
    this.exec(sw, 'ip', ['link', 'set', 'br0', 'up']);
    return sw;
  }

  attach(sw: string, ns: string, addrs: string[]): string {
    const { ifA, ifB } = this.link(ns, addrs, sw, []);
    this.exec(sw, 'ip', ['link', 'set', ifB, 'master', 'br0']);
    return ifA;
  }

  exec(ns: string, cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** Start a long-running process inside `ns`; it is killed at cleanup. Output goes to `logFile`. */
  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.procs.push(child);
    return child;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    for (const ns of this.namespaces) {
      // Kill anything still running inside (daemons that forked away from our child).
      const pids = run('ip', ['netns', 'pids', ns], { allowFail: true }).split(/\s+/).filter((x) => /^\d+$/.test(x));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      run('ip', ['netns', 'del', ns], { allowFail: true });
    }
    rmSync(this.dir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}

/** Poll `fn` every `intervalMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
      last = null; // an error from an earlier poll is not why it timed out
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The start of every netns test: root and the tools are there (else the test says why it checks
 * nothing), and a Lab that is destroyed when the test ends, whatever the outcome.
 */
export function netnsLab(t: Test, tag: string, tools: string[]): Lab | null {
  if (!netnsReady(t, tools)) return null;
  const lab = new Lab(tag);
  t.teardown(() => lab.destroy());
  return lab;
}

/** Root and the tools are there; otherwise the test says why it checks nothing. */
export function netnsReady(t: Test, tools: string[]): boolean {
  if (!isRoot()) {
    t.comment('skipped: needs root for network namespaces');
    return false;
  }
  return requireTools(t, tools);
}
