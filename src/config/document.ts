/**
 * A config file's text parsed with positions kept: the plain value to validate, and where any
 * key or value sits (line:column), so every error can point at the line the operator must edit.
 */
import { createRequire } from 'node:module';
import type { Node } from 'yaml';
import { ConfigError } from './config-error.js';
import { indexJson } from './json-index.js';

type Yaml = typeof import('yaml');
let yamlModule: Yaml | null = null;

/**
 * Load the YAML parser ahead of parsing `file`, unless it is JSON. In the bundle
 * (src/bin/load-main.ts) the parser is a chunk of its own, one file to read, where the synchronous
 * load below reads its 72 CJS files from node_modules.
 */
export async function prepareParser(file: string): Promise<void> {
  if (isJsonFile(file) || yamlModule) return;
  const m = (await import('yaml')) as Yaml & { default?: Yaml };
  // A CJS package imported: its exports by name (Node), or as the default export (the bundle).
  yamlModule = typeof m.LineCounter === 'function' ? m : (m.default as Yaml);
}

/** The YAML parser; a JSON config never needs it (with it, a start costs 30-60 ms of CPU and 6 MB of peak more). */
function yaml(): Yaml {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml);
}

export type ConfigPath = (string | number)[];

export interface ConfigDocument {
  file: string;
  value: unknown;
  /** Line and column (1-based) of the key (`key: true`) or value at `path`; the nearest ancestor if absent. */
  locate(path: ConfigPath, key?: boolean): { line: number; col: number };
}

/** `neighbors[2].asn` from ['neighbors', 2, 'asn']. */
export function formatPath(path: ConfigPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(top level)';
}

/** A config file read as JSON (by its name), not YAML. */
function isJsonFile(file: string): boolean {
  return file.endsWith('.json');
}

/** Parse YAML, or JSON for `.json` files (strictly: JSON.parse decides what is valid). */
export function parseConfigText(text: string, file: string): ConfigDocument {
  if (isJsonFile(file)) return parseJson(text, file);
  const { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } = yaml();
  const lines = new LineCounter();
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const bad = doc.errors[0];
  if (bad) {
    const p = at(bad.pos[0]);
    throw new ConfigError(`${file}:${p.line}:${p.col}: ${bad.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb ("excessive alias count") or a cycle: a config error like any other.
    throw new ConfigError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    file,
    value,
    locate(path, key = false) {
      let node: unknown = doc.contents;
      let keyNode: unknown = null;
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
          if (!pair) break;
          keyNode = pair.key;
          node = pair.value;
        } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
          keyNode = node.items[seg];
          node = node.items[seg];
        } else break;
      }
      const target = (key && keyNode ? keyNode : node) as Node | null;
      return at(target?.range?.[0] ?? 0);
    },
  };
}

/**
 * A JSON file: JSON.parse decides what is valid (strictly); the index locates keys and values and
 * finds a repeated key, an error here as in YAML.
 */
function parseJson(text: string, file: string): ConfigDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const where = m ? positionOf(text, Number(m[1])) : null;
    // Node's message may quote the text (`Unexpected token 'r', "root:x:0:0"... is not valid
    // JSON`): an error must never echo a file's contents, so a message that quotes is replaced.
    const said = (err as Error).message.replace(/ in JSON at position \d+.*$/, '');
    throw new ConfigError(`${file}${where ? `:${where.line}:${where.col}` : ''}: ${/["'`]/.test(said) ? 'not valid JSON' : said}`);
  }
  const index = indexJson(text);
  if (index.duplicate) {
    const p = positionOf(text, index.duplicate.offset);
    throw new ConfigError(`${file}:${p.line}:${p.col}: Map keys must be unique`);
  }
  return {
    file,
    value,
    locate(path, key = false) {
      const e = index.at(path);
      return positionOf(text, key ? e.key : e.value);
    },
  };
}

function positionOf(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos).split('\n');
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}
