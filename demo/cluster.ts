/**
 * npm run demo — a small Calico-style cluster in network namespaces, on wren's built-in defaults:
 * two route reflectors and four hosts that are their clients, plus a BIRD top-of-rack router over
 * eBGP. Each host has a pod block from 198.18.0.0/16: Felix's blackhole route for it is learned
 * from the kernel and announced; the routes the host learns go into its kernel. Then a pod on one
 * host pings a pod on another through those routes. Everything is torn down at the end, on error
 * and on Ctrl-C. Needs root (network namespaces, port 179, kernel routes).
 */
import { WREND_ENV, WREND_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, waitFor } from '../test/helpers/netns.js';
import { request } from '../src/cli/client.js';

const ROOT = join(import.meta.dirname, '..');
const WREND = join(ROOT, 'src', 'bin', 'wrend.js');
const WRENC = join(ROOT, 'src', 'bin', 'wrenc.js');
const t0 = Date.now();

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string) => process.stdout.write(`\n${bold(`== ${s}`)}  (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function ensureTools(): void {
  const missing = [['bird', 'bird2'], ['birdc', 'bird2'], ['ping', 'iputils-ping'], ['ip', 'iproute2']].filter(([c]) => !have(c as string));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, p]) => p as string))];
  say(`installing ${pkgs.join(', ')} (Debian packages the demo needs)`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
  // The bird package starts a system-wide BIRD; the demo needs none.
  spawnSync('sh', ['-c', 'systemctl disable --now bird 2>/dev/null || true']);
}

interface Node {
  name: string;
  address: string;
  ns: string;
  socket: string;
}

function startWren(lab: Lab, node: Node, config: Record<string, unknown>): void {
  const file = lab.path(`${node.name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  lab.spawn(node.ns, process.execPath, [...WREND_NODE_FLAGS, WREND, '--config', file, '--socket', node.socket, '--log-level', 'warn'], { stdio: 'ignore', env: { ...process.env, ...WREND_ENV } });
}

function wrenc(node: Node, ...args: string[]): string {
  return spawnSync(process.execPath, [WRENC, '--socket', node.socket, ...args], { encoding: 'utf8' }).stdout;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('npm run demo needs root: it creates network namespaces, binds port 179 and writes kernel routes.\nRun it as root (e.g. sudo npm run demo).\n');
    return 1;
  }
  ensureTools();
  const lab = new Lab('demo');
  try {
    say('building the cluster: 2 route reflectors, 4 hosts, 1 BIRD top-of-rack router, on one L2 segment 192.0.2.0/24');
    const sw = lab.switch('sw');
    const mk = (name: string, address: string): Node => {
      const ns = lab.ns(name);
      lab.attach(sw, ns, [`${address}/24`]);
      return { name, address, ns, socket: lab.path(`${name}.sock`) };
    };
    const rrs = [mk('rr1', '192.0.2.2'), mk('rr2', '192.0.2.3')];
    const hosts = [0, 1, 2, 3].map((i) => mk(`host${i + 1}`, `192.0.2.${11 + i}`));
    const torNs = lab.ns('tor');
    lab.attach(sw, torNs, ['192.0.2.254/24']);

    // The ToR (AS 63400) peers with both reflectors and announces an "outside" network.
    const torConf = lab.path('tor.conf');
    writeFileSync(torConf, [
      'router id 192.0.2.254;',
      'protocol device {}',
      'protocol static { ipv4; route 203.0.113.0/24 blackhole; }',
      ...rrs.map((r, i) => `protocol bgp rr${i + 1} { local as 63400; neighbor ${r.address} as 64512; ipv4 { import all; export where source = RTS_STATIC; }; }`),
    ].join('\n') + '\n');
    lab.spawn(torNs, 'bird', ['-f', '-c', torConf, '-s', lab.path('tor.ctl')], { stdio: 'ignore' });

    for (const [i, rr] of rrs.entries()) {
      startWren(lab, rr, {
        routerId: rr.address,
        asn: 64512,
        hostname: rr.name,
        listen: { address: [rr.address] },
        // Hosts in the listen range become clients without a line each.
        routeReflector: { clusterId: '192.0.2.250', listenRange: '192.0.2.0/24' },
        neighbors: [
          { address: (rrs[1 - i] as Node).address, asn: 64512, description: 'the other reflector' },
          { address: '192.0.2.254', asn: 63400, description: 'top of rack', nextHopKeep: true },
        ],
      });
    }
    hosts.forEach((h, i) => {
      const block = `198.18.0.${i * 64}/26`;
      // What Felix does: a pod address on the host, and a blackhole route for the whole block.
      lab.exec(h.ns, 'ip', ['addr', 'add', `198.18.0.${i * 64 + 1}/32`, 'dev', 'lo']);
      lab.exec(h.ns, 'ip', ['route', 'add', 'blackhole', block, 'proto', 'static']);
      startWren(lab, h, {
        routerId: h.address,
        asn: 64512,
        hostname: h.name,
        listen: { address: [h.address] },
        routeReflectors: rrs.map((r) => r.address),
        fib: { enabled: true, learn: { protocols: ['static'] } },
      });
    });

    say('waiting for every session to be Established and every block to reach every host');
    await waitFor('sessions up', async () => {
      for (const n of [...rrs, ...hosts]) {
        const rows = (await request(n.socket, 'show neighbors', {})) as { state: string }[];
        if (rows.length === 0 || rows.some((r) => r.state !== 'Established')) return false;
      }
      return true;
    }, 40_000, 300);
    await waitFor('routes in every kernel', () => hosts.every((h) => lab.exec(h.ns, 'ip', ['route', 'show', 'proto', '210']).trim().split('\n').length >= 4), 30_000, 300);

    say(`wrenc node status on ${hosts[0]?.name} (a reflector client)`);
    process.stdout.write(wrenc(hosts[0] as Node, 'node', 'status'));
    say(`wrenc node status on ${rrs[0]?.name} (a route reflector)`);
    process.stdout.write(wrenc(rrs[0] as Node, 'node', 'status'));
    say(`kernel routes on ${hosts[0]?.name}: the other hosts' blocks and the ToR's network, installed by wren (proto 210)`);
    process.stdout.write(lab.exec((hosts[0] as Node).ns, 'ip', ['route', 'show', 'proto', '210']));
    say('what the BIRD top-of-rack router learned (birdc show route)');
    process.stdout.write(lab.exec(torNs, 'birdc', ['-s', lab.path('tor.ctl'), 'show', 'route']));
    say(`a pod on ${hosts[0]?.name} (198.18.0.1) pings a pod on ${hosts[2]?.name} (198.18.0.129) through those routes`);
    const ping = spawnSync('ip', ['netns', 'exec', (hosts[0] as Node).ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', '198.18.0.1', '198.18.0.129'], { encoding: 'utf8' });
    process.stdout.write(ping.stdout);
    say(ping.status === 0 ? 'done: the cluster routes pod traffic; tearing everything down' : 'the ping failed; tearing everything down');
    return ping.status === 0 ? 0 : 1;
  } finally {
    lab.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
