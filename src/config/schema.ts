/**
 * Validation of a parsed config against config/wren.schema.json (ajv, compiled once), with ajv's
 * findings turned into messages an operator can act on: `wren.yaml:14:7 neighbors[2].asn: must be <=
 * 4294967295`. Only the first finding is reported, like a compiler stopping at its first error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import _addFormats from 'ajv-formats';
import { parseAddress } from '../wire/address.js';
import { parsePrefix } from '../wire/nlri.js';
import { parsePrefixRange } from '../policy/prefix-range.js';
import { compileAsPathRegex } from '../policy/as-path-regex.js';
import { ConfigError } from './config-error.js';
import { formatPath, type ConfigDocument, type ConfigPath } from './document.js';

/** Kernel route protocol names as iproute2 knows them (/etc/iproute2/rt_protos). */
export const ROUTE_PROTOCOLS: Record<string, number> = { boot: 3, static: 4, kernel: 2, bird: 12, zebra: 11, dhcp: 16 };

/** The number of a route protocol name, own names only ("toString" is not a protocol). */
export function routeProtocolNumber(name: string): number | undefined {
  return Object.hasOwn(ROUTE_PROTOCOLS, name) ? ROUTE_PROTOCOLS[name] : undefined;
}

/** The schema file: config/ at the package root, found from src/config or dist/src/config. */
export function schemaPath(): string {
  for (const up of ['../../config/wren.schema.json', '../../../config/wren.schema.json']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('config/wren.schema.json not found next to the wren package');
}

/** A prefix in canonical form: a valid address, a length in range, no host bits set. */
function isCanonicalPrefix(s: string): boolean {
  const p = parsePrefix(s);
  if (!p) return false;
  const slash = s.indexOf('/');
  return (parseAddress(s.slice(0, slash)) as Buffer).equals(p.bytes);
}

const FORMAT_TEXT: Record<string, string> = {
  ip: 'an IP address',
  ipv4: 'an IPv4 address',
  prefix: 'a prefix with no host bits set (like 192.0.2.0/24)',
  'route-protocol': `a route protocol (0-255 or ${Object.keys(ROUTE_PROTOCOLS).join(', ')})`,
  'prefix-range': 'a prefix range (PREFIX, PREFIX exact, PREFIX orlonger, PREFIX ge N le M; no host bits)',
  'as-path-regex': 'an AS-path regex (ASNs or ASN patterns, ., .*, ^, $, separated by spaces)',
  'next-hop-action': 'self, keep or an IP address',
  'kernel-metric': 'a metric or "calico" (2^31-1 minus the local preference)',
};

let compiled: { validate: ValidateFunction; keys: string[] } | null = null;

function compile(): { validate: ValidateFunction; keys: string[] } {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  const addFormats = _addFormats.default;
  addFormats(ajv, ['ipv4', 'ipv6']);
  ajv.addFormat('ip', (s: string) => parseAddress(s) !== null);
  ajv.addFormat('prefix', isCanonicalPrefix);
  ajv.addFormat('route-protocol', (s: string) => routeProtocolNumber(s) !== undefined);
  ajv.addFormat('prefix-range', (s: string) => parsePrefixRange(s) !== null);
  ajv.addFormat('as-path-regex', (s: string) => compileAsPathRegex(s) !== null);
  ajv.addFormat('next-hop-action', (s: string) => s === 'self' || s === 'keep' || parseAddress(s) !== null);
  ajv.addFormat('kernel-metric', (s: string) => s === 'calico');
  const keys = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    const props = (v as Record<string, unknown>).properties;
    if (props && typeof props === 'object') for (const k of Object.keys(props)) keys.add(k);
    for (const x of Object.values(v)) walk(x);
  };
  walk(schema);
  compiled = { validate: ajv.compile(schema), keys: [...keys] };
  return compiled;
}

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

function suggestion(key: string, known: string[]): string {
  let best = '';
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function pathOf(e: ErrorObject): ConfigPath {
  return e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject, doc: ConfigDocument, known: string[]): { path: ConfigPath; key: boolean; msg: string } {
  const path = pathOf(e);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const k = String(p.additionalProperty ?? p.unevaluatedProperty);
      return { path: [...path, k], key: true, msg: known.includes(k) ? 'is not allowed here' : `unknown key${suggestion(k, known)}` };
    }
    case 'required':
      return { path: [...path, String(p.missingProperty)], key: true, msg: 'is required' };
    case 'format': {
      let v: unknown = doc.value;
      for (const s of path) v = (v as Record<string | number, unknown>)[s];
      return { path, key: false, msg: `"${String(v)}" is not ${FORMAT_TEXT[String(p.format)] ?? String(p.format)}` };
    }
    case 'enum':
      return { path, key: false, msg: `must be one of ${(p.allowedValues as unknown[]).map((x) => String(x)).join(', ')}` };
    case 'type':
      return { path, key: false, msg: `must be ${String(p.type).replace(',', ' or ').replace(/^integer$/, 'an integer').replace(/^object$/, 'a mapping').replace(/^array$/, 'a list').replace(/^string$/, 'a string').replace(/^boolean$/, 'true or false')}` };
    case 'propertyNames':
      return { path: [...path, String(p.propertyName)], key: true, msg: 'is not a valid name (letters, digits, _ . -; starting with a letter)' };
    case 'pattern':
      return { path, key: false, msg: path[path.length - 1] === 'template' ? 'is not a valid template name' : path[path.length - 1] === 'listen' ? 'must be HOST:PORT (e.g. 127.0.0.1:9179)' : 'must be an absolute path' };
    default:
      return { path, key: false, msg: e.message ?? e.keyword };
  }
}

/** Throw a ConfigError naming file:line:col and key unless the document matches the schema. */
export function validateSchema(doc: ConfigDocument): void {
  const { validate, keys } = compile();
  if (validate(doc.value)) return;
  const e = validate.errors?.[0];
  if (!e) throw new ConfigError(`${doc.file}: invalid`);
  const d = describe(e, doc, keys);
  const { line, col } = doc.locate(d.path, d.key);
  throw new ConfigError(`${doc.file}:${line}:${col} ${formatPath(d.path)}: ${d.msg}`);
}
