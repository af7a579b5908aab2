/**
 * A Unix stream socket for local clients: made afresh at `path` (a stale one from an earlier run
 * is removed), mode 0660 and, when a group is named, owned by that group; never world-writable.
 */
import net from 'node:net';
import { drainOrClose } from '../os/socket-drain.js';
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

/** Replies queued to one client beyond which its requests wait (it is not reading). */
export const OUTPUT_BUDGET = 1024 * 1024;
/** Queued replies beyond which a client that does not read is dropped. */
export const OUTPUT_LIMIT = 16 * 1024 * 1024;
/** Requests read ahead of the one being answered before reading pauses. */
const READ_AHEAD = 32;

/**
 * Serve a client line by line: each non-blank line is handed to `onLine` (which returns false to
 * stop), one at a time and in order, the next only once the previous one is answered. A client
 * pipelining requests without reading the replies gets no more answers, and no more of its
 * requests are read, while more than OUTPUT_BUDGET waits for it; past OUTPUT_LIMIT it is
 * dropped. A line longer than `maxBytes` ends the connection with `tooLong`. So one client costs
 * the daemon a bounded amount of memory and never a long turn of the event loop.
 */
export function serveLines(socket: net.Socket, maxBytes: number, tooLong: string, onLine: (line: string) => boolean | void | Promise<boolean | void>): void {
  let buf = '';
  let done = false;
  let busy = false;
  const queue: string[] = [];
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length > 0 && !done && !socket.destroyed) {
      const line = queue.shift() as string;
      if ((await onLine(line)) === false) done = true;
      if (socket.writableLength > OUTPUT_LIMIT) {
        done = true;
        socket.destroy();
      } else if (socket.writableLength > OUTPUT_BUDGET) {
        await drainOrClose(socket);
      } else {
        // Let other clients, timers and peers run between requests.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    busy = false;
    if (!done && queue.length < READ_AHEAD) socket.resume();
  };
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
      if (line.trim() !== '') queue.push(line);
    }
    if (queue.length >= READ_AHEAD) socket.pause();
    void pump();
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
