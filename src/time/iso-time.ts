/**
 * UTC timestamps in ISO 8601 (`2026-12-02T18:07:54.206Z`, what Date.prototype.toISOString gives)
 * computed from the epoch milliseconds with integer arithmetic, never through a Date object.
 *
 * Why not toISOString: in Node 20 its first call sets up V8's date cache with ICU's time-zone
 * data, which pages about 0.8 MB of the node binary in for good (a bare node: 42.2 -> 43.0 MB
 * resident; getUTCFullYear and Date.now do not do it). pino's isoTime calls it for every record
 * and once when the logger is made, so an idle wrend paid for time zones it never uses.
 */

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Year, month (1-12) and day of the proleptic Gregorian calendar for days since 1970-01-01. */
function civil(days: number): [number, number, number] {
  // Eras of 400 years (146097 days) from 0000-03-01, so the leap day ends each year.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** A year as toISOString writes it: four digits from 0000 to 9999, else a sign and six. */
function year(y: number): string {
  if (y >= 0 && y <= 9999) return `${y}`.padStart(4, '0');
  return `${y < 0 ? '-' : '+'}${`${Math.abs(y)}`.padStart(6, '0')}`;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `ms` (an integer count of milliseconds since the epoch) as toISOString would write it. */
export function isoString(time: number): string {
  if (!Number.isFinite(time)) throw new RangeError(`invalid time value ${time}`);
  // As a Date does: a fraction of a millisecond is dropped.
  const ms = Math.trunc(time);
  const second = Math.floor(ms / 1000);
  const milli = ms - second * 1000;
  // Records come many to a second: the date and time up to the second are written once.
  if (second !== cachedSecond) {
    const days = Math.floor(second / 86400);
    const rest = second - days * 86400;
    const [y, m, d] = civil(days);
    cachedPrefix = `${year(y)}-${pad2(m)}-${pad2(d)}T${pad2(Math.floor(rest / 3600))}:${pad2(Math.floor(rest / 60) % 60)}:${pad2(rest % 60)}.`;
    cachedSecond = second;
  }
  return `${cachedPrefix}${pad3(milli)}Z`;
}

/** pino's `timestamp` option: the record's time field, as pino.stdTimeFunctions.isoTime writes it. */
export const isoTimeField = (): string => `,"time":"${isoString(Date.now())}"`;
