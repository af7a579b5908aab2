import { AS_TRANS, HEADER_LENGTH, MessageType, OpenSubcode, OptionalParameter } from './constants.js';
import { decodeCapabilities, encodeCapability, type Capability } from './capabilities.js';
import { openError } from './errors.js';
import { writeHeader } from './header.js';

export interface OpenMessage {
  version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real ASN needs 4 octets). */
  myAs: number;
  holdTime: number;
  /** BGP identifier as uint32. */
  bgpId: number;
  capabilities: Capability[];
  /**
   * How the capabilities were split over optional parameters: the number in each parameter.
   * Encoding without it puts them all in one parameter.
   */
  paramLayout?: number[];
  /** RFC 9072 extended optional parameters length was (or is to be) used. */
  extendedParams?: boolean;
}

/** The speaker's ASN: the 4-octet AS capability when present, else the My AS field. */
export function openAsn(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAs;
}

/** The My AS field for a speaker with `asn`. */
export function myAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/** Decode an OPEN body. `off` is the start of the message (header included), `end` its end. */
export function decodeOpen(buf: Buffer, off: number, end: number): OpenMessage {
  let p = off + HEADER_LENGTH;
  const version = buf[p] as number;
  if (version !== 4) {
    // RFC 4271 §6.2: data is the largest locally supported version.
    throw openError('open.version', `unsupported BGP version ${version}`, OpenSubcode.UNSUPPORTED_VERSION, Buffer.from([0, 4]));
  }
  const myAs = buf.readUInt16BE(p + 1);
  const holdTime = buf.readUInt16BE(p + 3);
  const bgpId = buf.readUInt32BE(p + 5);
  let paramsLen = buf[p + 9] as number;
  p += 10;
  let extendedParams = false;
  // RFC 9072: a non-extended length of 255 followed by type 255 announces the extended form.
  if (paramsLen === 255 && p < end && buf[p] === OptionalParameter.EXTENDED_LENGTH) {
    if (p + 3 > end) throw openError('open.params-length', 'truncated extended parameters length', 0);
    paramsLen = buf.readUInt16BE(p + 1);
    p += 3;
    extendedParams = true;
  }
  if (p + paramsLen !== end) {
    throw openError('open.params-length', `optional parameters length ${paramsLen} does not match the message`, 0);
  }
  const capabilities: Capability[] = [];
  const paramLayout: number[] = [];
  const hdr = extendedParams ? 3 : 2;
  while (p < end) {
    if (p + hdr > end) throw openError('open.params-length', 'truncated optional parameter', 0);
    const type = buf[p] as number;
    const len = extendedParams ? buf.readUInt16BE(p + 1) : (buf[p + 1] as number);
    const vstart = p + hdr;
    if (vstart + len > end) throw openError('open.params-length', 'optional parameter overruns the message', 0);
    if (type !== OptionalParameter.CAPABILITIES) {
      throw openError(
        'open.parameter',
        `unsupported optional parameter type ${type}`,
        OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
      );
    }
    const before = capabilities.length;
    decodeCapabilities(buf, vstart, vstart + len, capabilities);
    paramLayout.push(capabilities.length - before);
    p = vstart + len;
  }
  const open: OpenMessage = { version, myAs, holdTime, bgpId, capabilities, paramLayout };
  if (extendedParams) open.extendedParams = true;
  return open;
}

export function encodeOpen(open: OpenMessage): Buffer {
  const caps = open.capabilities.map(encodeCapability);
  const layout = open.paramLayout && open.paramLayout.reduce((a, b) => a + b, 0) === caps.length
    ? open.paramLayout
    : caps.length > 0 ? [caps.length] : [];
  const params: Buffer[] = [];
  let i = 0;
  for (const n of layout) {
    params.push(Buffer.concat(caps.slice(i, i + n)));
    i += n;
  }
  const nonExtLen = params.reduce((a, b) => a + 2 + b.length, 0);
  const extended = open.extendedParams === true || nonExtLen > 255 || params.some((b) => b.length > 255);
  const hdr = extended ? 3 : 2;
  const paramsLen = params.reduce((a, b) => a + hdr + b.length, 0);
  const length = HEADER_LENGTH + 10 + (extended ? 3 : 0) + paramsLen;
  const out = Buffer.alloc(length);
  writeHeader(out, 0, length, MessageType.OPEN);
  let p = HEADER_LENGTH;
  out[p] = open.version;
  out.writeUInt16BE(open.myAs, p + 1);
  out.writeUInt16BE(open.holdTime, p + 3);
  out.writeUInt32BE(open.bgpId >>> 0, p + 5);
  p += 9;
  if (extended) {
    out[p] = 255;
    out[p + 1] = OptionalParameter.EXTENDED_LENGTH;
    out.writeUInt16BE(paramsLen, p + 2);
    p += 4;
  } else {
    out[p] = paramsLen;
    p += 1;
  }
  for (const b of params) {
    out[p] = OptionalParameter.CAPABILITIES;
    if (extended) out.writeUInt16BE(b.length, p + 1);
    else out[p + 1] = b.length;
    b.copy(out, p + hdr);
    p += hdr + b.length;
  }
  return out;
}
