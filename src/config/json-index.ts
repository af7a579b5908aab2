/**
 * Where every key and value of a JSON text starts, by path, and the first key that repeats inside
 * one object: what a config error needs to point at a line (document.ts), without loading a YAML
 * parser for a JSON file. Reads only text JSON.parse has already accepted.
 */
import type { ConfigPath } from './document.js';

export interface JsonIndex {
  /**
   * Offset of the value at `path`, and of its key (a member's name; an item's is the item itself);
   * of the nearest ancestor that is there when `path` is not.
   */
  at(path: ConfigPath): { key: number; value: number };
  /** The first member name that repeats within its object, and where the repeat starts. */
  duplicate: { name: string; offset: number } | null;
}

// Path segments; a name is quoted, so no name can run into the next segment.
const member = (name: string) => `\u0001${JSON.stringify(name)}`;
const item = (n: number) => `\u0002${n}`;

interface Entry {
  key: number;
  value: number;
  id: number;
}

interface Open {
  /** The container's own entry number: its children are keyed under it. */
  id: number;
  /** Items so far (arrays); -1 for an object. */
  n: number;
  names: Set<string> | null;
}

/** Index `text`, which must be valid JSON. Iterative, so nesting depth costs heap, not stack. */
export function indexJson(text: string): JsonIndex {
  // Keyed by the parent's entry number and the child's segment, so a key's length does not grow with depth.
  const entries = new Map<string, Entry>();
  let duplicate: JsonIndex['duplicate'] = null;
  let i = 0;
  const space = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  /** Past the string starting at i; its value. */
  const string = (): string => {
    const start = i++;
    for (let c = text.charCodeAt(i); c !== 34; c = text.charCodeAt(++i)) if (c === 92) i++;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const stack: Open[] = [];
  // The value about to be read: its key in `entries` and where its key started.
  let path = '';
  let keyAt = -1;
  for (;;) {
    space();
    const c = text.charCodeAt(i);
    const id = entries.size;
    entries.set(path, { key: keyAt < 0 ? i : keyAt, value: i, id });
    i++;
    if (c === 123 || c === 91) {
      space();
      if (text.charCodeAt(i) !== (c === 123 ? 125 : 93)) {
        const open: Open = { id, n: c === 91 ? 0 : -1, names: c === 123 ? new Set() : null };
        stack.push(open);
        next(open);
        continue;
      }
      i++; // an empty container
    } else if (c === 34) {
      i--;
      string();
    } else while (i < text.length && !/[\s,\]}]/.test(text[i] as string)) i++;
    // The value is read: the next member or item of the innermost open container, or its end.
    let more = false;
    while (!more && stack.length > 0) {
      space();
      if (text.charCodeAt(i++) === 44) {
        next(stack[stack.length - 1] as Open);
        more = true;
      } else stack.pop();
    }
    if (!more) break;
  }
  return {
    at: (p) => {
      let found = entries.get('') as Entry;
      for (const seg of p) {
        const e = entries.get(found.id + member(String(seg))) ?? (typeof seg === 'number' ? entries.get(found.id + item(seg)) : undefined);
        if (!e) break;
        found = e;
      }
      return { key: found.key, value: found.value };
    },
    duplicate,
  };

  /** Set up the next member (its name read, and the colon) or item of `top` to be read. */
  function next(top: Open): void {
    space();
    if (top.names === null) {
      path = top.id + item(top.n++);
      keyAt = -1;
      return;
    }
    keyAt = i;
    const name = string();
    if (top.names.has(name)) duplicate ??= { name, offset: keyAt };
    top.names.add(name);
    space();
    i++; // ':'
    path = top.id + member(name);
  }
}
