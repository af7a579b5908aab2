/**
 * systemd's readiness protocol (sd_notify): one datagram such as "READY=1" to the Unix socket
 * named by $NOTIFY_SOCKET. Node has no Unix datagram sockets, so this goes through libc (koffi),
 * as the socket options do. Without $NOTIFY_SOCKET (not run by systemd) it does nothing.
 */
import { libc } from '../os/libc.js';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;

/** Send `state` (e.g. "READY=1\nSTATUS=...") to systemd; true when it was sent. */
export function sdNotify(state: string, socketPath = process.env.NOTIFY_SOCKET): boolean {
  if (!socketPath) return false;
  // struct sockaddr_un; a leading '@' names an abstract socket (a NUL byte on the wire).
  const path = Buffer.from(socketPath.startsWith('@') ? `\0${socketPath.slice(1)}` : socketPath);
  if (path.length > 107) return false;
  const addr = Buffer.alloc(2 + path.length + (socketPath.startsWith('@') ? 0 : 1));
  addr.writeUInt16LE(AF_UNIX, 0);
  path.copy(addr, 2);
  const c = libc();
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) return false;
  try {
    const msg = Buffer.from(state);
    return (c.sendto(fd, msg, msg.length, 0, addr, addr.length) as number) === msg.length;
  } finally {
    c.close(fd);
  }
}
