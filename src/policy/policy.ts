/**
 * Routing policy: named policies of ordered terms (match -> actions) with a default, compiled once
 * when the config loads, and chains of them evaluated per route. A result depends only on the
 * prefix, the interned attribute set and the source, so results are cached per (set, source) and,
 * when terms test the prefix, per outcome of those tests: a million routes sharing 16 attribute
 * sets cost 16 evaluations plus a few integer comparisons per prefix.
 */
import { Family } from '../wire/constants.js';
import { parsePrefix } from '../wire/nlri.js';
import type { PolicyAttrs, PolicySource } from './route-facts.js';
import { compileActions, changesAttributes, parseEach, type Actions, type CompileError } from './actions.js';
import { compileAsPathRegex, type AsPathMatcher } from './as-path-regex.js';
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity } from './communities.js';
import { PrefixSet, parsePrefixRange, type PrefixRange } from './prefix-range.js';
import type { MatchDoc, PolicyDoc, RangeDoc } from './policy-doc.js';

type AttrTest = (src: PolicySource, a: PolicyAttrs, iface: string | null) => boolean;

interface Term {
  /** `policy/term` for explain. */
  label: string;
  prefix: PrefixSet[];
  /** The prefix must be in none of these (notPrefix). */
  notPrefix: PrefixSet[];
  tests: AttrTest[];
  actions: Actions;
}

export interface Policy {
  name: string;
  terms: Term[];
  default: 'accept' | 'reject' | 'next';
}

/** What a chain decided for one route. Shared by every route with the same outcome. */
export interface PolicyResult {
  accept: boolean;
  /** The actions of matched terms, in order (only those that change something). */
  actions: Actions[];
  /** Terms that matched and how the chain ended, for `show route ... explain`. */
  trail: string[];
  /** FIB settings decided by the policy (kernel metric, tunnel, ECMP). */
  fib: { metric: number | 'calico' | null; tunnel: 'ipip' | 'none' | null; ecmp: boolean | null };
  changes: boolean;
}

/** The route a chain is asked about: the prefix from the RIB's columns, its path, its source. */
export interface PolicyInput {
  family: Family;
  v4: number;
  bytes: Uint8Array;
  at: number;
  length: number;
  source: PolicySource;
  attrs: PolicyAttrs;
  /** Interface of a kernel route (kernel learning). */
  iface?: string | null;
}

const range = (r: RangeDoc, v: number) => (r.eq === undefined || v === r.eq) && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);

function pathAsns(a: PolicyAttrs): number[] {
  const out: number[] = [];
  for (const s of a.asPath) for (const x of s.asns) out.push(x);
  return out;
}

/** `cali*` and `tunl0`-style interface patterns. */
function globMatcher(patterns: string[]): (name: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return (name) => res.some((r) => r.test(name));
}

function compileMatch(m: MatchDoc, at: (string | number)[], sets: Map<string, PrefixRange[]>, errors: CompileError[]): { prefix: PrefixSet[]; notPrefix: PrefixSet[]; tests: AttrTest[] } {
  const prefix: PrefixSet[] = [];
  const notPrefix: PrefixSet[] = m.notPrefix ? [new PrefixSet(m.notPrefix.map((s) => parsePrefixRange(s) as PrefixRange))] : [];
  const tests: AttrTest[] = [];
  if (m.prefix) prefix.push(new PrefixSet(m.prefix.map((s) => parsePrefixRange(s) as PrefixRange)));
  if (m.prefixSet !== undefined) {
    const s = sets.get(m.prefixSet);
    if (!s) errors.push({ path: [...at, 'prefixSet'], msg: `no prefix set "${m.prefixSet}" (defined: ${[...sets.keys()].join(', ') || 'none'})` });
    else prefix.push(new PrefixSet(s));
  }
  if (m.source) {
    const want = new Set<string>(m.source);
    tests.push((src) => {
      if (src.kind === 'local') return src.address === 'kernel' ? want.has('kernel') : want.has('announce') || want.has('static');
      return want.has('bgp') || want.has(src.kind);
    });
  }
  if (m.neighbor) {
    const want = new Set(m.neighbor.map((a) => parsePrefix(`${a}/${a.includes(':') ? 128 : 32}`)?.bytes.toString('hex')));
    tests.push((src) => src.kind !== 'local' && want.has(src.addressBytes.toString('hex')));
  }
  if (m.neighborAs) {
    const want = new Set(m.neighborAs);
    tests.push((src) => src.kind !== 'local' && want.has(src.peerAs));
  }
  if (m.asPath) {
    const p = m.asPath;
    if (p.contains) {
      const want = p.contains;
      tests.push((_s, a) => pathAsns(a).some((x) => want.includes(x)));
    }
    if (p.first !== undefined) tests.push((_s, a) => pathAsns(a)[0] === p.first);
    if (p.last !== undefined) tests.push((_s, a) => pathAsns(a).at(-1) === p.last);
    const length = p.length;
    if (length) tests.push((_s, a) => range(length, a.pathLength));
    if (p.regex !== undefined) {
      // The schema's as-path-regex format has compiled it once already.
      const re = compileAsPathRegex(p.regex) as AsPathMatcher;
      tests.push((_s, a) => re.test(pathAsns(a)));
    }
  }
  const anyAll = <T>(key: 'communities' | 'largeCommunities' | 'extendedCommunities', parse: (s: string) => T | null, has: (a: PolicyAttrs, v: T) => boolean, what: string) => {
    const c = m[key];
    if (!c) return;
    const conv = (k: 'any' | 'all') => parseEach(c[k] ?? [], parse, [...at, key, k], errors, what);
    const any = conv('any');
    const all = conv('all');
    tests.push((_s, a) => (any.length === 0 || any.some((v) => has(a, v))) && all.every((v) => has(a, v)));
  };
  anyAll('communities', parseCommunity, (a, v) => a.communities.includes(v), 'a community (ASN:VALUE or a well-known name)');
  anyAll(
    'largeCommunities',
    parseLargeCommunity,
    (a, v) => {
      const l = a.get('large-communities');
      if (l?.kind !== 'large-communities') return false;
      for (let k = 0; k + 2 < l.communities.length; k += 3) if (l.communities[k] === v[0] && l.communities[k + 1] === v[1] && l.communities[k + 2] === v[2]) return true;
      return false;
    },
    'a large community (A:B:C)',
  );
  anyAll(
    'extendedCommunities',
    parseExtendedCommunity,
    (a, v) => {
      const e = a.get('extended-communities');
      if (e?.kind !== 'extended-communities') return false;
      for (let k = 0; k + 8 <= e.communities.length; k += 8) if (e.communities.subarray(k, k + 8).equals(v)) return true;
      return false;
    },
    'an extended community (rt:ASN:N or soo:ASN:N)',
  );
  if (m.nextHop) {
    const set = new PrefixSet(m.nextHop.map((s) => parsePrefixRange(`${s} orlonger`) as PrefixRange));
    tests.push((_s, a) => {
      const nh = a.nextHop;
      if (nh.length === 4) return set.matches4(nh.readUInt32BE(0), 32);
      if (nh.length >= 16) return set.matches6(nh, 0, 128);
      return false;
    });
  }
  if (m.interface) {
    const match = globMatcher(m.interface);
    tests.push((_s, _a, iface) => iface !== null && match(iface));
  }
  const { localPref, med } = m;
  if (localPref) tests.push((_s, a) => range(localPref, a.localPref >= 0 ? a.localPref : 100));
  if (med) tests.push((_s, a) => a.med >= 0 && range(med, a.med));
  return { prefix, notPrefix, tests };
}

/** Compile every policy; errors carry the config path of what is wrong. */
export function compilePolicies(raw: Readonly<Record<string, PolicyDoc>>, rawSets: Readonly<Record<string, readonly string[]>>): { policies: Map<string, Policy>; errors: CompileError[] } {
  const errors: CompileError[] = [];
  const sets = new Map<string, PrefixRange[]>();
  for (const [name, entries] of Object.entries(rawSets)) sets.set(name, entries.map((s) => parsePrefixRange(s) as PrefixRange));
  const policies = new Map<string, Policy>();
  for (const [name, p] of Object.entries(raw)) {
    const terms = p.terms.map((t, i): Term => {
      const at = ['policies', name, 'terms', i];
      const m = compileMatch(t.match ?? {}, [...at, 'match'], sets, errors);
      return { label: `${name}/${t.name ?? `term ${i + 1}`}`, ...m, actions: compileActions(t.actions, [...at, 'actions'], errors) };
    });
    policies.set(name, { name, terms, default: p.default ?? 'reject' });
  }
  return { policies, errors };
}

interface CacheEntry {
  /** Per term (across the chain): do the conditions other than the prefix hold? */
  attrOk: Uint8Array;
  /** Results by the outcome of the prefix tests that were run (bit i: prefix term i matched). */
  results: Map<number, PolicyResult>;
}

let nextChainId = 1;

/** Policies applied in order; the first accept or reject decides, `next` goes on, the end accepts. */
export class PolicyChain {
  readonly id = nextChainId++;
  private readonly terms: Term[];
  /** For each term: the index of its policy. */
  private readonly policyOf: Int32Array;
  /** For each term that tests the prefix: its bit in the outcome mask (-1: none). */
  private readonly prefixBit: Int32Array;
  private readonly policies: Policy[];
  private readonly cache = new WeakMap<PolicyAttrs, WeakMap<PolicySource, CacheEntry>>();
  /** The entry of the last (set, source) asked about: an UPDATE's prefixes all share it. */
  private lastAttrs: PolicyAttrs | null = null;
  private lastSource: PolicySource | null = null;
  private lastEntry: CacheEntry | null = null;
  readonly testsPrefix: boolean;

  constructor(readonly names: string[], policies: Policy[]) {
    this.policies = policies;
    this.terms = policies.flatMap((p) => p.terms);
    this.policyOf = new Int32Array(policies.flatMap((p, i) => p.terms.map(() => i)));
    this.prefixBit = new Int32Array(this.terms.length).fill(-1);
    let bit = 0;
    this.terms.forEach((t, i) => {
      if (t.prefix.length || t.notPrefix.length) this.prefixBit[i] = bit++;
    });
    // Beyond 30 prefix-testing terms the outcome no longer fits a small integer: no caching then.
    this.cacheable = bit <= 30;
    this.testsPrefix = bit > 0;
  }
  private readonly cacheable: boolean;

  private entry(q: PolicyInput): CacheEntry {
    if (q.attrs === this.lastAttrs && q.source === this.lastSource && this.lastEntry) return this.lastEntry;
    let bySource = this.cache.get(q.attrs);
    if (!bySource) {
      bySource = new WeakMap();
      this.cache.set(q.attrs, bySource);
    }
    let e = bySource.get(q.source);
    if (!e) {
      const attrOk = new Uint8Array(this.terms.length);
      this.terms.forEach((t, i) => (attrOk[i] = t.tests.every((f) => f(q.source, q.attrs, null)) ? 1 : 0));
      e = { attrOk, results: new Map() };
      bySource.set(q.source, e);
    }
    this.lastAttrs = q.attrs;
    this.lastSource = q.source;
    this.lastEntry = e;
    return e;
  }

  /** Does term i match? (The attribute part from the cache, or evaluated for kernel routes.) */
  private termMatches(i: number, q: PolicyInput, e: CacheEntry | null): boolean {
    const t = this.terms[i] as Term;
    if (e ? e.attrOk[i] !== 1 : !t.tests.every((f) => f(q.source, q.attrs, q.iface ?? null))) return false;
    const ps = t.prefix;
    for (let k = 0; k < ps.length; k++) if (!(ps[k] as PrefixSet).matches(q.family, q.v4, q.bytes, q.at, q.length)) return false;
    const not = t.notPrefix;
    for (let k = 0; k < not.length; k++) if ((not[k] as PrefixSet).matches(q.family, q.v4, q.bytes, q.at, q.length)) return false;
    return true;
  }

  /**
   * The chain's verdict on a route. Routes with the same outcome share one result object; the
   * common case (cached) allocates nothing.
   */
  evaluate(q: PolicyInput): PolicyResult {
    const e = q.iface !== undefined && q.iface !== null ? null : this.entry(q);
    // Walk in order as far as a terminal term; note which prefix tests matched.
    let mask = 0;
    const n = this.terms.length;
    for (let i = 0; i < n; i++) {
      if (!this.termMatches(i, q, e)) continue;
      const bit = this.prefixBit[i] as number;
      if (bit >= 0) mask |= 1 << bit;
      if ((this.terms[i] as Term).actions.terminal) break;
    }
    if (e && this.cacheable) {
      const hit = e.results.get(mask);
      if (hit) return hit;
    }
    const r = this.decide(q, e);
    if (e && this.cacheable) e.results.set(mask, r);
    return r;
  }

  /** The full evaluation: matched terms, policy defaults, the merged FIB settings, the trail. */
  private decide(q: PolicyInput, e: CacheEntry | null): PolicyResult {
    const matched: number[] = [];
    let decided: 'accept' | 'reject' | null = null;
    let policy = 0;
    for (let i = 0; i < this.terms.length && decided === null; i++) {
      // Leaving a policy whose terms all passed without a decision: its default applies.
      for (; policy < (this.policyOf[i] as number) && decided === null; policy++) {
        const d = (this.policies[policy] as Policy).default;
        if (d !== 'next') decided = d;
      }
      if (decided !== null) break;
      if (!this.termMatches(i, q, e)) continue;
      matched.push(i);
      decided = (this.terms[i] as Term).actions.terminal;
    }
    for (; decided === null && policy < this.policies.length; policy++) {
      const d = (this.policies[policy] as Policy).default;
      if (d !== 'next') decided = d;
    }
    const accept = decided !== 'reject';
    const acts = matched.map((i) => (this.terms[i] as Term).actions);
    const trail = matched.map((i) => `${(this.terms[i] as Term).label}${(this.terms[i] as Term).actions.terminal ? `: ${(this.terms[i] as Term).actions.terminal}` : ''}`);
    if (!acts.at(-1)?.terminal) trail.push(`default: ${accept ? 'accept' : 'reject'}`);
    const fib: PolicyResult['fib'] = { metric: null, tunnel: null, ecmp: null };
    for (const a of acts) {
      if (a.kernelMetric !== null) fib.metric = a.kernelMetric;
      if (a.tunnel !== null) fib.tunnel = a.tunnel;
      if (a.ecmp !== null) fib.ecmp = a.ecmp;
    }
    const changing = acts.filter(changesAttributes);
    return { accept, actions: changing, trail, fib, changes: changing.length > 0 };
  }
}

/** Chains by the names a peer or the FIB lists; the same names give the same chain (and update group). */
export class PolicyRegistry {
  private readonly chains = new Map<string, PolicyChain>();

  constructor(readonly policies: Map<string, Policy>) {}

  chain(names: readonly string[] | undefined): PolicyChain | null {
    if (!names || names.length === 0) return null;
    const key = names.join('\u0000');
    let c = this.chains.get(key);
    if (!c) {
      c = new PolicyChain([...names], names.map((n) => this.policies.get(n) as Policy));
      this.chains.set(key, c);
    }
    return c;
  }
}
