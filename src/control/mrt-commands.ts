/** `dump rib FILE [family ipv4|ipv6]`: the RIB as an MRT TABLE_DUMP_V2 file (mrt/rib-dump.ts). */
import { Family } from '../wire/constants.js';
import type { ControlServer } from './server.js';
import type { ControlHost } from './host.js';

export function registerMrtCommands(server: ControlServer, d: ControlHost): void {
  server.on('dump rib', async (req, out) => {
    const file = typeof req.args?.file === 'string' ? req.args.file : '';
    const fam = req.args?.family;
    if (fam !== undefined && fam !== 'ipv4' && fam !== 'ipv6') return out.error('family: ipv4 or ipv6');
    const families = fam === 'ipv4' ? [Family.IPV4_UNICAST] : fam === 'ipv6' ? [Family.IPV6_UNICAST] : [Family.IPV4_UNICAST, Family.IPV6_UNICAST];
    out.result(await d.mrt().dump(file, families));
  });
}
