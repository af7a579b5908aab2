/** npm run gen:validator — regenerate src/config/schema-validator.ts after changing config/wren.schema.json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorSource } from '../../src/config/schema-compile.js';

const root = import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..', '..') : join(import.meta.dirname, '..', '..');
const out = join(root, 'src', 'config', 'schema-validator.ts');
writeFileSync(out, validatorSource());
console.log(`wrote ${out}`);
