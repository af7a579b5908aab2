/**
 * BMP to a monitoring station: a small collector in the test (it decodes every message it gets)
 * beside wren with two BIRD peers; Initiation, Peer Up with both OPENs, the post-policy table as
 * Route Monitoring then End-of-RIB, live changes, Statistics Reports, Peer Down with the
 * NOTIFICATION, Termination; the routes reported match wren's RIB; tshark's BMP dissector reads
 * a capture of the same connection without an error. Then a station that reads nothing is dropped
 * and the sessions are not touched; and one that sends bytes is ignored.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { netnsLab, sleep, waitFor, type Lab } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

/** A BMP collector: prints one JSON line per message (type, peer, prefixes announced/withdrawn, stats, reasons). */
const COLLECTOR = `
const net = require('node:net');
const [port, mode] = process.argv.slice(1);
const out = (x) => process.stdout.write(JSON.stringify(x) + '\\n');
function prefixes(b, at, end) {
  const ps = [];
  while (at < end) { const len = b[at]; const nb = (len + 7) >> 3; const a = [0,0,0,0]; for (let i = 0; i < nb && i < 4; i++) a[i] = b[at + 1 + i]; ps.push(a.join('.') + '/' + len); at += 1 + nb; }
  return ps;
}
function update(b) {
  let p = 19; const wl = b.readUInt16BE(p); p += 2; const withdrawn = prefixes(b, p, p + wl); p += wl;
  const al = b.readUInt16BE(p); p += 2; const attrEnd = p + al;
  let path = [];
  for (let q = p; q < attrEnd;) { const fl = b[q], ty = b[q + 1]; const ext = fl & 0x10; const len = ext ? b.readUInt16BE(q + 2) : b[q + 2]; const v = q + (ext ? 4 : 3);
    if (ty === 2) for (let s = v; s < v + len;) { const n = b[s + 1]; for (let i = 0; i < n; i++) path.push(b.readUInt32BE(s + 2 + 4 * i)); s += 2 + 4 * n; }
    q = v + len; }
  const eor = wl === 0 && al === 0 && attrEnd === b.length;
  return { withdrawn, announced: prefixes(b, attrEnd, b.length), path: path.join(' '), eor };
}
const srv = net.createServer((s) => {
  if (mode === 'silent') { s.pause(); return; }
  if (mode === 'chatty') s.write(Buffer.alloc(4096, 7));
  let buf = Buffer.alloc(0);
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 6) {
      const len = buf.readUInt32BE(1);
      if (buf.length < len) break;
      const m = buf.subarray(0, len); buf = buf.subarray(len);
      const type = m[5]; const r = { type, version: m[0] };
      if (type !== 4 && type !== 5) { r.peer = m.subarray(6 + 10 + 12, 6 + 26).join('.'); r.post = (m[7] & 0x40) !== 0; r.asn = m.readUInt32BE(6 + 26); }
      const body = m.subarray(6 + 42);
      if (type === 0) Object.assign(r, update(body));
      if (type === 1) { const n = body.readUInt32BE(0); r.stats = {}; for (let q = 4, i = 0; i < n; i++) { const ty = body.readUInt16BE(q), l = body.readUInt16BE(q + 2); r.stats[ty] = l === 8 ? Number(body.readBigUInt64BE(q + 4)) : body.readUInt32BE(q + 4); q += 4 + l; } }
      if (type === 2) { r.reason = body[0]; if (body.length > 1) r.notification = [body[1 + 18], body[1 + 19]]; }
      if (type === 3) { r.opens = [body[20 + 18], body[20 + body.readUInt16BE(20 + 16) + 18]]; }
      if (type === 4 || type === 5) { r.tlvs = []; for (let q = 6; q < m.length;) { const ty = m.readUInt16BE(q), l = m.readUInt16BE(q + 2); r.tlvs.push([ty, m.subarray(q + 4, q + 4 + l).toString()]); q += 4 + l; } }
      out(r);
    }
  });
});
srv.listen(Number(port), '127.0.0.1');`;

interface Msg {
  type: number;
  peer?: string;
  post?: boolean;
  announced?: string[];
  withdrawn?: string[];
  eor?: boolean;
  stats?: Record<string, number>;
  reason?: number;
  notification?: number[];
  opens?: number[];
  tlvs?: [number, string][];
  path?: string;
}

function collector(lab: Lab, ns: string, port: number, mode = '', procs: ChildProcess[] = []): Msg[] {
  const got: Msg[] = [];
  const c = lab.spawn(ns, process.execPath, ['-e', COLLECTOR, String(port), mode]);
  procs.push(c);
  let buf = '';
  c.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      got.push(JSON.parse(buf.slice(0, i)) as Msg);
      buf = buf.slice(i + 1);
    }
  });
  return got;
}

t.test('BMP: a station sees the sessions, the tables and the changes; tshark agrees', async (t) => {
  const lab = netnsLab(t, 'bmp', ['bird', 'birdc', 'tshark', 'tcpdump']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], c: ['192.0.2.3/24'] });
  const got = collector(lab, nsW, 11019);
  const pcap = lab.path('bmp.pcap');
  const dump = lab.spawn(nsW, 'tcpdump', ['-i', 'lo', '-w', pcap, '-U', 'tcp port 11019']);
  await sleep(800);
  const b = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: ['203.0.113.0/24', '203.0.113.128/25'] });
  new Bird(lab, nsC, { routerId: '192.0.2.3', asn: 65003, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: ['198.51.100.0/24'] });
  const config = (stations: { address: string; port: number }[]) => ({
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 }, hostname: 'wren-bmp',
    neighbors: [{ address: '192.0.2.2', asn: 65002, connectRetryTime: 1 }, { address: '192.0.2.3', asn: 65003, connectRetryTime: 1 }],
    bmp: { stations, statsInterval: 5 },
  });
  const w = new Wren(lab, nsW, config([{ address: '127.0.0.1', port: 11019 }]));
  t.teardown(() => w.stop());
  await waitFor('both sessions and their tables reported', () => ['192.0.2.2', '192.0.2.3'].every((p) => got.some((m) => m.type === 0 && m.peer === p && m.eor)), 45_000, 200);
  t.equal(got[0]?.type, 4, 'Initiation first');
  t.same(got[0]?.tlvs?.map((x) => x[0]).sort(), [1, 2], 'sysDescr and sysName');
  t.ok(got[0]?.tlvs?.some((x) => x[0] === 2 && x[1] === 'wren-bmp'), 'sysName is the hostname');
  const up = got.filter((m) => m.type === 3);
  t.same(up.map((m) => m.peer).sort(), ['192.0.2.2', '192.0.2.3'], 'Peer Up for each session');
  t.ok(up.every((m) => m.opens?.[0] === 1 && m.opens[1] === 1), 'each with both OPEN messages');
  const announced = (peer: string) => [...new Set(got.filter((m) => m.type === 0 && m.peer === peer).flatMap((m) => m.announced ?? []))].sort();
  const rib = (peer: string) => (w.json('show', 'route', 'peer', peer) as { prefix: string }[]).map((r) => r.prefix).sort();
  // A peer's routes may arrive after its Peer Up and its table's End-of-RIB (then they follow as
  // live Route Monitoring): wait, bounded, for the station's view to catch up with the RIB.
  const same = (p: string) => JSON.stringify(announced(p)) === JSON.stringify(rib(p)) && rib(p).length > 0;
  await waitFor('Route Monitoring shows what the RIB holds from B and C', () => same('192.0.2.2') && same('192.0.2.3'), 15_000, 200).catch(() => undefined);
  t.same(announced('192.0.2.2'), rib('192.0.2.2'), 'post-policy Route Monitoring of B: what the RIB holds from B');
  t.same(announced('192.0.2.3'), rib('192.0.2.3'));
  t.ok(got.filter((m) => m.type === 0).every((m) => m.post), 'the L flag (post-policy)');
  // A live change: B withdraws a prefix (BIRD's static route disabled).
  b.birdc('disable static4');
  await waitFor('the withdrawal reported', () => got.some((m) => m.type === 0 && m.peer === '192.0.2.2' && (m.withdrawn ?? []).length > 0), 15_000, 100);
  await waitFor('a Statistics Report', () => got.some((m) => m.type === 1 && m.peer === '192.0.2.2'), 15_000, 200);
  const stats = got.filter((m) => m.type === 1 && m.peer === '192.0.2.2').at(-1)?.stats ?? {};
  t.ok(stats['7'] !== undefined && stats['8'] !== undefined && stats['0'] !== undefined, `stats types 0, 7 and 8: ${JSON.stringify(stats)}`);
  // B goes with a Cease: Peer Down with the NOTIFICATION it sent.
  b.birdc('disable peer_192_0_2_1');
  await waitFor('Peer Down', () => got.some((m) => m.type === 2 && m.peer === '192.0.2.2'), 15_000, 100);
  const down = got.find((m) => m.type === 2 && m.peer === '192.0.2.2');
  t.equal(down?.reason, 3, 'reason 3: the remote system closed with a NOTIFICATION');
  t.same(down?.notification, [3, 6], 'the NOTIFICATION: Cease');
  // The station removed by reload: Termination.
  writeFileSync(w.configFile, JSON.stringify({ ...config([]), bmp: undefined }));
  t.equal(w.wrenc('configure').status, 0);
  await waitFor('Termination', () => got.some((m) => m.type === 5), 10_000, 100);
  // tshark's dissector on the same bytes, once the capture holds them (a loaded tcpdump lags).
  const pcapTypes = () => new Set(lab.exec(nsW, 'tshark', ['-r', pcap, '-d', 'tcp.port==11019,bmp', '-Y', 'bmp', '-T', 'fields', '-e', 'bmp.type'], { allowFail: true }).split(/[\s,]+/).filter(Boolean));
  await waitFor('the capture holds the Termination', () => pcapTypes().has('5'), 15_000, 500).catch(() => undefined);
  const exited = new Promise((r) => dump.once('exit', r));
  dump.kill('SIGINT');
  await Promise.race([exited, sleep(5000)]);
  const types = pcapTypes();
  t.ok(['0', '1', '2', '3', '4', '5'].every((x) => types.has(x)), `tshark decodes every type: ${[...types].sort().join(' ')}`);
  const bad = lab.exec(nsW, 'tshark', ['-r', pcap, '-d', 'tcp.port==11019,bmp', '-Y', '_ws.malformed || _ws.expert.severity >= error'], { allowFail: true });
  t.same(bad.split('\n').filter((l) => l.trim() && !/^Running as user/.test(l)), [], 'no malformed or error-level packets');
});

t.test('BMP: a station that reads nothing is dropped; one that talks is ignored; sessions untouched', async (t) => {
  const lab = netnsLab(t, 'bmps', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'] });
  collector(lab, nsW, 11020, 'silent');
  const chattyProcs: ChildProcess[] = [];
  const chatty = collector(lab, nsW, 11021, 'chatty', chattyProcs);
  await sleep(800);
  // Enough routes that a station reading nothing falls behind a 1 MB queue (beyond what the
  // kernel's socket buffers on loopback absorb).
  const many = Array.from({ length: 20_000 }, (_, i) => `240.${(i >> 8) & 255}.${i & 255}.0/24`);
  const b = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: many });
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.2', asn: 65002, connectRetryTime: 1 }],
    bmp: { stations: [{ address: '127.0.0.1', port: 11020 }, { address: '127.0.0.1', port: 11021 }], maxQueueMB: 1, statsInterval: 5 },
  });
  t.teardown(() => w.stop());
  await waitFor('the chatty station got the table', () => chatty.some((m) => m.type === 0 && m.eor), 45_000, 200);
  const status = () => (w.json('show', 'status') as { bmp: { station: string; drops: number; bytesIn: number; connected: boolean; connects: number }[] }).bmp;
  // Churn, so the silent station's queue overflows.
  for (let i = 0; i < 6 && !(status().find((x) => x.station.endsWith(':11020'))?.drops ?? 0); i++) {
    b.birdc('disable static4');
    await sleep(1000);
    b.birdc('enable static4');
    await sleep(1000);
  }
  await waitFor('the silent station dropped', () => (status().find((s) => s.station.endsWith(':11020'))?.drops ?? 0) >= 1, 30_000, 250).catch((err: Error) => {
    t.fail(`${err.message}: ${JSON.stringify(status())}`);
    throw err;
  });
  const chattyStatus = status().find((s) => s.station.endsWith(':11021'));
  t.ok((chattyStatus?.bytesIn ?? 0) >= 4096, 'the chatty station\'s bytes were read and ignored');
  t.equal(chattyStatus?.drops, 0, 'and it was not dropped');
  // The chatty station goes away (its process killed: the connection resets) and comes back.
  chattyProcs[0]?.kill('SIGKILL');
  await waitFor('wren saw the station go', () => status().find((x) => x.station.endsWith(':11021'))?.connected === false, 10_000, 100);
  const again = collector(lab, nsW, 11021, 'chatty');
  await waitFor('reconnected and resynced', () => again.some((m) => m.type === 4) && again.some((m) => m.type === 0 && m.eor), 60_000, 200);
  t.ok((status().find((x) => x.station.endsWith(':11021'))?.connects ?? 0) >= 2, 'a second connection');
  t.equal(w.state('192.0.2.2'), 'Established', 'the BGP session untouched');
  t.same(w.lines.filter((l) => l.from === 'Established'), [], 'no session went down');
  t.ok(w.alive);
});
