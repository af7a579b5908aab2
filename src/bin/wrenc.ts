#!/usr/bin/env node
/** wrenc — the wren control client. */
import { parseArgs } from 'node:util';
import { request } from '../cli/client.js';
import { nodeStatus, table } from '../cli/format.js';

const USAGE = `usage: wrenc [--socket PATH] [--json] COMMAND
commands:
  show status
  show neighbors [ADDRESS]     (alias: show protocols)
  node status
  show route [PREFIX]
  show route count
  enable ADDRESS | disable ADDRESS [MESSAGE]`;

interface Neighbor {
  address: string;
  asn: number;
  type: string;
  state: string;
  since: string;
  lastError: string;
  routesReceived: number;
}
interface RouteRow {
  prefix: string;
  nextHop: string;
  from: string;
  asPath: string;
  localPref: number | null;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { socket: { type: 'string', short: 's', default: '/run/wren/wren.sock' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`wrenc: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const words = positionals;
  if (values.help || words.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const sock = values.socket as string;
  const json = Boolean(values.json);
  const print = (v: unknown, text: () => string) => process.stdout.write(json ? JSON.stringify(v, null, 2) + '\n' : text());
  const cmd = words.join(' ');
  if (cmd === 'show status') {
    const r = (await request(sock, 'show status', {})) as Record<string, unknown>;
    print(r, () => Object.entries(r).map(([k, v]) => `${k.padEnd(22)} ${String(v)}`).join('\n') + '\n');
  } else if (words[0] === 'show' && (words[1] === 'neighbors' || words[1] === 'protocols')) {
    const r = (await request(sock, 'show neighbors', words[2] ? { address: words[2] } : {})) as Neighbor[];
    print(r, () => table(['NEIGHBOR', 'AS', 'TYPE', 'STATE', 'SINCE', 'ROUTES', 'INFO'], r.map((n) => [n.address, n.asn, n.type, n.state, n.since, n.routesReceived, n.lastError])));
  } else if (cmd === 'node status') {
    const r = (await request(sock, 'node status', {})) as Parameters<typeof nodeStatus>[0];
    print(r, () => `wren process is running.\n\n${nodeStatus(r)}`);
  } else if (cmd === 'show route count') {
    const r = await request(sock, 'show route count', {});
    print(r, () => Object.entries(r as Record<string, number>).map(([k, v]) => `${k.padEnd(6)} ${v}`).join('\n') + '\n');
  } else if (words[0] === 'show' && words[1] === 'route') {
    const args = words[2] ? { prefix: words[2] } : {};
    if (json) {
      process.stdout.write('[');
      let first = true;
      await request(sock, 'show route', args, (row) => {
        process.stdout.write(`${first ? '' : ','}\n${JSON.stringify(row)}`);
        first = false;
      });
      process.stdout.write('\n]\n');
    } else {
      const rows: RouteRow[] = [];
      await request(sock, 'show route', args, (row) => rows.push(row as RouteRow));
      process.stdout.write(table(['PREFIX', 'NEXT HOP', 'FROM', 'AS PATH', 'LOCAL PREF'], rows.map((r) => [r.prefix, r.nextHop, r.from, r.asPath || '(empty)', r.localPref])));
    }
  } else if ((words[0] === 'enable' || words[0] === 'disable') && words[1]) {
    const r = await request(sock, words[0], { address: words[1], ...(words[2] ? { message: words.slice(2).join(' ') } : {}) });
    print(r, () => `${words[0]}d ${words[1]}\n`);
  } else {
    process.stderr.write(`wrenc: unknown command "${cmd}"\n${USAGE}\n`);
    return 2;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wrenc: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
