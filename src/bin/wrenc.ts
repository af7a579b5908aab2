#!/usr/bin/env node
/** wrenc — the wren control client. The compile cache first, so it holds every module loaded after it. */
import { enableCompileCache } from './compile-cache.js';
import { loadMain } from './load-main.js';

enableCompileCache();
await loadMain('wrenc-main');
