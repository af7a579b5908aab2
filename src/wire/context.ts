import { Family } from './constants.js';

/**
 * What the codec needs to know of a session's negotiated capabilities. Immutable: the session builds
 * one when it reaches OpenConfirm and decodes every later message with it.
 */
export interface CodecContext {
  /** RFC 6793: both sides announced the 4-octet AS capability, AS_PATH carries 4-byte ASNs. */
  readonly asn4: boolean;
  /** RFC 8654: messages up to 65535 bytes. */
  readonly extendedMessage: boolean;
  /** RFC 7911: bit (1 << Family) set when NLRI of that family carry a path identifier. */
  readonly addPath: number;
  /** The peer is external: LOCAL_PREF received from it is discarded (RFC 7606 §7.5). */
  readonly ebgp: boolean;
}

export const DEFAULT_CONTEXT: CodecContext = Object.freeze({
  asn4: true,
  extendedMessage: false,
  addPath: 0,
  ebgp: false,
});

/** The context before capabilities are known (OPEN exchange): 2-byte ASNs, 4096-byte messages. */
export const OPEN_CONTEXT: CodecContext = Object.freeze({
  asn4: false,
  extendedMessage: false,
  addPath: 0,
  ebgp: false,
});

export function makeContext(partial: Partial<CodecContext>): CodecContext {
  return Object.freeze({ ...DEFAULT_CONTEXT, ...partial });
}

export function hasAddPath(ctx: CodecContext, family: Family): boolean {
  return (ctx.addPath & (1 << family)) !== 0;
}
