/** Where and how to reach a neighbour: the part of a neighbour's config the session layer uses. */
export interface PeerEndpoint {
  address: string;
  asn: number;
  port: number;
  passive: boolean;
  description: string;
  sourceAddress?: string;
  sourcePort?: number;
  /** The interface of a link-local neighbour (its address means something only there). */
  interface?: string;
  multihop?: number;
  ttlSecurity?: number;
  password?: string;
}
