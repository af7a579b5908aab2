/**
 * The control protocol on wren's Unix socket: newline-delimited JSON. A request is one line
 * `{"id": N, "command": "show neighbors", "args": {...}}`. Answers are lines with the same id:
 * `{"id": N, "result": ...}` for small answers; large ones stream `{"id": N, "row": ...}` lines and
 * end with `{"id": N, "done": true}`; failures are `{"id": N, "error": "..."}`.
 */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface ControlRequest {
  id: number;
  command: string;
  args?: Record<string, unknown>;
}

export type ControlReply =
  | { id: number; result: unknown }
  | { id: number; row: unknown }
  | { id: number; done: true }
  | { id: number; error: string };

export function parseRequest(line: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'request is not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'request must be an object';
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'number' || !Number.isInteger(o.id)) return 'request needs an integer id';
  if (typeof o.command !== 'string' || o.command.length === 0) return 'request needs a command';
  if (o.args !== undefined && (typeof o.args !== 'object' || o.args === null || Array.isArray(o.args))) return 'args must be an object';
  return { id: o.id, command: o.command, args: (o.args as Record<string, unknown> | undefined) ?? {} };
}
