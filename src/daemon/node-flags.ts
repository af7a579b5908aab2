/**
 * The Node flags and environment wrend runs with (the systemd unit, the container image, the
 * `wrend` shebang, the tests, benchmarks and demo all pass these; test/unit/packaging checks they
 * agree).
 *
 * --max-semi-space-size=2 caps V8's young generation at 2 MB per semi-space instead of 16: an idle
 * wrend holds 10 MB less, and peaks under load are 10-25 MB lower (bench: rr-1m 152 -> 137 MB,
 * churn-1m 185 -> 148 MB), at no measurable cost in time (docs/ARCHITECTURE.md, Process
 * settings).
 *
 * --no-concurrent-recompilation has TurboFan compile a hot function on the main thread, when it is
 * due, instead of queueing it for a background thread while the function goes on running
 * unoptimized. A queued job holds its compiler zone the whole time (heaptrack at the peak of
 * rr-100k-50: 3.5 MB of zone memory live, none without the flag), and on two cores the
 * background thread competes with the main thread anyway. Alternated in one run (5 pairs): peak
 * rr-100k-50 65 -> 63 MB, rr-1m 103-105 -> 101-102 MB, churn-1m 129 -> 126-127 MB, internet-1m
 * 201-215 -> 199-206 MB; CPU rr-1m 1.2-1.3 -> 1.0-1.3 s, internet-1m 3.8-4.1 -> 3.4-4.2 s; time
 * rr-1m 1.00 -> 1.03 s, internet-1m 3.38 -> 3.47 s (means, within this machine's noise). The
 * longest single compile, about 20 ms, now runs on the event loop: far inside a hold time.
 *
 * V8 reads both only at start-up (the heap's size; whether the isolate gets a compiler thread):
 * they cannot be set from inside the process.
 */
import { setFlagsFromString } from 'node:v8';

export const WREND_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--no-concurrent-recompilation'];

/**
 * Put the semi-space flag back to its default, now that the heap has been made with it. Left set,
 * it only costs: Node's built-in modules come with a code cache, and V8 takes it only when the hash
 * of the flag settings matches the hash the cache was made with (all defaults). On Node 20 the
 * heap flag changes that hash, so every built-in module wrend loads (net, dgram, cluster, the
 * streams) was compiled from source: a wrend with 49 neighbours had its control socket up after
 * 128 ms of CPU, against 112 ms with this (medians of 20 alternated starts; docs/ARCHITECTURE.md,
 * Process settings). Node 24's V8 leaves heap sizes out of that hash, so there this changes
 * nothing. The heap keeps its size (V8 reads the flag only in Heap::ConfigureHeap). A worker
 * thread's isolate, made later, takes its heap size from the worker's resourceLimits instead
 * (bfd-service.ts). wrend.ts calls this first, before the bundle loads.
 *
 * --no-concurrent-recompilation stays set: it is not part of that hash (on Node 20 and 24 the
 * built-ins take the cache with it set), and setting it back is what breaks: Node 24 crashed
 * (SIGSEGV) when it then made a worker thread, the first isolate of the process that would get a
 * compiler thread. So the BFD worker's isolate compiles synchronously too, on its own thread.
 * test/unit/packaging/heap-flags.test.ts checks all of this, on Node 20 and 24.
 */
export function settleHeapFlags(): void {
  setFlagsFromString('--max-semi-space-size=0');
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
