/**
 * The fields of a new received attribute set, read straight from the UPDATE's attribute spans:
 * what fieldsOf(normalizeReceived(decodeAttributes(msg))) gives, without a decoded attribute
 * object, segment list or community array. On a table where nearly every UPDATE brings a set of
 * its own (an Internet table: 200k sets in 200k UPDATEs), those objects were most of what the
 * import path allocated, and all of it was garbage a moment later.
 *
 * It reads only what it knows to be plain and well-formed: ORIGIN, AS_PATH from a 4-octet session
 * (AS_SEQUENCE and AS_SET), NEXT_HOP, MED, LOCAL_PREF (internal peers), ATOMIC_AGGREGATE, AGGREGATOR,
 * and the three community attributes, each with its flags right and no Partial bit. Anything else
 * (an error or discard already recorded, an attribute out of that list, a confederation segment, a
 * 2-octet session, a malformed value, a missing well-known attribute, a martian next hop) answers
 * null, and the caller decodes, which also finds and reports the error. So the fast answer, when
 * there is one, is always the decoded answer (test/unit/rib/received-fields.test.ts compares the
 * two on generated and mutated UPDATEs).
 */
import { AsPathSegmentType, AttrFlag, AttrType } from '../wire/constants.js';
import { isMartianNextHop } from '../wire/attributes/basic.js';
import type { AttrSpan } from '../wire/attributes/types.js';
import type { CodecContext } from '../wire/context.js';
import type { UpdateMessage } from '../wire/update.js';
import { LLGR_STALE, NO_LLGR, blankFields, type AttrFields } from './attr-set.js';

const OT = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

export class ReceivedFields {
  /** The NEXT_HOP of the last read that answered (uint32), or -1 when the UPDATE had none. */
  nextHop = -1;

  /**
   * What read() answers: one object, filled again by every read (the AttrSet made from it copies
   * its values and keeps nothing of it). Use it before the next read.
   */
  private readonly fields: AttrFields = blankFields();

  /** The fields of `msg`'s attributes (it announces something; valid until the next read), or null: decode them instead. */
  read(msg: UpdateMessage, ctx: CodecContext): AttrFields | null {
    if (msg.error !== null || msg.discarded.length > 0 || !ctx.asn4) return null;
    const buf = msg.buf;
    let origin = -1;
    let pathLength = -1;
    let neighborAs = 0;
    let localPref = -1;
    let med = -1;
    let nextHop = -1;
    let llgrStale = false;
    let noLlgr = false;
    const spans = msg.spans;
    for (let i = 0; i < spans.length; i++) {
      const { type, flags, start, end } = spans[i] as AttrSpan;
      if (flags & AttrFlag.PARTIAL) return null;
      const ot = flags & OT;
      const len = end - start;
      switch (type) {
        case AttrType.ORIGIN:
          if (ot !== AttrFlag.TRANSITIVE || len !== 1 || (buf[start] as number) > 2) return null;
          origin = buf[start] as number;
          break;
        case AttrType.AS_PATH: {
          if (ot !== AttrFlag.TRANSITIVE) return null;
          let n = 0;
          let p = start;
          while (p < end) {
            if (p + 2 > end) return null;
            const segType = buf[p] as number;
            const count = buf[p + 1] as number;
            if (count === 0 || p + 2 + count * 4 > end) return null;
            if (segType === AsPathSegmentType.AS_SEQUENCE) {
              if (p === start) neighborAs = buf.readUInt32BE(p + 2);
              n += count;
            } else if (segType === AsPathSegmentType.AS_SET) n += 1;
            else return null;
            p += 2 + count * 4;
          }
          pathLength = n;
          break;
        }
        case AttrType.NEXT_HOP:
          if (ot !== AttrFlag.TRANSITIVE || len !== 4) return null;
          nextHop = buf.readUInt32BE(start);
          if (isMartianNextHop(nextHop)) return null;
          break;
        case AttrType.MULTI_EXIT_DISC:
          if (ot !== AttrFlag.OPTIONAL || len !== 4) return null;
          med = buf.readUInt32BE(start);
          break;
        case AttrType.LOCAL_PREF:
          // From an external peer it is ignored (RFC 7606 §7.5): the decoder drops it.
          if (ctx.ebgp || ot !== AttrFlag.TRANSITIVE || len !== 4) return null;
          localPref = buf.readUInt32BE(start);
          break;
        case AttrType.ATOMIC_AGGREGATE:
          if (ot !== AttrFlag.TRANSITIVE || len !== 0) return null;
          break;
        case AttrType.AGGREGATOR:
          if (ot !== OT || len !== 8) return null;
          break;
        case AttrType.COMMUNITIES:
          if (ot !== OT || len === 0 || (len & 3) !== 0) return null;
          for (let p = start; p < end; p += 4) {
            const c = buf.readUInt32BE(p);
            if (c === LLGR_STALE) llgrStale = true;
            else if (c === NO_LLGR) noLlgr = true;
          }
          break;
        case AttrType.EXTENDED_COMMUNITIES:
          if (ot !== OT || len === 0 || (len & 7) !== 0) return null;
          break;
        case AttrType.LARGE_COMMUNITY:
          if (ot !== OT || len === 0 || len % 12 !== 0) return null;
          break;
        case AttrType.MP_REACH_NLRI:
        case AttrType.MP_UNREACH_NLRI:
          // Decoded and checked by scanUpdate already (msg.mpReach / msg.mpUnreach).
          break;
        default:
          return null;
      }
    }
    // The well-known attributes an announcement must carry (NEXT_HOP for IPv4 NLRI of its own).
    if (origin < 0 || pathLength < 0) return null;
    if (nextHop < 0 && msg.nlri.end > msg.nlri.start) return null;
    this.nextHop = nextHop;
    const f = this.fields;
    f.origin = origin;
    f.pathLength = pathLength;
    f.neighborAs = neighborAs;
    f.localPref = localPref;
    f.med = med;
    f.llgrStale = llgrStale;
    f.noLlgr = noLlgr;
    return f;
  }
}
