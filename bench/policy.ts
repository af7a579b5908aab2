/**
 * npm run bench:policy — the cost of an import policy per prefix: 1M IPv4 /24s (500 per UPDATE,
 * 16 attribute sets) into a RIB with no policy, then with a Calico-like chain (a prefix-range
 * term that rejects host routes, a community match, a term that sets local preference and adds a
 * community to everything else). Same process, same UPDATEs, best of five alternating runs each.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeContext } from '../src/wire/context.js';
import { scanUpdate } from '../src/wire/update.js';
import { Rib, type RibPeer } from '../src/rib/rib.js';
import { parseConfig } from '../src/config/load.js';
import { PolicyRegistry } from '../src/policy/policy.js';
import { updates } from './lib/updates.js';

const N = Number(process.env.N ?? 1_000_000);
const ctx = makeContext({ ebgp: true });
const config = parseConfig(
  `routerId: 192.0.2.1
asn: 64512
prefixSets:
  hosts: ["240.0.0.0/4 ge 32"]
policies:
  import:
    terms:
      - { name: no-hosts, match: { prefixSet: hosts }, actions: { reject: true } }
      - { name: blackholes, match: { communities: { any: [blackhole] } }, actions: { reject: true } }
      - { name: tag, match: { prefix: ["240.0.0.0/4 le 24"], asPath: { regex: "^65000 .*$" } }, actions: { localPref: 90, communities: { add: ["64512:100"] }, accept: true } }
    default: reject
`,
  'bench.yaml',
);
const chain = new PolicyRegistry(config.policies).chain(['import']);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function run(msgs: Buffer[], withPolicy: boolean): { ms: number; sets: number; received: number } {
  gc(); // the previous run's RIB must not be collected during this one
  const rib = new Rib({ localAsn: 64512, routerId: 0xc0000201, clusterId: null });
  const peer: RibPeer = {
    source: rib.newSource({ kind: 'ebgp', address: '198.18.0.2', addressBytes: Buffer.from([198, 18, 0, 2]), routerId: 2, peerAs: 65000, isClient: false }),
    ctx, localAsn: 64512, allowOwnAs: 0, ownAddresses: new Set(), members: [], received: 0, rejected: 0, importPolicy: withPolicy ? chain : null,
  };
  const t0 = performance.now();
  for (const m of msgs) rib.applyUpdate(peer, scanUpdate(m, 0, m.length, ctx));
  return { ms: performance.now() - t0, sets: rib.importStore.size, received: peer.received };
}

const msgs = updates(N, ctx);
const rows: Record<string, unknown>[] = [];
// Alternate the two so warm-up and GC weigh on both alike; keep the best of five each.
const runs: Record<string, ReturnType<typeof run>[]> = { false: [], true: [] };
for (let i = 0; i < 5; i++) for (const p of [false, true]) runs[String(p)]?.push(run(msgs, p));
for (const withPolicy of [false, true]) {
  const best = (runs[String(withPolicy)] ?? []).reduce((a, b) => (b.ms < a.ms ? b : a));
  rows.push({ policy: withPolicy ? 'Calico-like chain (3 terms)' : 'none', 'import s': (best.ms / 1000).toFixed(2), 'ns/prefix': Math.round((best.ms * 1e6) / N), 'M prefixes/s': (N / best.ms / 1000).toFixed(2), 'attribute sets': best.sets, routes: best.received });
}
const [a, b] = rows;
console.table(rows);
console.log(`policy cost: ${Number(b?.['ns/prefix']) - Number(a?.['ns/prefix'])} ns per prefix`);
