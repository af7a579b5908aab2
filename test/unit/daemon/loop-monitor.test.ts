import t from 'tap';
import { BUSY_SHARE, FINE_MS, LoopMonitor, PROBE_MS, QUIET_MS, type DelayHistogram } from '../../../src/daemon/loop-monitor.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/**
 * Node's IntervalHistogram in miniature: what the 10 ms ticks recorded (ns), while enabled. As
 * Node's does (measured on Node 20), it keeps its last tick's time across disable(): enabled again
 * without a reset in between, its first interval is the whole time it was off.
 */
class FakeHistogram implements DelayHistogram {
  enabled = false;
  switches = 0;
  values: number[] = [];
  private offSince: number | null = null;
  constructor(private readonly now: () => number) {}
  enable(): boolean {
    if (this.enabled) return false;
    this.switches++;
    if (this.offSince !== null) this.values.push((this.now() - this.offSince) * 1e6);
    this.offSince = null;
    return (this.enabled = true);
  }
  disable(): boolean {
    if (!this.enabled) return false;
    this.switches++;
    this.enabled = false;
    this.offSince = this.now();
    return true;
  }
  reset(): void {
    this.values = [];
    this.offSince = null;
  }
  get max(): number {
    return this.values.length ? Math.max(...this.values) : 0;
  }
  get count(): number {
    return this.values.length;
  }
  percentile(p: number): number {
    const v = [...this.values].sort((a, b) => a - b);
    return v.length ? (v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] ?? 0) : 0;
  }
  /** A tick that ran `ms` after the one before (only counted while enabled). */
  tick(ms: number): void {
    if (this.enabled) this.values.push(ms * 1e6);
  }
}

function setup() {
  const clock = new FakeClock(1000);
  let active = 0;
  const h = new FakeHistogram(() => clock.monotonic());
  const m = new LoopMonitor(clock, () => active, h);
  return { clock, m, h, work: (ms: number) => void (active += ms) };
}

t.test('the histogram runs from the start, and its ticks read as lateness past the 10 ms resolution', async (t) => {
  const { clock, m, h } = setup();
  t.ok(h.enabled && m.sampling, 'sampling at start-up');
  h.tick(FINE_MS);
  h.tick(FINE_MS + 0.4);
  h.tick(FINE_MS + 37);
  clock.advance(100);
  const s = m.sample();
  t.equal(s.maxMs, 37, 'a tick 37 ms late');
  t.equal(m.worstMs, 37);
  t.equal(h.count, 0, 'the window is reset');
  t.same(m.sample(), { maxMs: 0, p99Ms: 0 }, 'nothing since');
  t.equal(m.worstMs, 37, 'the worst ever stays');
});

t.test('after QUIET_MS of idle loop the histogram is off; work switches it on again', async (t) => {
  const { clock, m, h, work } = setup();
  clock.advance(QUIET_MS);
  t.ok(m.sampling, 'not quiet long enough yet (the first probe starts the quiet spell)');
  clock.advance(2 * PROBE_MS);
  t.notOk(h.enabled || m.sampling, 'idle: the histogram is off');
  const armed = clock.armed;
  // A little work, below the busy share (keepalives, the memory guard), leaves it off.
  for (let i = 0; i < 20; i++) {
    work(PROBE_MS * BUSY_SHARE * 0.5);
    clock.advance(PROBE_MS);
  }
  t.notOk(h.enabled, 'light work leaves it off');
  t.equal(clock.armed, armed, 'one probe timer at a time');
  work(PROBE_MS * BUSY_SHARE * 2);
  clock.advance(PROBE_MS);
  t.ok(h.enabled && m.sampling, 'work: on again');
  // Work that goes on keeps it on; the quiet spell restarts after each busy probe.
  for (let i = 0; i < 20; i++) {
    work(PROBE_MS * BUSY_SHARE * 2);
    clock.advance(PROBE_MS);
  }
  t.ok(h.enabled, 'still on while the loop works');
  t.equal(h.switches, 3, 'on, off, on: no flapping');
});

t.test('switched on again after an idle spell, the histogram does not count the spell as a stall', async (t) => {
  const { clock, m, h, work } = setup();
  h.tick(FINE_MS + 30);
  clock.advance(QUIET_MS + 2 * PROBE_MS);
  t.notOk(h.enabled, 'off');
  clock.advance(10 * PROBE_MS);
  work(PROBE_MS * BUSY_SHARE * 2);
  clock.advance(PROBE_MS);
  t.ok(h.enabled, 'on again');
  h.tick(FINE_MS + 2);
  clock.advance(PROBE_MS);
  const s = m.sample();
  t.equal(s.maxMs, 30, 'the 30 ms tick from before the spell is kept; the 3 s spell is not a stall');
  t.equal(m.worstMs, 30);
});

t.test('a stall out of an idle spell is caught by the probe: at least its length less one probe period', async (t) => {
  const { clock, m, h, work } = setup();
  clock.advance(QUIET_MS + 2 * PROBE_MS);
  t.notOk(h.enabled);
  m.sample();
  clock.advance(PROBE_MS / 2);
  work(600);
  clock.block(600);
  clock.advance(0);
  const s = m.sample();
  t.ok(s.maxMs >= 600 - PROBE_MS && s.maxMs <= 600, `600 ms stall read as ${s.maxMs} ms`);
  t.equal(s.p99Ms, s.maxMs, 'with the histogram off, the probe is the whole window');
  t.ok(h.enabled, 'and the histogram is on again');
});

t.test('p99 from the histogram, never above the max', async (t) => {
  const { clock, m, h } = setup();
  for (let i = 0; i < 198; i++) h.tick(FINE_MS + 1);
  h.tick(FINE_MS + 40);
  h.tick(FINE_MS + 50);
  clock.advance(10);
  const s = m.sample();
  t.equal(s.maxMs, 50);
  t.equal(s.p99Ms, 1, 'two late ticks of 200 are past the 99th percentile');
});

t.test('stop() clears the probe and switches the histogram off', async (t) => {
  const { clock, m, h } = setup();
  const before = clock.armed;
  m.stop();
  t.equal(clock.armed, before - 1);
  t.notOk(h.enabled);
  clock.advance(10 * PROBE_MS);
  t.equal(clock.armed, before - 1, 'never armed again');
});
