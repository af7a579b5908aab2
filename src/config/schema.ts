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
import { closest, distance } from './did-you-mean.js';

export { routeProtocolNumber } from './formats.js';

const FORMAT_TEXT: Record<string, string> = {
  ip: 'an IP address',
  'neighbor-address': 'an IP address (a link-local one may carry its interface: fe80::2%eth0)',
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

/** Other daemons' names (Calico's resources, BIRD's options) for what wren calls otherwise. */
const OTHER_NAMES: Record<string, [string, string]> = {
  asNumber: ['asn', "Calico's"],
  peerIP: ['address', "Calico's"],
  peerASNumber: ['asn', "Calico's"],
  localASNumber: ['localAs', "Calico's"],
  keepOriginalNextHop: ['nextHopKeep', "Calico's"],
  nodeToNodeMeshEnabled: ['mesh', "Calico's"],
  routeReflectorClusterID: ['routeReflector.clusterId', "Calico's"],
  listenPort: ['listen.port', "Calico's"],
};

function suggestion(key: string, known: string[]): string {
  const other = OTHER_NAMES[key];
  if (other) return ` (${other[1]} name; wren's is "${other[0]}")`;
  const best = closest(key, known);
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
  let d = describe(e, doc, schemaKeys);
  // A required key missing beside an unknown one that is its misspelling (routerID for routerId,
  // asNumber for asn): the unknown key is the mistake to name.
  if (e.keyword === 'required') {
    const missing = String((e.params as Record<string, unknown>).missingProperty);
    let v: unknown = doc.value;
    for (const s of pathOf(e)) v = (v as Record<string | number, unknown>)[s];
    const keys = v && typeof v === 'object' ? Object.keys(v) : [];
    const miss = keys.find((k) => !schemaKeys.includes(k) && (k.toLowerCase() === missing.toLowerCase() || OTHER_NAMES[k]?.[0] === missing || distance(k, missing) <= 2));
    if (miss !== undefined) d = { path: [...pathOf(e), miss], key: true, msg: `unknown key${suggestion(miss, [missing])}` };
  }
  const { line, col } = doc.locate(d.path, d.key);
  throw new ConfigError(`${doc.file}:${line}:${col} ${formatPath(d.path)}: ${d.msg}`);
}
