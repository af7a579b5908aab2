/**
 * Runs inside the benchmark namespace against a route reflector: prints one JSON line.
 *   MODE=rr     one injector announces N prefixes; time until each of M clients holds all N
 *   MODE=churn  the same, then the injector withdraws everything (time until every client has seen
 *               all N withdrawn), then announces all N again with other attributes (time until
 *               every client has the new ones)
 *   MODE=calico M clients each announce one /26; time until every client holds M-1 of them
 *   MODE=burst  the same, but the M clients connect all at once (STEP connections every 10 ms, each
 *               sending its OPEN at once and never reconnecting), as when a cluster reboots:
 *               time until all are Established, then until every client holds M-1 blocks
 *   MODE=restart  burst, then the device restarts (the driver prints {"restart":true} and the
 *               harness restarts it): the clients (graceful restart, as BIRD and wren clients)
 *               reconnect RETRY_MS after their session went and every RETRY_MS while refused;
 *               time from the first session lost until every client is back and holds M-1 again
 *   MODE=idle    nobody connects for IDLE_MS (3000): the device's peak RSS idle, config loaded.
 *   MODE=internet  PEERS injectors (clients 1..PEERS) send an Internet-like table of N routes and
 *               about SETS attribute sets (bench/lib/internet-table.ts, seed SEED); time until
 *               client 0 holds every prefix. With one peer, then churn: a tenth of the prefixes
 *               withdrawn and another tenth re-announced with changed paths, time until seen
 * FAMILY=ipv6 uses IPv6 sessions, /56s in MODE=rr (2001:db8::/32 has only 65536 /48s), and in
 *               MODE=internet the IPv6 table of internet-table.ts (a real mix, 16 bits longer).
 * CAP_MS bounds every phase ("doneMs": null past it).
 */
import { Family } from '../src/wire/constants.js';
import { parseAddress } from '../src/wire/address.js';
import { BenchSpeaker } from './lib/speaker.js';
import { clientAddress, injectorAddress } from './lib/bench-netns.js';
import { encodeUpdates, internetTable } from './lib/internet-table.js';

const N = Number(process.env.N ?? 100_000);
const M = Number(process.env.M ?? 1);
const MODE = process.env.MODE ?? 'rr';
const V6 = process.env.FAMILY === 'ipv6';
const DUT = process.env.DUT ?? (V6 ? '2001:db8::1' : '198.18.0.1');
const CAP_MS = Number(process.env.CAP_MS ?? 120_000);
const family = V6 ? Family.IPV6_UNICAST : Family.IPV4_UNICAST;
const BASE = V6 ? 0 : 0xf0000000; // 240.0.0.0/4: prefixes that are only data

/** Client i (or the injector, i = -1) as a BGP speaker with a router id of its own. */
function speaker(i: number, track = false): BenchSpeaker {
  const addr = i < 0 ? injectorAddress(V6) : clientAddress(i, V6);
  const routerId = i < 0 ? '198.19.255.254' : `198.19.${i >> 8}.${i & 255}`;
  return new BenchSpeaker({ host: DUT, port: 179, localAddress: addr, asn: 64512, routerId, holdTime: 240, gracefulRestart: MODE === 'restart', track });
}

/** MODE=internet: see the header. */
async function internet(out: Record<string, unknown>): Promise<void> {
  const peers = Number(process.env.PEERS ?? 1);
  // The next hop is thirdPartyNextHop(0), a benchmark address that is none of the speakers'.
  const nextHop6 = V6 ? (parseAddress(thirdPartyNextHop(0)) as Buffer) : undefined;
  const spec = { routes: N, sets: Number(process.env.SETS ?? Math.round(N / 5)), peers, seed: Number(process.env.SEED ?? 1), nextHop: 0xc612000a, nextHop6 };
  const table = internetTable(spec);
  out.prefixes = table.prefixes;
  out.attributeSets = table.attributeSets;
  out.peers = peers;
  const rx = speaker(0, true);
  const injectors = Array.from({ length: peers }, (_, i) => speaker(1 + i));
  if (!(await connectAll([rx, ...injectors]))) giveUp(out, [rx, ...injectors]);
  await sleep(500);
  const done = until([rx], () => rx.table.size >= table.prefixes);
  await Promise.all(injectors.map((c, i) => c.sendAll(table.feeds[i]?.updates ?? [], family)));
  const ms = await done;
  out.announceMs = ms === null ? null : Math.round(ms);
  out.doneMs = out.announceMs;
  out.held = rx.table.size;
  if (peers === 1 && ms !== null) {
    // Churn: every tenth UPDATE's prefixes withdrawn, the ones five further re-announced changed.
    const feed = table.feeds[0] as { updates: Buffer[]; prefixes: number[][] };
    const changed = internetTable(spec, 1).feeds[0] as { updates: Buffer[] };
    const gone: number[] = [];
    const again: Buffer[] = [];
    let reannounced = 0;
    for (let k = 0; k + 5 < feed.updates.length; k += 10) {
      gone.push(...(feed.prefixes[k] as number[]));
      again.push(changed.updates[k + 5] as Buffer);
      reannounced += (feed.prefixes[k + 5] as number[]).length;
    }
    const withdrawals = encodeUpdates(null, gone, nextHop6 ?? null).updates;
    rx.resetCounts();
    const settled = until([rx], () => rx.withdrawn >= gone.length && rx.received >= reannounced);
    const inj = injectors[0] as BenchSpeaker;
    await inj.sendAll(withdrawals, null);
    await inj.sendAll(again, null);
    const c = await settled;
    out.churnMs = c === null ? null : Math.round(c);
    out.churnRoutes = gone.length + reannounced;
    out.doneMs = c === null ? null : Math.round(ms + c);
    out.heldAfterChurn = rx.table.size;
  }
  for (const c of [rx, ...injectors]) c.close();
}

const RETRY_MS = Number(process.env.RETRY_MS ?? 2000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Client i's own /26 (or /56). */
function announceOwn(c: BenchSpeaker, i: number): Promise<void> {
  return c.announce({ family, base: V6 ? i : (BASE + i * 64) >>> 0, n: 1, perUpdate: 1, sets: 1, nextHop: thirdPartyNextHop(i), length: V6 ? 56 : 26 });
}

/** Connect again every RETRY_MS until it works (or `stopAt`), then announce the client's block again. */
async function reconnect(c: BenchSpeaker, i: number, stopAt: number): Promise<void> {
  while (performance.now() < stopAt) {
    await sleep(RETRY_MS);
    try {
      await c.connect();
      await announceOwn(c, i);
      return;
    } catch {
      // refused (the device is not listening yet) or closed: try again
    }
  }
}

/** Clients connecting all at once (STEP every 10 ms); resolves with how many failed, or null past the cap. */
async function burst(clients: BenchSpeaker[], out: Record<string, unknown>): Promise<void> {
  const step = Number(process.env.STEP ?? 50);
  const tc = performance.now();
  const ups: Promise<boolean>[] = [];
  for (let i = 0; i < M; i += step) {
    for (const c of clients.slice(i, i + step)) ups.push(c.connect().then(() => true, () => false));
    await sleep(10);
  }
  out.openedMs = Math.round(performance.now() - tc);
  const capped = await Promise.race([Promise.all(ups), new Promise<null>((r) => setTimeout(() => r(null), CAP_MS).unref())]);
  out.established = clients.filter((c) => c.established).length;
  out.failed = capped ? capped.filter((ok) => !ok).length : null;
  if (out.established !== M) giveUp(out, clients);
  out.connectMs = Math.round(performance.now() - tc);
  const done = until(clients, () => clients.every((c) => c.received >= M - 1));
  await Promise.all(clients.map((c, i) => announceOwn(c, i)));
  const ms = await done;
  out.convergeMs = ms === null ? null : Math.round(ms);
  out.doneMs = ms === null ? null : Math.round((out.connectMs as number) + ms);
}

/**
 * Next hops on the shared subnet but not addresses of the namespace: every daemon runs in the same
 * namespace as its peers here, and FRR refuses routes whose next hop is one of its own addresses.
 */
function thirdPartyNextHop(i: number): string {
  return V6 ? `2001:db8::f:${(i % 200) + 1}` : `198.18.0.${10 + (i % 200)}`;
}

/** Resolve when `done()` holds (checked on every client's progress), or after CAP_MS. */
function until(clients: BenchSpeaker[], done: () => boolean): Promise<number | null> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const check = () => {
      if (done()) {
        for (const c of clients) c.onProgress = () => undefined;
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    };
    const timer = setTimeout(() => resolve(null), CAP_MS);
    for (const c of clients) c.onProgress = check;
    check();
  });
}

/** Bring every session up (a few hundred at a time: a burst, not a SYN flood); false past CAP_MS. */
async function connectAll(list: BenchSpeaker[]): Promise<boolean> {
  const deadline = performance.now() + CAP_MS;
  for (let i = 0; i < list.length; i += 200) {
    const left = deadline - performance.now();
    const batch = Promise.all(list.slice(i, i + 200).map((c) => c.connect())).then(() => true, () => false);
    const ok = await Promise.race([batch, new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, left)).unref())]);
    if (!ok) return false;
  }
  return true;
}

function giveUp(out: Record<string, unknown>, list: BenchSpeaker[]): never {
  out.doneMs = null;
  out.note ??= `only ${list.filter((c) => c.established).length} of ${list.length} sessions came up within the cap`;
  console.log(JSON.stringify(out));
  process.exit(0);
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { mode: MODE, n: N, m: M, family: V6 ? 'ipv6' : 'ipv4' };
  if (MODE === 'idle') {
    // The device with its config loaded and nobody connected: its peak RSS is all that is read.
    await sleep(Number(process.env.IDLE_MS ?? 3000));
    out.doneMs = 0;
  } else if (MODE === 'internet') {
    await internet(out);
  } else if (MODE === 'burst') {
    const clients = Array.from({ length: M }, (_, i) => speaker(i));
    await burst(clients, out);
    out.minReceived = Math.min(...clients.map((c) => c.received));
    for (const c of clients) c.close();
  } else if (MODE === 'restart') {
    const clients = Array.from({ length: M }, (_, i) => speaker(i));
    await burst(clients, out);
    if (out.convergeMs === null) giveUp(out, clients);
    out.firstUpMs = out.doneMs;
    let lostAt = 0;
    let onLost = () => undefined as void;
    const lost = new Promise<void>((r) => (onLost = r));
    const stopAt = performance.now() + CAP_MS;
    const reconnects: Promise<void>[] = [];
    clients.forEach((c, i) => {
      c.onClosed = () => {
        if (!lostAt) {
          lostAt = performance.now();
          onLost();
        }
        c.resetCounts();
        reconnects.push(reconnect(c, i, stopAt));
      };
    });
    console.log(JSON.stringify({ restart: true }));
    await Promise.race([lost, sleep(30_000)]);
    if (!lostAt) giveUp({ ...out, note: 'the device did not restart' }, clients);
    const back = await until(clients, () => clients.every((c) => c.established && c.received >= M - 1));
    out.restartMs = back === null ? null : Math.round(performance.now() - lostAt);
    out.doneMs = out.restartMs;
    out.established = clients.filter((c) => c.established).length;
    out.minReceived = Math.min(...clients.map((c) => c.received));
    for (const c of clients) c.close();
    void Promise.allSettled(reconnects);
  } else if (MODE === 'calico') {
    const clients = Array.from({ length: M }, (_, i) => speaker(i));
    const tc = performance.now();
    if (!(await connectAll(clients))) giveUp(out, clients);
    out.connectMs = Math.round(performance.now() - tc);
    await new Promise((r) => setTimeout(r, 500));
    const done = until(clients, () => clients.every((c) => c.received >= M - 1));
    await Promise.all(clients.map((c, i) => announceOwn(c, i)));
    const ms = await done;
    out.doneMs = ms === null ? null : Math.round(ms);
    out.minReceived = Math.min(...clients.map((c) => c.received));
    for (const c of clients) c.close();
  } else {
    const clients = Array.from({ length: M }, (_, i) => speaker(i));
    if (!(await connectAll(clients))) giveUp(out, clients);
    const inj = speaker(-1);
    await inj.connect();
    await new Promise((r) => setTimeout(r, 500));
    const all = () => clients.every((c) => c.received >= N);
    let done = until(clients, all);
    const nh = thirdPartyNextHop(0);
    await inj.announce({ family, base: BASE, n: N, perUpdate: 500, sets: 16, nextHop: nh });
    const first = await done;
    out.announceMs = first === null ? null : Math.round(first);
    out.doneMs = out.announceMs;
    if (MODE === 'churn' && first !== null) {
      for (const c of clients) c.resetCounts();
      done = until(clients, () => clients.every((c) => c.withdrawn >= N));
      await inj.withdraw({ family, base: BASE, n: N, perUpdate: 500 });
      const w = await done;
      out.withdrawMs = w === null ? null : Math.round(w);
      for (const c of clients) c.resetCounts();
      done = until(clients, all);
      await inj.announce({ family, base: BASE, n: N, perUpdate: 500, sets: 16, nextHop: nh, variant: 1, endOfRib: false });
      const again = await done;
      out.reannounceMs = again === null ? null : Math.round(again);
      out.doneMs = w === null || again === null ? null : Math.round(w + again);
    }
    out.minReceived = Math.min(...clients.map((c) => c.received));
    for (const c of [...clients, inj]) c.close();
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

void main();
