/**
 * One reflector scenario: the device under test started in a benchmark namespace, the driver
 * (bench/rr-driver.ts) run against it, the device restarted when the driver asks (MODE=restart),
 * and the driver's JSON result with the device's process for its peak RSS and CPU time.
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { DIST, type BenchNetns } from './bench-netns.js';
import { restartReflector, startReflector, type DaemonName } from './reflectors.js';

export interface ScenarioRun {
  result: Record<string, unknown>;
  /** The device's process at the end (after a restart, the new one). */
  proc: ChildProcess;
}

export async function runScenario(ns: BenchNetns, daemon: DaemonName, env: Record<string, string>, capMs: number): Promise<ScenarioRun> {
  const v6 = env.FAMILY === 'ipv6';
  let dut = startReflector(ns, daemon, v6);
  await new Promise((r) => setTimeout(r, daemon === 'wren' || daemon === 'bird' ? 1500 : 3000));
  const driver = ns.spawn(process.execPath, [join(DIST, 'bench', 'rr-driver.js')], { ...process.env, ...env, CAP_MS: String(capMs), DUT: dut.address });
  let out = '';
  let restarting: Promise<void> | null = null;
  driver.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    // The driver asks for the device's restart (MODE=restart) once every client is up.
    if (!restarting && out.includes('{"restart":true}')) restarting = restartReflector(ns, daemon, v6, dut).then((d2) => void (dut = d2));
  });
  const killer = setTimeout(() => driver.kill('SIGKILL'), capMs * 3 + 60_000);
  await new Promise((r) => driver.once('exit', r));
  clearTimeout(killer);
  await restarting;
  let result: Record<string, unknown> = {};
  try {
    result = JSON.parse(out.trim().split('\n').pop() || '{}') as Record<string, unknown>;
  } catch {
    result = { note: `driver output not understood: ${out.slice(-200)}` };
  }
  return { result, proc: dut.proc };
}
