/**
 * The session reader scans every UPDATE into the same scratch objects. A scan into a scratch that
 * held the last UPDATE (valid or malformed, with more attributes or fewer, errors or none) must give
 * exactly what a fresh scan gives; release() must leave no reference to the message's buffer.
 */
import t from 'tap';
import { decodeAttributes, scanUpdate, UpdateScratch, type UpdateMessage } from '../../../src/wire/update.js';
import { FIXTURES, loadFixtures, type Fixture } from '../../helpers/wire-fixtures.js';
import { join } from 'node:path';

const updates = [...loadFixtures(FIXTURES), ...loadFixtures(join(FIXTURES, 'malformed'))].filter((f) => f.bytes.length >= 19 && f.bytes[18] === 2);

/** What a scan found, as plain data (buffers as hex), decoded attributes included. */
function summary(f: Fixture, m: UpdateMessage): string {
  const attrs = decodeAttributes(m, f.context);
  return JSON.stringify(
    {
      start: m.start,
      end: m.end,
      withdrawn: [m.withdrawn.start, m.withdrawn.end, m.withdrawn.addPath],
      nlri: [m.nlri.start, m.nlri.end, m.nlri.addPath],
      attr: [m.attrStart, m.attrEnd],
      spans: m.spans.map((s) => [s.header, s.start, s.end, s.flags, s.type, s.action]),
      mpReach: m.mpReach,
      mpUnreach: m.mpUnreach,
      error: m.error?.message ?? null,
      discarded: m.discarded.map((e) => e.message),
      endOfRib: m.endOfRib,
      attrs,
    },
    (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v),
  );
}

function scan(f: Fixture, scratch: UpdateScratch | null): { ok: true; text: string } | { ok: false; error: string } {
  try {
    const m = scanUpdate(f.bytes, 0, f.bytes.length, f.context, scratch);
    return { ok: true, text: summary(f, m) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

t.test('a scan into the reused scratch is a fresh scan, whatever UPDATE came before', async (t) => {
  t.ok(updates.length > 40, `${updates.length} UPDATE fixtures, valid and malformed`);
  const scratch = new UpdateScratch();
  let state = 0x9e3779b9;
  let differ = 0;
  let withScratch = 0;
  for (let i = 0; i < 2000; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const f = updates[state % updates.length] as Fixture;
    const fresh = scan(f, null);
    const reused = scan(f, scratch);
    if (reused.ok) withScratch++;
    if (JSON.stringify(fresh) !== JSON.stringify(reused)) {
      differ++;
      if (differ <= 3) t.fail(`${f.name} after another UPDATE: ${JSON.stringify(reused)} where a fresh scan gives ${JSON.stringify(fresh)}`);
    }
    if (i % 7 === 0) scratch.release();
  }
  t.equal(differ, 0, 'no scan differed');
  t.ok(withScratch > 500, 'most of them scanned');
});

t.test('release() drops every reference to the buffer the message was scanned from', async (t) => {
  const f = updates.find((u) => u.name.startsWith('update-') && u.bytes.length > 40) as Fixture;
  t.ok(f, 'a valid UPDATE fixture');
  const scratch = new UpdateScratch();
  const buf = Buffer.from(f.bytes);
  const m = scanUpdate(buf, 0, buf.length, f.context, scratch);
  t.ok(m.spans.length > 0);
  scratch.release();
  const refs = [m.buf, m.withdrawn.buf, m.nlri.buf, ...scratch.spans.map((s) => s.buf)];
  t.notOk(refs.some((b) => b === buf), 'no span, block or message field holds it');
  t.equal(m.mpReach, null);
});
