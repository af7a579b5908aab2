import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// wrend and wrenc enable Node's compile cache before loading the rest (Node 22.1+), in the
// directory WREN_COMPILE_CACHE names; on Node 20 there is none and nothing happens. Run in a child
// with a directory of the test's own as its temporary directory (Node's default place for the
// cache); NODE_COMPILE_CACHE is unset, as it would turn the cache on by itself.

const MODULE = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'bin', 'compile-cache.ts')).href;
const major = Number(process.versions.node.split('.')[0]);

function run(env: Record<string, string>): { dir: string; out: string; files: number } {
  const dir = mkdtempSync(join(tmpdir(), 'wren-cc-'));
  try {
    const script = `import { enableCompileCache } from '${MODULE}'; enableCompileCache(); const m = await import('node:module'); await import('node:util'); console.log(m.getCompileCacheDir?.() ?? 'none');`;
    const base = { ...process.env };
    delete base.NODE_COMPILE_CACHE;
    delete base.WREN_COMPILE_CACHE;
    const named = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace('DIR', dir)]));
    const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { env: { ...base, TMPDIR: dir, ...named }, encoding: 'utf8', timeout: 30_000 });
    // The cache's directories there (the TypeScript loader keeps files of its own in the same place).
    const cache = env.WREN_COMPILE_CACHE ? join(dir, 'wren-cache') : join(dir, 'node-compile-cache');
    return { dir, out: (r.stdout ?? '').trim(), files: existsSync(cache) ? readdirSync(cache).length : 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('the compile cache is on in the directory named, where Node has one; off without one', async (t) => {
  const on = run({ WREN_COMPILE_CACHE: 'DIR/wren-cache' });
  if (major >= 22) {
    t.ok(on.out.startsWith(join(on.dir, 'wren-cache')), `Node ${process.versions.node}: the cache is on, where WREN_COMPILE_CACHE says (${on.out})`);
    t.ok(on.files > 0, 'and written');
  }
  else t.equal(on.out, 'none', `Node ${process.versions.node}: no compile cache, and no failure`);
  const off = run({});
  t.ok(off.out === 'none' || off.out === 'undefined' || off.out === '', `no WREN_COMPILE_CACHE: not enabled (${off.out})`);
  t.equal(off.files, 0, 'nothing written');
});
