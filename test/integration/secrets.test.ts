/**
 * Secrets audit: a TCP MD5 key (in a neighbour and in a peer template) never appears in wrend's
 * log lines, in any wrenc answer, in the BIRD-compatible socket's output, in the metrics, in a
 * reload plan, or in the error for an invalid config, whatever happens to the session (up, wrong
 * key, key changed by reload).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

const SECRET = 'Xq9-k8s-Zp4-md5';
const OTHER = 'Wv7-other-Ty2-md5';

t.test('MD5 keys never leave the config file', async (t) => {
  const lab = netnsLab(t, 'secret', ['bird', 'birdc', 'birdcl']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, b: nsB, c: nsC } = lab.hosts(sw, { w: ['192.0.2.1/24'], b: ['192.0.2.2/24'], c: ['192.0.2.3/24'] });
  new Bird(lab, nsB, { routerId: '192.0.2.2', asn: 63400, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, password: SECRET, holdTime: 6 }], announce: ['203.0.113.0/26'] });
  // C has another key: its session fails, with errors logged.
  new Bird(lab, nsC, { routerId: '192.0.2.3', asn: 63401, listen: [], peers: [{ address: '192.0.2.1', asn: 64512, password: SECRET, holdTime: 6 }] });
  const compat = lab.path('bird.ctl');
  const config = {
    routerId: '192.0.2.1', asn: 64512, listen: { address: ['192.0.2.1'], port: 179 },
    peerTemplates: { tor: { asn: 63400, password: SECRET, holdTime: 6, connectRetryTime: 1 } },
    neighbors: [{ address: '192.0.2.2', template: 'tor' }, { address: '192.0.2.3', asn: 63401, password: OTHER, holdTime: 6, connectRetryTime: 1 }],
    announce: ['198.51.100.0/26'],
    control: { birdCompat: compat },
    metrics: { listen: '192.0.2.1:9179' },
  };
  const w = new Wren(lab, nsW, config);
  t.teardown(() => w.stop());
  await waitFor('the MD5 session is up', () => w.state('192.0.2.2') === 'Established', 45_000);
  await sleep(3000);

  const outputs: string[] = [];
  const ask = (...args: string[]) => {
    const r = w.wrenc(...args);
    outputs.push(r.stdout, r.stderr);
  };
  for (const json of [[], ['--json']]) {
    ask(...json, 'show', 'status');
    ask(...json, 'show', 'neighbors');
    ask(...json, 'show', 'neighbors', 'detail');
    ask(...json, 'show', 'neighbors', '192.0.2.3', 'detail');
    ask(...json, 'node', 'status');
    ask(...json, 'show', 'route', 'all');
    ask(...json, 'show', 'memory');
  }
  // A reload plan with a changed key, and an invalid file that holds the key.
  const changed = lab.path('changed.json');
  writeFileSync(changed, JSON.stringify({ ...config, peerTemplates: { tor: { ...config.peerTemplates.tor, password: OTHER } } }));
  ask('configure', 'check', changed);
  const invalid = lab.path('invalid.json');
  writeFileSync(invalid, JSON.stringify({ ...config, neighbors: [{ address: '192.0.2.2', asn: 63400, password: `${SECRET}${'x'.repeat(80)}` }] }));
  ask('configure', 'check', invalid);
  const invalidType = lab.path('invalid-type.json');
  writeFileSync(invalidType, JSON.stringify({ ...config, neighbors: [{ address: '192.0.2.2', asn: 63400, password: [SECRET] }] }));
  ask('configure', invalidType);
  // And applied for real: the session resets with the new key (and fails: BIRD keeps the old one).
  writeFileSync(w.configFile, JSON.stringify({ ...config, peerTemplates: { tor: { ...config.peerTemplates.tor, password: OTHER } } }));
  ask('configure');
  await sleep(3000);
  for (const cmd of ['show protocols all', 'show status']) outputs.push(lab.exec(nsW, 'birdcl', ['-s', compat, cmd], { allowFail: true }));
  outputs.push(lab.exec(nsW, process.execPath, ['-e', "fetch('http://192.0.2.1:9179/metrics').then(async (r) => process.stdout.write(await r.text()))"]));

  t.ok(outputs.join('').length > 2000, 'there was output to check');
  t.ok(outputs.some((o) => /password changed/.test(o)), 'the reload plan says the key changed');
  t.ok(outputs.some((o) => /password: must NOT have more than 80 characters/.test(o)), 'the invalid key is reported');
  t.ok(outputs.some((o) => /password: must be a string/.test(o)), 'so is a key of the wrong type');
  t.ok(w.lines.length > 10, 'there were log lines to check');
  for (const s of [SECRET, OTHER]) {
    t.notOk(outputs.some((o) => o.includes(s)), `no answer carries ${s.slice(0, 3)}...`);
    t.notOk(w.lines.some((l) => JSON.stringify(l).includes(s)), `no log line carries ${s.slice(0, 3)}...`);
  }
});
