/**
 * wren's version, from package.json (the one file that states it; CHANGELOG.md follows it). Read
 * once, at first use, from the package root beside dist/ (the container image ships it too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | null = null;

export function wrenVersion(): string {
  if (cached !== null) return cached;
  // src/config (tap runs the sources) or dist/src/config (the build): the package root is above.
  const root = import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..', '..') : join(import.meta.dirname, '..', '..');
  try {
    const v = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version;
    cached = typeof v === 'string' ? v : 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}
