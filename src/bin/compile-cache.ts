/**
 * Node's on-disk compile cache (Node 22.1 and later, `module.enableCompileCache`), in the
 * directory WREN_COMPILE_CACHE names: every start after the first reuses the bytecode of wren's
 * modules instead of compiling them again. On Node 24 here wrend had its control socket up after
 * 141-150 ms instead of 174-184 ms (alternated). A directory that does not outlive the process is a loss
 * (a cold cache costs about 70 ms of CPU to fill and write), so there is no default: the systemd
 * unit points it at its CacheDirectory; a container would need a volume. Node 20 has no such cache:
 * nothing happens there. Node checks the entries itself (a changed file is compiled again).
 */
import module from 'node:module';

type WithCache = { enableCompileCache?: (dir?: string) => unknown; flushCompileCache?: () => void };

const dir = (): string | undefined => process.env.WREN_COMPILE_CACHE || undefined;

export function enableCompileCache(): void {
  const d = dir();
  if (!d) return;
  try {
    (module as unknown as WithCache).enableCompileCache?.(d);
  } catch {
    // A cache that cannot be written only costs the speed-up.
  }
}

/**
 * The key on `globalThis` of what writes the code cache of wrend's bundle when it was loaded as one
 * script (script-cache.ts): that loader and the bundled copy of this module share no module state.
 */
export const SAVE_HOOK = Symbol.for('wren.saveScriptCache');

/**
 * Write what the cache holds now. Node writes it at exit, and a daemon that is killed never exits:
 * wrend calls this once it is up. The code cache of the bundle loaded as one script
 * (script-cache.ts), and Node's compile cache (Node 22.10 and later).
 */
export function flushCompileCache(): void {
  if (!dir()) return;
  const save = (globalThis as Record<symbol, unknown>)[SAVE_HOOK];
  if (typeof save === 'function') (save as () => void)();
  try {
    (module as unknown as WithCache).flushCompileCache?.();
  } catch {
    // As above: only the speed-up is lost.
  }
}
