/**
 * BFD for BGP (RFC 5882): one BFD session per neighbour that asks for it, run by the BFD worker
 * (bfd/bfd-service.ts). BFD down ends the BGP session at once (Cease / BFD Down, RFC 9384), or,
 * with `bfd.gracefulRestart`, as a restart when the peer's BFD shares fate with its control plane;
 * with `strict` the session stays down until BFD is Up again. The peer saying AdminDown is not a
 * failure (RFC 5882 §3.2).
 */
import type { Logger } from 'pino';
import type { Peer } from '../session/peer.js';
import { State } from '../session/fsm.js';
import { ceaseNotification } from '../wire/notification.js';
import { CeaseSubcode } from '../wire/constants.js';
import type { NeighborConfig } from '../config/load.js';
import { BfdService, type BfdSnapshot } from '../bfd/bfd-service.js';
import type { SessionSpec, StateChange } from '../bfd/messages.js';

export interface BfdGateDeps {
  peers(): ReadonlyMap<string, Peer>;
  neighbors(): ReadonlyMap<string, NeighborConfig>;
  log: Logger;
}

const WAITING = 'waiting for the BFD session to come up';

export function bfdSpec(n: NeighborConfig): SessionSpec | null {
  const b = n.bfd;
  if (!b) return null;
  return {
    key: n.address,
    peer: n.address,
    local: n.sourceAddress ?? '',
    multihop: b.multihop ?? Boolean(n.multihop),
    minTx: b.minTx,
    minRx: b.minRx,
    multiplier: b.multiplier,
    auth: b.authentication ? { type: b.authentication.type, keyId: b.authentication.keyId, key: b.authentication.password } : null,
  };
}

export class BfdGate {
  private service: BfdService | null = null;
  private wanted = new Map<string, SessionSpec>();

  constructor(private readonly deps: BfdGateDeps) {}

  /** BFD sessions for the neighbours as configured now; holds or releases their BGP sessions. */
  sync(): void {
    const next = new Map<string, SessionSpec>();
    for (const n of this.deps.neighbors().values()) {
      const spec = bfdSpec(n);
      if (spec) next.set(spec.key, spec);
    }
    this.wanted = next;
    if (next.size > 0 && !this.service) {
      this.service = new BfdService({
        stateChange: (c) => this.onState(c),
        problem: (message) => this.deps.log.warn({ message }, 'BFD'),
      });
    }
    this.service?.configure([...next.values()]);
    for (const [address, peer] of this.deps.peers()) this.gate(address, peer);
  }

  /**
   * Hold a session that must wait for BFD, release one that need not. A session already up when
   * BFD is configured stays up (a reload must not cut it); BFD going down later takes it down.
   */
  gate(address: string, peer: Peer): void {
    const n = this.deps.neighbors().get(address);
    const mustWait = Boolean(n?.bfd?.strict) && this.wanted.has(address) && this.state(address) !== 'Up';
    if (mustWait && !peer.held && peer.state !== State.ESTABLISHED) peer.automaticStop(WAITING, null, true);
    else if (!mustWait && peer.held) peer.release();
  }

  /** The BFD state of a neighbour's session, or null when it has none. */
  state(address: string): string | null {
    if (!this.wanted.has(address) || !this.service) return null;
    return this.service.state(address);
  }

  private onState(c: StateChange): void {
    this.deps.log.info({ peer: c.peer, from: c.from, to: c.to, diag: c.reason }, `BFD session ${c.from} -> ${c.to}`);
    const peer = this.deps.peers().get(c.peer);
    const n = this.deps.neighbors().get(c.peer);
    if (!peer || !n?.bfd) return;
    if (c.to === 'Up' || c.remoteAdminDown) {
      if (peer.held) peer.release();
      return;
    }
    if (c.from !== 'Up') return;
    const restart = n.bfd.gracefulRestart && !c.remoteCpi && Boolean(peer.params?.gracefulRestartFamilies) && peer.state === State.ESTABLISHED;
    const reason = `BFD session down (${c.reason})`;
    this.deps.log.warn({ peer: c.peer, bgp: peer.state, gracefulRestart: restart }, `${reason}: BGP session taken down`);
    peer.automaticStop(reason, restart ? null : ceaseNotification(CeaseSubcode.BFD_DOWN, reason), n.bfd.strict);
  }

  snapshot(): Promise<BfdSnapshot> | null {
    return this.service ? this.service.snapshot() : null;
  }

  async stop(): Promise<void> {
    await this.service?.stop();
  }
}
