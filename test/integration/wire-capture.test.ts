/**
 * Decode a real session between two reference daemons: BIRD 2 and FRR bgpd peer in network
 * namespaces over IPv4 and IPv6, exchange routes, then BIRD shuts the sessions down. tcpdump
 * captures it all; wren's codec must decode every captured message without an error.
 */
import t from 'tap';
import { netnsLab, sleep, waitFor } from '../helpers/netns.js';
import { Bird, Frr } from '../helpers/daemons.js';
import { readTcpStreams } from '../helpers/pcap.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { decodeBody } from '../../src/wire/message.js';
import { makeContext, OPEN_CONTEXT } from '../../src/wire/context.js';
import { openAsn } from '../../src/wire/open.js';

t.test('every message of a captured BIRD <-> FRR session decodes', async (t) => {
  const lab = netnsLab(t, 'cap', ['bird', 'birdc', '/usr/lib/frr/bgpd', 'vtysh', 'tcpdump']);
  if (!lab) return;
  const a = lab.ns('bird');
  const b = lab.ns('frr');
  const { ifA } = lab.link(a, ['192.0.2.1/24', '2001:db8::1/64'], b, ['192.0.2.2/24', '2001:db8::2/64']);
  const pcap = lab.path('session.pcap');
  const dump = lab.spawn(a, 'tcpdump', ['-i', ifA, '-U', '-s', '0', '-w', pcap, 'tcp port 179']);
  await sleep(500);
  new Frr(lab, b, {
    routerId: '192.0.2.2', asn: 63400, listen: ['192.0.2.2', '2001:db8::2'],
    peers: [{ address: '192.0.2.1', asn: 64512, holdTime: 9 }, { address: '2001:db8::1', asn: 64512, holdTime: 9 }],
    announce: ['203.0.113.0/24', '203.0.113.128/25', '2001:db8:ff::/48'],
  });
  const bird = new Bird(lab, a, {
    routerId: '192.0.2.1', asn: 64512, listen: [],
    peers: [{ address: '192.0.2.2', asn: 63400, holdTime: 9 }, { address: '2001:db8::2', asn: 63400, holdTime: 9 }],
    announce: ['198.51.100.0/24', '198.51.100.64/26', '2001:db8:1::/48', '2001:db8:2::/48'],
  });
  await waitFor('both sessions established', () => bird.established('192.0.2.2') && bird.established('2001:db8::2'), 60_000);
  await waitFor('routes from FRR', () => bird.received('192.0.2.2', 'ipv4').length >= 2, 30_000);
  await sleep(4000); // a few keepalives
  bird.birdc('disable peer_192_0_2_2');
  bird.birdc('disable peer_2001_db8__2');
  await sleep(1500);
  dump.kill('SIGINT');
  await new Promise((r) => dump.once('exit', r));

  const streams = readTcpStreams(pcap);
  t.ok(streams.length >= 4, `${streams.length} TCP directions captured`);
  const counts: Record<string, number> = {};
  let failures = 0;
  for (const s of streams) {
    let ctx = OPEN_CONTEXT;
    const framer = new MessageFramer(ctx);
    framer.push(s.bytes);
    for (let f = framer.next(); f; f = framer.next()) {
      const r = decodeBody(f.buf, f.offset, f.length, f.type, ctx);
      if (!r.ok) {
        failures++;
        t.fail(`${s.key}: ${r.error.code} ${r.error.message}`);
        continue;
      }
      const m = r.value;
      counts[m.type] = (counts[m.type] ?? 0) + 1;
      if (m.type === 'update') {
        if (m.update.error || m.update.discarded.length > 0) t.fail(`${s.key}: RFC 7606 error in a real UPDATE`);
      }
      if (m.type === 'open') {
        // Both daemons announce 4-octet ASNs: decode the rest of this direction with it.
        ctx = makeContext({ asn4: m.open.capabilities.some((c) => c.kind === 'four-octet-as'), ebgp: openAsn(m.open) !== 64512 });
        framer.setContext(ctx);
      }
    }
    t.equal(framer.buffered, 0, `${s.key}: no trailing bytes`);
  }
  t.equal(failures, 0, 'no message failed to decode');
  t.ok((counts.open ?? 0) >= 4, `OPENs: ${counts.open}`);
  t.ok((counts.update ?? 0) >= 4, `UPDATEs: ${counts.update}`);
  t.ok((counts.keepalive ?? 0) >= 4, `KEEPALIVEs: ${counts.keepalive}`);
  t.ok((counts.notification ?? 0) >= 2, `NOTIFICATIONs: ${counts.notification}`);
});
