import { ErrorCode } from './constants.js';

/**
 * How a malformed message is handled (RFC 7606 §2). Ordered by strength: when several errors are
 * found in one UPDATE, the strongest wins.
 */
export const ErrorAction = {
  ATTRIBUTE_DISCARD: 'attribute-discard',
  TREAT_AS_WITHDRAW: 'treat-as-withdraw',
  AFI_SAFI_DISABLE: 'afi-safi-disable',
  SESSION_RESET: 'session-reset',
} as const;
export type ErrorAction = (typeof ErrorAction)[keyof typeof ErrorAction];

const STRENGTH: Record<ErrorAction, number> = {
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'afi-safi-disable': 3,
  'session-reset': 4,
};

export function strongerAction(a: ErrorAction, b: ErrorAction): ErrorAction {
  return STRENGTH[a] >= STRENGTH[b] ? a : b;
}

/**
 * A malformed or unacceptable BGP message. It carries the NOTIFICATION that reports it
 * (code, subcode, data), so callers derive the NOTIFICATION from the error instead of re-typing it,
 * and the RFC 7606 action that tells the session what to do.
 */
export class BgpError extends Error {
  /** A stable machine-readable name, e.g. `update.attribute-length`. */
  readonly code: string;
  readonly errorCode: number;
  readonly subcode: number;
  readonly data: Buffer;
  readonly action: ErrorAction;
  /** The attribute type the error concerns, when there is one. */
  readonly attrType: number;
  /** The address family concerned, for the AFI/SAFI-disable action (-1 when none). */
  family = -1;

  constructor(
    code: string,
    message: string,
    errorCode: number,
    subcode: number,
    data: Buffer = EMPTY,
    action: ErrorAction = ErrorAction.SESSION_RESET,
    attrType = -1,
  ) {
    super(message);
    this.name = 'BgpError';
    this.code = code;
    this.errorCode = errorCode;
    this.subcode = subcode;
    this.data = data;
    this.action = action;
    this.attrType = attrType;
  }

  /** The same error handled with another RFC 7606 action. */
  withAction(action: ErrorAction): BgpError {
    const e = new BgpError(this.code, this.message, this.errorCode, this.subcode, this.data, action, this.attrType);
    e.family = this.family;
    return e;
  }

  /** A JSON-friendly summary, as fixtures and logs show it. */
  toJSON(): { code: string; errorCode: number; subcode: number; action: ErrorAction; message: string } {
    return {
      code: this.code,
      errorCode: this.errorCode,
      subcode: this.subcode,
      action: this.action,
      message: this.message,
    };
  }
}

const EMPTY = Buffer.alloc(0);

export function headerError(code: string, message: string, subcode: number, data: Buffer = EMPTY): BgpError {
  return new BgpError(code, message, ErrorCode.MESSAGE_HEADER, subcode, data);
}

export function openError(code: string, message: string, subcode: number, data: Buffer = EMPTY): BgpError {
  return new BgpError(code, message, ErrorCode.OPEN_MESSAGE, subcode, data);
}

export function updateError(
  code: string,
  message: string,
  subcode: number,
  action: ErrorAction,
  data: Buffer = EMPTY,
  attrType = -1,
): BgpError {
  return new BgpError(code, message, ErrorCode.UPDATE_MESSAGE, subcode, data, action, attrType);
}

/** Decode results: data or a typed error, never an exception. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: BgpError };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}
export function fail<T>(error: BgpError): Decoded<T> {
  return { ok: false, error };
}

/**
 * Run a decoder that throws BgpError on malformed input, and turn the throw into a result.
 * Anything that is not a BgpError is a bug in the codec and is rethrown so tests find it.
 */
export function decodeSafely<T>(fn: () => T): Decoded<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof BgpError) return { ok: false, error: err };
    throw err;
  }
}
