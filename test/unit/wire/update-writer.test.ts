import t from 'tap';
import { Family } from '../../../src/wire/constants.js';
import { makeContext } from '../../../src/wire/context.js';
import { PrefixBatch } from '../../../src/wire/prefix-batch.js';
import { UpdateWriter, encodeEndOfRib } from '../../../src/wire/update-writer.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { NlriCursor, listPrefixes, prefixToString } from '../../../src/wire/nlri.js';
import { encodePathAttributes } from '../../../src/wire/update.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import type { UpdateMessage } from '../../../src/wire/update.js';

const ctx = makeContext({});
const attrs: PathAttribute[] = [
  { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
  { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [64512] }] },
  { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc0000201 },
];
const attrBytes = encodePathAttributes(attrs, ctx);

function decodeUpdateOk(buf: Buffer, c = ctx): UpdateMessage {
  const r = decodeMessage(buf, 0, c);
  if (!r.ok || r.value.type !== 'update') throw new Error('not a valid UPDATE');
  return r.value.update;
}

t.test('IPv4 announcements fill 4096-byte UPDATEs and decode back', async (t) => {
  const batch = new PrefixBatch(Family.IPV4_UNICAST, 4);
  for (let i = 0; i < 3000; i++) batch.pushV4((0xc6120000 + (i << 8)) >>> 0, 24);
  const w = new UpdateWriter(4096);
  const out = Buffer.alloc(w.bufferSize);
  const seen: number[] = [];
  let i = 0;
  let messages = 0;
  const cursor = new NlriCursor();
  while (i < batch.count) {
    const next = w.announceV4(out, 0, attrBytes, batch, i, batch.count);
    t.ok(next > i, 'progress');
    t.ok(w.length <= 4096, 'fits');
    if (next < batch.count) t.ok(w.length > 4096 - 4, 'full unless last');
    const u = decodeUpdateOk(out.subarray(0, w.length));
    t.equal(u.error, null);
    cursor.reset(u.nlri);
    while (cursor.next()) seen.push(cursor.v4);
    i = next;
    messages++;
  }
  t.equal(seen.length, 3000);
  t.same(seen, Array.from(batch.v4.subarray(0, 3000)));
  t.equal(messages, Math.ceil(3000 / Math.floor((4096 - 23 - attrBytes.length) / 4)));
});

t.test('IPv4 withdrawals', async (t) => {
  const batch = new PrefixBatch(Family.IPV4_UNICAST);
  for (let i = 0; i < 1500; i++) batch.pushV4((0xc6120000 + i * 64) >>> 0, 26);
  const w = new UpdateWriter(4096);
  const out = Buffer.alloc(4096);
  let i = 0;
  let n = 0;
  while (i < batch.count) {
    i = w.withdrawV4(out, 0, batch, i, batch.count);
    n += listPrefixes(decodeUpdateOk(out.subarray(0, w.length)).withdrawn).length;
  }
  t.equal(n, 1500);
});

t.test('IPv6 announcements and withdrawals with ADD-PATH in MP attributes', async (t) => {
  const c = makeContext({ addPath: 1 << Family.IPV6_UNICAST });
  const batch = new PrefixBatch(Family.IPV6_UNICAST, 2);
  const p = Buffer.from('20010db8000000000000000000000000', 'hex');
  for (let i = 0; i < 800; i++) {
    p.writeUInt16BE(i, 4);
    batch.pushV6(p, 0, 48, i + 1);
  }
  const w = new UpdateWriter(4096, c.addPath);
  const out = Buffer.alloc(4096);
  const nh = Buffer.from('20010db8000000000000000000000001', 'hex');
  const got: string[] = [];
  let i = 0;
  while (i < batch.count) {
    i = w.announceMp(out, 0, encodePathAttributes(attrs.slice(0, 2), c), nh, batch, i, batch.count);
    const u = decodeUpdateOk(out.subarray(0, w.length), c);
    t.equal(u.error, null, 'valid');
    t.equal(u.mpReach?.nextHop.toString('hex'), nh.toString('hex'));
    for (const pr of listPrefixes(u.mpReach!.nlri!)) got.push(`${prefixToString(pr)}#${pr.pathId}`);
  }
  t.equal(got.length, 800);
  t.equal(got[0], '2001:db8::/48#1');
  t.equal(got[799], '2001:db8:31f::/48#800');
  i = 0;
  let withdrawn = 0;
  while (i < batch.count) {
    i = w.withdrawMp(out, 0, batch, i, batch.count);
    withdrawn += listPrefixes(decodeUpdateOk(out.subarray(0, w.length), c).mpUnreach!.withdrawn!).length;
  }
  t.equal(withdrawn, 800);
});

t.test('End-of-RIB markers decode as such', async (t) => {
  t.equal(decodeUpdateOk(encodeEndOfRib(Family.IPV4_UNICAST)).endOfRib, Family.IPV4_UNICAST);
  t.equal(decodeUpdateOk(encodeEndOfRib(Family.IPV6_UNICAST)).endOfRib, Family.IPV6_UNICAST);
});

t.test('identical attribute sets encode to identical attribute bytes (what the RIB interns by), different ones not', async (t) => {
  const batch = new PrefixBatch(Family.IPV4_UNICAST);
  batch.pushV4(0xc6336400, 24);
  const w = new UpdateWriter(4096);
  const a = Buffer.alloc(4096);
  const b = Buffer.alloc(4096);
  w.announceV4(a, 0, attrBytes, batch, 0, 1);
  batch.clear();
  batch.pushV4(0xcb007100, 24);
  w.announceV4(b, 0, attrBytes, batch, 0, 1);
  const other = encodePathAttributes([...attrs, { kind: 'med', type: 4, flags: 0x80, med: 5 }], ctx);
  const c = Buffer.alloc(4096);
  w.announceV4(c, 0, other, batch, 0, 1);
  const attrBytesOf = (buf: Buffer) => {
    const u = decodeUpdateOk(buf);
    return buf.subarray(u.attrStart, u.attrEnd).toString('hex');
  };
  t.equal(attrBytesOf(a), attrBytesOf(b));
  t.not(attrBytesOf(a), attrBytesOf(c));
});

t.test('an announcement with no room for its first prefix writes nothing; nlriRoom says so beforehand', async (t) => {
  const w = new UpdateWriter(4096);
  const out = Buffer.alloc(w.bufferSize);
  const batch = new PrefixBatch(Family.IPV4_UNICAST, 4);
  batch.pushV4(0xc6336400, 24);
  const room = w.nlriRoom(attrBytes.length);
  t.equal(room, 4096 - 23 - attrBytes.length);
  const huge = Buffer.alloc(4096 - 23 - 3, 0); // leaves 3 bytes: a /24 needs 4
  t.ok(w.nlriRoom(huge.length) < w.prefixBytes(Family.IPV4_UNICAST, 24));
  t.equal(w.announceV4(out, 0, huge, batch, 0, 1), 0, 'no progress reported');
  t.equal(w.length, 0, 'nothing written');
  const fits = Buffer.alloc(4096 - 23 - 4, 0);
  t.equal(w.announceV4(out, 0, fits, batch, 0, 1), 1, 'exactly full');
  t.equal(w.length, 4096);
  const v6 = new PrefixBatch(Family.IPV6_UNICAST, 4);
  v6.pushV6(Buffer.from('20010db8000000000000000000000000', 'hex'), 0, 48);
  const nh = Buffer.alloc(16);
  const mpRoom = w.nlriRoom(100, 16);
  t.equal(mpRoom, 4096 - 23 - 100 - 25);
  t.equal(w.announceMp(out, 0, Buffer.alloc(4096 - 23 - 25 - 6), nh, v6, 0, 1), 0, 'MP: no room for a /48 (7 bytes)');
  t.equal(w.length, 0);
  t.equal(w.announceMp(out, 0, Buffer.alloc(4096 - 23 - 25 - 7), nh, v6, 0, 1), 1);
  t.equal(w.length, 4096);
  const ap = new UpdateWriter(4096, 1 << Family.IPV4_UNICAST);
  t.equal(ap.prefixBytes(Family.IPV4_UNICAST, 24), 8, 'ADD-PATH adds the path id');
});
