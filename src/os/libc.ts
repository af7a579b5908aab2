/**
 * The few libc calls Node has no API for (socket options, Unix datagrams), bound through koffi on
 * first use and shared by the modules that need them. Most runs need none (no TCP MD5, no GTSM,
 * not under systemd), and loading koffi costs about 3 MB of RSS: nothing is loaded before that.
 */
import { createRequire } from 'node:module';
import type koffiModule from 'koffi';

type Koffi = typeof koffiModule;
type Fn = ReturnType<ReturnType<Koffi['load']>['func']>;

export interface Libc {
  koffi: Koffi;
  socket: Fn;
  setsockopt: Fn;
  getsockopt: Fn;
  bind: Fn;
  connect: Fn;
  sendto: Fn;
  recvfrom: Fn;
  close: Fn;
  strerror: Fn;
}

let bound: Libc | null = null;

export function libc(): Libc {
  if (bound) return bound;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  bound = {
    koffi,
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const uint8_t *value, uint32_t len)'),
    getsockopt: lib.func('int getsockopt(int fd, int level, int name, _Out_ uint8_t *value, _Inout_ uint32_t *len)'),
    bind: lib.func('int bind(int fd, const uint8_t *addr, uint32_t len)'),
    connect: lib.func('int connect(int fd, const uint8_t *addr, uint32_t len)'),
    sendto: lib.func('long sendto(int fd, const uint8_t *buf, unsigned long len, int flags, const uint8_t *addr, uint32_t addrlen)'),
    recvfrom: lib.func('long recvfrom(int fd, _Out_ uint8_t *buf, unsigned long len, int flags, _Out_ uint8_t *addr, _Inout_ uint32_t *addrlen)'),
    close: lib.func('int close(int fd)'),
    strerror: lib.func('const char *strerror(int errnum)'),
  };
  return bound;
}
