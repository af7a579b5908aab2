// The import direction docs/ARCHITECTURE.md states, checked on every file of src/: a module may
// import only the modules listed for it (and itself). A new import against the direction fails here.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../../src');

/** Who may import whom (besides itself). Keep in step with the table in docs/ARCHITECTURE.md. */
export const ALLOWED: Record<string, readonly string[]> = {
  time: [],
  wire: [],
  log: ['time'],
  os: [],
  bfd: ['time', 'os'],
  mrt: ['time', 'wire', 'rib'],
  bmp: ['time', 'wire', 'rib', 'os'],
  policy: ['wire'],
  config: ['wire', 'policy'],
  session: ['time', 'wire', 'log', 'config', 'os'],
  rib: ['time', 'wire', 'policy'],
  fib: ['time', 'wire', 'log', 'policy', 'rib', 'config'],
  datastore: ['time', 'wire', 'log', 'policy', 'config'],
  control: ['time', 'wire', 'log', 'policy', 'rib', 'fib', 'config', 'session', 'datastore', 'bfd', 'mrt', 'bmp', 'os'],
  cli: ['wire', 'config', 'control', 'fib'],
  daemon: ['time', 'wire', 'log', 'policy', 'rib', 'fib', 'config', 'session', 'control', 'datastore', 'bfd', 'os', 'mrt', 'bmp'],
  bin: ['time', 'wire', 'log', 'config', 'session', 'control', 'cli', 'daemon', 'datastore'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Relative import specifiers of a file: static, type-only, re-exports and dynamic import(). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.\.?\/[^']+)'/g)) out.push(m[1] as string);
  return out;
}

const moduleOf = (file: string) => relative(SRC, file).split('/')[0] as string;

t.test('every module of src/ has a place in the import table', async (t) => {
  const modules = new Set(files(SRC).map(moduleOf));
  for (const m of modules) t.ok(ALLOWED[m], `src/${m} is in the table`);
});

t.test('imports flow one way (docs/ARCHITECTURE.md)', async (t) => {
  const wrong: string[] = [];
  let checked = 0;
  for (const file of files(SRC)) {
    const from = moduleOf(file);
    const allowed = ALLOWED[from] ?? [];
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(file, '..', spec);
      const to = moduleOf(target);
      checked++;
      if (to !== from && !allowed.includes(to)) wrong.push(`${relative(SRC, file)} imports ${spec} (src/${from} may not import src/${to})`);
    }
  }
  t.ok(checked > 300, `imports seen (${checked})`);
  t.same(wrong, [], 'no import against the direction');
});

t.test('the checker sees every form of import', async (t) => {
  const text = ["import a from './a.js';", "import type { B } from '../rib/b.js';", "export { c } from '../wire/c.js';", "const d = await import('../fib/d.js');", "import {\n  e,\n} from '../control/e.js';"].join('\n');
  t.same(importsOf(text), ['./a.js', '../rib/b.js', '../wire/c.js', '../fib/d.js', '../control/e.js']);
});
