/**
 * The devices under test, each as a route reflector in a benchmark namespace, configured alike:
 * AS 64512, cluster id 198.18.0.1, clients accepted from a range (198.18.0.0/16, or 2001:db8::/64
 * for the IPv6 scenario) with every family activated. wren and BIRD 2, FRR's bgpd and GoBGP from
 * Debian's packages.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { BenchNetns } from './bench-netns.js';
import { daemonEnv } from './daemon-env.js';

export const DAEMONS = ['wren', 'bird', 'frr', 'gobgp'] as const;
export type DaemonName = (typeof DAEMONS)[number];

export interface Dut {
  /** The daemon's own process (for RSS and CPU). */
  proc: ChildProcess;
  /** Address the clients connect to. */
  address: string;
}

export function dutAddress(v6: boolean): string {
  return v6 ? '2001:db8::1' : '198.18.0.1';
}

/**
 * Stop the device as its service manager would (SIGTERM; SIGKILL after 10 s) and start it again
 * with the same configuration (FRR: bgpd only, zebra stays). Resolves with the new process.
 */
export async function restartReflector(ns: BenchNetns, daemon: DaemonName, v6: boolean, dut: Dut): Promise<Dut> {
  const exited = new Promise((r) => dut.proc.once('exit', r));
  dut.proc.kill('SIGTERM');
  const killer = setTimeout(() => dut.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
  return startReflector(ns, daemon, v6, true);
}

export function startReflector(ns: BenchNetns, daemon: DaemonName, v6: boolean, again = false): Dut {
  const address = dutAddress(v6);
  const range = v6 ? '2001:db8::/64' : '198.18.0.0/16';
  switch (daemon) {
    case 'wren':
      return {
        address,
        proc: ns.startWren({
          routerId: '198.18.0.1', asn: 64512, listen: { address: [address], port: 179 },
          // A listen-range client's default prefix limit (20,000) is lifted: an injector sends 1M.
          // Graceful restart on its defaults: a cold start sends routes at once, a restart waits
          // for the End-of-RIB of the clients the previous run had.
          peerTemplates: { clients: { families: [v6 ? 'ipv6' : 'ipv4'], holdTime: 240, maxPrefixes: { limit: 4_294_967_295, action: 'warn' } } },
          routeReflector: { clusterId: '198.18.0.1', listenRange: range, template: 'clients' },
        }),
      };
    case 'bird':
      return {
        address,
        proc: ns.startBird(
          [
            'router id 198.18.0.1;',
            'protocol device {}',
            `protocol direct { ${v6 ? 'ipv6' : 'ipv4'}; interface "lo"; }`,
            'protocol bgp clients {',
            `  local ${address} as 64512;`,
            `  neighbor range ${range} as 64512;`,
            '  dynamic name "c"; dynamic name digits 5;',
            '  multihop; rr client; rr cluster id 198.18.0.1; hold time 240;',
            `  ${v6 ? 'ipv6' : 'ipv4'} { import all; export where source = RTS_BGP; gateway recursive; };`,
            '}',
          ].join('\n') + '\n',
        ),
      };
    case 'frr': {
      const conf = ns.path('frr.conf');
      const fam = v6 ? 'ipv6' : 'ipv4';
      // zebra for next-hop tracking (bgpd -Z cannot validate IPv6 next hops); `bgp no-rib` keeps
      // the routes out of zebra and the kernel, as a dedicated reflector would.
      // Both run as user frr (zebra insists on its vty group): the files must be theirs to use.
      chmodSync(ns.dir, 0o777);
      writeFileSync(ns.path('zebra.conf'), '', { mode: 0o644 });
      if (!again) ns.spawn('/usr/lib/frr/zebra', ['-f', ns.path('zebra.conf'), '-i', ns.path('zebra.pid'), '-z', ns.path('frr.zsock'), '--vty_socket', ns.dir], daemonEnv(), false);
      writeFileSync(conf, [
        'frr defaults traditional',
        'bgp no-rib',
        'hostname dut',
        'router bgp 64512',
        ' bgp router-id 198.18.0.1',
        ' bgp cluster-id 198.18.0.1',
        ' no bgp ebgp-requires-policy',
        ' no bgp default ipv4-unicast',
        ' bgp listen limit 5000',
        ' neighbor clients peer-group',
        ' neighbor clients remote-as 64512',
        ' neighbor clients timers 80 240',
        ` bgp listen range ${range} peer-group clients`,
        ` address-family ${fam} unicast`,
        '  neighbor clients activate',
        '  neighbor clients route-reflector-client',
        ' exit-address-family',
      ].join('\n') + '\n', { mode: 0o644 });
      return { address, proc: ns.spawn('/usr/lib/frr/bgpd', ['-S', '-f', conf, '-i', ns.path('frr.pid'), '--vty_socket', ns.dir, '-z', ns.path('frr.zsock'), '-l', address], daemonEnv(), false) };
    }
    case 'gobgp': {
      const conf = ns.path('gobgp.toml');
      writeFileSync(conf, [
        '[global.config]', '  as = 64512', '  router-id = "198.18.0.1"', `  local-address-list = ["${address}"]`,
        '[[peer-groups]]', '  [peer-groups.config]', '    peer-group-name = "clients"', '    peer-as = 64512',
        '  [peer-groups.timers.config]', '    hold-time = 240', '    keepalive-interval = 80',
        '  [peer-groups.route-reflector.config]', '    route-reflector-client = true', '    route-reflector-cluster-id = "198.18.0.1"',
        '  [[peer-groups.afi-safis]]', '    [peer-groups.afi-safis.config]', `      afi-safi-name = "${v6 ? 'ipv6' : 'ipv4'}-unicast"`,
        '[[dynamic-neighbors]]', '  [dynamic-neighbors.config]', `    prefix = "${range}"`, '    peer-group = "clients"',
      ].join('\n') + '\n');
      return { address, proc: ns.spawn('gobgpd', ['-f', conf, '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--log-level', 'warn'], daemonEnv(), false) };
    }
  }
}
