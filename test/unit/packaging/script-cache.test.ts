import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheFileFor } from '../../../src/bin/script-cache.js';

// wrend's bundle run as one script with V8's code cache (src/bin/script-cache.ts). Each start is a
// child process of its own, as V8 keeps compiled scripts in memory within one.

const MODULE = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'bin', 'script-cache.ts')).href;
const HOOK = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'bin', 'compile-cache.ts')).href;

/** A CommonJS body wrapped as the build wraps wrend's, with enough functions to be worth caching. */
function script(tag: string): string {
  const fns = Array.from({ length: 40 }, (_, i) => `function f${i}(x) { return x * ${i + 1} + ${tag.length}; }`).join('\n');
  return `(function (exports, require, module, __filename, __dirname) {'use strict';
${fns}
let sum = 0;
for (let i = 0; i < 40; i++) sum += eval('f' + i)(1);
const sloppy = (function () { return this; })() !== undefined;
module.exports = { tag: '${tag}', sum, sloppy, file: __filename, dir: __dirname, os: typeof require('node:os').cpus };
console.log(JSON.stringify(module.exports));
})`;
}

interface Start {
  use: string;
  out: { tag: string; sum: number; sloppy: boolean; file: string; dir: string; os: string } | null;
  err: string;
  /** The child's exit status (null: killed at the timeout). */
  status: number | null;
}

/** One start: runCached, then the save hook as wrend calls it once up. */
function start(file: string, dir: string): Start {
  const code = `import { crc32, runCached } from '${MODULE}'; import { SAVE_HOOK } from '${HOOK}';
const use = runCached(${JSON.stringify(file)}, ${JSON.stringify(dir)}, crc32());
console.log('USE ' + use);
setTimeout(() => globalThis[SAVE_HOOK]?.(), 50);`;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 15_000 });
  const lines = (r.stdout ?? '').trim().split('\n');
  const use = lines.find((l) => l.startsWith('USE '))?.slice(4) ?? '';
  const json = lines.find((l) => l.startsWith('{'));
  return { use, out: json ? (JSON.parse(json) as Start['out']) : null, err: r.stderr ?? '', status: r.status };
}

const caches = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.v8')) : []);

t.test('a first start writes the cache, the next takes it; the code runs as a strict CommonJS module either way', async (t) => {
  const root = t.testdir();
  const file = join(root, 'main.script.js');
  const dir = join(root, 'cache');
  writeFileSync(file, script('one'));
  const first = start(file, dir);
  t.equal(first.use, 'none', `no cache yet ${first.err}`);
  t.same(first.out, { tag: 'one', sum: 40 * 41 / 2 + 40 * 3, sloppy: false, file, dir: root, os: 'function' }, 'module, require, __filename, __dirname; strict mode');
  t.same(caches(dir), [cacheFileFor(dir, file).slice(dir.length + 1)], 'written once up, under the name of this file and this V8');
  const second = start(file, dir);
  t.equal(second.use, 'accepted', `the second start takes it ${second.err}`);
  t.equal(second.out?.tag, 'one', 'and runs the same code');
});

t.test('a changed script of the same length never meets the old code', async (t) => {
  const root = t.testdir();
  const file = join(root, 'main.script.js');
  const dir = join(root, 'cache');
  writeFileSync(file, script('one'));
  start(file, dir);
  const old = caches(dir);
  writeFileSync(file, script('two'));
  t.equal(readFileSync(file, 'utf8').length, script('one').length, 'same length (all V8 itself compares)');
  const next = start(file, dir);
  t.equal(next.use, 'none', 'another cache file: none yet');
  t.equal(next.out?.tag, 'two', 'the new code ran');
  const now = caches(dir);
  t.equal(now.length, 1, 'the old cache was removed when the new one was written');
  t.not(now[0], old[0], 'under a name of its own');
});

t.test('a cache V8 refuses is replaced; one that cannot be written costs nothing but speed', async (t) => {
  const root = t.testdir();
  const file = join(root, 'main.script.js');
  const dir = join(root, 'cache');
  writeFileSync(file, script('one'));
  mkdirSync(dir);
  const cacheFile = cacheFileFor(dir, file);
  writeFileSync(cacheFile, Buffer.alloc(4096, 7));
  const bad = start(file, dir);
  t.equal(bad.use, 'rejected', 'garbage is rejected');
  t.equal(bad.out?.tag, 'one', 'the code runs all the same');
  t.not(readFileSync(cacheFile).subarray(0, 16).toString('hex'), Buffer.alloc(16, 7).toString('hex'), 'and the cache was written again');
  t.equal(start(file, dir).use, 'accepted', 'the next start takes the new one');
  // One byte changed inside V8's data: V8's own header still matches, and a release V8 does not
  // check its checksum; the file's CRC-32 does.
  const good = readFileSync(cacheFile);
  const flipped = Buffer.from(good);
  const at = 8 + Math.floor((good.length - 8) / 2);
  flipped[at] = (flipped[at] as number) ^ 0xff;
  writeFileSync(cacheFile, flipped);
  const damaged = start(file, dir);
  t.equal(damaged.use, 'rejected', 'a cache damaged on disk is refused before V8 sees it');
  t.equal(damaged.out?.tag, 'one', 'the code runs');
  t.equal(start(file, dir).use, 'accepted', 'and the cache written again is taken');
  const blocked = join(root, 'not-a-dir');
  writeFileSync(blocked, 'x');
  const nowhere = start(file, join(blocked, 'cache'));
  t.equal(nowhere.use, 'none', 'nowhere to read from');
  t.equal(nowhere.out?.tag, 'one', 'runs');
  t.notMatch(nowhere.err, /Error/, 'and nothing fails when the cache cannot be written');
  // Where mkdir says ENOENT though the parent is there, Node's recursive mkdirSync never returns.
  const proc = start(file, '/proc/wren-no-such-dir');
  t.equal(proc.out?.tag, 'one', 'a directory that cannot be made under /proc: runs');
  t.equal(proc.status, 0, 'and the save returns');
});
