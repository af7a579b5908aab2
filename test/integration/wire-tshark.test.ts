/**
 * Cross-check with an implementation nobody here wrote: every valid vector, wrapped into a pcap as
 * a TCP stream to port 179, is dissected by Wireshark's BGP dissector (tshark), and the fields it
 * reads must equal what wren's codec decodes.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage } from '../../src/wire/message.js';
import { ipv4ToString } from '../../src/wire/address.js';
import { listPrefixes, prefixToString, type NlriBlock } from '../../src/wire/nlri.js';
import { shutdownMessage } from '../../src/wire/notification.js';
import { FIXTURES, loadFixtures } from '../helpers/wire-fixtures.js';
import { dissect, writePcap, type Fields } from '../helpers/tshark.js';
import { requireTools } from '../helpers/tools.js';
import type { Message } from '../../src/wire/message.js';

/** Vectors Debian's tshark (4.0) cannot dissect, and why. */
const TSHARK_LIMITS: Record<string, string> = {
  'open-extended-optional-parameters': 'tshark 4.0 predates RFC 9072 extended optional parameters',
  'update-extended-message': 'without the OPEN exchange tshark rejects messages over 4096 bytes (RFC 8654)',
};

const CAP_CODES: Record<string, number> = {
  multiprotocol: 1, 'route-refresh': 2, 'extended-next-hop': 5, 'extended-message': 6, 'graceful-restart': 64, 'long-lived-graceful-restart': 71,
  'four-octet-as': 65, 'add-path': 69, 'enhanced-route-refresh': 70, fqdn: 73,
};

function prefixList(block: NlriBlock | null | undefined): string[] {
  if (!block) return [];
  return listPrefixes(block).map((p) => (p.pathId === undefined ? prefixToString(p) : `${prefixToString(p)} PathId ${p.pathId}`));
}

/** The fields wren decodes, named as tshark names them. */
function expected(m: Message): { fields: Record<string, string[]>; prefixes: string[] } {
  const f: Record<string, string[]> = {};
  let prefixes: string[] = [];
  switch (m.type) {
    case 'open':
      f['bgp.open.myas'] = [String(m.open.myAs)];
      f['bgp.open.holdtime'] = [String(m.open.holdTime)];
      f['bgp.open.identifier'] = [ipv4ToString(m.open.bgpId)];
      f['bgp.cap.type'] = m.open.capabilities.map((c) => String(c.kind === 'unknown' ? c.code : CAP_CODES[c.kind]));
      break;
    case 'update': {
      const u = m.update;
      const attrs = u.attributes ?? [];
      f['bgp.update.path_attribute.type_code'] = attrs.map((a) => String(a.type));
      const asns: string[] = [];
      for (const a of attrs) {
        if (a.kind === 'as-path' || a.kind === 'as4-path') for (const s of a.segments) for (const x of s.asns) asns.push(String(x));
        if (a.kind === 'next-hop') f['bgp.update.path_attribute.next_hop'] = [ipv4ToString(a.nextHop)];
        if (a.kind === 'local-pref') f['bgp.update.path_attribute.local_pref'] = [String(a.localPref)];
        if (a.kind === 'med') f['bgp.update.path_attribute.multi_exit_disc'] = [String(a.med)];
        if (a.kind === 'originator-id') f['bgp.update.path_attribute.originator_id'] = [ipv4ToString(a.originatorId)];
        if (a.kind === 'large-communities') f['bgp.large_communities.ga'] = a.communities.filter((_, i) => i % 3 === 0).map(String);
      }
      prefixes = [...prefixList(u.withdrawn), ...prefixList(u.nlri)];
      for (const a of attrs) {
        if (a.kind === 'mp-reach') prefixes.push(...prefixList(a.nlri));
        if (a.kind === 'mp-unreach') prefixes.push(...prefixList(a.withdrawn));
      }
      f.asns = asns;
      break;
    }
    case 'notification': {
      f['bgp.notify.major_error'] = [String(m.notification.code)];
      const msg = shutdownMessage(m.notification);
      if (msg !== null) f['bgp.notify.communication'] = [msg];
      break;
    }
    case 'route-refresh':
      f['bgp.route_refresh.afi'] = [String(m.routeRefresh.afi)];
      f['bgp.route_refresh.subtype'] = [String(m.routeRefresh.subtype)];
      break;
    case 'keepalive':
      break;
  }
  return { fields: f, prefixes };
}

function tsharkValue(fields: Fields, key: string): string[] {
  if (key === 'asns') {
    // tshark names each ASN as2 or as4; in document order either way.
    const out: string[] = [];
    for (const [k, v] of fields) if (k === 'bgp.update.path_attribute.as_path_segment.as2' || k === 'bgp.update.path_attribute.as_path_segment.as4') out.push(...v);
    return out;
  }
  return fields.get(key) ?? [];
}

t.test('tshark dissects every vector as wren decodes it', async (t) => {
  if (!requireTools(t, ['tshark', 'text2pcap'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'wren-tshark-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fixtures = loadFixtures(FIXTURES);
  writePcap(fixtures.map((f) => f.bytes), join(dir, 'v.txt'), join(dir, 'v.pcap'));
  const dissected = dissect(join(dir, 'v.pcap'));
  t.equal(dissected.length, fixtures.length, 'one dissected message per vector');
  fixtures.forEach((f, i) => {
    const d = dissected[i];
    if (!d) return;
    const r = decodeMessage(f.bytes, 0, f.context);
    if (!r.ok) {
      t.fail(`${f.name}: wren failed to decode`);
      return;
    }
    const malformed = [...d.fields.keys()].some((k) => k.startsWith('_ws.malformed') || k.endsWith('.bad') || k.endsWith('.invalid'));
    if (TSHARK_LIMITS[f.name]) {
      t.ok(malformed, `${f.name}: known tshark limit still applies (${TSHARK_LIMITS[f.name]})`);
      return;
    }
    t.notOk(malformed, `${f.name}: tshark finds nothing malformed`);
    t.equal(d.fields.get('bgp.length')?.[0], String(f.bytes.length), `${f.name}: length`);
    const exp = expected(r.value);
    for (const [key, want] of Object.entries(exp.fields)) {
      const got = tsharkValue(d.fields, key);
      t.same(got, want, `${f.name}: ${key}`);
    }
    if (r.value.type === 'update') t.same([...d.prefixes].sort(), [...exp.prefixes].sort(), `${f.name}: prefixes`);
  });
});
