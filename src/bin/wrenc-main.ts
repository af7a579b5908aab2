/** wrenc — the wren control client (src/bin/wrenc.ts enables the compile cache, then loads this). */
import { parseArgs } from 'node:util';
import { DEFAULT_TIMEOUT_SECONDS, UnreachableError, request } from '../cli/client.js';
import { parseCommand } from '../cli/commands.js';
import { USAGE, completionScript, helpText } from '../cli/grammar.js';
import { wrenVersion } from '../config/version.js';

/** Write with backpressure: a million-route answer streams through without piling up. */
function write(s: string): Promise<void> | undefined {
  if (!process.stdout.write(s)) return new Promise((r) => process.stdout.once('drain', () => r()));
  return undefined;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        socket: { type: 'string', short: 's', default: '/run/wren/wren.sock' },
        json: { type: 'boolean' },
        timeout: { type: 'string', default: String(DEFAULT_TIMEOUT_SECONDS) },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        // `show config --effective`: the config the datastore computed.
        effective: { type: 'boolean' },
      },
    });
  } catch (err) {
    process.stderr.write(`wrenc: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`wrenc ${wrenVersion()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  // Help and completion need no daemon.
  if (positionals[0] === 'help') {
    const text = helpText(positionals.slice(1));
    if (text === null) {
      process.stderr.write(`wrenc: no command "${positionals.slice(1).join(' ')}" (wrenc help lists them)\n`);
      return 2;
    }
    process.stdout.write(text);
    return 0;
  }
  if (positionals[0] === 'completion') {
    const shell = positionals[1];
    if (shell !== 'bash' && shell !== 'zsh') {
      process.stderr.write('usage: wrenc completion bash|zsh\n');
      return 2;
    }
    process.stdout.write(completionScript(shell));
    return 0;
  }
  const cmd = parseCommand(positionals, process.cwd());
  if ('error' in cmd) {
    process.stderr.write(`wrenc: ${cmd.error}\n(wrenc --help lists the commands)\n`);
    return 2;
  }
  const sock = values.socket as string;
  const json = Boolean(values.json);
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    process.stderr.write(`wrenc: --timeout must be a number of seconds above 0\n`);
    return 2;
  }
  if (!cmd.streamed) {
    let r: unknown;
    try {
      r = await request(sock, cmd.command, cmd.args, undefined, timeout);
    } catch (err) {
      // `configure check FILE` with no wrend to ask: check the file here, as `wrend --check` does.
      const file = cmd.args.file;
      if (!(err instanceof UnreachableError) || err.code === 'EACCES' || cmd.command !== 'configure' || cmd.args.check !== true || typeof file !== 'string') throw err;
      const { checkConfigFile } = await import('../config/check.js');
      const c = await checkConfigFile(file);
      if (json) process.stdout.write(JSON.stringify({ applied: false, checkedBy: 'wrenc (no wrend answered)', valid: c.ok, text: c.text }, null, 2) + '\n');
      else (c.ok ? process.stdout : process.stderr).write(`no wrend answered at ${sock}; checked ${file} here:\n${c.text}\n`);
      return c.ok ? 0 : 2;
    }
    process.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : cmd.text(r));
    return 0;
  }
  if (cmd.collect) {
    const rows = (await request(sock, cmd.command, cmd.args, undefined, timeout)) as unknown[];
    process.stdout.write(json ? JSON.stringify(rows, null, 2) + '\n' : cmd.text(rows));
    return 0;
  }
  // Streamed: a JSON array or text lines, written as rows arrive; an endless stream (monitor)
  // as JSON lines, with no timeout (it may be quiet for hours).
  let first = true;
  let pending: Promise<void> | undefined;
  const lines = Boolean(cmd.endless);
  if (!json && cmd.header) process.stdout.write(cmd.header);
  else if (json && !lines) process.stdout.write('[');
  await request(sock, cmd.command, cmd.args, (row) => {
    pending = write(json ? (lines ? `${JSON.stringify(row)}\n` : `${first ? '' : ','}\n${JSON.stringify(row)}`) : (cmd.row as (r: unknown) => string)(row));
    first = false;
  }, lines ? 0 : timeout);
  await pending;
  if (json && !lines) process.stdout.write(first ? ']\n' : '\n]\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wrenc: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
