/** wrend — the wren BGP daemon: its start-up (src/bin/wrend.ts enables the compile cache, then loads this). */
import { parseArgs } from 'node:util';
import { ConfigError, configFromDocument, parseDocument, type Config } from '../config/load.js';
import { readConfigFile } from '../config/read-file.js';
import type { WrenDocument } from '../config/schema-types.js';
import { realClock } from '../time/clock.js';
import { wrenVersion } from '../config/version.js';
import { createLogger } from '../log/logger.js';
import { Daemon } from '../daemon/daemon.js';
import { sdNotify } from '../daemon/sd-notify.js';
import { flushCompileCache } from './compile-cache.js';
import type { CalicoSource } from '../daemon/calico-source.js';

const USAGE = 'usage: wrend [--config FILE] [--socket PATH] [--log-level LEVEL] [--check] [--version]';
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string', short: 'c', default: '/etc/wren/wren.yaml' },
        socket: { type: 'string', short: 's' },
        'log-level': { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        // Validate and compile the config, open nothing, exit 0 (valid) or 2.
        check: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`wrend: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`wrend ${wrenVersion()}\n`);
    return 0;
  }
  const level = args['log-level'];
  if (level !== undefined && !LEVELS.includes(level)) {
    process.stderr.write(`wrend: --log-level: "${level}" is not a level (${LEVELS.join(', ')})\n`);
    return 2;
  }
  if (args.check) {
    const { checkConfigFile } = await import('../config/check.js');
    const r = await checkConfigFile(args.config as string);
    (r.ok ? process.stdout : process.stderr).write(`${r.ok ? '' : 'wrend: invalid config: '}${r.text}\n`);
    return r.ok ? 0 : 2;
  }
  let local: WrenDocument;
  let config: Config | null = null;
  try {
    const parsed = parseDocument(await readConfigFile(args.config as string), args.config as string);
    local = parsed.raw;
    if (!local.datastore) config = configFromDocument(parsed);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wrend: invalid config: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // The command line wins over the config file, which wins over the defaults.
  const log = createLogger(args['log-level'] ?? config?.logging.level ?? local.logging?.level ?? 'info');
  let calico: CalicoSource | null = null;
  let pendingConfig: Config | null = null;
  if (!config) {
    // Calico's datastore gives the identity and topology; loaded only when configured (gRPC).
    const { CalicoSource } = await import('../daemon/calico-source.js');
    try {
      const opened = await CalicoSource.open(local, { log, clock: realClock });
      calico = opened.source;
      config = opened.config;
    } catch (err) {
      log.fatal({ error: (err as Error).message }, 'cannot start from the Calico datastore');
      return err instanceof ConfigError ? 2 : 1;
    }
  }
  const socket = args.socket ?? config.control.socket ?? '/run/wren/wren.sock';
  const daemon = new Daemon(config, log, undefined, undefined, undefined, socket || null);
  if (calico) {
    const source = calico;
    daemon.configSource = source;
    daemon.calico = source;
    // Changes during start-up wait for it; then each goes through the reload plan.
    source.onConfig = (next) => {
      pendingConfig = next;
    };
  }
  daemon.configFile = args.config as string;
  try {
    await daemon.start();
  } catch (err) {
    log.fatal({ error: (err as Error).message }, 'cannot start');
    return 1;
  }
  if (calico) {
    const apply = (next: Config) => void daemon.reload(next).catch((err: unknown) => log.error({ error: (err as Error).message }, 'datastore change not applied; the running config stays'));
    calico.onConfig = apply;
    if (pendingConfig) apply(pendingConfig);
  }
  // Config loaded, sockets listening: tell systemd (Type=notify) we are ready.
  sdNotify(`READY=1\nSTATUS=${daemon.peers.size} neighbors configured\nMAINPID=${process.pid}`);
  // What was compiled to get here goes to the compile cache now (a killed daemon never writes it).
  flushCompileCache();
  let stopping = false;
  const shutdown = (signal: string, mode: 'restart' | 'down' = 'restart') => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, mode }, 'shutting down');
    sdNotify('STOPPING=1');
    void daemon.stop('wrend shutting down', mode).then(() => process.exit(0));
  };
  daemon.requestShutdown = (mode) => shutdown('wrenc down', mode);
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Reload: apply what changed in the file; an invalid file changes nothing.
  process.on('SIGHUP', () => {
    sdNotify('RELOADING=1');
    void daemon
      .reloadFile(null)
      .catch((err: unknown) => log.error({ error: (err as Error).message }, 'SIGHUP: configuration not reloaded; running config unchanged'))
      .finally(() => sdNotify('READY=1'));
  });
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`wrend: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
