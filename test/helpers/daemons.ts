/**
 * The reference daemons (BIRD 2, BIRD 1.6, FRR bgpd, GoBGP) started inside a Lab namespace, each with its
 * own config, sockets and pid files in the lab directory, and asked for their view of a session
 * through their own CLIs.
 */
import { writeFileSync, chmodSync, existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './netns.js';

export interface Daemon {
  /** The peer's session state as the daemon itself reports it. */
  established(peer: string): boolean;
  /** The raw text of the daemon's own description of the session with `peer`. */
  describe(peer: string): string;
  /** Prefixes the daemon has received from `peer`. */
  received(peer: string, family: 'ipv4' | 'ipv6'): string[];
}

export interface PeerSpec {
  address: string;
  asn: number;
  passive?: boolean;
  holdTime?: number;
  password?: string;
  multihop?: number;
  families?: ('ipv4' | 'ipv6')[];
  grace?: boolean;
  name?: string;
  /** RFC 5082 GTSM on the daemon's side. */
  ttlSecurity?: boolean;
  /** RFC 7911 ADD-PATH both ways. */
  addPaths?: boolean;
  /** BFD for this session (the daemon's `bfd` settings). */
  bfd?: boolean;
  /** More lines for the session (BIRD: in its `protocol bgp` block; FRR: after `neighbor ADDR`). */
  options?: string[];
  /** BIRD: more options in each channel block (`extended next hop on;`). */
  channelOptions?: string[];
  /** FRR: `address` is an interface, peered with unnumbered (`neighbor IF interface remote-as ASN`). */
  unnumbered?: boolean;
}

/** A daemon's BFD: intervals (ms), multiplier, optional authentication (BIRD only). */
export interface BfdSpec {
  interval: number;
  multiplier: number;
  auth?: { type: 'keyed sha1' | 'meticulous keyed sha1' | 'keyed md5'; password: string; id: number };
}

export interface DaemonSpec {
  routerId: string;
  asn: number;
  listen: string[];
  peers: PeerSpec[];
  announce?: string[];
  /** FRR: `bgp graceful-restart` with preserve-fw-state, and zebra to install routes in the kernel. */
  gracefulRestart?: boolean;
  /** BFD (BIRD: protocol bfd; FRR: bfdd, with zebra). */
  bfd?: BfdSpec;
  /** FRR: more lines under `router bgp`. */
  routerOptions?: string[];
  /** FRR: zebra's config lines (interface settings such as router advertisements); zebra then runs. */
  zebraConfig?: string[];
}

/** SIGKILL, resolved once the process is gone. */
async function killHard(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await gone;
}

export function birdProtocolName(p: PeerSpec): string {
  return p.name ?? `peer_${p.address.replace(/[.:]/g, '_')}`;
}

export class Bird implements Daemon {
  readonly sock: string;
  private readonly conf: string;
  proc: ChildProcess;
  constructor(private readonly lab: Lab, private readonly ns: string, spec: DaemonSpec, extra = '') {
    const name = `bird-${ns}`;
    const conf = lab.path(`${name}.conf`);
    this.conf = conf;
    this.sock = lab.path(`${name}.ctl`);
    const v4 = (spec.announce ?? []).filter((p) => !p.includes(':'));
    const v6 = (spec.announce ?? []).filter((p) => p.includes(':'));
    const lines = [
      `router id ${spec.routerId};`,
      'protocol device {}',
      'protocol direct { ipv4; ipv6; }',
      `protocol static static4 { ipv4; ${v4.map((p) => `route ${p} blackhole;`).join(' ')} }`,
      `protocol static static6 { ipv6; ${v6.map((p) => `route ${p} blackhole;`).join(' ')} }`,
    ];
    for (const p of spec.peers) {
      const fams = p.families ?? [p.address.includes(':') ? 'ipv6' : 'ipv4'];
      lines.push(`protocol bgp ${birdProtocolName(p)} {`);
      lines.push(`  local as ${spec.asn};`, `  neighbor ${p.address} as ${p.asn};`);
      if (p.passive) lines.push('  passive on;');
      if (p.holdTime) lines.push(`  hold time ${p.holdTime};`, `  keepalive time ${Math.max(1, Math.floor(p.holdTime / 3))};`);
      if (p.password) lines.push(`  password "${p.password}";`);
      if (p.multihop) lines.push(`  multihop ${p.multihop};`);
      if (p.asn === spec.asn) lines.push('  direct;');
      if (p.ttlSecurity) lines.push('  ttl security on;');
      if (p.grace) lines.push('  graceful restart on;');
      if (p.bfd) lines.push('  bfd on;');
      for (const o of p.options ?? []) lines.push(`  ${o}`);
      lines.push('  connect retry time 2;', '  connect delay time 1;', '  error wait time 1, 5;');
      for (const f of fams) lines.push(`  ${f} { ${(p.channelOptions ?? []).map((o) => `${o} `).join('')}import all; export where source = RTS_STATIC; next hop self;${p.addPaths ? ' add paths on;' : ''} };`);
      lines.push('}');
    }
    if (spec.bfd) {
      const b = spec.bfd;
      const opts = `min rx interval ${b.interval} ms; min tx interval ${b.interval} ms; multiplier ${b.multiplier};${b.auth ? ` authentication ${b.auth.type}; password "${b.auth.password}" { id ${b.auth.id}; };` : ''}`;
      lines.push(`protocol bfd { interface "*" { ${opts} }; multihop { ${opts} }; }`);
    }
    writeFileSync(conf, lines.join('\n') + '\n' + extra);
    this.proc = this.start();
  }

  /** Run bird (again); `recovery`: with -R, graceful restart recovery (as Calico runs it). */
  start(recovery = false): ChildProcess {
    this.proc = this.lab.spawn(this.ns, 'bird', ['-f', ...(recovery ? ['-R'] : []), '-c', this.conf, '-s', this.sock, '-P', `${this.conf}.pid`]);
    return this.proc;
  }

  /** kill -9: no NOTIFICATION, sockets closed by the kernel. */
  kill(): Promise<void> {
    return killHard(this.proc);
  }

  birdc(cmd: string): string {
    return this.lab.exec(this.ns, 'birdc', ['-s', this.sock, ...cmd.split(' ')], { allowFail: true });
  }

  describe(peer: string): string {
    return this.birdc(`show protocols all peer_${peer.replace(/[.:]/g, '_')}`);
  }

  established(peer: string): boolean {
    return /BGP state:\s+Established/.test(this.describe(peer));
  }

  /** The next hops BIRD holds for `prefix`, one per path. */
  pathsFor(prefix: string): string[] {
    const out = this.birdc(`show route ${prefix} all`);
    return [...out.matchAll(/via ([0-9a-f.:]+)/g)].map((m) => m[1] as string);
  }

  /** Names of protocols in state Established. */
  establishedProtocols(): string[] {
    const out = this.birdc('show protocols');
    return [...out.matchAll(/^(\S+)\s+BGP\s+.*Established/gm)].map((m) => m[1] as string);
  }

  received(peer: string, family: 'ipv4' | 'ipv6'): string[] {
    const out = this.birdc(`show route protocol peer_${peer.replace(/[.:]/g, '_')}`);
    const re = family === 'ipv4' ? /^([0-9.]+\/\d+)/gm : /^([0-9a-f:]+\/\d+)/gm;
    return [...out.matchAll(re)].map((m) => m[1] as string);
  }
}

export class Frr implements Daemon {
  readonly vtyDir: string;
  /** What bgpd logged to stdout (its NOTIFICATION log lines carry RFC 9003 messages). */
  logText = '';
  proc: ChildProcess;
  private readonly args: string[];
  constructor(private readonly lab: Lab, private readonly ns: string, spec: DaemonSpec) {
    const name = `frr-${ns}`;
    const conf = lab.path(`${name}.conf`);
    this.vtyDir = lab.path(`${name}-vty`);
    const zebra = spec.gracefulRestart === true || spec.bfd !== undefined || spec.zebraConfig !== undefined;
    const lines = [
      'frr defaults traditional',
      `hostname ${name}`,
      'log stdout informational',
      `router bgp ${spec.asn}`,
      ` bgp router-id ${spec.routerId}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' no bgp default ipv4-unicast',
      ' bgp log-neighbor-changes',
      ...(spec.gracefulRestart ? [' bgp graceful-restart', ' bgp graceful-restart preserve-fw-state'] : []),
      ...(spec.routerOptions ?? []).map((l) => ` ${l}`),
    ];
    for (const p of spec.peers) {
      lines.push(p.unnumbered ? ` neighbor ${p.address} interface remote-as ${p.asn}` : ` neighbor ${p.address} remote-as ${p.asn}`);
      lines.push(` neighbor ${p.address} timers connect 2`);
      if (p.passive) lines.push(` neighbor ${p.address} passive`);
      if (p.holdTime) lines.push(` neighbor ${p.address} timers ${Math.max(1, Math.floor(p.holdTime / 3))} ${p.holdTime}`);
      if (p.password) lines.push(` neighbor ${p.address} password ${p.password}`);
      if (p.multihop) lines.push(` neighbor ${p.address} ebgp-multihop ${p.multihop}`);
      if (p.grace) lines.push(` neighbor ${p.address} graceful-restart`);
      if (p.bfd) lines.push(` neighbor ${p.address} bfd profile wren`);
      for (const o of p.options ?? []) lines.push(` neighbor ${p.address} ${o}`);
    }
    for (const fam of ['ipv4', 'ipv6'] as const) {
      lines.push(` address-family ${fam} unicast`);
      for (const p of spec.peers) {
        if ((p.families ?? [p.address.includes(':') ? 'ipv6' : 'ipv4']).includes(fam)) lines.push(`  neighbor ${p.address} activate`);
      }
      for (const pfx of spec.announce ?? []) if (pfx.includes(':') === (fam === 'ipv6')) lines.push(`  network ${pfx}`);
      lines.push(' exit-address-family');
    }
    writeFileSync(conf, lines.join('\n') + '\n');
    chmodSync(conf, 0o644);
    run0(lab, ns, this.vtyDir);
    const zsock = lab.path(`${name}.zsock`);
    if (zebra) {
      // zebra installs bgpd's routes in the namespace's kernel; it runs as user frr, so the
      // directories it writes to must be open to it.
      chmodSync(lab.path('.'), 0o777);
      chmodSync(this.vtyDir, 0o777);
      writeFileSync(lab.path(`${name}-zebra.conf`), (spec.zebraConfig ?? []).join('\n') + '\n', { mode: 0o644 });
      lab.spawn(ns, '/usr/lib/frr/zebra', ['-f', lab.path(`${name}-zebra.conf`), '-i', lab.path(`${name}-zebra.pid`), '-z', zsock, '--vty_socket', this.vtyDir]);
      // bfdd and bgpd connect to zebra's socket as they start; one that finds it missing tries
      // again only 10 s later. Started together, BFD in bfd.test.ts came up 10 s late in 4 runs
      // of 10, and once not within the test's 20 s. So they start once the socket is there.
      waitForPathSync(zsock, 5000);
    }
    if (spec.bfd) {
      const b = spec.bfd;
      const bfdConf = lab.path(`${name}-bfdd.conf`);
      writeFileSync(bfdConf, ['bfd', ' profile wren', `  receive-interval ${b.interval}`, `  transmit-interval ${b.interval}`, `  detect-multiplier ${b.multiplier}`, ' !', '!', ''].join('\n'), { mode: 0o644 });
      const bfdd = lab.spawn(ns, '/usr/lib/frr/bfdd', ['-f', bfdConf, '-i', lab.path(`${name}-bfdd.pid`), '-z', zsock, '--vty_socket', this.vtyDir]);
      bfdd.stdout?.on('data', (d: Buffer) => (this.logText += d.toString()));
      bfdd.stderr?.on('data', (d: Buffer) => (this.logText += d.toString()));
    }
    this.args = [...(zebra ? [] : ['-Z']), '-S', '-f', conf, '-i', lab.path(`${name}.pid`), '--vty_socket', this.vtyDir, '-z', zsock, ...spec.listen.flatMap((a) => ['-l', a])];
    this.proc = this.start();
  }

  /** Run bgpd (again). */
  start(): ChildProcess {
    const child = this.lab.spawn(this.ns, '/usr/lib/frr/bgpd', this.args);
    child.stdout?.on('data', (d: Buffer) => (this.logText += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.logText += d.toString()));
    this.proc = child;
    return child;
  }

  /** kill -9 of bgpd (zebra, and the kernel routes, stay). */
  kill(): Promise<void> {
    return killHard(this.proc);
  }

  vtysh(cmd: string): string {
    return this.lab.exec(this.ns, 'vtysh', ['--vty_socket', this.vtyDir, '-c', cmd], { allowFail: true });
  }

  describe(peer: string): string {
    return this.vtysh(`show bgp neighbors ${peer}`) + this.vtysh(`show bgp neighbors ${peer} json`);
  }

  established(peer: string): boolean {
    return /BGP state = Established/.test(this.describe(peer));
  }

  received(peer: string, family: 'ipv4' | 'ipv6'): string[] {
    const out = this.vtysh(`show bgp ${family} unicast neighbors ${peer} routes json`);
    try {
      const j = JSON.parse(out) as { routes?: Record<string, unknown> };
      return Object.keys(j.routes ?? {});
    } catch {
      return [];
    }
  }
}

/** Wait (blocking: the constructors here are synchronous) until `path` exists, at most `ms`. */
function waitForPathSync(path: string, ms: number): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; !existsSync(path) && waited < ms; waited += 20) Atomics.wait(tick, 0, 0, 20);
}

function run0(lab: Lab, ns: string, dir: string): void {
  lab.exec(ns, 'mkdir', ['-p', dir]);
}

export class GoBgp implements Daemon {
  /** gobgpd's log (JSON lines; received NOTIFICATIONs carry the RFC 9003 message). */
  logText = '';
  constructor(private readonly lab: Lab, private readonly ns: string, spec: DaemonSpec) {
    const conf = lab.path(`gobgp-${ns}.toml`);
    const lines = ['[global.config]', `  as = ${spec.asn}`, `  router-id = "${spec.routerId}"`, `  local-address-list = [${spec.listen.map((a) => `"${a}"`).join(', ')}]`];
    for (const p of spec.peers) {
      lines.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${p.address}"`, `    peer-as = ${p.asn}`);
      if (p.password) lines.push(`    auth-password = "${p.password}"`);
      lines.push('  [neighbors.timers.config]', '    connect-retry = 2');
      if (p.holdTime) lines.push(`    hold-time = ${p.holdTime}`, `    keepalive-interval = ${Math.max(1, Math.floor(p.holdTime / 3))}`);
      if (p.passive) lines.push('  [neighbors.transport.config]', '    passive-mode = true');
      if (p.multihop) lines.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${p.multihop}`);
      for (const f of p.families ?? [p.address.includes(':') ? 'ipv6' : 'ipv4']) {
        lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`);
      }
    }
    writeFileSync(conf, lines.join('\n') + '\n');
    const child = lab.spawn(ns, 'gobgpd', ['-f', conf, '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--log-level', 'info']);
    child.stdout?.on('data', (d: Buffer) => (this.logText += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.logText += d.toString()));
  }

  gobgp(args: string[]): string {
    return this.lab.exec(this.ns, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', ...args], { allowFail: true });
  }

  describe(peer: string): string {
    return this.gobgp(['neighbor', peer]);
  }

  established(peer: string): boolean {
    return /BGP state = ESTABLISHED/i.test(this.describe(peer));
  }

  received(peer: string, family: 'ipv4' | 'ipv6'): string[] {
    const out = this.gobgp(['neighbor', peer, 'adj-in', '-a', family]);
    const re = family === 'ipv4' ? /([0-9.]+\/\d+)/g : /([0-9a-f:]+:[0-9a-f:]*\/\d+)/g;
    return [...new Set([...out.matchAll(re)].map((m) => m[1] as string))];
  }

  announce(prefix: string, nextHop: string): void {
    this.gobgp(['global', 'rib', 'add', '-a', prefix.includes(':') ? 'ipv6' : 'ipv4', prefix, 'nexthop', nextHop]);
  }
}

/** Where .ci/run unpacks Debian's `bird` package (BIRD 1.6, the base of Calico's fork) beside bird2. */
export const BIRD16_DIR = process.env.WREN_BIRD16_DIR ?? '/opt/wren-bird16/usr/sbin';

/**
 * BIRD 1.6: one daemon per family (`bird` for IPv4, `bird6` for IPv6), 1.x syntax, as Calico's
 * calico-node ran it: a kernel protocol exporting what BGP learned (graceful restart kept), static
 * blackholes for the announced blocks, `passive on` towards mesh peers with a greater address.
 */
export class Bird16 implements Daemon {
  readonly sock: string;
  private readonly conf: string;
  private readonly bin: string;
  proc: ChildProcess;
  constructor(private readonly lab: Lab, private readonly ns: string, readonly family: 'ipv4' | 'ipv6', spec: DaemonSpec) {
    const name = `bird16-${family}-${ns}`;
    this.conf = lab.path(`${name}.conf`);
    this.sock = lab.path(`${name}.ctl`);
    this.bin = `${BIRD16_DIR}/${family === 'ipv4' ? 'bird' : 'bird6'}`;
    const lines = [
      `router id ${spec.routerId};`,
      'protocol device { scan time 2; }',
      'protocol direct { interface "*"; }',
      'protocol kernel { learn; scan time 2; graceful restart; import none; export where source = RTS_BGP; }',
      `protocol static { ${(spec.announce ?? []).map((p) => `route ${p} blackhole;`).join(' ')} }`,
    ];
    for (const p of spec.peers) {
      lines.push(`protocol bgp ${birdProtocolName(p)} {`);
      lines.push(`  local as ${spec.asn};`, `  neighbor ${p.address} as ${p.asn};`);
      if (p.passive) lines.push('  passive on;');
      if (p.holdTime) lines.push(`  hold time ${p.holdTime};`, `  keepalive time ${Math.max(1, Math.floor(p.holdTime / 3))};`);
      if (p.asn === spec.asn) lines.push('  direct;', '  gateway recursive;');
      if (p.grace) lines.push('  graceful restart on;');
      lines.push('  connect retry time 2;', '  error wait time 1, 5;', '  import all;', '  export where source = RTS_STATIC;', '  next hop self;');
      lines.push('}');
    }
    writeFileSync(this.conf, lines.join('\n') + '\n');
    this.proc = this.start();
  }

  /** Run it (again); `recovery`: bird -R, graceful restart recovery, as calico-node starts it. */
  start(recovery = false): ChildProcess {
    this.proc = this.lab.spawn(this.ns, this.bin, ['-f', ...(recovery ? ['-R'] : []), '-c', this.conf, '-s', this.sock, '-P', `${this.conf}.pid`]);
    return this.proc;
  }

  kill(): Promise<void> {
    return killHard(this.proc);
  }

  birdc(cmd: string): string {
    return this.lab.exec(this.ns, `${BIRD16_DIR}/${this.family === 'ipv4' ? 'birdc' : 'birdc6'}`, ['-s', this.sock, ...cmd.split(' ')], { allowFail: true });
  }

  describe(peer: string): string {
    return this.birdc(`show protocols all peer_${peer.replace(/[.:]/g, '_')}`);
  }

  established(peer: string): boolean {
    return /BGP state:\s+Established/.test(this.describe(peer));
  }

  received(peer: string, family: 'ipv4' | 'ipv6'): string[] {
    const out = this.birdc(`show route protocol peer_${peer.replace(/[.:]/g, '_')}`);
    const re = family === 'ipv4' ? /^([0-9.]+\/\d+)/gm : /^([0-9a-f:]+\/\d+)/gm;
    return [...out.matchAll(re)].map((m) => m[1] as string);
  }
}
