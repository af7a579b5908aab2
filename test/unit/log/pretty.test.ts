import t from 'tap';
import { prettyLine } from '../../../src/log/logger.js';

t.test('log records become one readable line on a terminal', async (t) => {
  const rec = JSON.stringify({ level: 40, time: '2026-11-26T15:56:17.701Z', name: 'wrend', peer: '192.0.2.2', notification: 'Cease/Administrative Shutdown: bye now', code: 6, msg: 'received NOTIFICATION' });
  t.equal(prettyLine(rec, false), '15:56:17.701 WARN  [192.0.2.2] received NOTIFICATION  notification="Cease/Administrative Shutdown: bye now" code=6\n');
  t.equal(prettyLine(rec, true).slice(13, 23), '\x1b[33mWARN ', 'coloured level on a colour terminal');
  t.equal(prettyLine('not json', false), 'not json', 'anything else passes through');
});
