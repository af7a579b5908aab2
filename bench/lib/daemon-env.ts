/**
 * The environment the benchmarks start daemons in: the one a service manager gives them, not the
 * shell's. systemd starts the unit (config/systemd/wrend.service) with PATH and the unit's
 * Environment= lines, the DaemonSet's container with the image's ENV and its env list; wrend is
 * measured as it runs there: with the malloc settings it ships with (src/daemon/node-flags.ts) and
 * a code cache directory (WREN_COMPILE_CACHE, src/bin/script-cache.ts) written by an earlier start,
 * as on a host that has run wrend before (warmCodeCache; BENCH_CODE_CACHE=0 measures without).
 * The shell's variables would change what is measured: NODE_EXTRA_CA_CERTS, which this machine's
 * shell sets to the system's 144 certificates, makes every Node process parse them when it starts,
 * before any of its own code runs: 50 ms of CPU and 1.8 MB of peak memory per start here (a bare
 * `node -e 0`: 30 -> 80 ms, 38.8 -> 40.6 MB). NODE_OPTIONS would add flags. BIRD, FRR and GoBGP get
 * the same environment without wrend's settings.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WREND_ENV, WREND_NODE_FLAGS } from '../../src/daemon/node-flags.js';

export function daemonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...extra };
}

/**
 * The code cache directory of this benchmark run, shared with the benchmark processes it starts
 * (BENCH_CODE_CACHE_DIR), removed when the process that made it exits; null with BENCH_CODE_CACHE=0.
 */
export function codeCacheDir(): string | null {
  if (process.env.BENCH_CODE_CACHE === '0') return null;
  const had = process.env.BENCH_CODE_CACHE_DIR;
  if (had) return had;
  const dir = mkdtempSync(join(tmpdir(), 'wren-bench-cache-'));
  process.env.BENCH_CODE_CACHE_DIR = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** wrend's environment: daemonEnv, the malloc settings every wrend start passes, the code cache. */
export function wrendEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const cache = codeCacheDir();
  return daemonEnv({ ...WREND_ENV, ...(cache ? { WREN_COMPILE_CACHE: cache } : {}), ...extra });
}

/**
 * One start of wrend (dist) that writes the code cache, as the first start on a host does: a
 * reflector on 127.0.0.1 with one neighbour, stopped once the cache is there (at most 20 s).
 */
export async function warmCodeCache(dist: string): Promise<boolean> {
  const cache = codeCacheDir();
  if (!cache) return false;
  const dir = mkdtempSync(join(tmpdir(), 'wren-bench-warm-'));
  const conf = join(dir, 'wren.json');
  writeFileSync(conf, JSON.stringify({ routerId: '198.18.0.1', asn: 64512, listen: { address: ['127.0.0.1'], port: 0 }, neighbors: [{ address: '127.0.0.2', asn: 64512, passive: true }] }));
  const proc = spawn(process.execPath, [...WREND_NODE_FLAGS, join(dist, 'src', 'bin', 'wrend.js'), '--config', conf, '--socket', join(dir, 'wren.sock'), '--log-level', 'warn'], { env: wrendEnv(), stdio: 'ignore' });
  const exited = new Promise((r) => proc.once('exit', r));
  const written = () => existsSync(cache) && readdirSync(cache).some((n) => n.endsWith('.v8'));
  try {
    for (let i = 0; i < 200 && !written() && proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    return written();
  } finally {
    proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
