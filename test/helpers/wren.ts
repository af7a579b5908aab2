/** wrend started inside a Lab namespace from the built dist/, with its JSON log lines collected. */
import { WREND_ENV, WREND_NODE_FLAGS } from '../../src/daemon/node-flags.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import type { Lab } from './netns.js';

// From test/helpers (tap runs the sources) or dist/test/helpers (soak scripts run the build).
const DIST = import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..') : join(import.meta.dirname, '..', '..', 'dist');
export const WREND = join(DIST, 'src', 'bin', 'wrend.js');
export const WRENC = join(DIST, 'src', 'bin', 'wrenc.js');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Resident set size of a process now (MB), from /proc; 0 when it is gone. */
export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
  } catch {
    return 0;
  }
}

export class Wren {
  readonly lines: LogLine[] = [];
  readonly proc: ChildProcess;
  /** The control socket of this wrend. */
  readonly socket: string;
  /** The config file wrend reads (rewrite it, then reload). */
  readonly configFile: string;
  private exited: Promise<number | null>;

  constructor(lab: Lab, ns: string, config: Record<string, unknown>, name = 'wren', logLevel = 'debug') {
    const file = lab.path(`${name}-${ns}.json`);
    this.configFile = file;
    writeFileSync(file, JSON.stringify(config, null, 2));
    this.socket = lab.path(`${name}-${ns}.sock`);
    // WREND_NODE_ARGS: Node flags for wrend (e.g. --heapsnapshot-signal=SIGUSR2 for the soak's heap check).
    const nodeArgs = [...WREND_NODE_FLAGS, ...(process.env.WREND_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    // With a code cache directory, as the systemd unit and the DaemonSet run it (the lab's own: its
    // first wrend writes the cache, the later ones take it; src/bin/script-cache.ts).
    const env = { ...process.env, ...WREND_ENV, WREN_COMPILE_CACHE: lab.path('code-cache') };
    this.proc = lab.spawn(ns, process.execPath, [...nodeArgs, WREND, '--config', file, '--log-level', logLevel, '--socket', this.socket], { env });
    let buf = '';
    this.proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ level: 0, msg: line });
        }
      }
    });
    this.proc.stderr?.on('data', (d: Buffer) => this.lines.push({ level: 60, msg: d.toString() }));
    this.exited = new Promise((r) => this.proc.once('exit', (code) => r(code)));
  }

  /** Run wrenc against this daemon's socket (the socket is a file: no namespace needed). */
  wrenc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [WRENC, '--socket', this.socket, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Log lines about `peer` whose message matches. */
  find(peer: string, msg: RegExp): LogLine[] {
    return this.lines.filter((l) => l.peer === peer && msg.test(l.msg));
  }

  /** A wrenc command's JSON answer. */
  json<T = unknown>(...args: string[]): T {
    const r = this.wrenc('--json', ...args);
    if (r.status !== 0) throw new Error(`wrenc ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Resident set size of wrend now (MB). */
  rssMB(): number {
    return rssMB(this.proc.pid as number);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  state(peer: string): string {
    const changes = this.lines.filter((l) => l.peer === peer && typeof l.to === 'string');
    return (changes.at(-1)?.to as string | undefined) ?? 'Idle';
  }

  /** Routes go out: at once on a cold start, after the table is complete on a restart. */
  exporting(): boolean {
    return this.lines.some((l) => l.msg === 'startup: table complete, exporting' || l.msg === 'cold start: no recent run to recover from, routes are sent at once');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.proc.kill(signal);
    return this.exited;
  }
}
