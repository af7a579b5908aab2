import { UpdateSubcode } from '../constants.js';
import { updateError, type BgpError, type ErrorAction } from '../errors.js';
import type { AttrSpan } from './types.js';

/** The erroneous attribute, header included, as NOTIFICATION data (RFC 4271 §6.3). */
export function attributeBytes(span: AttrSpan): Buffer {
  return Buffer.from(span.buf.subarray(span.header, span.end));
}

export function malformedAttr(
  span: AttrSpan,
  message: string,
  subcode: number = UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  action: ErrorAction = span.action,
): BgpError {
  return updateError(`update.attribute.${span.type}`, message, subcode, action, attributeBytes(span), span.type);
}

export function expectLength(span: AttrSpan, name: string, ...allowed: number[]): void {
  const len = span.end - span.start;
  if (!allowed.includes(len)) throw malformedAttr(span, `${name} attribute of length ${len}`);
}

export function expectMultiple(span: AttrSpan, name: string, unit: number, allowEmpty: boolean): void {
  const len = span.end - span.start;
  if (len % unit !== 0 || (!allowEmpty && len === 0)) throw malformedAttr(span, `${name} attribute of length ${len}`);
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}

export function u32List(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  for (let i = 0; i < values.length; i++) b.writeUInt32BE((values[i] as number) >>> 0, i * 4);
  return b;
}

export function readU32List(span: AttrSpan): number[] {
  // Sized up front: a pushed-to array keeps spare capacity, and decoded lists live in the RIB.
  const out = new Array<number>((span.end - span.start) >>> 2);
  for (let p = span.start, i = 0; p < span.end; p += 4, i++) out[i] = span.buf.readUInt32BE(p);
  return out;
}
