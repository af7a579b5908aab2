import t from 'tap';
import { join } from 'node:path';
import { decodeMessage, encodeMessage } from '../../../src/wire/message.js';
import { describeMessage } from '../../../src/wire/describe.js';
import { FIXTURES, loadFixtures } from '../../helpers/wire-fixtures.js';
import type { BgpError } from '../../../src/wire/errors.js';

const valid = loadFixtures(FIXTURES);
const malformed = loadFixtures(join(FIXTURES, 'malformed'));

t.ok(valid.length >= 40, `at least 40 valid vectors (${valid.length})`);
t.ok(malformed.length >= 40, `at least 40 malformed vectors (${malformed.length})`);

for (const f of valid) {
  t.test(f.name, async (t) => {
    const r = decodeMessage(f.bytes, 0, f.context);
    if (!r.ok) {
      t.fail(`decode failed: ${r.error.code} ${r.error.message}`);
      return;
    }
    if (r.value.type === 'update') {
      t.equal(r.value.update.error, null, 'no RFC 7606 error');
      t.same(r.value.update.discarded, [], 'nothing discarded');
    }
    t.same(describeMessage(r.value), f.json.message, 'decodes to the expected fields');
    const again = typeof f.json.reencoded === 'string' ? f.json.reencoded : f.bytes.toString('hex');
    t.equal(encodeMessage(r.value, f.context).toString('hex'), again, 'round-trips to the same bytes (or the documented re-encoding)');
  });
}

/** The outcome of a malformed message: the fatal error, or the strongest RFC 7606 one. */
function verdict(bytes: Buffer, ctx: Parameters<typeof decodeMessage>[2]): BgpError | null {
  const r = decodeMessage(bytes, 0, ctx);
  if (!r.ok) return r.error;
  if (r.value.type !== 'update') return null;
  return r.value.update.error ?? r.value.update.discarded[0] ?? null;
}

for (const f of malformed) {
  t.test(`malformed/${f.name}`, async (t) => {
    const err = verdict(f.bytes, f.context);
    if (!err) {
      t.fail('decoded without error');
      return;
    }
    t.same(
      { errorCode: err.errorCode, subcode: err.subcode, action: err.action },
      { errorCode: f.json.errorCode, subcode: f.json.subcode, action: f.json.action },
      err.message,
    );
  });
}
