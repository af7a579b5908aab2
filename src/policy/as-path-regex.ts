/**
 * AS-path regular expressions over ASNs, not characters: `^64512 .* 65000$` means "starts with
 * 64512, ends with 65000, anything between". Tokens are separated by spaces: an ASN or an ASN
 * pattern (`6451[0-9]`, `(64512|64513)`, `\d+`) with an optional quantifier (`*`, `+`, `?`,
 * `{m}`, `{m,}`, `{m,n}`), `.` (one ASN), `.*` / `.+` / `.?` (ASNs), and `^` / `$` anchors.
 *
 * A pattern compiles to a Thompson automaton over ASNs, run by keeping the set of live states:
 * time is linear in the path's length times the pattern's size, whatever the pattern (a
 * backtracking RegExp over the path as text stalled 11 s on a 12-wildcard pattern). An ASN
 * pattern is a character class over one ASN's digits (at most 10 characters); patterns that
 * nest quantifiers inside it are refused, so it cannot backtrack either.
 */

/** The most repetitions a bounded quantifier may ask for (`{m,n}`: n at most this). */
const MAX_REPEAT = 64;
/** Cached outcomes per ASN pattern (ASNs recur across paths). */
const CACHE_LIMIT = 4096;

const enum Kind {
  MATCH,
  SPLIT,
  ACCEPT,
}

interface Atom {
  /** null: any ASN. */
  re: RegExp | null;
  min: number;
  max: number;
}

export class AsPathMatcher {
  private readonly kind: Kind[] = [];
  private readonly pred: number[] = [];
  private readonly out1: number[] = [];
  private readonly out2: number[] = [];
  private readonly preds: ((asn: number) => boolean)[] = [];
  private readonly seen: Int32Array;
  private readonly start: number;
  private stamp = 0;

  constructor(
    atoms: Atom[],
    private readonly anchoredStart: boolean,
    private readonly anchoredEnd: boolean,
  ) {
    let next = this.node(Kind.ACCEPT, -1, -1, -1);
    for (let i = atoms.length - 1; i >= 0; i--) {
      const a = atoms[i] as Atom;
      const p = this.predicate(a.re);
      let entry = next;
      if (a.max === Infinity) {
        const split = this.node(Kind.SPLIT, -1, -1, next);
        const m = this.node(Kind.MATCH, p, split, -1);
        this.out1[split] = m;
        entry = split;
      } else {
        for (let k = 0; k < a.max - a.min; k++) entry = this.node(Kind.SPLIT, -1, this.node(Kind.MATCH, p, entry, -1), next);
      }
      for (let k = 0; k < a.min; k++) entry = this.node(Kind.MATCH, p, entry, -1);
      next = entry;
    }
    this.start = next;
    this.seen = new Int32Array(this.kind.length).fill(-1);
  }

  private node(kind: Kind, pred: number, out1: number, out2: number): number {
    this.kind.push(kind);
    this.pred.push(pred);
    this.out1.push(out1);
    this.out2.push(out2);
    return this.kind.length - 1;
  }

  private predicate(re: RegExp | null): number {
    if (!re) {
      this.preds.push(() => true);
      return this.preds.length - 1;
    }
    const cache = new Map<number, boolean>();
    this.preds.push((asn) => {
      let v = cache.get(asn);
      if (v === undefined) {
        v = re.test(String(asn));
        if (cache.size >= CACHE_LIMIT) cache.clear();
        cache.set(asn, v);
      }
      return v;
    });
    return this.preds.length - 1;
  }

  /** Add `s` and what it reaches without consuming an ASN to `list`; true when that includes the accept state. */
  private add(list: number[], s: number): boolean {
    const stack = [s];
    let accept = false;
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if (this.seen[n] === this.stamp) continue;
      this.seen[n] = this.stamp;
      const k = this.kind[n];
      if (k === Kind.SPLIT) {
        stack.push(this.out2[n] as number, this.out1[n] as number);
      } else {
        if (k === Kind.ACCEPT) accept = true;
        list.push(n);
      }
    }
    return accept;
  }

  test(asns: readonly number[]): boolean {
    this.stamp++;
    let list: number[] = [];
    let accept = this.add(list, this.start);
    for (const asn of asns) {
      if (accept && !this.anchoredEnd) return true;
      this.stamp++;
      const next: number[] = [];
      accept = false;
      for (const n of list) {
        if (this.kind[n] === Kind.MATCH && (this.preds[this.pred[n] as number] as (a: number) => boolean)(asn)) {
          if (this.add(next, this.out1[n] as number)) accept = true;
        }
      }
      // Unanchored: a match may begin at any ASN.
      if (!this.anchoredStart && this.add(next, this.start)) accept = true;
      list = next;
      if (list.length === 0) return false;
    }
    return accept;
  }
}

/** The automaton of `src`, or null when it is not a valid AS-path regex. */
export function compileAsPathRegex(src: string): AsPathMatcher | null {
  const text = src.trim();
  const start = text.startsWith('^');
  const end = text.endsWith('$') && !text.endsWith('\\$');
  const body = text.slice(start ? 1 : 0, end ? -1 : undefined).trim();
  const atoms: Atom[] = [];
  for (const tok of body ? body.split(/\s+/) : []) {
    if (tok === '.') atoms.push({ re: null, min: 1, max: 1 });
    else if (tok === '.*') atoms.push({ re: null, min: 0, max: Infinity });
    else if (tok === '.+') atoms.push({ re: null, min: 1, max: Infinity });
    else if (tok === '.?') atoms.push({ re: null, min: 0, max: 1 });
    else if (tok === '\\d+' || tok === '[0-9]+') atoms.push({ re: null, min: 1, max: 1 });
    else {
      const atom = asnAtom(tok);
      if (!atom) return null;
      atoms.push(atom);
    }
  }
  return new AsPathMatcher(atoms, start, end);
}

/** One ASN pattern with its quantifier (`64512+`: one or more 64512, as prepending makes). */
function asnAtom(tok: string): Atom | null {
  let inner = tok;
  let min = 1;
  let max = 1;
  const m = /^(.*?)([*+?]|\{(\d+)(?:,(\d*))?\})$/.exec(tok);
  if (m) {
    inner = m[1] as string;
    const q = m[2] as string;
    if (q === '*') [min, max] = [0, Infinity];
    else if (q === '+') [min, max] = [1, Infinity];
    else if (q === '?') [min, max] = [0, 1];
    else {
      min = Number(m[3]);
      max = m[4] === undefined ? min : m[4] === '' ? Infinity : Number(m[4]);
      if (max < min || min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) return null;
    }
  }
  if (!inner || inner.length > 64 || !/^(?:[0-9|()[\]-]|\\d|\+)+$/.test(inner)) return null;
  // Inside one ASN (at most 10 digits): no quantified group and at most two quantifiers, so
  // the character match stays a few dozen steps.
  if (/\)\+/.test(inner) || (inner.match(/\+/g)?.length ?? 0) > 2) return null;
  try {
    return { re: new RegExp(`^(?:${inner})$`), min, max };
  } catch {
    return null;
  }
}
