import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** text2pcap's hexdump input for one packet. */
export function hexdump(bytes: Buffer): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${i.toString(16).padStart(6, '0')} ${row}`);
  }
  return lines.join('\n') + '\n';
}

/** Wrap messages, one per packet, into a pcap as a TCP stream from port 50179 to 179. */
export function writePcap(messages: Buffer[], txtPath: string, pcapPath: string): void {
  writeFileSync(txtPath, messages.map(hexdump).join(''));
  const r = spawnSync('text2pcap', ['-q', '-4', '192.0.2.1,192.0.2.2', '-T', '50179,179', txtPath, pcapPath], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`text2pcap failed: ${r.stderr}`);
}

export type Fields = Map<string, string[]>;

/** Every leaf field of one dissected BGP message, in document order; also the prefix node labels. */
export function flatten(layer: unknown): { fields: Fields; prefixes: string[] } {
  const fields: Fields = new Map();
  const prefixes: string[] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) {
      for (const v of o) walk(v);
    } else if (o && typeof o === 'object') {
      for (const [k, v] of Object.entries(o)) {
        if (/^[0-9a-f.:]+\/\d+( PathId \d+)?\s*$/.test(k)) prefixes.push(k.trim());
        const values = Array.isArray(v) ? v : [v];
        for (const x of values) {
          if (x && typeof x === 'object') {
            walk(x);
          } else {
            const list = fields.get(k) ?? [];
            list.push(String(x));
            fields.set(k, list);
          }
        }
      }
    }
  };
  walk(layer);
  return { fields, prefixes };
}

/** Dissect a pcap; one entry per BGP message. */
export function dissect(pcapPath: string): { fields: Fields; prefixes: string[] }[] {
  const r = spawnSync('tshark', ['-r', pcapPath, '-T', 'json', '--no-duplicate-keys', '-Y', 'bgp'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const packets = JSON.parse(r.stdout) as { _source: { layers: Record<string, unknown> } }[];
  const out: { fields: Fields; prefixes: string[] }[] = [];
  for (const p of packets) {
    const bgp = p._source.layers.bgp;
    // Several BGP messages in one packet come as an array.
    for (const m of Array.isArray(bgp) ? bgp : [bgp]) {
      const f = flatten(m);
      const ws = flatten(p._source.layers);
      for (const [k, v] of ws.fields) if (k.startsWith('_ws')) f.fields.set(k, v);
      out.push(f);
    }
  }
  return out;
}
