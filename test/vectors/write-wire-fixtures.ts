/** Writes the vectors of wire-vectors.ts to fixtures/wire/ (run with `npm run fixtures:wire`). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MALFORMED, VALID } from './wire-vectors.js';
import { hex } from './wire-bytes.js';

const root = join(process.cwd(), 'fixtures', 'wire');
const bad = join(root, 'malformed');
mkdirSync(bad, { recursive: true });
for (const dir of [root, bad]) {
  for (const f of readdirSync(dir)) if (f.endsWith('.hex') || f.endsWith('.json')) rmSync(join(dir, f));
}
const wrap = (s: string) => (s.match(/.{1,64}/g) ?? ['']).join('\n') + '\n';
for (const v of VALID) {
  writeFileSync(join(root, `${v.name}.hex`), wrap(hex(v.bytes)));
  const again = v.reencoded ? { reencoded: hex(v.reencoded) } : {};
  writeFileSync(join(root, `${v.name}.json`), JSON.stringify({ context: v.context ?? {}, message: v.expect, ...again }, null, 2) + '\n');
}
for (const v of MALFORMED) {
  writeFileSync(join(bad, `${v.name}.hex`), wrap(hex(v.bytes)));
  writeFileSync(join(bad, `${v.name}.json`), JSON.stringify({ context: v.context ?? {}, ...v.expect }, null, 2) + '\n');
}
console.log(`${VALID.length} valid and ${MALFORMED.length} malformed vectors written to ${root}`);
