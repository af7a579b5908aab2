/**
 * The string formats of config/wren.schema.json that JSON Schema does not define, as functions:
 * the generated validator (schema-validator.ts) calls them, and schema-compile.ts registers them
 * with ajv when it generates that validator.
 */
import { parseAddress, isLinkLocal } from '../wire/address.js';
import { parsePrefix } from '../wire/nlri.js';
import { parsePrefixRange } from '../policy/prefix-range.js';
import { compileAsPathRegex } from '../policy/as-path-regex.js';

/** Kernel route protocol names as iproute2 knows them (/etc/iproute2/rt_protos). */
export const ROUTE_PROTOCOLS: Record<string, number> = { boot: 3, static: 4, kernel: 2, bird: 12, zebra: 11, dhcp: 16 };

/** The number of a route protocol name, own names only ("toString" is not a protocol). */
export function routeProtocolNumber(name: string): number | undefined {
  return Object.hasOwn(ROUTE_PROTOCOLS, name) ? ROUTE_PROTOCOLS[name] : undefined;
}

/** A prefix in canonical form: a valid address, a length in range, no host bits set. */
export function isCanonicalPrefix(s: string): boolean {
  const p = parsePrefix(s);
  if (!p) return false;
  const slash = s.indexOf('/');
  return (parseAddress(s.slice(0, slash)) as Buffer).equals(p.bytes);
}

export const wrenFormats: Record<string, (s: string) => boolean> = {
  ip: (s) => parseAddress(s) !== null,
  /** A neighbour's address: an IP address, or a link-local one with its interface (fe80::2%eth0). */
  'neighbor-address': (s) => {
    const at = s.indexOf('%');
    if (at < 0) return parseAddress(s) !== null;
    const a = parseAddress(s.slice(0, at));
    return a !== null && isLinkLocal(a) && /^[A-Za-z0-9_.:@-]{1,15}$/.test(s.slice(at + 1));
  },
  prefix: isCanonicalPrefix,
  'route-protocol': (s) => routeProtocolNumber(s) !== undefined,
  'prefix-range': (s) => parsePrefixRange(s) !== null,
  'as-path-regex': (s) => compileAsPathRegex(s) !== null,
  'next-hop-action': (s) => s === 'self' || s === 'keep' || parseAddress(s) !== null,
  'kernel-metric': (s) => s === 'calico',
};
