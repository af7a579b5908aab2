/**
 * Policy actions compiled from config, and their application to an attribute list. Interned sets
 * are never changed: the caller builds a new list from this and interns it.
 */
import { AsPathSegmentType, AttrFlag, AttrType } from '../wire/constants.js';
import { parseAddress } from '../wire/address.js';
import type { AsPathSegment, PathAttribute } from '../wire/attributes/types.js';
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity } from './communities.js';
import type { ActionsDoc, CommunityActionDoc, ValueActionDoc } from './policy-doc.js';

export interface ValueAction {
  set: number | null;
  add: number;
}

export interface ListAction<T> {
  set: T[] | null;
  add: T[];
  remove: T[];
}

export interface Actions {
  terminal: 'accept' | 'reject' | null;
  localPref: ValueAction | null;
  med: ValueAction | null;
  /** self, keep, or an address (4 or 16 bytes). */
  nextHop: 'self' | 'keep' | Buffer | null;
  /** The ASNs put in front of the AS path, in order; null entries are our own ASN. */
  prepend: (number | null)[] | null;
  communities: ListAction<number> | null;
  largeCommunities: ListAction<string> | null;
  extendedCommunities: ListAction<string> | null;
  kernelMetric: number | 'calico' | null;
  tunnel: 'ipip' | 'none' | null;
  ecmp: boolean | null;
}

/** True when the actions change attributes (not only accept/reject or FIB settings). */
export function changesAttributes(a: Actions): boolean {
  return Boolean(a.localPref || a.med || a.nextHop || a.prepend || a.communities || a.largeCommunities || a.extendedCommunities);
}

export type CompileError = { path: (string | number)[]; msg: string };

/** Parse every string of a config list; each one that does not parse is an error at its index. */
export function parseEach<T>(list: readonly string[], parse: (s: string) => T | null, at: (string | number)[], errors: CompileError[], what: string): T[] {
  return list.map((s, i) => {
    const v = parse(s);
    if (v === null) errors.push({ path: [...at, i], msg: `"${s}" is not ${what}` });
    return v as T;
  });
}

function value(raw: ValueActionDoc): ValueAction {
  if (typeof raw === 'number') return { set: raw, add: 0 };
  return { set: null, add: (raw.add ?? 0) - (raw.subtract ?? 0) };
}

function list<T>(raw: CommunityActionDoc, parse: (s: string) => T | null, at: (string | number)[], errors: CompileError[], what: string): ListAction<T> {
  const conv = (k: 'set' | 'add' | 'remove'): T[] | null => {
    const l = raw[k];
    return l === undefined ? null : parseEach(l, parse, [...at, k], errors, what);
  };
  return { set: conv('set'), add: conv('add') ?? [], remove: conv('remove') ?? [] };
}

const largeKey = (s: string) => {
  const v = parseLargeCommunity(s);
  return v ? v.join(':') : null;
};
const extKey = (s: string) => parseExtendedCommunity(s)?.toString('hex') ?? null;

function compilePrepend(raw: NonNullable<ActionsDoc['prepend']>, at: (string | number)[], errors: CompileError[]): (number | null)[] {
  if (raw.path) {
    if (raw.count !== undefined || raw.asn !== undefined) errors.push({ path: at, msg: 'path is the whole prepend: it does not go with count or asn' });
    return raw.path.slice();
  }
  if (raw.count === undefined) {
    errors.push({ path: at, msg: 'needs count (with an optional asn) or path' });
    return [];
  }
  return new Array<number | null>(raw.count).fill(raw.asn ?? null);
}

export function compileActions(raw: ActionsDoc | undefined, at: (string | number)[], errors: CompileError[]): Actions {
  const r: ActionsDoc = raw ?? {};
  let nextHop: Actions['nextHop'] = null;
  if (typeof r.nextHop === 'string') nextHop = r.nextHop === 'self' || r.nextHop === 'keep' ? r.nextHop : parseAddress(r.nextHop);
  const km = r.kernelMetric;
  return {
    terminal: r.accept ? 'accept' : r.reject ? 'reject' : null,
    localPref: r.localPref === undefined ? null : value(r.localPref),
    med: r.med === undefined ? null : value(r.med),
    nextHop,
    prepend: r.prepend ? compilePrepend(r.prepend, [...at, 'prepend'], errors) : null,
    communities: r.communities ? list(r.communities, parseCommunity, [...at, 'communities'], errors, 'a community (ASN:VALUE or a well-known name)') : null,
    largeCommunities: r.largeCommunities ? list(r.largeCommunities, largeKey, [...at, 'largeCommunities'], errors, 'a large community (A:B:C)') : null,
    extendedCommunities: r.extendedCommunities ? list(r.extendedCommunities, extKey, [...at, 'extendedCommunities'], errors, 'an extended community (rt:ASN:N or soo:ASN:N)') : null,
    // The schema's kernel-metric format admits a number or "calico".
    kernelMetric: km === undefined ? null : typeof km === 'number' ? km : 'calico',
    tunnel: r.tunnel ?? null,
    ecmp: r.ecmp ?? null,
  };
}

function applyValue(v: ValueAction, cur: number): number {
  const n = v.set ?? Math.max(0, cur) + v.add;
  return Math.min(0xffffffff, Math.max(0, n));
}

function applyList<T>(a: ListAction<T>, cur: T[]): T[] {
  let out = a.set ? [...a.set] : cur.filter((x) => !a.remove.includes(x));
  for (const x of a.add) if (!out.includes(x)) out.push(x);
  if (a.set) out = out.filter((x) => !a.remove.includes(x));
  return out;
}

/** Where the actions apply: import (into the RIB) or export (to peers of `ebgp` kind). */
export interface ApplyContext {
  /** Export to an eBGP peer: our ASN is already first in the path; LOCAL_PREF is not sent. */
  ebgpExport: boolean;
  /** Our address on the session (export), for `nextHop: self`. */
  selfNextHop: Buffer | null;
  /** The next hop before export rules rewrote it (export), for `nextHop: keep`. */
  originalNextHop: Buffer | null;
  localAsn: number;
}

/** Apply `acts` in order to an attribute list and next hop; returns new values. */
export function applyActions(attrs: readonly PathAttribute[], nextHop: Buffer, acts: readonly Actions[], c: ApplyContext): { attrs: PathAttribute[]; nextHop: Buffer } {
  const out = attrs.slice();
  /** The current attribute of a kind, if any. */
  const get = <K extends PathAttribute['kind']>(kind: K) => out.find((x) => x.kind === kind) as Extract<PathAttribute, { kind: K }> | undefined;
  /** Put `attr` in place of its kind's current one (or add it); `null` removes the kind. */
  const put = (kind: PathAttribute['kind'], attr: PathAttribute | null) => {
    const i = out.findIndex((x) => x.kind === kind);
    if (attr && i >= 0) out[i] = attr;
    else if (attr) out.push(attr);
    else if (i >= 0) out.splice(i, 1);
  };
  const OT = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
  let nh = nextHop;
  for (const a of acts) {
    if (a.localPref && !c.ebgpExport) {
      put('local-pref', { kind: 'local-pref', type: AttrType.LOCAL_PREF, flags: AttrFlag.TRANSITIVE, localPref: applyValue(a.localPref, get('local-pref')?.localPref ?? 100) });
    }
    if (a.med) put('med', { kind: 'med', type: AttrType.MULTI_EXIT_DISC, flags: AttrFlag.OPTIONAL, med: applyValue(a.med, get('med')?.med ?? 0) });
    if (a.prepend) {
      const segs: AsPathSegment[] = (get('as-path')?.segments ?? []).map((s) => ({ type: s.type, asns: s.asns.slice() }));
      const add: number[] = a.prepend.map((asn) => asn ?? c.localAsn);
      const first = segs[0];
      // On eBGP export our own ASN is already in front: the prepends go right behind it.
      const behind = c.ebgpExport && first && first.type === AsPathSegmentType.AS_SEQUENCE ? 1 : 0;
      if (first && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length + add.length <= 255) first.asns.splice(behind, 0, ...add);
      else segs.unshift({ type: AsPathSegmentType.AS_SEQUENCE, asns: add });
      put('as-path', { kind: 'as-path', type: AttrType.AS_PATH, flags: AttrFlag.TRANSITIVE, segments: segs });
    }
    if (a.communities) {
      const next = applyList(a.communities, (get('communities')?.communities ?? []).slice());
      put('communities', next.length ? { kind: 'communities', type: AttrType.COMMUNITIES, flags: OT, communities: next } : null);
    }
    if (a.largeCommunities) {
      const flat = get('large-communities')?.communities ?? [];
      const cur: string[] = [];
      for (let k = 0; k + 2 < flat.length; k += 3) cur.push(`${flat[k]}:${flat[k + 1]}:${flat[k + 2]}`);
      const next = applyList(a.largeCommunities, cur).flatMap((s) => s.split(':').map(Number));
      put('large-communities', next.length ? { kind: 'large-communities', type: AttrType.LARGE_COMMUNITY, flags: OT, communities: next } : null);
    }
    if (a.extendedCommunities) {
      const buf = get('extended-communities')?.communities ?? Buffer.alloc(0);
      const cur: string[] = [];
      for (let k = 0; k + 8 <= buf.length; k += 8) cur.push(buf.subarray(k, k + 8).toString('hex'));
      const next = Buffer.from(applyList(a.extendedCommunities, cur).join(''), 'hex');
      put('extended-communities', next.length ? { kind: 'extended-communities', type: AttrType.EXTENDED_COMMUNITIES, flags: OT, communities: next } : null);
    }
    if (a.nextHop === 'self' && c.selfNextHop) nh = c.selfNextHop;
    else if (a.nextHop === 'keep' && c.originalNextHop && c.originalNextHop.length > 0) nh = c.originalNextHop.length === 32 ? c.originalNextHop.subarray(0, 16) : c.originalNextHop;
    else if (Buffer.isBuffer(a.nextHop) && (nh.length === 0 || (nh.length === 4) === (a.nextHop.length === 4))) nh = a.nextHop;
  }
  out.sort((x, y) => x.type - y.type);
  return { attrs: out, nextHop: nh };
}
