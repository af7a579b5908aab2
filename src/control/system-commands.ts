/** Daemon-wide commands: `show status`, `show memory`, and `configure [check] [FILE]`. */
import { wrenVersion } from '../config/version.js';
import { getHeapStatistics } from 'node:v8';
import { formatPlan } from '../config/diff.js';
import type { ControlServer } from './server.js';
import type { ControlHost } from './host.js';
import { State } from '../session/fsm.js';

function datastoreSummary(d: ControlHost): { connected: boolean; source: string; revision: string | null; rejected: number } | null {
  const s = d.datastore();
  return s ? { connected: s.connected, source: s.source, revision: s.revision, rejected: s.rejected.length } : null;
}

const MB = (n: number) => Math.round((n / 1048576) * 10) / 10;

export function registerSystemCommands(server: ControlServer, d: ControlHost, startedAt: number): void {
  server.on('show status', (_req, out) => {
    const peers = [...d.peers()];
    out.result({
      version: wrenVersion(),
      routerId: d.routerId,
      asn: d.asn,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      neighbors: peers.length,
      established: peers.filter((p) => p.state === State.ESTABLISHED).length,
      routes: d.rib()?.routes ?? 0,
      fibInstalled: d.fib()?.installed ?? null,
      worstEventLoopDelayMs: Math.round(d.loopWorstMs),
      datastore: datastoreSummary(d),
      bmp: d.bmpStations(),
      mrt: { dumps: d.mrt().status.dumps, errors: d.mrt().status.errors, last: d.mrt().status.last?.file ?? null, lastError: d.mrt().status.lastError || null, updates: d.updateLog() },
    });
  });

  // Where the config comes from when it is Calico's datastore: connected, revision, what was rejected.
  // The config in force, in the form of a config file (with a datastore: what it computed).
  server.on('show config', (_req, out) => {
    const doc = d.effectiveDocument();
    if (doc === null) return out.error('no datastore: the config in force is the file wrend reads');
    out.result(doc);
  });

  server.on('show datastore', (_req, out) => {
    const s = d.datastore();
    if (!s) return out.error('no datastore: the config comes from the file alone');
    out.result(s);
  });

  // Where the memory goes: the process, the V8 heap, and the RIB's own structures.
  server.on('show memory', (_req, out) => {
    const m = process.memoryUsage();
    const h = getHeapStatistics();
    const guard = d.memoryGuard();
    out.result({
      processMB: { rss: MB(m.rss), heapUsed: MB(m.heapUsed), heapTotal: MB(m.heapTotal), external: MB(m.external), arrayBuffers: MB(m.arrayBuffers), heapLimit: MB(h.heap_size_limit) },
      rib: d.rib()?.stats() ?? null,
      fibInstalled: d.fib()?.installed ?? null,
      neighbors: d.peerCount,
      guard: guard ? { limitMB: MB(guard.limitBytes), heapShare: guard.heapShare, sessionsStopped: guard.sessionsStopped } : null,
    });
  });

  // `down`: answer first, then stop (Cease to every peer, kernel routes removed) and exit.
  server.on('down', (req, out) => {
    out.result({ stopping: true });
    const message = typeof req.args?.message === 'string' ? req.args.message.slice(0, 128) : 'shut down by wrenc down';
    setTimeout(() => d.shutdown(message), 50).unref();
  });

  // Reload: `configure` applies the file (default: the one wrend started with), `configure
  // check` validates it and returns the plan without applying anything.
  server.on('configure', async (req, out) => {
    const file = typeof req.args?.file === 'string' ? req.args.file : null;
    const check = req.args?.check === true;
    const plan = await d.reload(file, check);
    out.result({ applied: !check, plan, text: formatPlan(plan) });
  });
}
