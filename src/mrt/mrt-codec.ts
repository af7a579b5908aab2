/**
 * MRT records (RFC 6396) as wren writes them: the common header, TABLE_DUMP_V2's
 * PEER_INDEX_TABLE and RIB_IPV4/IPV6_UNICAST records (with RFC 8050's ADD-PATH variants), and
 * BGP4MP's MESSAGE_AS4 and STATE_CHANGE_AS4 (with their ADD-PATH variants). Pure: values in,
 * Buffers out.
 */

export const MrtType = { TABLE_DUMP_V2: 13, BGP4MP: 16 } as const;
export const TableDumpV2 = {
  PEER_INDEX_TABLE: 1,
  RIB_IPV4_UNICAST: 2,
  RIB_IPV6_UNICAST: 4,
  RIB_IPV4_UNICAST_ADDPATH: 8,
  RIB_IPV6_UNICAST_ADDPATH: 10,
} as const;
export const Bgp4mp = { STATE_CHANGE_AS4: 5, MESSAGE_AS4: 4, MESSAGE_AS4_ADDPATH: 9 } as const;
/** BGP FSM states as BGP4MP_STATE_CHANGE numbers them. */
export const MRT_STATE: Record<string, number> = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 };

const HEADER = 12;

/** The common header before `body`. */
export function mrtRecord(timestampSec: number, type: number, subtype: number, body: Buffer): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32BE(timestampSec >>> 0, 0);
  h.writeUInt16BE(type, 4);
  h.writeUInt16BE(subtype, 6);
  h.writeUInt32BE(body.length, 8);
  return Buffer.concat([h, body]);
}

export interface MrtPeer {
  routerId: number;
  /** 4 or 16 bytes. */
  address: Uint8Array;
  asn: number;
}

/** PEER_INDEX_TABLE (RFC 6396 4.3.1); every peer entry with a 4-byte AS. */
export function peerIndexTable(collectorId: number, viewName: string, peers: readonly MrtPeer[]): Buffer {
  const name = Buffer.from(viewName, 'utf8');
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4 + 2 + name.length + 2);
  head.writeUInt32BE(collectorId >>> 0, 0);
  head.writeUInt16BE(name.length, 4);
  name.copy(head, 6);
  head.writeUInt16BE(peers.length, 6 + name.length);
  parts.push(head);
  for (const p of peers) {
    const v6 = p.address.length === 16;
    const e = Buffer.alloc(1 + 4 + p.address.length + 4);
    e[0] = (v6 ? 0x01 : 0) | 0x02;
    e.writeUInt32BE(p.routerId >>> 0, 1);
    e.set(p.address, 5);
    e.writeUInt32BE(p.asn >>> 0, 5 + p.address.length);
    parts.push(e);
  }
  return Buffer.concat(parts);
}

export interface RibEntry {
  peerIndex: number;
  originatedSec: number;
  /** RFC 8050: the path identifier (ADD-PATH records only). */
  pathId: number;
  /** The BGP path attributes, AS_PATH in 4-byte form (and for IPv6 the abbreviated MP_REACH_NLRI). */
  attributes: Buffer;
}

/** A RIB_IPV4/IPV6_UNICAST(_ADDPATH) body: one prefix and its entries. */
export function ribRecordBody(sequence: number, prefix: Uint8Array, length: number, entries: readonly RibEntry[], addPath: boolean): Buffer {
  const nb = (length + 7) >>> 3;
  let size = 4 + 1 + nb + 2;
  for (const e of entries) size += 2 + 4 + (addPath ? 4 : 0) + 2 + e.attributes.length;
  const b = Buffer.alloc(size);
  let at = b.writeUInt32BE(sequence >>> 0, 0);
  b[at++] = length;
  b.set(prefix.subarray(0, nb), at);
  at += nb;
  at = b.writeUInt16BE(entries.length, at);
  for (const e of entries) {
    at = b.writeUInt16BE(e.peerIndex, at);
    at = b.writeUInt32BE(e.originatedSec >>> 0, at);
    if (addPath) at = b.writeUInt32BE(e.pathId >>> 0, at);
    at = b.writeUInt16BE(e.attributes.length, at);
    e.attributes.copy(b, at);
    at += e.attributes.length;
  }
  return b;
}

/** The subtype of a RIB record for a family (4 or 16-byte prefixes) and ADD-PATH. */
export function ribSubtype(v6: boolean, addPath: boolean): number {
  if (v6) return addPath ? TableDumpV2.RIB_IPV6_UNICAST_ADDPATH : TableDumpV2.RIB_IPV6_UNICAST;
  return addPath ? TableDumpV2.RIB_IPV4_UNICAST_ADDPATH : TableDumpV2.RIB_IPV4_UNICAST;
}

/** The BGP4MP peer/local part (RFC 6396 4.4): AS4 numbers, interface 0, AFI by address size. */
function bgp4mpHead(peerAs: number, localAs: number, peer: Uint8Array, local: Uint8Array): Buffer {
  const v6 = peer.length === 16;
  const b = Buffer.alloc(4 + 4 + 2 + 2 + peer.length * 2);
  b.writeUInt32BE(peerAs >>> 0, 0);
  b.writeUInt32BE(localAs >>> 0, 4);
  b.writeUInt16BE(0, 8);
  b.writeUInt16BE(v6 ? 2 : 1, 10);
  b.set(peer, 12);
  // A local address of the other family (not known yet) is written as zeros of the peer's size.
  if (local.length === peer.length) b.set(local, 12 + peer.length);
  return b;
}

/** BGP4MP_MESSAGE_AS4(_ADDPATH) body: the whole BGP message as received. */
export function bgp4mpMessage(peerAs: number, localAs: number, peer: Uint8Array, local: Uint8Array, message: Buffer): Buffer {
  return Buffer.concat([bgp4mpHead(peerAs, localAs, peer, local), message]);
}

/** BGP4MP_STATE_CHANGE_AS4 body. */
export function bgp4mpStateChange(peerAs: number, localAs: number, peer: Uint8Array, local: Uint8Array, from: number, to: number): Buffer {
  const s = Buffer.alloc(4);
  s.writeUInt16BE(from, 0);
  s.writeUInt16BE(to, 2);
  return Buffer.concat([bgp4mpHead(peerAs, localAs, peer, local), s]);
}
