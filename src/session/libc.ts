/**
 * The few libc calls Node has no API for (socket options, Unix datagrams), bound once through
 * koffi and shared by the modules that need them.
 */
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
export const c_socket = libc.func('int socket(int domain, int type, int protocol)');
export const c_setsockopt = libc.func('int setsockopt(int fd, int level, int name, const uint8_t *value, uint32_t len)');
export const c_bind = libc.func('int bind(int fd, const uint8_t *addr, uint32_t len)');
export const c_connect = libc.func('int connect(int fd, const uint8_t *addr, uint32_t len)');
export const c_sendto = libc.func('long sendto(int fd, const uint8_t *buf, unsigned long len, int flags, const uint8_t *addr, uint32_t addrlen)');
export const c_close = libc.func('int close(int fd)');
export const c_strerror = libc.func('const char *strerror(int errnum)');
export { koffi };
