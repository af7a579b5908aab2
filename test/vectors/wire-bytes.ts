/**
 * Hand assembly of BGP messages for test vectors: plain byte concatenation, independent of
 * src/wire's encoders, so fixtures check the codec instead of repeating it.
 */
export type Bytes = number[];

export const u8 = (n: number): Bytes => [n & 255];
export const u16 = (n: number): Bytes => [(n >>> 8) & 255, n & 255];
export const u32 = (n: number): Bytes => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
export const ip4 = (s: string): Bytes => s.split('.').map(Number);
export function ip6(s: string): Bytes {
  const [head = '', tail = ''] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = s.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}
export const cat = (...parts: Bytes[]): Bytes => parts.flat();

export function message(type: number, body: Bytes, length = 19 + body.length): Bytes {
  return cat(new Array<number>(16).fill(0xff), u16(length), u8(type), body);
}

/** A prefix in NLRI encoding: "198.51.100.0/24" or "2001:db8::/32". */
export function prefix(text: string, pathId?: number): Bytes {
  const [addr = '', len = '0'] = text.split('/');
  const n = Number(len);
  const bytes = addr.includes(':') ? ip6(addr) : ip4(addr);
  return cat(pathId === undefined ? [] : u32(pathId), u8(n), bytes.slice(0, (n + 7) >> 3));
}

export function attr(flags: number, type: number, value: Bytes): Bytes {
  if (flags & 0x10) return cat(u8(flags), u8(type), u16(value.length), value);
  return cat(u8(flags), u8(type), u8(value.length), value);
}

export function update(withdrawn: Bytes, attrs: Bytes, nlri: Bytes): Bytes {
  return message(2, cat(u16(withdrawn.length), withdrawn, u16(attrs.length), attrs, nlri));
}

export const origin = (v = 0): Bytes => attr(0x40, 1, [v]);
export const asPath = (segs: [number, number[]][], width: 2 | 4 = 4): Bytes =>
  attr(0x40, 2, segs.flatMap(([t, asns]) => cat(u8(t), u8(asns.length), asns.flatMap(width === 4 ? u32 : u16))));
export const nextHop = (s: string): Bytes => attr(0x40, 3, ip4(s));

export function capability(code: number, value: Bytes): Bytes {
  return cat(u8(code), u8(value.length), value);
}

export function open(asn: number, hold: number, id: string, params: Bytes[], version = 4): Bytes {
  const p = params.flatMap((caps) => cat(u8(2), u8(caps.length), caps));
  return message(1, cat(u8(version), u16(asn), u16(hold), ip4(id), u8(p.length), p));
}

export const hex = (b: Bytes): string => Buffer.from(b).toString('hex');
