/** The memory guard (issue 16.2): over budget, the session that grew most is stopped, one at a time. */
import t from 'tap';
import { MemoryGuard, defaultMemoryLimit, type GuardedSession, type MemoryReading } from '../../../src/daemon/memory-guard.js';

const MB = 1048576;

function lab() {
  const reading: MemoryReading = { rss: 100 * MB, live: 60 * MB, heapUsed: 50 * MB, heapLimit: 1000 * MB };
  const stopped: string[] = [];
  const sessions = new Map<string, number>([['192.0.2.2', 1000], ['192.0.2.3', 5000], ['192.0.2.4', 10]]);
  const list = (): GuardedSession[] => [...sessions].map(([name, held]) => ({ name, held, stop: () => void stopped.push(name) }));
  const reports: { session: string; why: string }[] = [];
  const guard = new MemoryGuard({ limitBytes: 500 * MB, heapShare: 0.75, coolDownChecks: 2 }, () => reading, list, (w) => reports.push(w));
  return { reading, stopped, sessions, guard, reports };
}

t.test('under budget nothing happens; over it, the session that grew most since the last check goes', async (t) => {
  const { reading, stopped, sessions, guard, reports } = lab();
  t.equal(guard.check(), null);
  sessions.set('192.0.2.2', 400_000); // grows by 399,000
  sessions.set('192.0.2.3', 6000); // holds little more
  t.equal(guard.check(), null, 'growth alone is no reason');
  sessions.set('192.0.2.2', 800_000);
  reading.rss = 600 * MB;
  reading.live = 450 * MB;
  t.equal(guard.check(), '192.0.2.2', 'over budget: the one that grew most');
  t.same(stopped, ['192.0.2.2']);
  t.match(reports[0]?.why, /resident memory 600 MB over the budget of 500 MB/);
  t.equal(guard.stopped, 1);
  t.equal(guard.check(), null, 'cool-down: the freed memory gets time to show');
  t.equal(guard.check(), null);
  sessions.delete('192.0.2.2');
  t.equal(guard.check(), null, 'still over after the cool-down, but nothing grew: nobody is stopped');
  sessions.set('192.0.2.4', 50_000);
  t.equal(guard.check(), '192.0.2.4', 'the next one that grows while over budget goes');
  t.same(stopped, ['192.0.2.2', '192.0.2.4'], 'the session that never grew (the canary) was never stopped');
});

t.test('resident memory V8 keeps after freeing is not counted while little is in use', async (t) => {
  const { reading, sessions, guard } = lab();
  guard.check();
  sessions.set('192.0.2.2', 100_000);
  reading.rss = 600 * MB;
  reading.live = 100 * MB;
  t.equal(guard.check(), null, 'RSS over the budget, live memory a fifth of it: not over');
  sessions.set('192.0.2.2', 200_000);
  reading.live = 300 * MB;
  t.equal(guard.check(), '192.0.2.2', 'live memory over half the budget: over');
});

t.test('the heap limit counts as well as resident memory', async (t) => {
  const { reading, stopped, sessions, guard, reports } = lab();
  guard.check();
  sessions.set('192.0.2.3', 9000);
  reading.heapUsed = 800 * MB;
  t.equal(guard.check(), '192.0.2.3');
  t.same(stopped, ['192.0.2.3']);
  t.match(reports[0]?.why, /heap 800 MB over 75% of V8's limit of 1000 MB/);
});

t.test('sessions holding nothing are never picked', async (t) => {
  const reading: MemoryReading = { rss: 900 * MB, live: 900 * MB, heapUsed: 0, heapLimit: 1000 * MB };
  const guard = new MemoryGuard({ limitBytes: 500 * MB, heapShare: 0.75, coolDownChecks: 0 }, () => reading, () => [{ name: 'a', held: 0, stop: () => t.fail('stopped an empty session') }], () => undefined);
  t.equal(guard.check(), null);
});

t.test('the default budget is 80% of the memory the process may use', async (t) => {
  const d = defaultMemoryLimit();
  t.ok(d > 64 * MB && d <= (await import('node:os')).totalmem() * 0.8 + 1);
});
