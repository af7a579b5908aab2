#!/usr/bin/env node
/** wrenc — the wren control client. The compile cache first, so it holds every module loaded after it. */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
await import('./wrenc-main.js');
