/**
 * The systemd unit in config/systemd: systemd-analyze accepts it (and rejects a broken copy, so
 * the check can fail), it asks for what the brief requires, and wrend speaks the notify protocol
 * the unit relies on (READY=1 after config and listen, RELOADING=1/READY=1 on SIGHUP, STOPPING=1).
 */
import { WREND_ENV_WORDS, WREND_NODE_FLAGS } from '../../../src/daemon/node-flags.js';
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { requireTools } from '../../helpers/tools.js';
import { WREND } from '../../helpers/wren.js';

const UNIT = 'config/systemd/wrend.service';

t.test('systemd-analyze verify accepts the unit', async (t) => {
  if (!requireTools(t, ['systemd-analyze'])) return;
  const ok = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stderr.trim(), '', 'no warnings');
  const dir = mkdtempSync(join(tmpdir(), 'wren-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'wrend.service');
  writeFileSync(broken, readFileSync(UNIT, 'utf8').replace('Type=notify', 'Type=notifyy').replace('ExecStart=/usr/bin/node', 'ExecStart=/nonexistent/node'));
  const bad = spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' });
  t.not(bad.stderr.trim(), '', 'a broken copy is reported');
});

t.test('the unit runs wrend unprivileged, with only the capabilities it needs, hardened', async (t) => {
  const unit = readFileSync(UNIT, 'utf8');
  const has = (line: string) => t.match(unit, new RegExp(`^${line.replace(/[$]/g, '\\$')}$`, 'm'), line);
  has('Type=notify');
  has('User=wren');
  has('AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE');
  has('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE');
  has('RuntimeDirectory=wren');
  has('RuntimeDirectoryPreserve=restart');
  has('ExecReload=/bin/kill -HUP $MAINPID');
  has('Restart=on-failure');
  has('NoNewPrivileges=yes');
  has('ProtectSystem=strict');
  t.notMatch(unit, /^MemoryDenyWriteExecute=yes/m, 'V8 needs W+X memory');
  t.notMatch(unit, /CAP_NET_RAW/, 'no raw sockets needed');
});

t.test('every way wrend is started passes the same Node flags and environment (src/daemon/node-flags.ts)', async (t) => {
  const flags = WREND_NODE_FLAGS.join(' ');
  t.ok(flags.length > 0);
  t.match(readFileSync(UNIT, 'utf8'), new RegExp(`^ExecStart=/usr/bin/node ${flags} /opt/wren/dist/src/bin/wrend.js `, 'm'), 'systemd unit');
  const root = join(import.meta.dirname, '..', '..', '..');
  t.match(readFileSync(join(root, 'Dockerfile'), 'utf8'), `ENTRYPOINT ["node", ${WREND_NODE_FLAGS.map((f) => JSON.stringify(f)).join(', ')}, "/opt/wren/dist/src/bin/wrend.js"]`, 'container image');
  const env = WREND_ENV_WORDS.join(' ');
  t.equal(readFileSync(join(root, 'src', 'bin', 'wrend.ts'), 'utf8').split('\n')[0], `#!/usr/bin/env -S ${env} node ${flags}`, 'the wrend shebang');
  t.match(readFileSync(UNIT, 'utf8'), new RegExp(`^Environment=${env}$`, 'm'), 'the environment in the systemd unit');
  t.match(readFileSync(join(root, 'Dockerfile'), 'utf8'), new RegExp(`^ENV ${env}$`, 'm'), 'and in the container image');
  t.match(readFileSync(join(root, 'test', 'image', 'verify.sh'), 'utf8'), `node ${flags} /opt/wren/dist/src/bin/wrend.js`, 'the image check');
});

// A Unix datagram socket to play systemd's part (Node has none: libc through koffi).
const libc = koffi.load('libc.so.6');
const c_socket = libc.func('int socket(int domain, int type, int protocol)');
const c_bind = libc.func('int bind(int fd, const uint8_t *addr, uint32_t len)');
const c_recv = libc.func('long recv(int fd, _Out_ uint8_t *buf, unsigned long len, int flags)');
const c_close = libc.func('int close(int fd)');

t.test('wrend tells systemd when it is ready, reloading and stopping', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-notify-'));
  const sockPath = join(dir, 'notify');
  const fd = c_socket(1, 2, 0) as number;
  const addr = Buffer.alloc(2 + Buffer.byteLength(sockPath) + 1);
  addr.writeUInt16LE(1, 0);
  addr.write(sockPath, 2);
  t.equal(c_bind(fd, addr, addr.length), 0, 'bound the notify socket');
  const config = join(dir, 'wren.yaml');
  writeFileSync(config, 'routerId: 192.0.2.1\nasn: 64512\nlisten: { address: [127.0.0.1], port: 0 }\n');
  const child = spawn(process.execPath, [WREND, '--config', config, '--socket', join(dir, 'wren.sock'), '--log-level', 'warn'], { env: { ...process.env, NOTIFY_SOCKET: sockPath }, stdio: 'ignore' });
  t.teardown(() => {
    child.kill('SIGKILL');
    c_close(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const seen: string[] = [];
  const next = async (want: RegExp): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const buf = Buffer.alloc(4096);
      const n = c_recv(fd, buf, buf.length, 0x40 /* MSG_DONTWAIT */) as number;
      if (n > 0) {
        const msg = buf.subarray(0, n).toString();
        seen.push(msg);
        if (want.test(msg)) return msg;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${String(want)} (got ${JSON.stringify(seen)})`);
  };
  const ready = await next(/READY=1/);
  t.match(ready, new RegExp(`MAINPID=${child.pid}`));
  child.kill('SIGHUP');
  await next(/RELOADING=1/);
  await next(/^READY=1$/);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await next(/STOPPING=1/);
  await exited;
});

t.test('one version everywhere: package.json, the CHANGELOG heading, the image label; the image checks its health', async (t) => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  t.match(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${version.replace(/\./g, '\\.')} — \\d{4}-\\d\\d-\\d\\d$`, 'm'), 'a CHANGELOG section for the version');
  const docker = readFileSync(join(root, 'Dockerfile'), 'utf8');
  t.match(docker, new RegExp(`^ARG WREN_VERSION=${version.replace(/\./g, '\\.')}$`, 'm'), 'the image label version');
  t.match(docker, /^HEALTHCHECK .*\n\s+CMD \["node", "\/opt\/wren\/dist\/src\/bin\/wrenc\.js", "--socket", "\/run\/wren\/wren\.sock", "--timeout", "4", "show", "status"\]$/m, 'HEALTHCHECK through wrenc show status');
  t.match(docker, /^ARG NODE_IMAGE=node:24-bookworm-slim$/m, 'built on the current LTS line');
  t.match(docker, /org\.opencontainers\.image\.licenses="MIT"/, 'OCI labels');
});
