import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, type CodecContext } from '../../src/wire/context.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'wire');

export interface Fixture {
  name: string;
  bytes: Buffer;
  context: CodecContext;
  json: Record<string, unknown>;
}

export function loadFixtures(dir: string): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const bytes = Buffer.from(readFileSync(join(dir, f), 'utf8').replace(/\s+/g, ''), 'hex');
      const json = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
      return { name, bytes, json, context: makeContext((json.context ?? {}) as Partial<CodecContext>) };
    });
}

/** An UPDATE message with these path attribute bytes (as given, unchecked) and NLRI bytes. */
export function rawUpdate(attrs: Buffer, nlri: Buffer): Buffer {
  const b = Buffer.alloc(23 + attrs.length + nlri.length);
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(b.length, 16);
  b[18] = 2;
  b.writeUInt16BE(0, 19);
  b.writeUInt16BE(attrs.length, 21);
  attrs.copy(b, 23);
  nlri.copy(b, 23 + attrs.length);
  return b;
}
