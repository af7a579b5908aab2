// TABLE_DUMP_V2 files as a third-party reader sees them: a RIB of IPv4 and IPv6 paths (several
// peers, communities, ADD-PATH ids) dumped, then read by bgpdump (Debian's package), which must
// list exactly the paths the RIB holds; the records' bytes are checked by hand where they are ours.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rib } from '../../../src/rib/rib.js';
import { Family, AttrType, AttrFlag } from '../../../src/wire/constants.js';
import { dumpRib } from '../../../src/mrt/rib-dump.js';
import { RR, announce, base, ribPeer } from '../../helpers/rib-fixtures.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeNlri, parsePrefix, type Prefix } from '../../../src/wire/nlri.js';
import { encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import { mrtRecord, peerIndexTable, ribRecordBody } from '../../../src/mrt/mrt-codec.js';

t.test('the codec: header, peer index, a RIB record, by the bytes', async (t) => {
  const rec = mrtRecord(0x5f000000, 13, 2, ribRecordBody(7, new Uint8Array([203, 0, 113, 0]), 24, [{ peerIndex: 1, originatedSec: 0x5f000001, pathId: 0, attributes: Buffer.from([0x40, 1, 1, 0]) }], false));
  t.equal(rec.toString('hex'), '5f000000' + '000d' + '0002' + '00000016' + '00000007' + '18' + 'cb0071' + '0001' + '0001' + '5f000001' + '0004' + '40010100');
  const pit = peerIndexTable(0xc0000201, 'wren', [{ routerId: 0xc0000202, address: new Uint8Array([192, 0, 2, 2]), asn: 65002 }, { routerId: 1, address: new Uint8Array(16), asn: 4200000000 }]);
  t.equal(pit.toString('hex'), 'c0000201' + '0004' + Buffer.from('wren').toString('hex') + '0002' + '02c0000202c00002020000fdea' + '0300000001' + '00'.repeat(16) + 'fa56ea00');
});

t.test('bgpdump reads what wren writes: IPv4 and IPv6, several peers, ADD-PATH', async (t) => {
  if (spawnSync('bgpdump', ['-h'], { encoding: 'utf8' }).error) return t.comment('skipped: bgpdump is not installed (apt-get install bgpdump)');
  const dir = mkdtempSync(join(tmpdir(), 'wren-mrt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rib = new Rib(RR);
  const a = ribPeer(rib, '192.0.2.2', 'ebgp', 0xc0000202);
  const b = ribPeer(rib, '192.0.2.3', 'ebgp', 0xc0000203);
  const comm: PathAttribute = { kind: 'communities', type: AttrType.COMMUNITIES, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, communities: [0xfdea0064, 0xfdea00c8] };
  rib.applyUpdate(a, announce(['203.0.113.0/24', '198.51.100.0/26'], base([65002, 65100], 0xc0000202, [comm])));
  rib.applyUpdate(b, announce(['203.0.113.0/24'], base([65003], 0xc0000203)));
  // An ADD-PATH peer with two paths for one prefix, and IPv6 in MP_REACH_NLRI.
  const c = ribPeer(rib, '192.0.2.4', 'ebgp', 0xc0000204);
  const apCtx = makeContext({ addPath: (1 << Family.IPV4_UNICAST) | (1 << Family.IPV6_UNICAST) });
  c.ctx = apCtx;
  const p4 = parsePrefix('192.0.2.128/25') as Prefix;
  const u4 = encodeUpdate({ attributes: base([65004, 65200], 0xc0000204), nlri: encodeNlri([{ ...p4, pathId: 7 }], Family.IPV4_UNICAST, true) }, apCtx);
  rib.applyUpdate(c, scanUpdate(u4, 0, u4.length, apCtx));
  const u4b = encodeUpdate({ attributes: base([65004, 65201], 0xc0000204), nlri: encodeNlri([{ ...p4, pathId: 9 }], Family.IPV4_UNICAST, true) }, apCtx);
  rib.applyUpdate(c, scanUpdate(u4b, 0, u4b.length, apCtx));
  const p6 = parsePrefix('2001:db8:42::/48') as Prefix;
  const nh6 = Buffer.from('20010db8000000000000000000000004', 'hex');
  const mp: PathAttribute = { kind: 'mp-reach', type: AttrType.MP_REACH_NLRI, flags: AttrFlag.OPTIONAL, afi: 2, safi: 1, nextHop: nh6, nlri: encodeNlri([{ ...p6, pathId: 3 }], Family.IPV6_UNICAST, true), rest: null } as PathAttribute;
  const u6 = encodeUpdate({ attributes: [...base([65004], 0).filter((x) => x.kind !== 'next-hop'), mp] }, apCtx);
  rib.applyUpdate(c, scanUpdate(u6, 0, u6.length, apCtx));
  const file = join(dir, 'rib.mrt');
  const r = await dumpRib(rib.reader, file, { families: [Family.IPV4_UNICAST, Family.IPV6_UNICAST], routerId: 0xc0000201, asn: 64512 });
  t.match(r, { prefixes: 4, paths: 6 });
  t.ok(existsSync(file) && !readdirSync(dir).some((f) => f.includes('.tmp-')), 'renamed into place, no temporary file left');
  const out = spawnSync('bgpdump', ['-m', file], { encoding: 'utf8' });
  t.equal(out.status, 0, out.stderr);
  // bgpdump prints an ADD-PATH record's path id after the prefix: one field more on those lines.
  const all = out.stdout.trim().split('\n').map((l) => l.split('|'));
  const plain = Math.min(...all.map((f) => f.length));
  const ids: string[] = [];
  const lines = all.map((f) => {
    if (f.length === plain) return f;
    ids.push(`${f[5]}#${f[6]}`);
    return [...f.slice(0, 6), ...f.slice(7)];
  });
  // TABLE_DUMP2|time|B|peer ip|peer as|prefix|as path|origin|next hop|local pref|med|communities|...
  const rows = lines.map((f) => [f[3], f[4], f[5], f[6], f[8], f[11]].join(' ')).sort();
  t.same(rows, [
    '192.0.2.2 65001 198.51.100.0/26 65002 65100 192.0.2.2 65002:100 65002:200',
    '192.0.2.2 65001 203.0.113.0/24 65002 65100 192.0.2.2 65002:100 65002:200',
    '192.0.2.3 65001 203.0.113.0/24 65003 192.0.2.3 ',
    '192.0.2.4 65001 192.0.2.128/25 65004 65200 192.0.2.4 ',
    '192.0.2.4 65001 192.0.2.128/25 65004 65201 192.0.2.4 ',
    '192.0.2.4 65001 2001:db8:42::/48 65004 2001:db8::4 ',
  ].sort(), 'every path, as the RIB holds it (the peer AS is the fixture\'s)');
  t.same(ids.sort(), ['192.0.2.128/25#7', '192.0.2.128/25#9', '2001:db8:42::/48#3'].sort(), 'the path ids, as bgpdump reads them');
  const raw = readFileSync(file);
  const subtypes = new Set<number>();
  for (let at = 0; at + 12 <= raw.length; at += 12 + raw.readUInt32BE(at + 8)) subtypes.add(raw.readUInt16BE(at + 6));
  t.same([...subtypes].sort((x, y) => x - y), [1, 2, 8, 10], 'peer index, RIB_IPV4_UNICAST, and the ADD-PATH records for IPv4 and IPv6 (RFC 8050)');
  t.ok(readFileSync(file).length === r.bytes, 'the size reported is the file\'s');
});
