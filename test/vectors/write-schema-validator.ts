/** npm run gen:validator — regenerate src/config/schema-validator.ts and schema-types.ts after changing config/wren.schema.json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorSource } from '../../src/config/schema-compile.js';
import { typesSources } from '../../src/config/schema-types-compile.js';

const root = import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..', '..') : join(import.meta.dirname, '..', '..');
const types = typesSources();
for (const [name, source] of [['config/schema-validator.ts', validatorSource()], ['config/schema-types.ts', types.config], ['policy/policy-doc.ts', types.policy]] as const) {
  const out = join(root, 'src', name);
  writeFileSync(out, source);
  console.log(`wrote ${out}`);
}
