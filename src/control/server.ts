/**
 * The control socket: a Unix socket (mode 0660, never world-writable), many clients at once, each
 * request answered on its own; a malformed or oversized request gets an error and affects nobody
 * else. Streams are written with backpressure, so a 1M-route answer never sits in memory.
 */
import net from 'node:net';
import { chownSync } from 'node:fs';
import type { Logger } from 'pino';
import { closeUnix, groupId, listenUnix, serveLines } from './unix-socket.js';
import { drainOrClose } from '../os/socket-drain.js';
import { MAX_REQUEST_BYTES, parseRequest, type ControlReply, type ControlRequest } from './protocol.js';

export type Handler = (req: ControlRequest, out: ReplyStream) => Promise<void> | void;

/** How a handler answers: one result, or rows then done. */
export class ReplyStream {
  constructor(
    private readonly socket: net.Socket,
    private readonly id: number,
  ) {}

  private write(r: ControlReply): boolean {
    if (this.socket.destroyed) return true;
    return this.socket.write(JSON.stringify(r) + '\n');
  }

  result(v: unknown): void {
    this.write({ id: this.id, result: v });
  }

  error(msg: string): void {
    this.write({ id: this.id, error: msg });
  }

  /** Send one row; resolves when the socket can take more (backpressure). */
  async row(v: unknown): Promise<void> {
    if (!this.write({ id: this.id, row: v })) await drainOrClose(this.socket);
  }

  done(): void {
    this.write({ id: this.id, done: true });
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Run `fn` when the client goes (a stream that waits for events must not outlive it). */
  onClose(fn: () => void): void {
    if (this.socket.destroyed) fn();
    else this.socket.once('close', fn);
  }
}

/** Commands that change nothing: the only ones a read-only socket answers. */
export function isReadOnly(command: string): boolean {
  return command.startsWith('show ') || command === 'node status' || command === 'monitor';
}

export class ControlServer {
  private server: net.Server | null = null;
  private readonly handlers = new Map<string, Handler>();

  constructor(
    private readonly path: string,
    private readonly log: Logger,
    private group: string | null = null,
    /** Answer show commands only (a socket for monitoring tools). */
    readonly readOnly = false,
  ) {}

  on(command: string, h: Handler): void {
    this.handlers.set(command, h);
  }

  get commands(): string[] {
    return [...this.handlers.keys()].sort();
  }

  async start(): Promise<void> {
    this.server = await listenUnix(this.path, this.group, this.log, 'control socket', (s) => this.client(s));
  }

  private client(socket: net.Socket): void {
    serveLines(socket, MAX_REQUEST_BYTES, JSON.stringify({ id: 0, error: `request larger than ${MAX_REQUEST_BYTES} bytes` }) + '\n', (line) => this.request(socket, line));
  }

  private async request(socket: net.Socket, line: string): Promise<void> {
    if (line.length > MAX_REQUEST_BYTES) {
      socket.write(JSON.stringify({ id: 0, error: `request larger than ${MAX_REQUEST_BYTES} bytes` }) + '\n');
      return;
    }
    const req = parseRequest(line);
    if (typeof req === 'string') {
      socket.write(JSON.stringify({ id: 0, error: req }) + '\n');
      return;
    }
    await this.dispatch(req, new ReplyStream(socket, req.id));
  }

  /** Run the handler of a request; its failure is the requester's error only. */
  async dispatch(req: ControlRequest, out: ReplyStream): Promise<void> {
    if (this.readOnly && !isReadOnly(req.command)) {
      out.error(`"${req.command}" is not allowed on the read-only socket (show commands only)`);
      return;
    }
    const h = this.handlers.get(req.command);
    if (!h) {
      out.error(`unknown command "${req.command}" (known: ${this.commands.join(', ')})`);
      return;
    }
    try {
      await h(req, out);
    } catch (err) {
      out.error((err as Error).message);
    }
  }

  /** Hand the socket to another group (config reload); a wrong name is logged, not fatal. */
  setGroup(group: string | null): void {
    try {
      chownSync(this.path, -1, group ? groupId(group) : process.getgid?.() ?? 0);
      this.group = group;
    } catch (err) {
      this.log.error({ group, error: (err as Error).message }, 'cannot change the control socket group');
    }
  }

  close(): void {
    closeUnix(this.server, this.path);
  }
}
