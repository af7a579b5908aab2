import t from 'tap';
import { isoString, isoTimeField } from '../../../src/time/iso-time.js';
import { seededRandom } from '../../helpers/seeded.js';

// Date.prototype.toISOString is the oracle: the formatter must write exactly what it writes.
const oracle = (ms: number) => new Date(ms).toISOString();

t.test('the edges of days, months, leap years and centuries', async (t) => {
  const day = 86_400_000;
  const edges = [
    0, -1, 1, 999, 1000, day - 1, day, -day, -day - 1,
    Date.UTC(2000, 1, 28, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(2000, 2, 1) - 1,
    Date.UTC(1900, 1, 28, 12), Date.UTC(1900, 2, 1), Date.UTC(2100, 1, 28), Date.UTC(2100, 2, 1),
    Date.UTC(2024, 1, 29, 6, 7, 8, 9), Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1),
    Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(1600, 1, 29), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1), Date.UTC(0, 0, 1) - 1, 8.64e15, -8.64e15,
  ];
  for (const ms of edges) t.equal(isoString(ms), oracle(ms), `${ms}`);
});

t.test('random times from 1900 to 2200, in order and out of order (the per-second cache)', async (t) => {
  const rnd = seededRandom(20261202);
  const lo = Date.UTC(1900, 0, 1);
  const span = Date.UTC(2200, 0, 1) - lo;
  let bad = 0;
  let ms = lo;
  for (let i = 0; i < 50_000; i++) {
    // Half the steps stay within the same second or the next, as log records do.
    ms = i % 2 === 0 ? lo + Math.floor(rnd() * span) : ms + Math.floor(rnd() * 1500);
    if (isoString(ms) !== oracle(ms)) bad++;
  }
  t.equal(bad, 0, 'no difference from toISOString in 50,000 times');
});

t.test('a fraction of a millisecond is dropped, as a Date drops it; a time that is not a number throws', async (t) => {
  t.equal(isoString(1700000000123.9), oracle(1700000000123.9));
  t.equal(isoString(-0.5), oracle(-0.5));
  t.throws(() => isoString(Number.NaN), RangeError);
  t.throws(() => isoString(Infinity), RangeError);
});

t.test("pino's time field", async (t) => {
  const f = isoTimeField();
  t.match(f, /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  const written = Date.parse(JSON.parse(`{${f.slice(1)}}`).time);
  t.ok(Math.abs(written - Date.now()) < 60_000, 'the current time');
});
