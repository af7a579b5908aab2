/** `show bfd [ADDRESS]`: the BFD sessions as the worker runs them, and its drop counters. */
import type { ControlServer } from './server.js';
import type { ControlHost } from './host.js';
import { isoString } from '../time/iso-time.js';

export function registerBfdCommands(server: ControlServer, d: ControlHost): void {
  server.on('show bfd', async (req, out) => {
    const snap = d.bfd().snapshot();
    if (!snap) return out.error('no BFD sessions: no neighbor has bfd set');
    const s = await snap;
    const addr = typeof req.args?.address === 'string' ? req.args.address : null;
    const sessions = addr ? s.sessions.filter((x) => x.peer === addr) : s.sessions;
    if (addr && sessions.length === 0) return out.error(`no BFD session with ${addr}`);
    const now = Date.now();
    out.result({
      sessions: sessions.map((x) => ({ ...x, since: isoString(x.since), uptimeSeconds: x.state === 'Up' ? Math.round((now - x.since) / 1000) : 0 })),
      counters: s.counters,
    });
  });
}
