/**
 * Two benchmark namespaces joined by one veth pair (the device under test and its peers), and
 * their removal with every process left inside. Used by bench/fib.ts and bench/bfd-busy.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 6).join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Namespaces `a` and `b`, veth `ifA` in a with `addrsA`, `ifB` in b with `addrsB`. */
export function vethPair(a: string, ifA: string, addrsA: string[], b: string, ifB: string, addrsB: string[]): void {
  for (const ns of [a, b]) {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  sh('ip', ['link', 'add', ifA, 'netns', a, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
  for (const [ns, ifc, addrs] of [[a, ifA, addrsA], [b, ifB, addrsB]] as const) {
    for (const addr of addrs) sh('ip', ['-n', ns, 'addr', 'add', addr, 'dev', ifc]);
    sh('ip', ['-n', ns, 'link', 'set', ifc, 'up']);
  }
}

/** SIGKILL everything still running in a namespace. */
export function killIn(ns: string): void {
  for (const pid of (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Kill what runs in the namespaces, then delete them. */
export function removeNamespaces(...names: string[]): void {
  for (const ns of names) {
    killIn(ns);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** Run a benchmark between `setup` and `cleanup`, which also runs on Ctrl-C and on failure. */
export function runBench(setup: () => void, cleanup: () => void, body: () => Promise<void>): void {
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  setup();
  void body().finally(cleanup);
}

/** bench/fib-driver.js announcing `n` routes from namespace `ns`; resolves with its start time (ms). */
export async function startInjector(ns: string, dist: string, n: number): Promise<{ proc: ChildProcess; start: number }> {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, join(dist, 'bench', 'fib-driver.js')], { env: { ...process.env, N: String(n) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const start = await new Promise<number>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      const m = /"start":(\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`injector exited (${code})`)));
  });
  return { proc, start };
}
