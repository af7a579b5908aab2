/**
 * The session reader scans UPDATEs into reused objects (wire/update.ts UpdateScratch). Each UPDATE
 * handed to the sink must be that UPDATE, also when the sink reads another link from inside its
 * handling (re-entered, the inner UPDATE gets objects of its own), and the scratch must hold no
 * reference to the socket's bytes once the sink is done.
 */
import t from 'tap';
import { SessionReader, type ReaderSink } from '../../../src/session/reader.js';
import { Link } from '../../../src/session/link.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeNetwork } from '../../helpers/fake-transport.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate } from '../../../src/wire/update.js';
import { Family } from '../../../src/wire/constants.js';
import type { Message } from '../../../src/wire/message.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';

const ctx = makeContext({ asn4: true });

function update(prefix: number, asns: number[]): Buffer {
  const attributes: PathAttribute[] = [
    { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
    { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns }] },
    { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc0000201 },
  ];
  const nlri = { buf: Buffer.from([24, 203, 0, prefix]), start: 0, end: 4, family: Family.IPV4_UNICAST, addPath: false };
  return encodeUpdate({ attributes, nlri }, ctx);
}

/** What the sink saw of an UPDATE while it handled it: its NLRI byte and its AS_PATH length. */
function seen(m: Message): string {
  if (m.type !== 'update') return m.type;
  const u = m.update;
  const asPath = u.spans.find((s) => s.type === 2);
  return `${u.buf[u.nlri.start + 3] as number}/${asPath ? asPath.end - asPath.start : -1}`;
}

function link(): Link {
  const [a] = new FakeNetwork().pair('192.0.2.1', '192.0.2.2');
  const l = new Link(a, false);
  l.ctx = ctx;
  l.framer.setContext(ctx);
  return l;
}

t.test('each UPDATE the sink gets is that UPDATE, also when the sink re-enters the reader for another link', async (t) => {
  const outer = link();
  const inner = link();
  const got: string[] = [];
  let reader: SessionReader | null = null;
  let nested = false;
  const sink: ReaderSink = {
    isCurrent: () => true,
    framed: () => undefined,
    error: (err) => t.fail(String(err)),
    message: (l, m) => {
      const before = seen(m);
      if (l === outer && !nested) {
        nested = true;
        // Another link's UPDATE, read while this one is being handled.
        reader?.read(inner, update(99, [1, 2, 3, 4, 5]));
      }
      // The outer UPDATE is unchanged by the nested read.
      got.push(`${l === outer ? 'outer' : 'inner'} ${before} ${seen(m)}`);
    },
  };
  reader = new SessionReader(new FakeClock(), sink);
  reader.read(outer, Buffer.concat([update(1, [65001]), update(2, [65001, 65002])]));
  t.same(got, ['inner 99/22 99/22', 'outer 1/6 1/6', 'outer 2/10 2/10']);
});

t.test('once the sink is done, the reused objects hold nothing of the bytes read', async (t) => {
  const l = link();
  let kept: Message | null = null;
  const reader = new SessionReader(new FakeClock(), {
    isCurrent: () => true,
    framed: () => undefined,
    error: (err) => t.fail(String(err)),
    message: (_l, m) => {
      kept = m;
    },
  });
  const bytes = update(7, [65001]);
  reader.read(l, bytes);
  const m = kept as Message | null;
  t.ok(m && m.type === 'update');
  if (m?.type === 'update') {
    t.equal(m.update.buf.length, 0, 'the message points at no buffer');
    t.ok(m.update.spans.every((s) => s.buf.length === 0), 'nor do its spans');
  }
});
