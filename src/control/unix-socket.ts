/**
 * A Unix stream socket for local clients: made afresh at `path` (a stale one from an earlier run
 * is removed), mode 0660 and, when a group is named, owned by that group; never world-writable.
 */
import net from 'node:net';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

export async function listenUnix(path: string, group: string | null, log: Logger, what: string, onClient: (s: net.Socket) => void): Promise<net.Server> {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) unlinkSync(path);
  const server = net.createServer(onClient);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o660);
  if (group) chownSync(path, -1, groupId(group));
  server.on('error', (err) => log.error({ error: err.message }, `${what} error`));
  return server;
}

/**
 * Lines from a client, each non-blank one handed to `onLine` (which returns false to stop reading).
 * A line longer than `maxBytes` ends the connection with `tooLong`: one client's huge request
 * costs it its connection, never the daemon its memory.
 */
export function readLines(socket: net.Socket, maxBytes: number, tooLong: string, onLine: (line: string) => boolean | void): void {
  let buf = '';
  let done = false;
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    if (done) return;
    buf += chunk;
    if (buf.length > maxBytes && !buf.includes('\n')) {
      done = true;
      buf = '';
      socket.end(tooLong);
      return;
    }
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim() === '') continue;
      if (onLine(line) === false) {
        done = true;
        return;
      }
    }
  });
}

export function closeUnix(server: net.Server | null, path: string): void {
  server?.close();
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The id of a group by name, from /etc/group (as getgrnam would find it there). */
export function groupId(name: string): number {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined) return Number(gid);
  }
  if (/^\d+$/.test(name)) return Number(name);
  throw new Error(`no group "${name}" in /etc/group`);
}
