// The update log never makes a session wait: a full queue drops and counts, a file that cannot be
// written is an error counted and reported, and what was written reads back with bgpdump,
// rotated by the period.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../helpers/fake-clock.js';
import { UpdateLog } from '../../../src/mrt/update-log.js';
import { announce, base } from '../../helpers/rib-fixtures.js';

const ends = { peerAs: 65002, localAs: 64512, peer: new Uint8Array([192, 0, 2, 2]), local: new Uint8Array([192, 0, 2, 1]) };
const update = () => {
  const u = announce(['203.0.113.0/24'], base([65002], 0xc0000202));
  return u.buf.subarray(u.start, u.end);
};

t.test('records, rotation by period, and bgpdump reading them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-upd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new FakeClock(Date.UTC(2026, 11, 1, 17, 59, 0));
  const problems: string[] = [];
  const log = new UpdateLog({ path: join(dir, 'updates.%Y%m%d.%H%M'), interval: 900, queueBytes: 1 << 20 }, clock, (m) => problems.push(m));
  log.stateChange(ends, 'OpenConfirm', 'Established');
  log.update(ends, update(), false);
  await log.close();
  const log2 = new UpdateLog({ path: join(dir, 'updates.%Y%m%d.%H%M'), interval: 900, queueBytes: 1 << 20 }, clock, (m) => problems.push(m));
  clock.advance(120_000);
  log2.update(ends, update(), false);
  await log2.close();
  t.same(readdirSync(dir).sort(), ['updates.20261201.1745', 'updates.20261201.1800'], 'a file per 15-minute period, named by its start');
  t.same(problems, []);
  if (spawnSync('bgpdump', ['-h']).error) return t.comment('bgpdump not installed: files not read back');
  const out = spawnSync('bgpdump', ['-m', join(dir, 'updates.20261201.1745')], { encoding: 'utf8' }).stdout.trim().split('\n');
  t.match(out[0], /^BGP4MP\|\d+\|STATE\|192\.0\.2\.2\|65002\|5\|6$/, 'the state change');
  t.match(out[1], /^BGP4MP\|\d+\|A\|192\.0\.2\.2\|65002\|203\.0\.113\.0\/24\|65002\|IGP\|192\.0\.2\.2\|/, 'the UPDATE');
});

t.test('a full queue drops and counts; an unwritable file is counted and reported, never thrown', async (t) => {
  const clock = new FakeClock(0);
  const problems: string[] = [];
  const log = new UpdateLog({ path: '/nonexistent-dir-for-wren/updates.%Y', interval: 900, queueBytes: 200 }, clock, (m) => problems.push(m));
  for (let i = 0; i < 50; i++) log.update(ends, update(), false);
  await log.close();
  t.ok(log.status.dropped >= 48, `dropped (${log.status.dropped})`);
  t.ok(log.status.errors >= 1, 'the write error counted');
  t.match(log.status.lastError, /nonexistent-dir-for-wren.*ENOENT/);
  t.ok(problems.some((p) => /queue full/.test(p)) && problems.some((p) => /records lost/.test(p)), 'both reported');
});
