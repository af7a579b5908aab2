/** A control-socket client: send one request, collect the answer (or stream rows). */
import net from 'node:net';
import type { ControlReply } from '../control/protocol.js';

/** Seconds wrenc waits for wrend to say anything before it gives up (a hung daemon must not hang scripts). */
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** The socket could not be reached: the message says why and what to do. */
export class UnreachableError extends Error {
  readonly code: string;
  constructor(socketPath: string, err: NodeJS.ErrnoException) {
    const hint =
      err.code === 'EACCES'
        ? ' (only root and members of the control group may use it: control.group, default wren; the read-only socket control.readOnlySocket answers show commands)'
        : err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? ' (is wrend running? name its socket with --socket PATH)'
          : '';
    super(`cannot reach wrend at ${socketPath}: ${err.message}${hint}`);
    this.code = err.code ?? 'EUNKNOWN';
  }
}

export async function request(
  socketPath: string,
  command: string,
  args: Record<string, unknown>,
  onRow?: (row: unknown) => Promise<void> | void,
  timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    const rows: unknown[] = [];
    s.setEncoding('utf8');
    // Silence for the whole timeout ends the request; a stream that keeps coming never times out.
    // 0: no timeout (an endless stream such as monitor).
    if (timeoutSeconds > 0) {
      s.setTimeout(timeoutSeconds * 1000, () => {
        s.destroy();
        reject(new Error(`wrend at ${socketPath} did not answer within ${timeoutSeconds} s`));
      });
    }
    s.once('error', (err) => reject(new UnreachableError(socketPath, err as NodeJS.ErrnoException)));
    s.once('close', () => reject(new Error(`wrend at ${socketPath} closed the connection before answering`)));
    s.on('connect', () => s.write(JSON.stringify({ id: 1, command, args }) + '\n'));
    s.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      let pending: Promise<void> | undefined;
      while ((i = buf.indexOf('\n')) >= 0) {
        const reply = JSON.parse(buf.slice(0, i)) as ControlReply;
        buf = buf.slice(i + 1);
        if ('error' in reply) {
          s.destroy();
          return reject(new Error(reply.error));
        }
        if ('result' in reply) {
          s.end();
          return resolve(reply.result);
        }
        if ('row' in reply) {
          if (onRow) pending = onRow(reply.row) ?? pending;
          else rows.push(reply.row);
        }
        if ('done' in reply) {
          s.end();
          return resolve(rows);
        }
      }
      // The consumer is behind (stdout full): stop reading until it catches up.
      if (pending) {
        s.pause();
        void pending.then(() => s.resume());
      }
    });
  });
}
