/**
 * The Calico datastore over TLS, as Calico's manifests run etcd: a real etcd on loopback with
 * server and client certificates (made here with openssl); wren's store reads and watches with
 * the CA, cert and key of `datastore.tls`, and is refused without a client certificate.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { requireTools } from '../helpers/tools.js';
import { waitFor } from '../helpers/netns.js';
import { openEtcd, type StoreEvent } from '../../src/datastore/etcd-store.js';

const ssl = (dir: string, ...args: string[]) => {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
};

t.test('etcd with TLS and client certificates: read and watch with datastore.tls, refused without a client cert', async (t) => {
  if (!requireTools(t, ['etcd', 'etcdctl', 'openssl'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'wren-etcd-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  ssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=wren-test-ca');
  for (const who of ['server', 'client']) {
    ssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    ssl(dir, 'x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '1', '-extfile', 'san.cnf');
  }
  const port = 20000 + (process.pid % 20000);
  const url = `https://127.0.0.1:${port}`;
  const etcd = spawn('etcd', [
    '--name', 'wren-tls', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${port + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${port + 1}`,
    '--initial-cluster', `wren-tls=http://127.0.0.1:${port + 1}`, '--log-level', 'error',
    '--cert-file', join(dir, 'server.pem'), '--key-file', join(dir, 'server.key'), '--trusted-ca-file', join(dir, 'ca.pem'), '--client-cert-auth',
  ], { stdio: 'ignore' });
  t.teardown(() => void etcd.kill('SIGKILL'));
  const ctl = (...args: string[]) => spawnSync('etcdctl', ['--endpoints', url, '--cacert', join(dir, 'ca.pem'), '--cert', join(dir, 'client.pem'), '--key', join(dir, 'client.key'), ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  await waitFor('etcd over TLS healthy', () => ctl('endpoint', 'health').status === 0, 20_000, 300);
  ctl('put', '/calico/resources/v3/projectcalico.org/nodes/n1', '{"metadata":{"name":"n1"}}');

  const store = await openEtcd({ endpoints: [url], tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') } });
  t.teardown(() => store.close());
  const snap = await store.readAll(['/calico/resources/v3/projectcalico.org/']);
  t.same(snap.kvs.map((k) => k.key), ['/calico/resources/v3/projectcalico.org/nodes/n1'], 'read over TLS with a client certificate');
  const seen: StoreEvent[] = [];
  const stop = await store.watch(['/calico/'], String(BigInt(snap.revision) + 1n), { events: (evs) => seen.push(...evs), connection: () => undefined, lost: () => undefined });
  t.teardown(() => void stop());
  ctl('put', '/calico/resources/v3/projectcalico.org/nodes/n2', '{"metadata":{"name":"n2"}}');
  await waitFor('the watch sees the put', () => seen.length > 0, 10_000, 100);
  t.equal(seen[0]?.key, '/calico/resources/v3/projectcalico.org/nodes/n2', 'and watched');

  const noCert = await openEtcd({ endpoints: [url], tls: { ca: join(dir, 'ca.pem') }, timeoutMs: 2000 });
  t.teardown(() => noCert.close());
  await t.rejects(noCert.readAll(['/calico/']), 'without a client certificate etcd refuses the read');
});
