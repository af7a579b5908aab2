/**
 * RFC 7606 end to end: a scripted peer sends wrend crafted UPDATEs over a real session while BIRD
 * holds another. Treat-as-withdraw removes the route and keeps the session; attribute-discard
 * keeps the route (without the attribute) and the session; a duplicate attribute is ignored;
 * only an NLRI that cannot be parsed ends the session (NOTIFICATION UPDATE Message Error), and
 * BIRD's session is never touched.
 */
import t from 'tap';
import { join } from 'node:path';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';
import { rawUpdate } from '../helpers/wire-fixtures.js';
import { birdSince, sameBirdSince } from '../soak/lib/soak.js';

const attr = (flags: number, type: number, value: number[]) => Buffer.from([flags, type, value.length, ...value]);
const ORIGIN = attr(0x40, 1, [0]);
const AS_PATH = attr(0x40, 2, [2, 1, 0, 0, 0xfd, 0xeb]); // AS_SEQUENCE [65003], 4-octet ASNs
const NEXT_HOP = attr(0x40, 3, [192, 0, 2, 3]);
const NLRI = Buffer.from([26, 203, 0, 113, 0]); // 203.0.113.0/26

/** An UPDATE with these attributes (as given) and NLRI, in hex for the script peer. */
function update(attrs: Buffer[], nlri = NLRI): string {
  return rawUpdate(Buffer.concat(attrs), nlri).toString('hex');
}

t.test('RFC 7606: the right answer to each malformed UPDATE, and no other session disturbed', async (t) => {
  const lab = netnsLab(t, 'r7606', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, s: nsS } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], s: ['192.0.2.3/24'] });
  const bird = new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 65002, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }], announce: ['198.51.100.0/26'] });
  const w = new Wren(lab, nsW, {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    neighbors: [{ address: '192.0.2.2', asn: 65002, holdTime: 9, connectRetryTime: 1 }, { address: '192.0.2.3', asn: 65003, passive: true }],
  });
  t.teardown(() => w.stop());
  await waitFor('BIRD is up', () => bird.established('192.0.2.1'), 45_000);
  // BIRD stamps the protocol again as its channels come up: read it once that has settled.
  await sleep(1500);
  const since = birdSince(bird, 'peer_192_0_2_1');

  const peer = lab.spawn(nsS, process.execPath, [join(import.meta.dirname, '..', '..', 'dist', 'test', 'helpers', 'script-peer.js'), JSON.stringify({ host: '192.0.2.1', local: '192.0.2.3', asn: 65003 })], { stdio: ['pipe', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  peer.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim()) events.push(JSON.parse(line) as Record<string, unknown>);
  });
  await waitFor('the scripted peer is up', () => events.some((e) => e.event === 'established'), 20_000);
  const send = (hex: string) => peer.stdin?.write(hex + '\n');
  const route = () => w.wrenc('--json', 'show', 'route', '203.0.113.0/26', 'all').stdout;
  const has = (): boolean => route().includes('192.0.2.3');
  const up = () => w.state('192.0.2.3') === 'Established';

  send(update([ORIGIN, AS_PATH, NEXT_HOP]));
  t.ok(await waitFor('route learned', has, 10_000), 'a valid UPDATE: route learned');

  // COMMUNITIES of length 3 (not a multiple of 4): treat-as-withdraw.
  send(update([ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 8, [0, 1, 2])]));
  t.ok(await waitFor('withdrawn', () => !has(), 10_000).catch(() => false), 'malformed COMMUNITIES: the route is withdrawn');
  t.ok(up(), 'and the session stays');

  // ORIGIN 5: a malformed well-known attribute, also treat-as-withdraw.
  send(update([ORIGIN, AS_PATH, NEXT_HOP]));
  await waitFor('back', has, 10_000);
  send(update([attr(0x40, 1, [5]), AS_PATH, NEXT_HOP]));
  t.ok(await waitFor('withdrawn', () => !has(), 10_000).catch(() => false), 'ORIGIN 5: withdrawn');
  t.ok(up(), 'session stays');

  // AGGREGATOR of 5 bytes: attribute discard, the route stands without it.
  send(update([ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 7, [0, 0, 1, 2, 3])]));
  t.ok(await waitFor('accepted', has, 10_000).catch(() => false), 'malformed AGGREGATOR: route accepted, attribute discarded');
  t.ok(up(), 'session stays');

  // MED twice: the second is discarded (RFC 7606 3(g)); the first counts.
  send(update([ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 4, [0, 0, 0, 7]), attr(0x80, 4, [0, 0, 0, 9])]));
  t.ok(await waitFor('MED 7', () => /"med":\s*7\b/.test(route()), 10_000).catch(() => false), 'duplicate MED: the first one is used');
  t.ok(up(), 'session stays');

  await sleep(500);
  t.ok(w.lines.filter((l) => l.peer === '192.0.2.3' && /session Established -> /.test(l.msg)).length === 0, 'none of these reset the session');

  // A prefix length of 40 in the NLRI: nothing after it can be read, so the session ends.
  send(update([ORIGIN, AS_PATH, NEXT_HOP], Buffer.from([40, 203, 0, 113, 0, 0])));
  t.ok(await waitFor('NOTIFICATION', () => events.some((e) => e.event === 'notification'), 10_000).catch(() => false), 'an unparsable NLRI ends the session');
  t.match(events.find((e) => e.event === 'notification'), { code: 3 }, 'with UPDATE Message Error');
  t.ok(await waitFor('routes of the peer gone', () => !has(), 10_000).catch(() => false), "the peer's routes go with it");

  await sleep(1000);
  t.ok(sameBirdSince(birdSince(bird, 'peer_192_0_2_1'), since), `BIRD's session was never reset (since ${since}, now ${birdSince(bird, 'peer_192_0_2_1')})`);
  t.ok(w.wrenc('show', 'route', '198.51.100.0/26').stdout.includes('192.0.2.2'), "BIRD's route is still there");
  peer.kill();
});
