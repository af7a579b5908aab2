/**
 * The environment the benchmarks start daemons in: the one a service manager gives them, not the
 * shell's. systemd starts the unit (config/systemd/wrend.service) with PATH and the unit's
 * Environment= lines, the image with its ENV lines; wrend is measured as it runs there, with the
 * malloc settings it ships with (src/daemon/node-flags.ts). The shell's variables would change what
 * is measured: NODE_EXTRA_CA_CERTS, which this machine's shell sets to the system's 144
 * certificates, makes every Node process parse them when it starts, before any of its own code
 * runs: 50 ms of CPU and 1.8 MB of peak memory per start here (a bare `node -e 0`: 30 -> 80 ms,
 * 38.8 -> 40.6 MB). NODE_OPTIONS would add flags. BIRD, FRR and GoBGP get the same environment without the malloc settings.
 */
import { WREND_ENV } from '../../src/daemon/node-flags.js';

export function daemonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...extra };
}

/** wrend's environment: daemonEnv and the malloc settings every wrend start passes. */
export function wrendEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return daemonEnv({ ...WREND_ENV, ...extra });
}
