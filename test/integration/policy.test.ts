/**
 * Calico's BIRD filter behaviours, as the wren policy in config/calico-policy.yaml, end to end: a
 * wren node between a BIRD mesh peer and a BIRD top-of-rack router, with kernel routes written the
 * way Felix writes them. What the ToR learns, with what attributes, what wren installs, and what
 * explain says.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { netnsLab, waitFor } from '../helpers/netns.js';
import { Bird } from '../helpers/daemons.js';
import { Wren } from '../helpers/wren.js';

t.test('config/calico-policy.yaml against BIRD: pool blocks only, tagged and prepended; local pref and metric from the ToR', async (t) => {
  const lab = netnsLab(t, 'policy', ['bird', 'birdc']);
  if (!lab) return;
  const sw = lab.switch('sw');
  const { w: nsW, m: nsM, tor: nsT } = lab.hosts(sw, { w: ['192.0.2.1/24'], m: ['192.0.2.2/24'], tor: ['192.0.2.254/24'] });
  // The mesh peer has a block of its own and a route outside the pool.
  new Bird(lab, nsM, { routerId: '192.0.2.2', asn: 64512, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: ['198.51.100.64/26', '203.0.113.0/25'] });
  const tor = new Bird(lab, nsT, { routerId: '192.0.2.254', asn: 63400, listen: [], peers: [{ address: '192.0.2.1', asn: 64512 }], announce: ['203.0.113.128/25'] });
  // Felix: a blackhole for a local block, a workload route on its cali interface, a stray /32.
  lab.exec(nsW, 'ip', ['link', 'add', 'cali1a2b3c', 'type', 'veth', 'peer', 'name', 'cali1a2b3cp']);
  lab.exec(nsW, 'ip', ['link', 'set', 'cali1a2b3c', 'up']);
  lab.exec(nsW, 'ip', ['route', 'add', 'blackhole', '198.51.100.192/26', 'proto', 'static']);
  lab.exec(nsW, 'ip', ['route', 'add', '198.51.100.193/32', 'dev', 'cali1a2b3c', 'proto', 'static', 'scope', 'link']);
  lab.exec(nsW, 'ip', ['route', 'add', '198.51.100.200/32', 'via', '192.0.2.2', 'proto', 'static']);

  const config = parse(readFileSync('config/calico-policy.yaml', 'utf8')) as Record<string, unknown>;
  const w = new Wren(lab, nsW, { ...config, fib: { ...(config.fib as object), convergenceTimeout: 5 } });
  t.teardown(() => w.stop());
  await waitFor('the ToR is up', () => tor.established('192.0.2.1'), 45_000);
  const torRoutes = () => tor.received('192.0.2.1', 'ipv4').sort();
  await waitFor('the ToR has the three blocks', () => torRoutes().length >= 3, 30_000);
  // Give anything that should not come a moment to show up.
  await new Promise((r) => setTimeout(r, 1500));
  t.same(torRoutes(), ['198.51.100.0/26', '198.51.100.192/26', '198.51.100.64/26'], 'announced, learned-from-kernel and mesh blocks; no /32, nothing outside the pool');

  const detail = tor.birdc('show route 198.51.100.192/26 all');
  t.match(detail, /BGP\.as_path: 64512 64512 64512/, 'prepended twice behind our own ASN');
  t.match(detail, /BGP\.community: \(64512,100\)/, 'community tag');
  t.match(detail, /BGP\.large_community: \(64512, 1, 26\)/, 'large community tag');

  // From the ToR: local preference 90, and the kernel metric follows it (2^31-1 - 90).
  await waitFor('the ToR route in the RIB', () => w.wrenc('show', 'route', '203.0.113.128/25').stdout.includes('192.0.2.254'), 20_000);
  const [row] = JSON.parse(w.wrenc('--json', 'show', 'route', '203.0.113.128/25').stdout) as { localPref: number }[];
  t.equal(row?.localPref, 90);
  const kernel = await waitFor('installed with the Calico metric', () => {
    const out = lab.exec(nsW, 'ip', ['route', 'show', '203.0.113.128/25']);
    return out.includes('metric') ? out : null;
  }, 20_000);
  t.match(kernel, /via 192\.0\.2\.254 .*proto 210 .*metric 2147483557/);
  t.match(lab.exec(nsW, 'ip', ['route', 'show', '198.51.100.64/26']), /metric 2147483547/, 'mesh route: local pref 100');

  // The workload's interface route was never learned; the blackhole was.
  t.same(JSON.parse(w.wrenc('--json', 'show', 'route', '198.51.100.193/32').stdout), []);
  t.match(JSON.parse(w.wrenc('--json', 'show', 'route', '198.51.100.192/26').stdout), [{ source: 'kernel' }]);

  // explain: which term accepted, changed or rejected the route on the way in and out.
  const ex = w.wrenc('show', 'route', '203.0.113.128/25', 'explain').stdout;
  t.match(ex, /import policy: tor-import\/prefer-less: accept/);
  const ex2 = w.wrenc('show', 'route', '198.51.100.200/32', 'explain').stdout;
  t.match(ex2, /export to 192\.0\.2\.254: tor-export\/hide-host-routes: reject/);
  const ex3 = w.wrenc('show', 'route', '203.0.113.0/25', 'explain').stdout;
  t.match(ex3, /export to 192\.0\.2\.254: default: reject/);
  t.notOk(w.lines.some((l) => l.level >= 50), 'wren logged no error');
});
