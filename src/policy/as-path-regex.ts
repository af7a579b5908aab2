/**
 * AS-path regular expressions over ASNs, not characters: `^64512 .* 65000$` means "starts with
 * 64512, ends with 65000, anything between". Tokens are separated by spaces: an ASN or an ASN
 * pattern (`6451[0-9]`, `(64512|64513)`, `\d+`), `.` (one ASN), `.*` / `.+` / `.?` (ASNs), and
 * `^` / `$` anchors. It compiles to a JS RegExp over the path written as "ASN ASN ... ".
 */
const ASN = '\\d+ ';

export function compileAsPathRegex(src: string): RegExp | null {
  const text = src.trim();
  const start = text.startsWith('^');
  const end = text.endsWith('$') && !text.endsWith('\\$');
  const body = text.slice(start ? 1 : 0, end ? -1 : undefined).trim();
  const parts: string[] = [];
  for (const tok of body ? body.split(/\s+/) : []) {
    if (tok === '.') parts.push(ASN);
    else if (tok === '.*' || tok === '.+' || tok === '.?') parts.push(`(?:${ASN})${tok.slice(1)}`);
    else {
      // One ASN matched by a character pattern, whole (never the tail of a longer number); a
      // quantifier after it repeats the ASN (`64512+`: one or more 64512, as prepending makes).
      let inner = tok;
      let q = '';
      const m = tok === '\\d+' || tok === '[0-9]+' ? null : /^(.*?)([*+?]|\{\d+(?:,\d*)?\})$/.exec(tok);
      if (m) {
        inner = m[1] as string;
        q = m[2] as string;
      }
      if (!inner || !/^(?:[0-9|()[\]-]|\\d|\+)+$/.test(inner)) return null;
      parts.push(`(?:(?<!\\d)(?:${inner}) )${q}`);
    }
  }
  try {
    return new RegExp(`${start ? '^' : ''}${parts.join('')}${end ? '$' : ''}`);
  } catch {
    return null;
  }
}

/** The path as the regex sees it. */
export function asPathText(asns: readonly number[]): string {
  let s = '';
  for (const a of asns) s += `${a} `;
  return s;
}
