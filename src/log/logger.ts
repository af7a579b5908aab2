/**
 * Logs: pino JSON lines to stdout (journald and log shippers read them as they are); on a
 * terminal the same records are printed for people instead, one readable line each.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { isoTimeField } from '../time/iso-time.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
const SKIP = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'peer']);

/** One JSON record as a line for people: time, level, peer, message, then key=value. */
export function prettyLine(json: string, color: boolean): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = Number(r.level);
  const time = typeof r.time === 'string' ? r.time.slice(11, 23) : '';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const lvl = color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name;
  const peer = r.peer ? ` [${String(r.peer)}]` : '';
  const rest = Object.entries(r)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${lvl}${peer} ${String(r.msg ?? '')}${rest ? `  ${rest}` : ''}\n`;
}

function prettyStream(out: NodeJS.WriteStream): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line.trimEnd(), Boolean(out.isTTY))) };
}

export function createLogger(level: string, pretty = Boolean(process.stdout.isTTY)): Logger {
  const opts = { level, base: { name: 'wrend' }, timestamp: isoTimeField };
  return pretty ? pino(opts, prettyStream(process.stdout)) : pino(opts);
}
