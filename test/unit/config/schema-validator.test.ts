/**
 * The validator wrend runs is generated from config/wren.schema.json: it must be exactly what the
 * schema generates now (after a schema change: npm run gen:validator), and it must not need ajv's
 * compiler at run time.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorSource } from '../../../src/config/schema-compile.js';

const FILE = join(import.meta.dirname, '..', '..', '..', 'src', 'config', 'schema-validator.ts');

t.test('src/config/schema-validator.ts is what config/wren.schema.json generates', async (t) => {
  const committed = readFileSync(FILE, 'utf8');
  t.ok(committed === validatorSource(), 'up to date (run npm run gen:validator after changing the schema)');
});

t.test('the generated validator imports only its formats and ajv runtime helpers', async (t) => {
  const imports = [...readFileSync(FILE, 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
  t.ok(imports.length >= 1);
  for (const i of imports) t.ok(i === './formats.js' || (i ?? '').startsWith('ajv/dist/runtime/'), String(i));
  t.notMatch(readFileSync(FILE, 'utf8'), /require\(/, 'no require() in an ES module');
});
