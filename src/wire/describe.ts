/**
 * Messages as plain JSON for people, fixtures and the control socket: addresses and prefixes as
 * strings. An edge function: it allocates per prefix, so it never runs on the hot path.
 */
import { ipv4ToString } from './address.js';
import { addressToString } from './address.js';
import { communityToString, extendedCommunityToString } from './attributes/communities.js';
import { listPrefixes, prefixToString, type NlriBlock } from './nlri.js';
import { shutdownMessage } from './notification.js';
import type { Capability } from './capabilities.js';
import type { Message } from './message.js';
import type { PathAttribute } from './attributes/types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function prefixes(block: NlriBlock | null): Json[] {
  if (!block) return [];
  return listPrefixes(block).map((p) => (p.pathId === undefined ? prefixToString(p) : `${prefixToString(p)} id ${p.pathId}`));
}

function nextHopText(b: Buffer): string {
  if (b.length === 32) return `${addressToString(b.subarray(0, 16))} ${addressToString(b.subarray(16))}`;
  if (b.length === 4 || b.length === 16) return addressToString(b);
  return b.toString('hex');
}

export function describeCapability(c: Capability): Json {
  switch (c.kind) {
    case 'unknown':
      return { kind: c.kind, code: c.code, value: c.value.toString('hex') };
    default:
      return JSON.parse(JSON.stringify(c)) as Json;
  }
}

export function describeAttribute(a: PathAttribute): Json {
  const base = { type: a.type, flags: a.flags };
  switch (a.kind) {
    case 'origin':
      return { ...base, kind: a.kind, origin: ['igp', 'egp', 'incomplete'][a.origin] ?? a.origin };
    case 'as-path':
    case 'as4-path':
      return { ...base, kind: a.kind, segments: a.segments.map((s) => ({ type: s.type, asns: s.asns })) };
    case 'next-hop':
      return { ...base, kind: a.kind, nextHop: ipv4ToString(a.nextHop) };
    case 'med':
      return { ...base, kind: a.kind, med: a.med };
    case 'local-pref':
      return { ...base, kind: a.kind, localPref: a.localPref };
    case 'atomic-aggregate':
      return { ...base, kind: a.kind };
    case 'aggregator':
    case 'as4-aggregator':
      return { ...base, kind: a.kind, asn: a.asn, address: ipv4ToString(a.address) };
    case 'communities':
      return { ...base, kind: a.kind, communities: a.communities.map(communityToString) };
    case 'originator-id':
      return { ...base, kind: a.kind, originatorId: ipv4ToString(a.originatorId) };
    case 'cluster-list':
      return { ...base, kind: a.kind, clusterList: a.clusterList.map(ipv4ToString) };
    case 'mp-reach':
      return {
        ...base,
        kind: a.kind,
        afi: a.afi,
        safi: a.safi,
        nextHop: nextHopText(a.nextHop),
        nlri: a.nlri ? prefixes(a.nlri) : (a.rest?.toString('hex') ?? ''),
      };
    case 'mp-unreach':
      return { ...base, kind: a.kind, afi: a.afi, safi: a.safi, withdrawn: a.withdrawn ? prefixes(a.withdrawn) : (a.rest?.toString('hex') ?? '') };
    case 'extended-communities': {
      const out: Json[] = [];
      for (let i = 0; i < a.communities.length; i += 8) out.push(extendedCommunityToString(a.communities, i));
      return { ...base, kind: a.kind, communities: out };
    }
    case 'large-communities': {
      const out: Json[] = [];
      for (let i = 0; i + 2 < a.communities.length; i += 3) out.push(`${a.communities[i]}:${a.communities[i + 1]}:${a.communities[i + 2]}`);
      return { ...base, kind: a.kind, communities: out };
    }
    case 'unknown':
      return { ...base, kind: a.kind, value: a.value.toString('hex') };
  }
}

export function describeMessage(m: Message): Json {
  switch (m.type) {
    case 'open':
      return {
        type: 'open',
        version: m.open.version,
        myAs: m.open.myAs,
        holdTime: m.open.holdTime,
        bgpId: ipv4ToString(m.open.bgpId),
        capabilities: m.open.capabilities.map(describeCapability),
        ...(m.open.extendedParams ? { extendedParams: true } : {}),
      };
    case 'update': {
      const u = m.update;
      const out: { [key: string]: Json } = {
        type: 'update',
        withdrawn: prefixes(u.withdrawn),
        attributes: (u.attributes ?? []).map(describeAttribute),
        nlri: prefixes(u.nlri),
      };
      if (u.endOfRib >= 0) out.endOfRib = ['ipv4', 'ipv6'][u.endOfRib] ?? null;
      return out;
    }
    case 'notification': {
      const n = m.notification;
      const msg = shutdownMessage(n);
      return { type: 'notification', code: n.code, subcode: n.subcode, data: n.data.toString('hex'), ...(msg !== null ? { shutdownMessage: msg } : {}) };
    }
    case 'keepalive':
      return { type: 'keepalive' };
    case 'route-refresh':
      return { type: 'route-refresh', afi: m.routeRefresh.afi, subtype: m.routeRefresh.subtype, safi: m.routeRefresh.safi };
  }
}
