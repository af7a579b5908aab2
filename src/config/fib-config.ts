/** Settings of the kernel FIB sync (config key `fib`). */
export interface FibConfig {
  enabled: boolean;
  /** Kernel table routes go to (254 = main). */
  table: number;
  /** rtm_protocol number marking wren's routes, as `proto bird` marks BIRD's. */
  protocol: number;
  metric: number;
  ecmp: { maxPaths: number };
  /** IPIP next hops: routes `via NH dev IFACE onlink`, for every next hop or only off-subnet ones. */
  tunnel: { interface: string; mode: 'always' | 'cross-subnet' } | null;
  /** Kernel routes to import as locally originated (by protocol number and table). */
  learn: { protocols: number[]; tables: number[]; policy: string[] } | null;
  /** Seconds between full scans that repair drift. */
  scanInterval: number;
  /** Keep wren's routes in the kernel when wrend stops. */
  persist: boolean;
  /** Seconds to wait for End-of-RIB from every peer before pruning stale routes adopted at start. */
  convergenceTimeout: number;
  /** Prefixes never installed (exact match), e.g. the cluster's whole pool. */
  exclude: string[];
  /** Prefixes whose routes (the prefix and everything inside) are never installed: another agent's. */
  excludeWithin: string[];
  /** Prefixes installed as blackhole routes while this router announces them (Calico's blocks). */
  blackhole: string[];
  /** Policy chain deciding what goes to the kernel (and its metric, tunnel, ECMP). */
  policy: string[];
  /** Routes installed as they are and never announced (a host route to a peer through a gateway). */
  staticRoutes: { prefix: string; via: string }[];
  /** Interface name patterns whose addresses are not connected networks. */
  ignoreInterfaces: string[];
}

export const DEFAULT_FIB: FibConfig = {
  enabled: false,
  table: 254,
  // Not 196 and nearby: FRR's rt_protos.d names 186-197 for its daemons (196 is its staticd).
  protocol: 210,
  metric: 32,
  ecmp: { maxPaths: 8 },
  tunnel: null,
  learn: null,
  scanInterval: 5,
  persist: true,
  convergenceTimeout: 120,
  exclude: [],
  excludeWithin: [],
  blackhole: [],
  policy: [],
  staticRoutes: [],
  ignoreInterfaces: [],
};
