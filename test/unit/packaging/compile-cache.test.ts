import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// wrend and wrenc enable Node's compile cache before loading the rest (Node 22.1+); on Node 20
// there is none and nothing happens. Run in a child whose temporary directory (where Node keeps
// the cache by default) is one of the test's own; NODE_COMPILE_CACHE is unset, as it would turn
// the cache on by itself.

const MODULE = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'bin', 'compile-cache.ts')).href;
const major = Number(process.versions.node.split('.')[0]);

function run(env: Record<string, string>): { dir: string; out: string; files: number } {
  const dir = mkdtempSync(join(tmpdir(), 'wren-cc-'));
  try {
    const script = `import { enableCompileCache } from '${MODULE}'; enableCompileCache(); const m = await import('node:module'); await import('node:util'); console.log(m.getCompileCacheDir?.() ?? 'none');`;
    const base = { ...process.env };
    delete base.NODE_COMPILE_CACHE;
    delete base.WREN_COMPILE_CACHE;
    const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { env: { ...base, TMPDIR: dir, ...env }, encoding: 'utf8', timeout: 30_000 });
    // Node's own directory there (the TypeScript loader keeps files of its own in the same place).
    const cache = join(dir, 'node-compile-cache');
    return { dir, out: (r.stdout ?? '').trim(), files: existsSync(cache) ? readdirSync(cache).length : 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('the compile cache is on where Node has one, off on request', async (t) => {
  const on = run({});
  if (major >= 22) {
    t.ok(on.out.startsWith(on.dir), `Node ${process.versions.node}: the cache is on, in the temporary directory (${on.out})`);
    t.ok(on.files > 0, 'and written');
  }
  else t.equal(on.out, 'none', `Node ${process.versions.node}: no compile cache, and no failure`);
  const off = run({ WREN_COMPILE_CACHE: 'off' });
  t.ok(off.out === 'none' || off.out === 'undefined' || off.out === '', `WREN_COMPILE_CACHE=off: not enabled (${off.out})`);
  t.equal(off.files, 0, 'nothing written');
});
