/**
 * Where a running wrend's config comes from: its file alone, or its file merged with the Calico
 * datastore (calico-source.ts). A reload (SIGHUP, `wrenc configure`) asks the source again.
 */
import { loadConfigAsync, type Config } from '../config/load.js';

export interface ConfigSource {
  /** The config from the local `file` (under `dir` when set) and whatever the source adds. */
  load(file: string, dir: string | null): Promise<Config>;
}

export const fileSource: ConfigSource = { load: (file, dir) => loadConfigAsync(file, dir) };
