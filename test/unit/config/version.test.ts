/** The version wren reports (wrend/wrenc --version, show status, wren_build_info) is package.json's. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { wrenVersion } from '../../../src/config/version.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };

t.test('the version is package.json version', async (t) => {
  t.match(pkg.version, /^\d+\.\d+\.\d+/);
  t.equal(wrenVersion(), pkg.version);
});

t.test('wrend --version and wrenc --version print it (from the build)', async (t) => {
  const dist = join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'bin');
  for (const bin of ['wrend', 'wrenc']) {
    const r = spawnSync(process.execPath, [join(dist, `${bin}.js`), '--version'], { encoding: 'utf8', timeout: 10_000 });
    t.equal(r.status, 0, `${bin} exits 0`);
    t.equal(r.stdout, `${bin} ${pkg.version}\n`);
  }
});
