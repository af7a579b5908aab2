/**
 * Reading a config file safely: only a regular file (a FIFO would block the daemon, /dev/zero
 * would grow it without end), at most MAX_CONFIG_BYTES, and, when `dir` is given, only a file
 * whose real path lies under it. The file is opened without blocking and checked on its
 * descriptor, so what is checked is what is read.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { ConfigError } from './config-error.js';
import { prepareParser } from './document.js';

/** The largest config file read (1000 neighbour lines take about 100 KB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function failure(file: string, err: unknown): ConfigError {
  if (err instanceof ConfigError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new ConfigError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? (err as Error).message)}`);
}

function checkPlace(file: string, real: string, dir: string | null, realDir: string | null): void {
  if (dir && realDir && real !== realDir && !real.startsWith(realDir.endsWith(sep) ? realDir : realDir + sep)) {
    throw new ConfigError(`${file}: not under ${dir} (control.configDir)`);
  }
}

function checkStat(file: string, st: { isFile(): boolean; size: number }): void {
  if (!st.isFile()) throw new ConfigError(`${file}: not a regular file`);
  if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: ${st.size} bytes, more than the ${MAX_CONFIG_BYTES} a config file may have`);
}

/** The text of a config file, without blocking the event loop; its parser loaded, ready for it. */
export async function readConfigFile(file: string, dir: string | null = null): Promise<string> {
  await prepareParser(file);
  try {
    checkPlace(file, await realpath(file), dir, dir ? await realpath(dir) : null);
    const h = await open(file, FLAGS);
    try {
      checkStat(file, await h.stat());
      const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await h.read(buf, n, buf.length - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: more than the ${MAX_CONFIG_BYTES} bytes a config file may have`);
      }
      return buf.toString('utf8', 0, n);
    } finally {
      await h.close();
    }
  } catch (err) {
    throw failure(file, err);
  }
}
