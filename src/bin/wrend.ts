#!/usr/bin/env -S node --max-semi-space-size=2
/** wrend — the wren BGP daemon. The compile cache first, so it holds every module loaded after it. */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
await import('./wrend-main.js');
