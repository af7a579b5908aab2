/**
 * Who writes RIB dumps: on request (`wrenc dump rib FILE`) and every `mrt.rib.interval` seconds to
 * a strftime-style path. One dump at a time; the last result and the last error are kept for
 * `show status` and the metrics. A failure (a full disk, a directory not writable) is reported,
 * never a crash, and the running daemon is not affected.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { Family } from '../wire/constants.js';
import type { RibReader } from '../rib/rib-reader.js';
import { dumpRib, type DumpOptions, type DumpResult } from './rib-dump.js';
import { isoString } from '../time/iso-time.js';

export interface DumperStatus {
  running: boolean;
  dumps: number;
  errors: number;
  last: (DumpResult & { at: string }) | null;
  lastError: string;
}

/** `%Y%m%d.%H%M`-style names (UTC): %Y %m %d %H %M %S. */
export function strftimeUtc(pattern: string, d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return pattern.replace(/%([YmdHMS%])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'm':
        return two(d.getUTCMonth() + 1);
      case 'd':
        return two(d.getUTCDate());
      case 'H':
        return two(d.getUTCHours());
      case 'M':
        return two(d.getUTCMinutes());
      case 'S':
        return two(d.getUTCSeconds());
      default:
        return '%';
    }
  });
}

export class RibDumper {
  readonly status: DumperStatus = { running: false, dumps: 0, errors: 0, last: null, lastError: '' };

  constructor(
    private readonly rib: () => RibReader | null,
    private readonly options: () => Omit<DumpOptions, 'families'> & { dumpDir: string | null },
  ) {}

  /**
   * Where a dump may go: an absolute path in an existing directory, under dumpDir when set. A
   * requested dump (wrenc, whose users are not root) never replaces an existing file outside
   * dumpDir: wrend writes as root, and a rename would replace anything.
   */
  check(file: string, requested = true): string {
    if (!isAbsolute(file)) throw new Error(`${file}: give an absolute path`);
    const dir = this.options().dumpDir;
    if (dir) {
      const rel = relative(resolve(dir), resolve(file));
      if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${file}: dumps go under mrt.dumpDir (${dir})`);
    } else if (requested && existsSync(file)) {
      throw new Error(`${file} exists: wrenc dump rib does not replace files (remove it, or set mrt.dumpDir to allow it there)`);
    }
    let st;
    try {
      st = statSync(dirname(file));
    } catch {
      throw new Error(`${file}: the directory ${dirname(file)} does not exist`);
    }
    if (!st.isDirectory()) throw new Error(`${file}: ${dirname(file)} is not a directory`);
    return file;
  }

  async dump(file: string, families: Family[], requested = true): Promise<DumpResult> {
    const rib = this.rib();
    if (!rib) throw new Error('routing has not started');
    if (this.status.running) throw new Error('a dump is being written already; try again when it is done');
    this.status.running = true;
    try {
      const r = await dumpRib(rib, this.check(file, requested), { ...this.options(), families });
      this.status.dumps++;
      this.status.last = { ...r, at: isoString(Date.now()) };
      return r;
    } catch (err) {
      this.status.errors++;
      this.status.lastError = `${file}: ${(err as Error).message}`;
      throw err;
    } finally {
      this.status.running = false;
    }
  }
}
