/**
 * The restart record: a restart (peers may keep our routes) is told from a cold start by the
 * previous run's file and its age; a torn, foreign or old file counts as a cold start.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEARTBEAT_MS, RestartStateFile, isRestart, parseRestartState } from '../../../src/daemon/restart-state.js';

t.test('parse: the neighbour list of a record; anything else is no record', async (t) => {
  t.same(parseRestartState('{"neighbors":["192.0.2.1","2001:db8::2"]}', 5), { savedAt: 5, neighbors: ['192.0.2.1', '2001:db8::2'] });
  t.same(parseRestartState('{"neighbors":["192.0.2.1",7,"x y",{"a":1}]}', 5)?.neighbors, ['192.0.2.1'], 'entries that are not addresses are dropped');
  t.equal(parseRestartState('{"neighbors":["192.0.2', 5), null, 'a torn file');
  t.equal(parseRestartState('[]', 5), null);
  t.equal(parseRestartState('null', 5), null);
  t.equal(parseRestartState('{"peers":[]}', 5), null);
});

t.test('a restart only while peers may still hold our routes (restart time plus a heartbeat)', async (t) => {
  const s = { savedAt: 1_000_000, neighbors: [] };
  t.notOk(isRestart(null, 1_000_000, 120), 'no record: cold start');
  t.ok(isRestart(s, 1_000_000 + 1000, 120), 'a second after the previous run');
  t.ok(isRestart(s, 1_000_000 + 120_000 + HEARTBEAT_MS, 120), 'at the edge');
  t.notOk(isRestart(s, 1_000_000 + 120_001 + HEARTBEAT_MS, 120), 'past it: peers have flushed our routes');
  t.notOk(isRestart(s, 1_000_000 - 3_600_000, 120), 'a record from the future (clock set back): not trusted');
});

t.test('the file: written on restart, read back, removed by a shutdown for good', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wren-rs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'wren.state');
  let now = ['192.0.2.2', '192.0.2.1', '192.0.2.2'];
  const errors: string[] = [];
  const f = new RestartStateFile(path, () => now, (what) => errors.push(what));
  t.equal(f.read(), null, 'nothing yet');
  f.stopForRestart();
  t.same(JSON.parse(readFileSync(path, 'utf8')), { neighbors: ['192.0.2.1', '192.0.2.2'] }, 'sorted, once each');
  const back = f.read();
  t.same(back?.neighbors, ['192.0.2.1', '192.0.2.2']);
  t.ok(back && Math.abs(back.savedAt - Date.now()) < 60_000, 'its time is the file time');
  utimesSync(path, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  t.notOk(isRestart(f.read(), Date.now(), 120), 'an hour-old record is a cold start');
  now = [];
  f.remove();
  t.notOk(existsSync(path), 'removed');
  writeFileSync(path, 'x'.repeat(100));
  t.equal(f.read(), null, 'garbage is no record');
  const bad = new RestartStateFile(join(dir, 'missing', 'wren.state'), () => ['192.0.2.1'], (what) => errors.push(what));
  bad.stopForRestart();
  t.same(errors, ['cannot write the restart state file'], 'a write that fails is reported, not thrown');
});
