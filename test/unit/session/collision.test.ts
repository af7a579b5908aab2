/** RFC 4271 §6.8 (and RFC 4724 §4.2) collision verdicts, as a table. */
import t from 'tap';
import { State } from '../../../src/session/fsm.js';
import { decideCollision, keepInbound, type CollisionFacts } from '../../../src/session/collision.js';

const LOW = 0xc0000201; // 192.0.2.1
const HIGH = 0xc0000209; // 192.0.2.9
const base: CollisionFacts = { state: State.OPEN_SENT, enabled: true, hasCurrent: true, currentInbound: false, candidateInbound: true, candidateRestart: false, localId: LOW, remoteId: HIGH };

t.test('the higher BGP Identifier keeps the connection it initiated (unsigned comparison)', async (t) => {
  t.equal(keepInbound(LOW, HIGH), true, 'remote higher: keep its (inbound) connection');
  t.equal(keepInbound(HIGH, LOW), false);
  t.equal(keepInbound(0x7fffffff, 0x80000000), true, '128.0.0.0 is higher than 127.255.255.255');
  t.equal(keepInbound(LOW, LOW), false, 'equal: not higher');
});

t.test('verdicts by state and direction', async (t) => {
  const rows: [string, Partial<CollisionFacts>, string][] = [
    ['OpenSent, remote higher, its inbound candidate vs our outbound', {}, 'switch'],
    ['OpenSent, we are higher: our connection stays', { localId: HIGH, remoteId: LOW }, 'keep-current'],
    ['OpenConfirm, remote higher', { state: State.OPEN_CONFIRM }, 'switch'],
    ['OpenConfirm, we are higher', { state: State.OPEN_CONFIRM, localId: HIGH, remoteId: LOW }, 'keep-current'],
    ['same direction (a second inbound): the newer one', { currentInbound: true }, 'switch'],
    ['Established: a late collision OPEN, the session stays', { state: State.ESTABLISHED }, 'keep-established'],
    ['Established with graceful restart: maybe the restarted peer', { state: State.ESTABLISHED, candidateRestart: true }, 'confirm-restart'],
    ['no connection of ours, Active: the candidate carries on', { hasCurrent: false, state: State.ACTIVE }, 'promote'],
    ['no connection yet, our dial under way and we are higher: wait for it', { hasCurrent: false, state: State.CONNECT, localId: HIGH, remoteId: LOW }, 'await-dial'],
    ['no connection yet, dial under way, remote higher: take its connection', { hasCurrent: false, state: State.CONNECT }, 'promote'],
    ['disabled meanwhile', { hasCurrent: false, enabled: false }, 'refuse'],
  ];
  for (const [what, facts, want] of rows) t.equal(decideCollision({ ...base, ...facts }), want, what);
});
