/**
 * wrenc's grammar: the words an operator types, turned into one control request and the way its
 * answer is printed. Pure (no socket), so every command's text output is tested on fixed answers.
 */
import { isIP } from 'node:net';
import { closest } from '../config/did-you-mean.js';
import { COMMAND_NAMES } from './grammar.js';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { NeighborRow } from '../control/neighbor-commands.js';
import type { RouteRow } from '../control/route-commands.js';
import type { FibDiff } from '../fib/fib-sync.js';
import { ROUTE_HEADER, bfdTable, monitorLine, summaryText, type MonitorRow, explainText, fibDiffText, keyValues, neighborsTable, nodeStatus, routeLine, type BfdShowRow, type NodeStatusRow } from './format.js';

export { USAGE } from './grammar.js';

export interface CliCommand {
  command: string;
  args: Record<string, unknown>;
  /** The answer is a stream of rows (printed as they come). */
  streamed: boolean;
  /** Text for people: of the result, or (streamed) a header, each row, and a footer. */
  text(result: unknown): string;
  header?: string;
  row?(row: unknown): string;
  /** Streams whose text needs every row at once (explain: a handful of paths). */
  collect?: boolean;
  /** An endless stream (monitor): --json prints one JSON object per line, and no timeout applies. */
  endless?: boolean;
}

type Parsed = CliCommand | { error: string };

const single = (command: string, args: Record<string, unknown>, text: (r: unknown) => string): CliCommand => ({ command, args, streamed: false, text });

function showRoute(words: string[]): Parsed {
  // Per neighbour: what was announced to it (after export policy).
  const view = words[0] === 'export' ? 'advertised' : words[0];
  if ((view === 'advertised' || view === 'received' || view === 'filtered') && words[1]) {
    const rest = words.slice(2);
    if (rest.some((w) => w !== 'count')) return { error: `show route ${view}: unexpected "${rest.find((w) => w !== 'count')}"` };
    const args = { address: words[1], ...(rest.includes('count') ? { count: true } : {}) };
    const command = `show route ${view}`;
    if (args.count) return single(command, args, (r) => keyValues(r as Record<string, unknown>));
    // filtered: the policy term that rejected each route, after it.
    const row = view === 'filtered' ? (r: unknown) => `${routeLine(r as RouteRow).trimEnd()}  [${((r as RouteRow).importPolicy ?? []).join(', ')}]\n` : (r: unknown) => routeLine(r as RouteRow);
    return { command, args, streamed: true, text: () => '', header: ROUTE_HEADER, row };
  }
  const args: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === 'all' || w === 'count' || w === 'explain' || w === 'longer') args[w] = true;
    else if ((w === 'table' || w === 'peer' || w === 'protocol' || w === 'for') && words[i + 1]) args[w === 'protocol' ? 'peer' : w] = words[++i];
    else if (w.includes('/') && args.prefix === undefined) args.prefix = w;
    // A bare address: its longest match, as vtysh and the gobgp CLI answer.
    else if (isIP(w) && args.for === undefined && args.prefix === undefined) args.for = w;
    else return { error: `show route: unexpected "${w}"` };
  }
  if (args.count) return single('show route', args, (r) => keyValues(r as Record<string, unknown>));
  if (args.longer && !args.prefix) return { error: 'show route longer needs a prefix: show route PREFIX longer' };
  if (args.explain) {
    if (!args.prefix && !args.for) return { error: 'show route explain needs a prefix' };
    return { command: 'show route', args, streamed: true, collect: true, text: (rows) => explainText(rows as RouteRow[]) };
  }
  return { command: 'show route', args, streamed: true, text: () => '', header: ROUTE_HEADER, row: (r) => routeLine(r as RouteRow) };
}

/** Parse the words after the options; `cwd` makes a config file path absolute for the daemon. */
export function parseCommand(words: string[], cwd: string): Parsed {
  const [a, b, ...rest] = words;
  const line = words.join(' ');
  if (line === 'show status') return single('show status', {}, (r) => keyValues(r as Record<string, unknown>));
  if (line === 'show memory') return single('show memory', {}, (r) => keyValues(r as Record<string, unknown>));
  if (line === 'show summary' || line === 'show bgp summary') return single('show summary', {}, (r) => summaryText(r as Parameters<typeof summaryText>[0]));
  if (line === 'show datastore') return single('show datastore', {}, (r) => keyValues(r as Record<string, unknown>));
  if (line === 'show config --effective' || line === 'show config') return single('show config', {}, (r) => stringify(r));
  if (line === 'node status') return single('node status', {}, (r) => `wren process is running.\n\n${nodeStatus(r as NodeStatusRow[])}`);
  if (a === 'show' && (b === 'neighbors' || b === 'neighbours' || b === 'protocols')) {
    const args: Record<string, unknown> = {};
    for (const w of rest) {
      if (w === 'detail' || w === 'all') args.detail = true;
      else if (args.address === undefined) args.address = w;
      else return { error: `show ${b}: unexpected "${w}"` };
    }
    if (args.detail) return single('show neighbors', args, (r) => (r as Record<string, unknown>[]).map((n) => keyValues(n)).join('\n'));
    return single('show neighbors', args, (r) => neighborsTable(r as NeighborRow[]));
  }
  if (a === 'show' && b === 'route') return showRoute(rest);
  if (a === 'show' && b === 'bfd') {
    const args: Record<string, unknown> = {};
    let detail = false;
    for (const w of rest) {
      if (w === 'detail') detail = true;
      else if (args.address === undefined && w !== 'sessions') args.address = w;
      else if (w !== 'sessions') return { error: `show bfd: unexpected "${w}"` };
    }
    return single('show bfd', args, (r) => {
      const res = r as { sessions: (BfdShowRow & Record<string, unknown>)[]; counters: Record<string, unknown> };
      if (detail || args.address) return res.sessions.map((x) => keyValues(x)).join('\n');
      return `${bfdTable(res.sessions)}\n${keyValues({ counters: res.counters })}`;
    });
  }
  if (a === 'show' && b === 'fib') {
    if (rest.length === 0) return single('show fib', {}, (r) => keyValues(r as Record<string, unknown>));
    if (line === 'show fib diff') return single('show fib', { diff: true }, (r) => fibDiffText(r as FibDiff));
    return { error: `show fib: unexpected "${rest.join(' ')}"` };
  }
  if ((a === 'enable' || a === 'disable' || a === 'restart') && b) {
    const args: Record<string, unknown> = { address: b };
    if (rest.length && a !== 'enable') args.message = rest.join(' ');
    const done = { enable: 'enabled', disable: 'disabled', restart: 'restarted' }[a];
    return single(a, args, (r) => `${done} ${b} (now ${(r as { state: string }).state})\n`);
  }
  if (a === 'monitor') {
    if (b !== undefined && b !== 'sessions') return { error: 'usage: monitor [sessions]' };
    return { command: 'monitor', args: b ? { sessions: true } : {}, streamed: true, endless: true, text: () => '', row: (r) => monitorLine(r as MonitorRow) };
  }
  if (a === 'dump' && b === 'rib') {
    const [file, fam, extra] = rest;
    if (!file || extra !== undefined || (fam !== undefined && fam !== 'ipv4' && fam !== 'ipv6')) return { error: 'usage: dump rib FILE [ipv4|ipv6]' };
    const args: Record<string, unknown> = { file: resolve(cwd, file) };
    if (fam) args.family = fam;
    return single('dump rib', args, (r) => {
      const d = r as { file: string; prefixes: number; paths: number; peers: number; bytes: number; ms: number };
      return `wrote ${d.file}: ${d.prefixes} prefixes, ${d.paths} paths from ${d.peers} peers, ${d.bytes} bytes in ${d.ms} ms\n`;
    });
  }
  if (a === 'refresh') {
    if ((b !== 'in' && b !== 'out') || rest.length !== 1) return { error: 'usage: refresh in|out ADDRESS' };
    return single('refresh', { direction: b, address: rest[0] }, (r) => `${(r as { done: string }).done}\n`);
  }
  if (a === 'configure') {
    const check = b === 'check';
    const file = check ? rest[0] : b;
    if ((check ? rest.length : rest.length + (b ? 1 : 0)) > 1) return { error: 'usage: configure [check] [FILE]' };
    const args: Record<string, unknown> = { check };
    if (file) args.file = resolve(cwd, file);
    return single('configure', args, (r) => {
      const res = r as { applied: boolean; text: string };
      return `${res.applied ? 'reconfigured' : 'configuration is valid; plan'}:\n${res.text}`;
    });
  }
  if (a === 'down') {
    const args: Record<string, unknown> = b ? { message: [b, ...rest].join(' ') } : {};
    return single('down', args, () => 'wrend is shutting down: sessions closed with Cease, kernel routes removed\n');
  }
  const near = closest(words.slice(0, 2).join(' '), COMMAND_NAMES, 3) ?? closest(a ?? '', COMMAND_NAMES.map((c) => c.split(' ')[0] as string));
  return { error: `unknown command "${line}"${near ? ` (did you mean "${near}"?)` : ''}` };
}

