#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=2 --no-concurrent-recompilation
/**
 * wrend — the wren BGP daemon. First the heap flag back to its default, so V8 takes Node's code
 * cache for the built-in modules the bundle imports (node-flags.ts); then the compile cache, so it
 * holds every module loaded after it. With a cache directory, the bundle runs as one script with
 * V8's code cache (script-cache.ts); else its modules load.
 */
import { enableCompileCache } from './compile-cache.js';
import { loadMain } from './load-main.js';
import { runCachedMain } from './script-cache.js';
import { settleHeapFlags } from '../daemon/node-flags.js';

settleHeapFlags();
enableCompileCache();
if (runCachedMain() === null) await loadMain('wrend-main');
