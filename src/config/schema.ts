/**
 * Validation of a parsed config against config/wren.schema.json (ajv's standalone code, generated
 * ahead of time: schema-validator.ts), with ajv's
 * findings turned into messages an operator can act on: `wren.yaml:14:7 neighbors[2].asn: must be <=
 * 4294967295`. Only the first finding is reported, like a compiler stopping at its first error.
 */
import type { ErrorObject } from 'ajv';
import { ROUTE_PROTOCOLS } from './formats.js';
import { validate as generated, schemaKeys } from './schema-validator.js';
import { ConfigError } from './config-error.js';
import type { WrenDocument } from './schema-types.js';
import { formatPath, type ConfigDocument, type ConfigPath } from './document.js';

export { routeProtocolNumber } from './formats.js';

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

/** The validator generated from the schema (schema-compile.ts), with the errors ajv's code sets. */
const validate = generated as unknown as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

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
export function validateSchema(doc: ConfigDocument): WrenDocument {
  // The generated types (schema-types.ts) describe exactly what the schema admits.
  if (validate(doc.value)) return doc.value as WrenDocument;
  const e = validate.errors?.[0];
  if (!e) throw new ConfigError(`${doc.file}: invalid`);
  const d = describe(e, doc, schemaKeys);
  const { line, col } = doc.locate(d.path, d.key);
  throw new ConfigError(`${doc.file}:${line}:${col} ${formatPath(d.path)}: ${d.msg}`);
}
