/**
 * Where wrend's and wrenc's code is loaded from: the bundle `npm run build` makes
 * (dist/src/bundle: every module of wren and its pure-JS dependencies in a few files, split where
 * wren loads code lazily) when it is at least as new as the compiled module it was made from, else
 * the compiled modules themselves (after a bare `tsc`, or from the TypeScript sources). Loading
 * 120 modules one by one was most of a start: with the bundle, a wrend with 49 neighbours had its
 * control socket up after 0.15-0.19 s of CPU instead of 0.26-0.29 s, and its peak was 58.3 MB
 * instead of 62.3 MB (alternated, docs/ARCHITECTURE.md, Process settings).
 */
import { statSync } from 'node:fs';

export type MainName = 'wrend-main' | 'wrenc-main';

/** The module to load for `name`, from the directory `bin` (this module's own by default). */
export function mainModule(name: MainName, bin = new URL('.', import.meta.url)): URL {
  const own = new URL(`${name}.js`, bin);
  const bundled = new URL(`../bundle/${name}.js`, bin);
  return isCurrent(bundled, own) ? bundled : own;
}

export async function loadMain(name: MainName): Promise<void> {
  await import(mainModule(name).href);
}

/** `bundle` exists and was written no earlier than `source`: a later tsc run makes it stale. */
export function isCurrent(bundle: URL, source: URL): boolean {
  try {
    return statSync(bundle).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}
