/**
 * JSON config files are located by config/json-index.ts, YAML files by the YAML parser. A JSON
 * text is YAML too, so the YAML parser's answers are the reference: for every key and value of
 * many documents, in several layouts, and for paths that are not there, both must name the same
 * line and column.
 */
import t, { type Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfigText, type ConfigPath } from '../../../src/config/document.js';
import { indexJson } from '../../../src/config/json-index.js';
import { seededRandom } from '../../helpers/seeded.js';

/** Every path in `v`, and below each object and list one that is not there. */
function paths(v: unknown, at: ConfigPath = []): ConfigPath[] {
  const out: ConfigPath[] = [at];
  if (Array.isArray(v)) {
    v.forEach((x, i) => out.push(...paths(x, [...at, i])));
    out.push([...at, v.length], [...at, 'nope']);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
    out.push([...at, 'absent', 'deeper']);
  }
  return out;
}

function sameAsYaml(t: Test, text: string, what: string): void {
  const json = parseConfigText(text, 'x.json');
  const yaml = parseConfigText(text, 'x.yaml');
  t.same(json.value, yaml.value, `${what}: the same value`);
  let differ = 0;
  for (const p of paths(json.value)) {
    for (const key of [false, true]) {
      const a = json.locate(p, key);
      const b = yaml.locate(p, key);
      if (a.line !== b.line || a.col !== b.col) {
        if (differ++ < 3) t.fail(`${what}: ${JSON.stringify(p)} ${key ? 'key' : 'value'} at ${a.line}:${a.col}, YAML says ${b.line}:${b.col}`);
      }
    }
  }
  t.equal(differ, 0, `${what}: every key and value where YAML puts it`);
}

const layouts: [string, (v: unknown) => string][] = [
  ['indented', (v) => JSON.stringify(v, null, 2)],
  ['one line', (v) => JSON.stringify(v)],
  ['tabs and CRLF', (v) => JSON.stringify(v, null, '\t').replace(/\n/g, '\r\n')],
  ['spaced', (v) => JSON.stringify(v, null, 1).replace(/([[{,:])/g, '$1  ').replace(/([\]}])/g, ' $1')],
];

t.test('the examples in config/, as JSON, are located as the YAML parser locates them', async (t) => {
  const examples = readdirSync('config').filter((f) => f.endsWith('.yaml'));
  t.ok(examples.length >= 5);
  for (const f of examples) {
    const doc: unknown = parse(readFileSync(join('config', f), 'utf8'));
    for (const [name, layout] of layouts) sameAsYaml(t, layout(doc), `${f}, ${name}`);
  }
});

t.test('random documents: names that need escapes, empty objects and lists, nesting', async (t) => {
  const rnd = seededRandom(7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const names = ['a', 'asn', 'routerId', 'with space', 'quo"te', 'back\\slash', 'uni\u00e9', 'tab\tname', '2', '10', 'neighbors'];
  const make = (depth: number): unknown => {
    const r = rnd();
    if (depth > 4 || r < 0.35) return pick<unknown>([1, -2.5e3, 'text', 'a "quoted" \\ string', true, false, null, '', 0]);
    if (r < 0.65) return Array.from({ length: Math.floor(rnd() * 4) }, () => make(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 5); i > 0; i--) o[pick(names)] = make(depth + 1);
    return o;
  };
  for (let i = 0; i < 60; i++) {
    const doc = { root: make(0), list: [make(1), make(1)] };
    sameAsYaml(t, pick(layouts)[1](doc), `document ${i}`);
  }
});

t.test('a repeated key is an error at the repeat, as in YAML', async (t) => {
  const text = '{\n  "asn": 64512,\n  "listen": { "port": 179, "port": 1179 }\n}\n';
  t.same(indexJson(text).duplicate, { name: 'port', offset: text.lastIndexOf('"port"') });
  t.throws(() => parseConfigText(text, 'd.json'), { message: 'd.json:3:28: Map keys must be unique' });
  t.throws(() => parseConfigText(text, 'd.yaml'), { message: 'd.yaml:3:28: Map keys must be unique' });
  t.equal(indexJson('{"a": {"x": 1}, "b": {"x": 2}}').duplicate, null, 'the same name in two objects is not a repeat');
  t.equal(indexJson('[{"x": 1}, {"x": 2}]').duplicate, null, 'nor in two items of a list');
});

t.test('deep nesting costs no stack', async (t) => {
  const depth = 100_000;
  const text = '{"a":'.repeat(depth) + '[]' + '}'.repeat(depth);
  const index = indexJson(text);
  const path = Array.from({ length: depth }, () => 'a');
  t.equal(index.at(path).value, text.indexOf('[]'));
  t.equal(index.at([...path, 0]).value, text.indexOf('[]'), 'an absent item: its list');
});
