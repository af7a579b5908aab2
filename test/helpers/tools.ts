import { spawnSync } from 'node:child_process';
import type { Test } from 'tap';

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Integration tests need real tools. In CI (.ci/run installs them) a missing tool is a failure;
 * on a developer machine without them the test says so and checks nothing.
 */
export function requireTools(t: Test, tools: string[]): boolean {
  const missing = tools.filter((x) => !haveCommand(x));
  if (missing.length === 0) return true;
  if (process.env.CI) t.fail(`missing tools in CI: ${missing.join(', ')}`);
  else t.comment(`skipped: missing tools: ${missing.join(', ')}`);
  return false;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
