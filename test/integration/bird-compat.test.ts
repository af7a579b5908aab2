/**
 * The BIRD-compatible socket, driven by the real birdcl client from the Debian bird package and by
 * a raw reader that parses `show protocols` as calicoctl node status does (reply codes, continuation
 * lines, Mesh_/Node_/Global_ names, six columns).
 */
import t from 'tap';
import net from 'node:net';
import { netnsLab, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import { run } from '../helpers/netns.js';

/** Send one command on a fresh connection; the raw reply lines, greeting included. */
function rawBird(path: string, command: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let buf = '';
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      if (lines.length === 2 && lines[0]?.startsWith('0001 ')) s.write(`${command}\n`);
      // A reply ends with a line `NNNN text` (code then space) after the greeting.
      if (lines.slice(1).some((l) => /^\d{4} /.test(l))) {
        s.end();
        resolve(lines.filter((l) => l !== ''));
      }
    });
  });
}

/** calicoctl's reading of `show protocols`: BGP rows named Type_address, at least 6 columns. */
function calicoPeers(lines: string[], sep: '.' | ':'): { ip: string; type: string; state: string; since: string; info: string }[] {
  const types: Record<string, string> = { Mesh: 'node-to-node mesh', Node: 'node specific', Global: 'global' };
  const peers = [];
  for (const line of lines) {
    if (line.startsWith('0000')) break;
    if (line.startsWith('0001') || line.startsWith('2002')) continue;
    let row: string;
    if (line.startsWith('1002-')) row = line.slice(5);
    else if (line.startsWith(' ')) row = line.slice(1);
    else throw new Error(`unexpected output line from BIRD: ${line}`);
    const cols = row.trim().split(/\s+/);
    if (cols.length < 6 || cols[1] !== 'BGP') continue;
    const m = /^(Global|Node|Mesh)_(.+)$/.exec(cols[0] as string);
    if (!m) continue;
    const ip = (m[2] as string).replace(/_/g, sep);
    peers.push({ ip, type: types[m[1] as string] as string, state: cols[3] as string, since: cols[4] as string, info: cols.slice(5).join(' ') });
  }
  return peers;
}

t.test('birdcl and calicoctl-style readers understand wren', async (t) => {
  const lab = netnsLab(t, 'birdc', ['bird', 'birdc', 'birdcl']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB } = lab.hosts(sw, { w: ['192.0.2.1/24', '2001:db8::1/64'], b: ['192.0.2.2/24'] });
  const b = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: ['198.51.100.64/26'] });
  const compat = lab.path('bird.ctl');
  const compat6 = lab.path('bird6.ctl');
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1',
    asn: 64512,
    listen: { address: ['192.0.2.1'], port: 179 },
    mesh: { nodes: ['192.0.2.1', '192.0.2.2'] },
    routeReflectors: ['192.0.2.3', '2001:db8::3'],
    neighbors: [{ address: '192.0.2.4', asn: 63400, connectRetryTime: 1 }],
    announce: ['198.51.100.0/26'],
    control: { birdCompat: compat, birdCompat6: compat6 },
  });
  t.teardown(() => w.stop());
  await waitFor('the mesh session is up', () => b.established('192.0.2.1'), 45_000);
  await waitFor('wren has the block of B', () => w.wrenc('show', 'route', '198.51.100.64/26').stdout.includes('192.0.2.2'), 20_000);
  // Exports start once the table is complete: the absent neighbour is given up on after its connect retry time.
  await waitFor('exports started', () => w.exporting(), 20_000);

  const birdcl = (...cmd: string[]) => run('birdcl', ['-s', compat, ...cmd], { allowFail: true });
  const status = birdcl('show', 'status');
  t.match(status, /BIRD 1\.6\.8 \(wren \d+\.\d+\.\d+\)/, 'wren\'s version in the greeting');
  t.match(status, /Router ID is 192\.0\.2\.1/);
  t.match(status, /Daemon is up and running/);

  const protocols = birdcl('show', 'protocols');
  t.match(protocols, /^name\s+proto\s+table\s+state\s+since\s+info$/m, 'the header');
  t.match(protocols, /^Mesh_192_0_2_2\s+BGP\s+master\s+up\s+\d\d:\d\d:\d\d\s+Established$/m, 'the mesh peer, up');
  t.match(protocols, /^Global_192_0_2_3\s+BGP\s+master\s+start\s+\S+\s+(Active|Connect|Idle)/m, 'a reflector that is not there');
  t.match(protocols, /^Node_192_0_2_4\s+BGP\s+master\s+start/m);

  // As calicoctl does: IPv4 peers from bird.ctl, IPv6 peers from bird6.ctl.
  const v4 = calicoPeers(await rawBird(compat, 'show protocols'), '.').sort((a, b) => a.ip.localeCompare(b.ip));
  t.same(v4.map((p) => [p.ip, p.type, p.state]), [
    ['192.0.2.2', 'node-to-node mesh', 'up'],
    ['192.0.2.3', 'global', 'start'],
    ['192.0.2.4', 'node specific', 'start'],
  ]);
  t.equal(v4[0]?.info, 'Established');
  const v6 = calicoPeers(await rawBird(compat6, 'show protocols'), ':');
  t.same(v6.map((p) => [p.ip, p.type]), [['2001:db8::3', 'global']], 'IPv6 names map back to addresses');

  const detail = birdcl('show', 'protocols', 'all', 'Mesh_192_0_2_2');
  t.match(detail, /BGP state:\s+Established/);
  t.match(detail, /Neighbor address: 192\.0\.2\.2/);
  t.match(detail, /Routes:\s+1 imported, 1 exported/);
  t.match(birdcl('show', 'protocols', 'Nope_1'), /No protocols match/);

  const routes = birdcl('show', 'route');
  t.match(routes, /^198\.51\.100\.64\/26\s+via 192\.0\.2\.2 \[Mesh_192_0_2_2 \d\d:\d\d:\d\d\] \* \(100\/\S+\) \[i\]$/m, 'an iBGP route: (preference/IGP metric), empty AS path');
  t.match(routes, /^198\.51\.100\.0\/26\s+blackhole \[static1 \S+\] \* \(200\)$/m);
  t.match(birdcl('show', 'route', 'count'), /2 of 2 routes for 2 networks/);
  t.match(birdcl('-r', 'show', 'status'), /Daemon is up and running/, 'restricted mode works');
  t.match(birdcl('configure'), /syntax error/, 'nothing that changes state is accepted');
  const raw = await rawBird(compat, 'show status');
  t.match(raw[0], /^0001 BIRD 1\.6\.8 \(wren \d+\.\d+\.\d+\) ready\.$/);
  t.match(raw.at(-1), /^0013 Daemon is up and running$/);
});

/** BIRD 2's `show route for X`: [prefix, pref, AS bracket, next hop, interface] of the first route. */
function bird2Route(text: string): string[] | null {
  const m = /^(\S+)\s+unicast \[\S+ [^\]]+\] \* (\(\d+(?:\/\d+)?\)) (\[[^\]]*\])\n\s+via (\S+) on (\S+)/m.exec(text);
  return m ? m.slice(1, 6) as string[] : null;
}

/** wren's BIRD 1.6 line: the same fields. */
function compatRoute(text: string): string[] | null {
  const m = /^(\S+)\s+via (\S+) on (\S+) \[\S+ \S+(?: from \S+)?\] \* (\(\d+(?:\/[\d?-]+)?\)) (\[[^\]]*\])$/m.exec(text);
  return m ? [m[1], m[4], m[5], m[2], m[3]] as string[] : null;
}

t.test('show route for / protocol / export / count, field by field beside a real BIRD', async (t) => {
  const lab = netnsLab(t, 'birdr', ['bird', 'birdc', 'birdcl']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, r: nsR } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], r: ['192.0.2.3/24'] });
  // B announces to wren and to R; R is a real BIRD that holds the same routes from B.
  new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }, { address: '192.0.2.3', asn: 65003 }], announce: ['203.0.113.0/24', '203.0.113.128/25'] });
  const r = new Bird(lab, nsR, { routerId: '192.0.2.3', asn: 65003, listen: [], peers: [{ address: '192.0.2.2', asn: 65002 }, { address: '192.0.2.1', asn: 64512 }] });
  const compat = lab.path('bird.ctl');
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.2', asn: 65002, connectRetryTime: 1 }, { address: '192.0.2.3', asn: 65003, connectRetryTime: 1 }],
    announce: ['198.51.100.0/26'],
    fib: { enabled: true },
    control: { birdCompat: compat },
  });
  t.teardown(() => w.stop());
  const birdcl = (...cmd: string[]) => run('birdcl', ['-s', compat, ...cmd], { allowFail: true });
  // R's best is B's own path (shorter than the one through wren) once B's session with R is up.
  await waitFor('wren and R hold B\'s routes', () => /203\.0\.113\.0\/24/.test(birdcl('show', 'route')) && bird2Route(r.birdc('show route for 203.0.113.0/24'))?.[3] === '192.0.2.2', 45_000, 250);
  await waitFor('exports started', () => w.exporting(), 20_000);

  for (const addr of ['203.0.113.77', '203.0.113.200']) {
    const real = bird2Route(r.birdc(`show route for ${addr}`));
    const ours = compatRoute(birdcl('show', 'route', 'for', addr));
    t.ok(real && ours, `both answer show route for ${addr}`);
    if (!real || !ours) continue;
    t.same(ours.slice(0, 4), real.slice(0, 4), `${addr}: prefix, (preference), [origin AS + origin], next hop as BIRD has them: ${ours.join(' ')}`);
    t.ok(ours[4] && real[4], 'an interface named on both');
  }
  t.match(birdcl('show', 'route', 'for', '192.0.2.200'), /Network not in table/, 'no covering route: BIRD\'s 8001');
  const raw = await rawBird(compat, 'show route for 192.0.2.200');
  t.match(raw.at(-1), /^8001 Network not in table$/, 'the reply code');

  // protocol NAME: what B gave, best or not; export NAME: what went to R.
  const fromB = birdcl('show', 'route', 'protocol', 'Node_192_0_2_2');
  t.match(fromB, /^203\.0\.113\.0\/24\s+via 192\.0\.2\.2 .*\[Node_192_0_2_2 /m);
  t.notMatch(fromB, /198\.51\.100\.0\/26/, 'not our own block');
  const toR = birdcl('show', 'route', 'export', 'Node_192_0_2_3');
  t.match(toR, /^198\.51\.100\.0\/26\s+blackhole \[static1 \S+\] \* \(200\)$/m, 'our block, as BIRD shows a static route');
  const advertised = (w.json('show', 'route', 'advertised', '192.0.2.3') as { prefix: string }[]).map((x) => x.prefix).sort();
  const exportedPrefixes = [...toR.matchAll(/^(\d+\.\d+\.\d+\.\d+\/\d+)/gm)].map((m) => m[1]).sort();
  t.same(exportedPrefixes, advertised, 'export NAME lists what wrenc show route advertised lists');
  t.match(birdcl('show', 'route', 'protocol', 'Nope_1'), /Not a protocol/);
  t.match(birdcl('show', 'route', 'count'), /^\d+ of \d+ routes for 3 networks$/m);
  const realCount = r.birdc('show route count');
  t.match(realCount, /\d+ of \d+ routes for \d+ networks/, 'the same sentence as BIRD');
  // What wren does not implement is an error, never the whole table.
  for (const cmd of ['show route all', 'show route where bgp_path.len > 1', 'show route filtered', 'show route table master6']) {
    const lines = await rawBird(compat, cmd);
    t.match(lines.at(-1), /^9001 /, `${cmd}: a parse error`);
    t.notOk(lines.some((l) => /203\.0\.113/.test(l)), `${cmd}: no table printed`);
  }
});
