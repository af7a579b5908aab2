/**
 * A benchmark namespace: addresses from 198.18.0.0/15 on its loopback, daemons started inside it
 * from the built dist/, and every process and file removed afterwards.
 */
import { WREND_NODE_FLAGS } from '../../src/daemon/node-flags.js';
import { daemonEnv, wrendEnv } from './daemon-env.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The build output: this file runs from dist/bench/lib, or from bench/lib when tests import it (tap runs sources). */
export const DIST = import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..') : join(import.meta.dirname, '..', '..', 'dist');

export function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export class BenchNetns {
  readonly name: string;
  readonly dir: string;

  /**
   * 198.18.0.1/24 plus 198.18.0.2 .. 198.18.0.(hosts+1) as /32s on lo; with `clients`, also the
   * injector and that many client addresses of both families (see clientAddress).
   */
  constructor(tag: string, hosts: number, clients = 0) {
    this.name = `wren${tag}${process.pid}`;
    this.dir = mkdtempSync(join(tmpdir(), `wren-${tag}-`));
    sh('ip', ['netns', 'add', this.name]);
    sh('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
    const batch = ['addr add 198.18.0.1/24 dev lo', 'addr add 2001:db8::1/64 dev lo nodad', `addr add ${injectorAddress(true)}/128 dev lo nodad`];
    for (let i = 2; i < hosts + 2; i++) batch.push(`addr add 198.18.0.${i}/32 dev lo`);
    for (let i = 0; i < clients; i++) batch.push(`addr add ${clientAddress(i, false)}/32 dev lo`, `addr add ${clientAddress(i, true)}/128 dev lo nodad`);
    sh('ip', ['-n', this.name, '-batch', '-'], batch.join('\n') + '\n');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * A process in the namespace; its stdout is piped only when the caller reads it, and otherwise it
   * and stderr go to `output` (an open file descriptor) or nowhere.
   */
  spawn(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, readStdout = true, output: number | 'ignore' = 'ignore'): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', readStdout ? 'pipe' : output, output], env });
  }

  /** wrend with `config`, its control socket at path(`${name}.sock`). */
  startWren(config: Record<string, unknown>, name = 'wren'): ChildProcess {
    const conf = this.path(`${name}.json`);
    writeFileSync(conf, JSON.stringify(config));
    // WREND_NODE_ARGS: Node flags for wrend (e.g. --max-semi-space-size=4), to measure tunings.
    // As shipped (src/daemon/node-flags.ts), then WREND_NODE_ARGS (later flags win).
    const nodeArgs = [...WREND_NODE_FLAGS, ...(process.env.WREND_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    // WREND_OUTPUT=FILE: wrend's stdout and stderr appended to FILE (what --trace-gc prints, say).
    const out = process.env.WREND_OUTPUT ? openSync(process.env.WREND_OUTPUT, 'a') : 'ignore';
    try {
      return this.spawn(process.execPath, [...nodeArgs, join(DIST, 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', this.path(`${name}.sock`), '--log-level', 'warn'], wrendEnv(), false, out);
    } finally {
      if (typeof out === 'number') closeSync(out);
    }
  }

  /** bird with the config text, its socket at path(`${name}.ctl`). */
  startBird(config: string, name = 'bird'): ChildProcess {
    const conf = this.path(`${name}.conf`);
    writeFileSync(conf, config);
    return this.spawn('bird', ['-f', '-c', conf, '-s', this.path(`${name}.ctl`)], daemonEnv(), false);
  }

  destroy(): void {
    const pids = () => spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean).map(Number) ?? [];
    const signal = (sig: NodeJS.Signals) => {
      for (const pid of pids()) {
        try {
          process.kill(pid, sig);
        } catch {
          // gone
        }
      }
    };
    // SIGTERM first (a profiled wrend writes its profile on exit), SIGKILL what is left after 1 s.
    signal('SIGTERM');
    for (let i = 0; i < 10 && pids().length > 0; i++) spawnSync('sleep', ['0.1']);
    signal('SIGKILL');
    spawnSync('ip', ['netns', 'del', this.name]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Benchmark client i's address: 198.18.1.1, 198.18.1.2, ... (250 per /24), or 2001:db8::1:1, ... */
export function clientAddress(i: number, v6: boolean): string {
  return v6 ? `2001:db8::1:${(i + 1).toString(16)}` : `198.18.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

export function injectorAddress(v6: boolean): string {
  return v6 ? '2001:db8::2' : '198.18.0.2';
}

/**
 * Two fields of /proc/`pid`/stat added up, in seconds (clock ticks of 1/100 s), counted from the
 * field after the command name (0 = state): 11 + 12 are the process's own user and system CPU,
 * 13 + 14 those of the children it waited for. 0 when the process is gone.
 */
export function statSeconds(pid: number | 'self', first: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[first]) + Number(f[first + 1])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds a process has used (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  return statSeconds(pid, 11);
}

/** Write and read system calls of a process so far (/proc/PID/io: syscw, syscr). */
export function syscalls(pid: number): { writes: number; reads: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { writes: Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0), reads: Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? 0) };
  } catch {
    return { writes: 0, reads: 0 };
  }
}

/** Peak RSS of a process (ip netns exec replaces itself with the daemon). */
export function peakRssMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** A BIRD route-reflector config for the injector and client addresses. */
export function birdReflector(peers: string[]): string {
  const lines = ['router id 198.18.0.1;', 'protocol device {}', 'protocol direct { ipv4; interface "lo"; }'];
  for (const [i, p] of peers.entries()) {
    lines.push(`protocol bgp p${i} { local 198.18.0.1 as 64512; neighbor ${p} as 64512; passive on; multihop; rr client; rr cluster id 198.18.0.1;`);
    lines.push('  ipv4 { import all; export all; gateway recursive; }; }');
  }
  return lines.join('\n') + '\n';
}

/**
 * Listen-range clients get a prefix limit of 20,000 by default; the benchmarks' injectors send a
 * full table through one, so their template lifts it.
 */
export const BENCH_TEMPLATES = { injectors: { maxPrefixes: { limit: 4_294_967_295, action: 'warn' } } };

export const WREN_REFLECTOR = {
  routerId: '198.18.0.1', asn: 64512, listen: { address: ['198.18.0.1'], port: 179 },
  peerTemplates: BENCH_TEMPLATES,
  routeReflector: { clusterId: '198.18.0.1', listenRange: '198.18.0.0/24', template: 'injectors' },
};
