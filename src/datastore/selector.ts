/**
 * Calico's label selector language, as BGPPeer nodeSelector and peerSelector use it:
 *   all()  global()  has(k)  !has(k)  k == 'v'  k != 'v'  k in {'a', 'b'}  k not in {...}
 *   k contains 'v'  k starts with 'v'  k ends with 'v'  !expr  expr && expr  expr || expr  ( expr )
 * Strings in single or double quotes; `&&` binds tighter than `||`; `!` tighter than both. A
 * selector is compiled once to a predicate on a label map; a parse error says where and what.
 */

export type Labels = Readonly<Record<string, string>>;
export type Selector = (labels: Labels) => boolean;

export class SelectorError extends Error {
  constructor(
    readonly selector: string,
    readonly at: number,
    what: string,
  ) {
    super(`selector ${JSON.stringify(selector)}: ${what} at character ${at + 1}`);
  }
}

type Tok =
  | { k: 'label'; v: string; at: number }
  | { k: 'string'; v: string; at: number }
  | { k: 'op'; v: '==' | '!=' | 'in' | 'not in' | 'contains' | 'starts with' | 'ends with'; at: number }
  | { k: 'has'; v: string; at: number }
  | { k: 'all' | 'global' | '!' | '&&' | '||' | '(' | ')' | '{' | '}' | ',' | 'eof'; at: number };

/** Label keys as Kubernetes allows them (an optional DNS prefix and a slash, then the name). */
const LABEL = /^[A-Za-z0-9_.\-/]+/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new SelectorError(src, i, what);
  };
  /** A word operator must end at a word boundary ("in" is not the start of "inside"). */
  const word = (w: string) => src.startsWith(w, i) && !/[A-Za-z0-9_.\-/]/.test(src[i + w.length] ?? '');
  const words = (a: string, b: string): number => {
    if (!word(a)) return 0;
    const m = /^\s+/.exec(src.slice(i + a.length));
    if (!m) return 0;
    const j = i + a.length + m[0].length;
    return src.startsWith(b, j) && !/[A-Za-z0-9_.\-/]/.test(src[j + b.length] ?? '') ? j + b.length - i : 0;
  };
  let expectOp = false;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      out.push({ k: c, at });
      i++;
      expectOp = false;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      out.push({ k: 'string', v: src.slice(i + 1, end), at });
      i = end + 1;
      expectOp = false;
      continue;
    }
    if (src.startsWith('==', i) || src.startsWith('!=', i)) {
      out.push({ k: 'op', v: src.slice(i, i + 2) as '==' | '!=', at });
      i += 2;
      expectOp = false;
      continue;
    }
    if (c === '!') {
      out.push({ k: '!', at });
      i++;
      continue;
    }
    if (src.startsWith('&&', i) || src.startsWith('||', i)) {
      out.push({ k: src.slice(i, i + 2) as '&&' | '||', at });
      i += 2;
      expectOp = false;
      continue;
    }
    if (expectOp) {
      // After a label: a word operator.
      let n: number;
      if ((n = words('not', 'in'))) out.push({ k: 'op', v: 'not in', at });
      else if ((n = words('starts', 'with'))) out.push({ k: 'op', v: 'starts with', at });
      else if ((n = words('ends', 'with'))) out.push({ k: 'op', v: 'ends with', at });
      else if (word('in')) {
        out.push({ k: 'op', v: 'in', at });
        n = 2;
      } else if (word('contains')) {
        out.push({ k: 'op', v: 'contains', at });
        n = 8;
      } else return fail(`expected an operator after label "${(out[out.length - 1] as { v: string }).v}"`);
      i += n;
      expectOp = false;
      continue;
    }
    for (const fn of ['has', 'all', 'global'] as const) {
      if (src.startsWith(`${fn}(`, i)) {
        const close = src.indexOf(')', i);
        if (close < 0) fail(`no closing ')' after ${fn}(`);
        const inner = src.slice(i + fn.length + 1, close).trim();
        if (fn === 'has') {
          if (!LABEL.test(inner) || (LABEL.exec(inner) as RegExpExecArray)[0] !== inner) fail(`has() needs a label, not ${JSON.stringify(inner)}`);
          out.push({ k: 'has', v: inner, at });
        } else {
          if (inner !== '') fail(`${fn}() takes nothing`);
          out.push({ k: fn, at });
        }
        i = close + 1;
        break;
      }
    }
    if (i !== at) continue;
    const m = LABEL.exec(src.slice(i));
    if (!m) return fail(`unexpected ${JSON.stringify(c)}`);
    out.push({ k: 'label', v: m[0], at });
    i += m[0].length;
    expectOp = true;
  }
  out.push({ k: 'eof', at: src.length });
  return out;
}

/** Bounds on a selector: its length and how deeply it nests (parentheses and `!`). */
export const MAX_SELECTOR_LENGTH = 4096;
export const MAX_SELECTOR_DEPTH = 64;

/** Compile a selector; throws SelectorError with the position of the first problem. */
export function compileSelector(src: string): Selector {
  if (src.length > MAX_SELECTOR_LENGTH) throw new SelectorError(src.slice(0, 64), MAX_SELECTOR_LENGTH, `longer than ${MAX_SELECTOR_LENGTH} characters`);
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p] as Tok;
  const fail = (what: string): never => {
    throw new SelectorError(src, peek().at, what);
  };
  const expect = (k: Tok['k']) => {
    if (peek().k !== k) fail(`expected "${k}"`);
    return toks[p++] as Tok;
  };
  let depth = 0;
  const deeper = () => {
    if (++depth > MAX_SELECTOR_DEPTH) fail(`nested more than ${MAX_SELECTOR_DEPTH} deep`);
  };

  const or = (): Selector => {
    let left = and();
    while (peek().k === '||') {
      p++;
      const a = left;
      const b = and();
      left = (l) => a(l) || b(l);
    }
    return left;
  };
  const and = (): Selector => {
    let left = unary();
    while (peek().k === '&&') {
      p++;
      const a = left;
      const b = unary();
      left = (l) => a(l) && b(l);
    }
    return left;
  };
  const unary = (): Selector => {
    if (peek().k === '!') {
      p++;
      deeper();
      const e = unary();
      depth--;
      return (l) => !e(l);
    }
    return primary();
  };
  const primary = (): Selector => {
    const t = peek();
    switch (t.k) {
      case '(': {
        p++;
        deeper();
        const e = or();
        depth--;
        expect(')');
        return e;
      }
      case 'all':
      case 'global':
        p++;
        return () => true;
      case 'has': {
        p++;
        const key = t.v;
        return (l) => Object.hasOwn(l, key);
      }
      case 'label': {
        p++;
        const key = t.v;
        const op = peek();
        if (op.k !== 'op') return fail('expected an operator');
        p++;
        if (op.v === 'in' || op.v === 'not in') {
          expect('{');
          const set = new Set<string>();
          if (peek().k !== '}') {
            for (;;) {
              const s = expect('string') as { v: string };
              set.add(s.v);
              if (peek().k === ',') {
                p++;
                continue;
              }
              break;
            }
          }
          expect('}');
          const negate = op.v === 'not in';
          // As Calico: a missing label is "not in" every set.
          return (l) => (Object.hasOwn(l, key) && set.has(l[key] as string)) !== negate;
        }
        const v = (expect('string') as { v: string }).v;
        switch (op.v) {
          case '==':
            return (l) => Object.hasOwn(l, key) && l[key] === v;
          case '!=':
            return (l) => !Object.hasOwn(l, key) || l[key] !== v;
          case 'contains':
            return (l) => Object.hasOwn(l, key) && (l[key] as string).includes(v);
          case 'starts with':
            return (l) => Object.hasOwn(l, key) && (l[key] as string).startsWith(v);
          case 'ends with':
            return (l) => Object.hasOwn(l, key) && (l[key] as string).endsWith(v);
        }
        return fail('unknown operator');
      }
      case 'eof':
        return fail('unexpected end');
      default:
        return fail(`unexpected "${t.k}"`);
    }
  };

  if (peek().k === 'eof') return () => true; // an empty selector selects everything, as Calico's
  const e = or();
  if (peek().k !== 'eof') fail('unexpected text');
  return e;
}
