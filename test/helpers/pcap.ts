/**
 * Minimal pcap reader for captured BGP sessions: Ethernet → IPv4/IPv6 → TCP, payload reassembled
 * per direction by sequence number (retransmitted segments dropped).
 */
import { readFileSync } from 'node:fs';

export interface TcpStream {
  key: string;
  bytes: Buffer;
}

export function readTcpStreams(path: string): TcpStream[] {
  const f = readFileSync(path);
  const magic = f.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const linkType = u32(20);
  const segments = new Map<string, Map<number, Buffer>>();
  let off = 24;
  while (off + 16 <= f.length) {
    const caplen = u32(off + 8);
    const pkt = f.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    let p = 0;
    let etherType: number;
    if (linkType === 1) {
      etherType = pkt.readUInt16BE(12);
      p = 14;
    } else if (linkType === 113) {
      etherType = pkt.readUInt16BE(14); // Linux cooked capture
      p = 16;
    } else {
      throw new Error(`unsupported link type ${linkType}`);
    }
    let src: string;
    let dst: string;
    let proto: number;
    let payloadEnd: number;
    if (etherType === 0x0800) {
      const ihl = ((pkt[p] as number) & 15) * 4;
      proto = pkt[p + 9] as number;
      src = Array.from(pkt.subarray(p + 12, p + 16)).join('.');
      dst = Array.from(pkt.subarray(p + 16, p + 20)).join('.');
      payloadEnd = p + pkt.readUInt16BE(p + 2);
      p += ihl;
    } else if (etherType === 0x86dd) {
      proto = pkt[p + 6] as number;
      src = pkt.subarray(p + 8, p + 24).toString('hex');
      dst = pkt.subarray(p + 24, p + 40).toString('hex');
      payloadEnd = p + 40 + pkt.readUInt16BE(p + 4);
      p += 40;
    } else {
      continue;
    }
    if (proto !== 6) continue;
    const sport = pkt.readUInt16BE(p);
    const dport = pkt.readUInt16BE(p + 2);
    const seq = pkt.readUInt32BE(p + 4);
    const dataOff = ((pkt[p + 12] as number) >> 4) * 4;
    const data = pkt.subarray(p + dataOff, Math.min(payloadEnd, pkt.length));
    if (data.length === 0) continue;
    const key = `${src}:${sport}>${dst}:${dport}`;
    const m = segments.get(key) ?? new Map<number, Buffer>();
    if (!m.has(seq)) m.set(seq, Buffer.from(data));
    segments.set(key, m);
  }
  const out: TcpStream[] = [];
  for (const [key, m] of segments) {
    const seqs = [...m.keys()].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let next = seqs[0] ?? 0;
    for (const s of seqs) {
      const d = m.get(s) as Buffer;
      if (s + d.length <= next && parts.length > 0) continue;
      parts.push(s < next ? d.subarray(next - s) : d);
      next = s + d.length;
    }
    out.push({ key, bytes: Buffer.concat(parts) });
  }
  return out;
}
