/**
 * Text a peer chose (an RFC 9003 shutdown communication, an FQDN capability's host name) is
 * untrusted: before an operator sees it, control characters become visible escapes, so it cannot
 * move a terminal's cursor, forge a line in `birdcl show protocols`, or hide what follows it.
 */

// C0 controls, DEL, C1 controls, line/paragraph separators, bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with every unsafe character written as `\xNN` or `\u{NNNN}`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) as number;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
