/**
 * Unnumbered neighbours (a neighbour given by interface only): on each such interface wren sends
 * router advertisements and listens for the peer's; the link-local source of an RA heard is the
 * neighbour, added to the config as `address` + `interface` and peered with through the ordinary
 * reload plan. A neighbour not heard from for EXPIRY_MS goes again (it moved, or left the link).
 */
import type { Logger } from 'pino';
import { EBGP_MAX_PREFIXES, makeNeighbor, type Config, type NeighborConfig } from '../config/load.js';
import { RouterAdverts } from '../os/router-adverts.js';

/** A discovered neighbour is kept this long after its last RA. */
const EXPIRY_MS = 180_000;

export class Unnumbered {
  private readonly adverts = new Map<string, RouterAdverts>();
  /** Per interface: link-local address -> when its last RA arrived (monotonic ms: a wall-clock step expires nobody). */
  private readonly heard = new Map<string, Map<string, number>>();
  private expiry: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    /** The set of discovered neighbours changed: the owner reloads with expand(). */
    private readonly changed: () => void,
    private readonly intervalMs = 10_000,
  ) {}

  /** Follow the config's unnumbered interfaces: start and stop their advertisements. */
  configure(list: Config['unnumbered']): void {
    const want = new Set(list.map((u) => u.interface));
    for (const [iface, ra] of this.adverts) {
      if (want.has(iface)) continue;
      ra.stop();
      this.adverts.delete(iface);
      if (this.heard.delete(iface)) this.changed();
    }
    for (const iface of want) {
      if (this.adverts.has(iface)) continue;
      const ra = new RouterAdverts(iface, (ll) => this.hear(iface, ll), this.intervalMs);
      try {
        ra.start();
        this.adverts.set(iface, ra);
        this.log.info({ interface: iface }, 'unnumbered neighbor: sending router advertisements and listening for the peer');
      } catch (err) {
        this.log.error({ interface: iface, error: (err as Error).message }, 'unnumbered neighbor: cannot use the interface');
      }
    }
    if (this.adverts.size > 0 && !this.expiry) {
      this.expiry = setInterval(() => this.expire(), 10_000);
      this.expiry.unref();
    }
  }

  private hear(iface: string, ll: string): void {
    let m = this.heard.get(iface);
    if (!m) this.heard.set(iface, (m = new Map()));
    const isNew = !m.has(ll);
    m.set(ll, performance.now());
    if (!isNew) return;
    this.log.info({ interface: iface, peer: ll }, 'unnumbered neighbor found by its router advertisement');
    this.changed();
  }

  private expire(): void {
    const now = performance.now();
    let gone = false;
    for (const [iface, m] of this.heard) {
      for (const [ll, at] of m) {
        if (now - at < EXPIRY_MS) continue;
        m.delete(ll);
        gone = true;
        this.log.warn({ interface: iface, peer: ll }, 'unnumbered neighbor silent (no router advertisement); removed');
      }
    }
    if (gone) this.changed();
  }

  /** `config` with a neighbour for every peer heard on its unnumbered interfaces. */
  expand(config: Config): Config {
    if (config.unnumbered.length === 0 || this.heard.size === 0) return config;
    const extra: NeighborConfig[] = [];
    const have = new Set(config.neighbors.map((n) => n.address));
    for (const u of config.unnumbered) {
      for (const ll of this.heard.get(u.interface)?.keys() ?? []) {
        if (have.has(ll)) continue;
        const n = makeNeighbor(ll, 'neighbors', u.settings.asn ?? 0, u.settings, { interface: u.interface, description: u.settings.description || `unnumbered on ${u.interface}` });
        n.gracefulRestart ??= config.gracefulRestart.enabled;
        // As a configured eBGP neighbour: a prefix limit unless its settings give one.
        if (!n.maxPrefixes && n.asn !== (n.localAs ?? config.asn)) n.maxPrefixes = { ...EBGP_MAX_PREFIXES };
        if (n.extendedNextHop && !n.families.includes('ipv4')) n.families = ['ipv4', ...n.families];
        extra.push(n);
      }
    }
    return extra.length ? { ...config, neighbors: [...config.neighbors, ...extra] } : config;
  }

  /** For show output: each interface, what was sent and heard. */
  status(): { interface: string; sent: number; received: number; errors: number; lastError: string; peers: string[] }[] {
    return [...this.adverts.values()].map((ra) => ({ interface: ra.iface, ...ra.counters, lastError: ra.lastError, peers: [...(this.heard.get(ra.iface)?.keys() ?? [])] }));
  }

  stop(): void {
    for (const ra of this.adverts.values()) ra.stop();
    this.adverts.clear();
    if (this.expiry) clearInterval(this.expiry);
    this.expiry = null;
  }
}
