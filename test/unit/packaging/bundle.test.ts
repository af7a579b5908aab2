import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mainModule } from '../../../src/bin/load-main.js';
import { cacheFileFor } from '../../../src/bin/script-cache.js';
import { request } from '../../../src/cli/client.js';
import { WREND_NODE_FLAGS } from '../../../src/daemon/node-flags.js';

// wrend and wrenc load the bundle of dist/src/bundle when it is at least as new as the compiled
// module it was made from (src/bin/load-main.ts), else the modules.

const root = join(import.meta.dirname, '..', '..', '..');

t.test('the bundle is chosen only while it is current', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  const bin = pathToFileURL(join(dir, 'bin') + '/');
  const own = join(dir, 'bin', 'wrend-main.js');
  const bundled = join(dir, 'bundle', 'wrend-main.js');
  writeFileSync(own, '');
  t.equal(mainModule('wrend-main', bin).href, pathToFileURL(own).href, 'no bundle: the modules');
  mkdirSync(join(dir, 'bundle'));
  writeFileSync(bundled, '');
  utimesSync(own, 1000, 1000);
  utimesSync(bundled, 2000, 2000);
  t.equal(mainModule('wrend-main', bin).href, pathToFileURL(bundled).href, 'a bundle made after the modules: the bundle');
  utimesSync(own, 3000, 3000);
  t.equal(mainModule('wrend-main', bin).href, pathToFileURL(own).href, 'modules compiled again since: the modules');
  t.equal(mainModule('wrenc-main', bin).href, pathToFileURL(join(dir, 'bin', 'wrenc-main.js')).href, 'wrenc: its own bundle or nothing');
});

// `npm run build` (which `npm test` runs first) makes the bundle: the daemon the integration tests
// start is the one that ships.
t.test('after npm run build, dist runs wrend and wrenc from the bundle', { skip: existsSync(join(root, 'dist', 'src', 'bundle')) ? false : 'no dist/src/bundle: run npm run build' }, async (t) => {
  const dist = pathToFileURL(join(root, 'dist', 'src', 'bin') + '/');
  for (const name of ['wrend-main', 'wrenc-main'] as const) t.equal(mainModule(name, dist).href, pathToFileURL(join(root, 'dist', 'src', 'bundle', `${name}.js`)).href, name);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.match(pkg.scripts.build, /&& npm run bundle$/, 'the build bundles');
  // Node looks for the package scope of every module it loads, a directory at a time upward; a
  // package.json beside the chunks ends that walk at once (without it, the walk's URL-to-path calls
  // at start-up were enough to have TurboFan compile one, which paged 3 MB of the compiler into an
  // idle wrend).
  t.same(JSON.parse(readFileSync(join(root, 'dist', 'src', 'bundle', 'package.json'), 'utf8')), { type: 'module' }, 'the bundle is its own package scope');
  t.match(readFileSync(join(root, 'Dockerfile'), 'utf8'), /npm run bundle/, 'and so does the image');
});

// With WREN_COMPILE_CACHE, wrend runs the bundle as one script with V8's code cache
// (src/bin/script-cache.ts): the build makes that script, and the real daemon writes the cache once
// up and takes it on its next start.
t.test('the bundle as one script: made by the build, run with its code cache', { skip: existsSync(join(root, 'dist', 'src', 'bundle', 'wrend-main.script.js')) ? false : 'no dist/src/bundle/wrend-main.script.js: run npm run build' }, async (t) => {
  const file = join(root, 'dist', 'src', 'bundle', 'wrend-main.script.js');
  const text = readFileSync(file, 'utf8');
  t.ok(text.startsWith("(function (exports, require, module, __filename, __dirname) {'use strict';"), 'one function, as Node wraps a CommonJS module, in strict mode');
  t.notMatch(text, /\bimport\(/, 'no import() (a script from the code cache cannot import)');
  t.notMatch(text, /\bimport\.meta\b/, 'no import.meta');
  const dir = mkdtempSync(join(tmpdir(), 'wren-script-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'wren.json');
  writeFileSync(config, JSON.stringify({ routerId: '192.0.2.1', asn: 64512, listen: { address: ['127.0.0.1'], port: 0 } }));
  const cacheDir = join(dir, 'cache');
  const cacheFile = cacheFileFor(cacheDir, file);
  const startOnce = async (): Promise<void> => {
    const sock = join(dir, 'wren.sock');
    const child = spawn(process.execPath, [...WREND_NODE_FLAGS, join(root, 'dist', 'src', 'bin', 'wrend.js'), '--config', config, '--socket', sock, '--log-level', 'warn'], { env: { ...process.env, WREN_COMPILE_CACHE: cacheDir }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await request(sock, 'show status', {}, undefined, 1).then(() => true, () => false);
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      t.ok(up, 'wrend answers on its control socket');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  };
  await startOnce();
  t.ok(existsSync(cacheFile), 'the first start wrote the code cache');
  const written = statSync(cacheFile, { bigint: true }).mtimeNs;
  await startOnce();
  t.equal(statSync(cacheFile, { bigint: true }).mtimeNs, written, 'the second took it as it was (a cache V8 refused is written again)');
});
