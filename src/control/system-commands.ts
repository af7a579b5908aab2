/** Daemon-wide commands: `show status`, `show memory`, and `configure [check] [FILE]`. */
import { wrenVersion } from '../config/version.js';
import { getHeapStatistics } from 'node:v8';
import { formatPlan } from '../config/diff.js';
import type { ControlServer } from './server.js';
import type { Daemon } from '../daemon/daemon.js';

const MB = (n: number) => Math.round((n / 1048576) * 10) / 10;

export function registerSystemCommands(server: ControlServer, d: Daemon, startedAt: number): void {
  server.on('show status', (_req, out) => {
    const peers = [...d.peers.values()];
    out.result({
      version: wrenVersion(),
      routerId: d.config.routerId,
      asn: d.config.asn,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      neighbors: peers.length,
      established: peers.filter((p) => p.state === 'Established').length,
      routes: d.routing?.rib.loc.size ?? 0,
      fibInstalled: d.kernel?.fib.installedCount ?? null,
      worstEventLoopDelayMs: Math.round(d.loop.worstMs),
    });
  });

  // Where the memory goes: the process, the V8 heap, and the RIB's own structures.
  server.on('show memory', (_req, out) => {
    const m = process.memoryUsage();
    const h = getHeapStatistics();
    const rib = d.routing?.rib;
    const groups = rib ? [...rib.groups.values()] : [];
    out.result({
      processMB: { rss: MB(m.rss), heapUsed: MB(m.heapUsed), heapTotal: MB(m.heapTotal), external: MB(m.external), arrayBuffers: MB(m.arrayBuffers), heapLimit: MB(h.heap_size_limit) },
      rib: rib
        ? {
            prefixes: rib.loc.size,
            paths: rib.loc.paths.size,
            importAttributeSets: rib.importStore.size,
            exportAttributeSets: rib.exportStore.size,
            updateGroups: groups.length,
            groupMembers: groups.reduce((n, g) => n + g.size, 0),
            tableSlots: { ipv4: rib.loc.tables[0].highWater, ipv6: rib.loc.tables[1].highWater },
          }
        : null,
      fibInstalled: d.kernel?.fib.installedCount ?? null,
      neighbors: d.peers.size,
      guard: d.guard ? { limitMB: MB(d.guard.options.limitBytes), heapShare: d.guard.options.heapShare, sessionsStopped: d.guard.stopped } : null,
    });
  });

  // `down`: answer first, then stop (Cease to every peer, kernel routes removed) and exit.
  server.on('down', (req, out) => {
    out.result({ stopping: true });
    const message = typeof req.args?.message === 'string' ? req.args.message.slice(0, 128) : 'shut down by wrenc down';
    setTimeout(() => {
      d.downMessage = message;
      d.requestShutdown('down');
    }, 50).unref();
  });

  // Reload: `configure` applies the file (default: the one wrend started with), `configure
  // check` validates it and returns the plan without applying anything.
  server.on('configure', async (req, out) => {
    const file = typeof req.args?.file === 'string' ? req.args.file : null;
    const check = req.args?.check === true;
    const plan = await d.reloadFile(file, check);
    out.result({ applied: !check, plan, text: formatPlan(plan) });
  });
}
