/** Waiting on a socket's send buffer, for writers that respect backpressure (control socket, BMP). */
import type net from 'node:net';

/** Resolves when `socket` drains or closes, whichever comes first (no listener is left behind). */
export function drainOrClose(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
