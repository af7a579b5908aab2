#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=2
/** wrend — the wren BGP daemon. The compile cache first, so it holds every module loaded after it. */
import { enableCompileCache } from './compile-cache.js';
import { loadMain } from './load-main.js';

enableCompileCache();
await loadMain('wrend-main');
