/**
 * The validator wrend runs is generated from config/wren.schema.json: it must be exactly what the
 * schema generates now (after a schema change: npm run gen:validator), and it must not need ajv's
 * compiler at run time.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorSource } from '../../../src/config/schema-compile.js';
import { typesSources } from '../../../src/config/schema-types-compile.js';

const FILE = join(import.meta.dirname, '..', '..', '..', 'src', 'config', 'schema-validator.ts');

t.test('src/config/schema-validator.ts is what config/wren.schema.json generates', async (t) => {
  const committed = readFileSync(FILE, 'utf8');
  t.ok(committed === validatorSource(), 'up to date (run npm run gen:validator after changing the schema)');
});

t.test('the document types (src/config/schema-types.ts, src/policy/policy-doc.ts) are what the schema generates', async (t) => {
  const types = typesSources();
  t.ok(readFileSync(join(FILE, '..', 'schema-types.ts'), 'utf8') === types.config, 'schema-types.ts up to date (run npm run gen:validator after changing the schema)');
  t.ok(readFileSync(join(FILE, '..', '..', 'policy', 'policy-doc.ts'), 'utf8') === types.policy, 'policy-doc.ts up to date');
});

t.test('the generated validator imports only its formats and ajv runtime helpers', async (t) => {
  const imports = [...readFileSync(FILE, 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
  t.ok(imports.length >= 1);
  for (const i of imports) t.ok(i === './formats.js' || (i ?? '').startsWith('ajv/dist/runtime/'), String(i));
  t.notMatch(readFileSync(FILE, 'utf8'), /require\(/, 'no require() in an ES module');
});
