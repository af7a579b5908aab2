/** Peers wired over a FakeNetwork with a FakeClock: many peers, no sockets, no real time. */
import { pino } from 'pino';
import { Peer, type PeerConfig, type PeerEvents } from '../../src/session/peer.js';
import { DEFAULT_FSM_CONFIG, type FsmConfig } from '../../src/session/fsm.js';
import { Family } from '../../src/wire/constants.js';
import { parseIpv4 } from '../../src/wire/address.js';
import type { LocalSpeaker } from '../../src/session/negotiate.js';
import { FakeClock } from './fake-clock.js';
import { FakeNetwork, type FakeConnection } from './fake-transport.js';

export const silentLog = pino({ level: 'silent' });

export interface Node {
  address: string;
  asn: number;
  routerId: string;
}

export class FakeLab {
  readonly clock = new FakeClock();
  readonly net = new FakeNetwork();
  /** peers by "local>remote" */
  readonly peers = new Map<string, Peer>();
  readonly connections: FakeConnection[] = [];
  refuse = new Set<string>();
  /**
   * The acceptor sees a dialed connection before the dialer's own callback runs (a busy dialer):
   * when two peers dial each other, each has the other's connection while its own dial looks
   * pending.
   */
  acceptBeforeConnect = false;

  constructor() {
    this.clock.idle = () => this.net.flush();
  }

  peer(local: Node, remote: Node, fsm: Partial<FsmConfig> = {}, events?: PeerEvents, expectAs = remote.asn, speakerSettings: Partial<LocalSpeaker> = {}): Peer {
    const config: PeerConfig = {
      address: remote.address,
      asn: expectAs,
      port: 179,
      passive: fsm.passive ?? false,
      description: '',
      fsm: { ...DEFAULT_FSM_CONFIG, holdTime: 3, connectRetryTime: 2, ...fsm },
    };
    const speaker: LocalSpeaker = {
      asn: local.asn,
      routerId: parseIpv4(local.routerId),
      holdTime: config.fsm.holdTime,
      families: (1 << Family.IPV4_UNICAST) | (1 << Family.IPV6_UNICAST),
      addPathReceive: 0,
      addPathSend: 0,
      gracefulRestart: null,
      hostname: '',
      extendedMessage: false,
      ...speakerSettings,
    };
    const p = new Peer(
      config,
      speaker,
      this.clock,
      silentLog,
      (cfg, _timeout, done) => {
        let cancelled = false;
        this.net.schedule(() => {
          if (cancelled) return;
          const target = this.peers.get(`${cfg.address}>${local.address}`);
          if (!target || this.refuse.has(cfg.address)) return done(Object.assign(new Error(`connect ECONNREFUSED ${cfg.address}:179`), { code: 'ECONNREFUSED' }), null);
          const [mine, theirs] = this.net.pair(local.address, cfg.address);
          this.connections.push(mine, theirs);
          if (this.acceptBeforeConnect) {
            this.net.schedule(() => target.offerInbound(theirs));
            // The dialer hears of its connection two deliveries later; cancelled meanwhile, it closes it.
            this.net.schedule(() => this.net.schedule(() => (cancelled ? mine.destroy() : done(null, mine))));
            return;
          }
          done(null, mine);
          this.net.schedule(() => target.offerInbound(theirs));
        });
        return () => {
          cancelled = true;
        };
      },
      events,
    );
    this.peers.set(`${local.address}>${remote.address}`, p);
    return p;
  }

  run(ms: number, step = 100): void {
    for (let t = 0; t < ms; t += step) this.clock.advance(step);
  }
}
