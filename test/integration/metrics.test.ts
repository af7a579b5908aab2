/**
 * The Prometheus endpoint scraped for real: wren with a BIRD peer and the kernel FIB, metrics on
 * its own address; the values must match what the daemon and the kernel say.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsLab, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

/** `name{labels} value` lines as a lookup: value of the first line matching name and labels. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

t.test('metrics endpoint: sessions, messages, prefixes, RIB, FIB, groups, event loop', async (t) => {
  const lab = netnsLab(t, 'metrics', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'] });
  const b = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: ['203.0.113.0/24', '203.0.113.128/25'] });
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.2', asn: 65002, connectRetryTime: 1 }, { address: '192.0.2.9', asn: 65009, connectRetryTime: 1 }],
    announce: ['198.51.100.0/26'],
    fib: { enabled: true },
    metrics: { listen: '192.0.2.1:9179' },
  });
  t.teardown(() => w.stop());
  await waitFor('BIRD Established', () => b.established('192.0.2.1'), 45_000);
  // Exports start once the table is complete: the absent neighbour is given up on after its connect retry time.
  await waitFor('exports started', () => w.exporting(), 20_000);
  const scrape = () => lab.exec(nsW, process.execPath, ['-e', "fetch('http://192.0.2.1:9179/metrics').then(async (r) => process.stdout.write(r.status + '\\n' + (await r.text())))"]);
  const text = (await waitFor('routes counted', () => {
    const s = scrape();
    return metric(s, 'wren_fib_routes') === 2 ? s : null;
  }, 20_000)) as string;
  t.match(text, /^200\n/, 'HTTP 200');
  const peer = { peer: '192.0.2.2', asn: '65002', type: 'node specific' };
  t.equal(metric(text, 'wren_bgp_session_up', peer), 1);
  t.equal(metric(text, 'wren_bgp_session_up', { peer: '192.0.2.9' }), 0, 'the absent peer is down');
  t.equal(metric(text, 'wren_bgp_session_state', { peer: '192.0.2.2', state: 'Established' }), 1);
  t.equal(metric(text, 'wren_bgp_session_state', { peer: '192.0.2.2', state: 'Idle' }), 0);
  t.ok((metric(text, 'wren_bgp_session_uptime_seconds', peer) ?? -1) >= 0);
  // One OPEN, or two when both sides connected at once: the OPEN on the connection that lost the
  // collision (RFC 4271 6.8) is counted too.
  const opens = metric(text, 'wren_bgp_messages_received_total', { peer: '192.0.2.2', message: 'open' }) ?? 0;
  t.ok(opens === 1 || opens === 2, `OPENs received: ${opens}`);
  t.ok((metric(text, 'wren_bgp_messages_received_total', { peer: '192.0.2.2', message: 'update' }) ?? 0) >= 1);
  t.ok((metric(text, 'wren_bgp_messages_sent_total', { peer: '192.0.2.2', message: 'keepalive' }) ?? 0) >= 1);
  t.ok((metric(text, 'wren_bgp_messages_sent_total', { peer: '192.0.2.2', message: 'update' }) ?? 0) >= 1);
  t.equal(metric(text, 'wren_bgp_prefixes_received', peer), 2);
  // Our /26 only: an eBGP peer's own routes are not sent back to it.
  t.equal(metric(text, 'wren_bgp_prefixes_advertised', peer), 1);
  t.equal(metric(text, 'wren_rib_prefixes', { family: 'ipv4' }), 3);
  t.equal(metric(text, 'wren_rib_paths'), 3);
  t.equal(metric(text, 'wren_fib_routes'), 2);
  t.ok((metric(text, 'wren_fib_operations_total', { op: 'installs' }) ?? 0) >= 2);
  t.equal(metric(text, 'wren_fib_errors_total'), 0);
  t.equal(metric(text, 'wren_update_group_members', { family: 'ipv4', kind: 'ebgp' }), 1);
  t.ok(metric(text, 'wren_event_loop_delay_worst_seconds') !== null);
  t.ok(metric(text, 'wren_process_resident_memory_bytes') !== null, 'process metrics too');
  t.ok(metric(text, 'wren_nodejs_eventloop_lag_seconds') !== null);
  t.match(lab.exec(nsW, process.execPath, ['-e', "fetch('http://192.0.2.1:9179/').then((r) => process.stdout.write(String(r.status)))"]), '404');
  // Counters are typed as counters; the family gets afi/safi labels; the build, reloads, readiness.
  t.match(text, /# TYPE wren_bgp_prefixes_filtered_total counter/);
  t.match(text, /# TYPE wren_bgp_updates_refused_total counter/);
  t.equal(metric(text, 'wren_rib_prefixes', { afi: 'ipv4', safi: 'unicast' }), 3);
  t.ok(metric(text, 'wren_build_info', { version: JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version }) === 1, 'build info with the version');
  t.equal(metric(text, 'wren_config_reloads_total', { result: 'applied' }), 0);
  t.equal(metric(text, 'wren_ready'), 1);
  // /healthz: ready with one of the two sessions up; a reload, counted.
  const health = () => lab.exec(nsW, process.execPath, ['-e', "fetch('http://192.0.2.1:9179/healthz').then(async (r) => process.stdout.write(r.status + ' ' + (await r.text())))"]);
  t.match(health(), /^200 \{"ready":true,"reason":"ready","established":1,"configured":2\}/);
  t.equal(w.wrenc('configure').status, 0, 'reload');
  await waitFor('reload counted', () => metric(scrape(), 'wren_config_reloads_total', { result: 'applied' }) === 1, 5000);
  // BIRD goes: no session up, not ready (503 with the reason).
  await b.kill();
  await waitFor('not ready once no session is up', () => health().startsWith('503 {"ready":false,"reason":"no session established"'), 30_000, 250);
});
