/**
 * The Node flags and environment wrend runs with (the systemd unit, the container image, the
 * `wrend` shebang, the tests, benchmarks and demo all pass these; test/unit/packaging checks they
 * agree).
 *
 * --max-semi-space-size=2 caps V8's young generation at 2 MB per semi-space instead of 16: an idle
 * wrend holds 10 MB less, and peaks under load are 10-25 MB lower (bench: rr-1m 152 -> 137 MB,
 * churn-1m 185 -> 148 MB), at no measurable cost in time (docs/ARCHITECTURE.md, Process
 * settings). V8 reads it only at start-up: it cannot be set from inside the process.
 */
import { setFlagsFromString } from 'node:v8';

export const WREND_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/**
 * The V8 flags among WREND_NODE_FLAGS that V8 reads only when it makes the heap (for the young
 * generation's size), with their default values.
 */
const HEAP_SETUP_FLAGS: readonly string[] = ['--max-semi-space-size=0'];

/**
 * Put the heap-setup flags back to their defaults, now that the heap has taken its size from them.
 * Left set, they only cost: Node's built-in modules come with a code cache, and V8 takes it only
 * when the hash of all flag settings matches the hash the cache was made with (all defaults). On
 * Node 20 any V8 flag on the command line changes that hash, so every built-in module wrend loads
 * (net, dgram, cluster, the streams) was compiled from source: a wrend with 49 neighbours had its
 * control socket up after 128 ms of CPU, against 112 ms with this (medians of 20 alternated
 * starts; docs/ARCHITECTURE.md, Process settings). Node 24's V8 leaves heap sizes out of that hash,
 * so there this changes nothing. The heap keeps its size (V8 reads the flag only in
 * Heap::ConfigureHeap); a worker thread's heap, made later, takes its size from the worker's
 * resourceLimits instead (bfd-service.ts). wrend.ts calls this first, before the bundle loads.
 */
export function settleHeapFlags(): void {
  for (const flag of HEAP_SETUP_FLAGS) setFlagsFromString(flag);
}

/**
 * The environment wrend runs with, for glibc's malloc (read once, when the process starts; other
 * C libraries ignore it). Fixed mmap and trim thresholds of 128 KB keep glibc from raising its
 * mmap threshold after the first large free, which left socket and column buffers in a heap it
 * never gave back; two arenas instead of one per thread. Daemon, alternated: rr-1m peak 118-120
 * -> 111-112 MB, churn-1m 138-142 -> 129-130 MB, rr-100k-50 76-77 -> 70-71 MB, internet-1m
 * 228-229 -> 223-227 MB, times unchanged (docs/ARCHITECTURE.md, Process settings).
 */
export const WREND_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

/** WREND_ENV as NAME=VALUE words (the shebang, the unit, the image). */
export const WREND_ENV_WORDS: readonly string[] = Object.entries(WREND_ENV).map(([k, v]) => `${k}=${v}`);
