/** The control commands wrend answers, one file per family of commands. */
import type { ControlServer } from './server.js';
import type { ControlHost } from './host.js';
import { registerNeighborCommands } from './neighbor-commands.js';
import { registerRouteCommands } from './route-commands.js';
import { registerSystemCommands } from './system-commands.js';
import { registerBfdCommands } from './bfd-commands.js';
import { registerMonitorCommands } from './monitor-commands.js';
import { registerMrtCommands } from './mrt-commands.js';

export function registerCommands(server: ControlServer, d: ControlHost, startedAt: number): void {
  registerSystemCommands(server, d, startedAt);
  registerNeighborCommands(server, d);
  registerRouteCommands(server, d);
  registerBfdCommands(server, d);
  registerMonitorCommands(server, d);
  registerMrtCommands(server, d);
}
