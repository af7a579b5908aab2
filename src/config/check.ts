/**
 * The offline config check (`wrend --check`, and `wrenc configure check FILE` when no wrend
 * answers): read, validate and compile a config file as a start would (schema, templates,
 * policies, cross-field checks), and for a datastore config the files its settings name, without
 * opening a socket. The errors are the ones a start prints (file:line:col key: what is wrong).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, configFromDocument, parseDocument } from './load.js';
import { readConfigFile } from './read-file.js';

export interface CheckResult {
  ok: boolean;
  /** What was checked and found (ok), or every problem (not ok), one per line. */
  text: string;
}

function readable(path: string, what: string, problems: string[]): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    problems.push(`${what} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable'}`);
  }
}

export async function checkConfigFile(file: string): Promise<CheckResult> {
  try {
    const parsed = parseDocument(await readConfigFile(file), file);
    const ds = parsed.raw.datastore;
    if (!ds) {
      const c = configFromDocument(parsed);
      const policies = c.policies.size;
      return { ok: true, text: `${file}: valid (router id ${c.routerId}, AS ${c.asn}, ${c.neighbors.length} neighbor${c.neighbors.length === 1 ? '' : 's'}, ${policies} polic${policies === 1 ? 'y' : 'ies'}, ${c.announce.length} announced prefix${c.announce.length === 1 ? '' : 'es'})` };
    }
    // The identity and topology come from the datastore at start; what can be checked here is
    // the file and what it points at.
    const problems: string[] = [];
    for (const [k, v] of Object.entries(ds.tls ?? {})) readable(v, `datastore.tls.${k}`, problems);
    for (const [name, v] of Object.entries(ds.secrets ?? {})) readable(v, `datastore.secrets["${name}"]`, problems);
    if (ds.snapshot) {
      try {
        if (!statSync(dirname(ds.snapshot)).isDirectory()) problems.push(`datastore.snapshot ${ds.snapshot}: its directory is not a directory`);
      } catch {
        problems.push(`datastore.snapshot ${ds.snapshot}: its directory does not exist`);
      }
    }
    if (problems.length) return { ok: false, text: problems.map((p) => `${file}: ${p}`).join('\n') };
    return { ok: true, text: `${file}: valid (identity and topology from the ${ds.type} datastore at ${ds.endpoints.join(', ')}; node ${parsed.raw.nodeName ?? '$NODENAME or the host name'})` };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, text: err.message };
    throw err;
  }
}
