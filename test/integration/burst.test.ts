/**
 * A reflector on its defaults (listen range, no neighbour lines) whose clients all arrive at once,
 * then restarts under them: the short version of bench scenarios burst-2000 and restart-2000.
 * Every client must get a session and every other client's block; none may be left out. The
 * clients are the benchmark speaker over IPv6 (2001:db8::/64) in a namespace of their own.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BenchNetns, DIST } from '../../bench/lib/bench-netns.js';
import { runScenario } from '../../bench/lib/scenario.js';
import { isRoot } from '../helpers/tools.js';

const driverBuilt = existsSync(join(DIST, 'bench', 'rr-driver.js'));
const CAP_MS = 30_000;

async function scenario(t: Test, tag: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const ns = new BenchNetns(tag, 0, Number(env.M));
  t.teardown(() => ns.destroy());
  return (await runScenario(ns, 'wren', { FAMILY: 'ipv6', N: '1', ...env }, CAP_MS)).result;
}

t.test('400 clients connecting at once: every one Established, every one holds the other 399 blocks', { skip: !isRoot() || !driverBuilt ? 'needs root and a build' : false }, async (t) => {
  const r = await scenario(t, 'bu', { MODE: 'burst', M: '400', STEP: '50' });
  t.equal(r.established, 400, `all 400 Established (${String(r.note ?? '')})`);
  t.equal(r.failed, 0, 'no connection failed or was reset');
  // Not its own block: the clients share one update group, and a member never gets its own route
  // back (split horizon inside the group).
  t.equal(r.minReceived, 399, 'the client with the fewest blocks holds all the others (and not its own)');
  t.type(r.doneMs, 'number', `converged within the cap (${String(r.connectMs)} ms to Established, ${String(r.convergeMs)} ms more to converge)`);
});

t.test('the reflector restarts under 300 graceful-restart clients: all come back and converge', { skip: !isRoot() || !driverBuilt ? 'needs root and a build' : false }, async (t) => {
  const r = await scenario(t, 'rs', { MODE: 'restart', M: '300', RETRY_MS: '1000' });
  t.type(r.firstUpMs, 'number', 'all up before the restart');
  t.equal(r.established, 300, `all 300 back (${String(r.note ?? '')})`);
  t.equal(r.minReceived, 299, 'every client holds every other block again (not its own)');
  t.type(r.restartMs, 'number', `back and converged ${String(r.restartMs)} ms after the sessions went`);
});

t.test('leftover namespaces', async (t) => {
  const left = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => /^wren(bu|rs)\d/.test(l));
  t.same(left, [], 'none');
});
