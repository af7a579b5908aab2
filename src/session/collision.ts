/**
 * RFC 4271 §6.8 connection collision: of two connections with the same peer, keep the one
 * initiated by the speaker with the higher BGP Identifier.
 */
export function keepInbound(localId: number, remoteId: number): boolean {
  return remoteId >>> 0 > localId >>> 0;
}
