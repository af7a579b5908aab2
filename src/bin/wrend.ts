#!/usr/bin/env -S node --max-semi-space-size=2
/** wrend — the wren BGP daemon. */
import { parseArgs } from 'node:util';
import { loadConfigAsync, ConfigError } from '../config/load.js';
import { wrenVersion } from '../config/version.js';
import { createLogger } from '../log/logger.js';
import { Daemon } from '../daemon/daemon.js';
import { sdNotify } from '../daemon/sd-notify.js';

const USAGE = 'usage: wrend [--config FILE] [--socket PATH] [--log-level LEVEL] [--version]';

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
  let config;
  try {
    config = await loadConfigAsync(args.config as string);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wrend: invalid config: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // The command line wins over the config file, which wins over the defaults.
  const log = createLogger(args['log-level'] ?? config.logging.level ?? 'info');
  const socket = args.socket ?? config.control.socket ?? '/run/wren/wren.sock';
  const daemon = new Daemon(config, log, undefined, undefined, undefined, socket || null);
  daemon.configFile = args.config as string;
  try {
    await daemon.start();
  } catch (err) {
    log.fatal({ error: (err as Error).message }, 'cannot start');
    return 1;
  }
  // Config loaded, sockets listening: tell systemd (Type=notify) we are ready.
  sdNotify(`READY=1\nSTATUS=${daemon.peers.size} neighbors configured\nMAINPID=${process.pid}`);
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
