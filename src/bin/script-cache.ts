/**
 * wrend's code as one script, with V8's code cache. Node 20 has no compile cache for modules
 * (compile-cache.ts), and much of a start went to parsing and compiling wren's functions the first
 * time each ran. With WREN_COMPILE_CACHE naming a directory, wrend runs
 * dist/src/bundle/wrend-main.script.js (the same modules as the ES-module bundle, as one CommonJS
 * function) through vm.Script, handing V8 the code it made for that file on an earlier start. Once
 * wrend is up (flushCompileCache), the code V8 holds then, every function compiled to get that far,
 * is written for the next start, unless the cache it was given was taken.
 *
 * V8 checks that a cache was made by the same V8 with the same flags for a source of the same
 * length; it does not compare the text. So the cache file's name holds the script's inode, size,
 * mtime and ctime (any rewrite or replacement of the file changes its ctime) and the V8 version: a
 * changed bundle never meets the code of its predecessor. A cache that cannot be read, written or
 * used only costs the speed-up; without the script (a bare tsc build), wrend loads its modules
 * (load-main.ts). The script has no import(): a vm script needs a loader for that, which Node 20
 * calls experimental, and a script made from the code cache lost it
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). What wren loads lazily is bundled or required; the
 * bundle test checks.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { SAVE_HOOK } from './compile-cache.js';
import { isCurrent } from './load-main.js';

/** What the last start did with the cache (for tests and the debug log). */
export type ScriptCacheUse = 'accepted' | 'rejected' | 'none';

/** A cache file larger than this is not ours (wrend's is about 0.6 MB). */
const MAX_CACHE_BYTES = 64 * 1048576;
const PREFIX = 'wrend-main-';

/** The cache file of `script` in `dir`, named for that file's identity and this V8. */
export function cacheFileFor(dir: string, script: string): string {
  const st = statSync(script, { bigint: true });
  const id = [st.ino, st.size, st.mtimeNs, st.ctimeNs].map((n) => n.toString(36)).join('-');
  return join(dir, `${PREFIX}${id}-${process.versions.v8.replace(/[^0-9a-z.-]/gi, '')}.v8`);
}

export type Crc32 = (data: Buffer) => number;

/**
 * The CRC-32 of Node's zlib (Node 20.15 and later), loaded when first asked for: after the heap
 * flags are settled, so it takes Node's code cache. Null on a Node without it.
 */
export function crc32(): Crc32 | null {
  const f = (createRequire(import.meta.url)('node:zlib') as { crc32?: Crc32 }).crc32;
  return typeof f === 'function' ? f : null;
}

/**
 * A cache file is 'WRC1', the CRC-32 of V8's data, then the data. A release V8 does not check its
 * code cache's own checksum, and a cache damaged on disk that still looked like V8's would be
 * deserialized as it is: the daemon would crash, and crash again at every restart.
 */
const MAGIC = 0x57524331;

/** V8's data in `file`, when it is there and whole; null when it is there but not whole. */
function readCache(file: string, crc: Crc32): Buffer | null | undefined {
  let b: Buffer;
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_CACHE_BYTES) return null;
    b = readFileSync(file);
  } catch {
    return undefined;
  }
  if (b.length < 8 || b.readUInt32BE(0) !== MAGIC) return null;
  const data = b.subarray(8);
  return crc(data) === b.readUInt32BE(4) ? data : null;
}

/** Write `data` as `file` (whole or not at all), and remove the caches of earlier scripts. */
function writeCache(file: string, data: Buffer, crc: Crc32): void {
  try {
    const dir = dirname(file);
    // One level only (the unit's CacheDirectory and the DaemonSet's host path make the parent): a
    // recursive mkdirSync never returns where mkdir says ENOENT under a parent that is there (/proc).
    if (!existsSync(dir)) mkdirSync(dir, { mode: 0o750 });
    const tmp = `${file}.${process.pid}.tmp`;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(MAGIC, 0);
    head.writeUInt32BE(crc(data), 4);
    writeFileSync(tmp, Buffer.concat([head, data]), { mode: 0o640 });
    renameSync(tmp, file);
    for (const name of readdirSync(dir)) if (name.startsWith(PREFIX) && name.endsWith('.v8') && join(dir, name) !== file) rmSync(join(dir, name), { force: true });
  } catch {
    // Only the speed-up of the next start is lost.
  }
}

/**
 * Run `file`, CommonJS code wrapped as Node wraps a module (`(function (exports, require, module,
 * __filename, __dirname) {...})`), with the code cache of `dir`: what it did with the cache.
 * Afterwards globalThis[SAVE_HOOK] writes the cache (once).
 */
export function runCached(file: string, dir: string, crc: Crc32): ScriptCacheUse {
  const cacheFile = cacheFileFor(dir, file);
  const read = readCache(cacheFile, crc);
  const cachedData = read ?? undefined;
  // The file is the function expression itself (the build wraps it): a wrapper added here would
  // make V8 copy the 0.9 MB source into one string, and keep both until a full GC.
  const script = new vm.Script(readFileSync(file, 'utf8'), {
    filename: file,
    cachedData,
  });
  const use: ScriptCacheUse = read === undefined ? 'none' : read === null || script.cachedDataRejected ? 'rejected' : 'accepted';
  (globalThis as Record<symbol, unknown>)[SAVE_HOOK] = () => {
    delete (globalThis as Record<symbol, unknown>)[SAVE_HOOK];
    if (use !== 'accepted') writeCache(cacheFile, script.createCachedData(), crc);
  };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dir: string) => void;
  const module = { exports: {} };
  run(module.exports, createRequire(file), module, file, dirname(file));
  return use;
}

/**
 * wrend's bundle through runCached when WREN_COMPILE_CACHE names a directory and the script is
 * current, and this Node has zlib's CRC-32: what it did with the cache, or null when it did not run
 * (then load the modules).
 */
export function runCachedMain(bin = new URL('.', import.meta.url)): ScriptCacheUse | null {
  const dir = process.env.WREN_COMPILE_CACHE;
  if (!dir) return null;
  const script = new URL('../bundle/wrend-main.script.js', bin);
  if (!isCurrent(script, new URL('wrend-main.js', bin))) return null;
  const crc = crc32();
  return crc ? runCached(fileURLToPath(script), dir, crc) : null;
}
