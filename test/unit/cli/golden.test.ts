/**
 * wrenc's text output, golden files: each fixtures/cli/NAME.json holds the words typed and the
 * daemon's answer (or streamed rows); NAME.txt is exactly what wrenc prints. Regenerate after a
 * deliberate change with WREN_UPDATE_GOLDEN=1 and review the diff.
 */
import t from 'tap';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from '../../../src/cli/commands.js';
import { duration } from '../../../src/cli/format.js';
import { GRAMMAR, USAGE, completionScript, helpText } from '../../../src/cli/grammar.js';
import { spawnSync } from 'node:child_process';

const DIR = 'fixtures/cli';

function render(words: string[], answer: unknown, rows: unknown[] | undefined): string {
  const cmd = parseCommand(words, '/tmp');
  if ('error' in cmd) throw new Error(cmd.error);
  if (!cmd.streamed) return cmd.text(answer);
  if (cmd.collect) return cmd.text(rows);
  return (cmd.header ?? '') + (rows ?? []).map((r) => (cmd.row as (r: unknown) => string)(r)).join('');
}

for (const f of readdirSync(DIR).filter((x) => x.endsWith('.json'))) {
  t.test(f.replace('.json', ''), async (t) => {
    const { words, answer, rows } = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { words: string[]; answer?: unknown; rows?: unknown[] };
    const out = render(words, answer, rows);
    const golden = join(DIR, f.replace('.json', '.txt'));
    if (process.env.WREN_UPDATE_GOLDEN === '1') writeFileSync(golden, out);
    t.equal(out, readFileSync(golden, 'utf8'), `wrenc ${words.join(' ')}`);
  });
}

t.test('the grammar: requests sent, and mistakes caught before the socket', async (t) => {
  const req = (line: string) => {
    const c = parseCommand(line.split(' '), '/srv');
    return 'error' in c ? c.error : { command: c.command, args: c.args };
  };
  t.same(req('show route 192.0.2.0/24 all peer 192.0.2.2 table ipv4'), { command: 'show route', args: { prefix: '192.0.2.0/24', all: true, peer: '192.0.2.2', table: 'ipv4' } });
  t.same(req('show route count'), { command: 'show route', args: { count: true } });
  t.same(req('show protocols all'), { command: 'show neighbors', args: { detail: true } });
  t.same(req('configure check conf/wren.yaml'), { command: 'configure', args: { check: true, file: '/srv/conf/wren.yaml' } }, 'file made absolute for the daemon');
  t.same(req('configure'), { command: 'configure', args: { check: false } });
  t.same(req('disable 192.0.2.2 maintenance window'), { command: 'disable', args: { address: '192.0.2.2', message: 'maintenance window' } });
  t.equal(req('show route explain'), 'show route explain needs a prefix');
  t.equal(req('show route bogus'), 'show route: unexpected "bogus"');
  t.equal(req('show fib now'), 'show fib: unexpected "now"');
  t.equal(req('configure check a b'), 'usage: configure [check] [FILE]');
  t.equal(req('frobnicate'), 'unknown command "frobnicate"');
  t.same(req('show bfd'), { command: 'show bfd', args: {} });
  t.same(req('show bfd sessions'), { command: 'show bfd', args: {} }, 'BIRD\'s words work too');
  t.same(req('show bfd 192.0.2.2'), { command: 'show bfd', args: { address: '192.0.2.2' } });
  t.equal(req('show bfd 192.0.2.2 192.0.2.3'), 'show bfd: unexpected "192.0.2.3"');
});

t.test('durations as operators read them', async (t) => {
  t.same([0, 45, 60, 725, 3600, 18_120, 86_400, 273_600].map(duration), ['0s', '45s', '1m0s', '12m5s', '1h0m', '5h2m', '1d0h', '3d4h']);
});

t.test('the grammar table and the parser agree: every example parses, every name is known', async (t) => {
  for (const c of GRAMMAR) {
    for (const e of c.examples) {
      const words = e.split(' ').slice(1).filter((w) => !w.startsWith('--'));
      if (words[0] === 'help' || words[0] === 'completion') continue;
      const parsed = parseCommand(words, '/tmp');
      t.notOk('error' in parsed, `${e} parses${'error' in parsed ? `: ${parsed.error}` : ''}`);
    }
  }
  t.match(helpText(['show', 'route']), /wrenc show route for 203\.0\.113\.7/, 'help shows examples');
  t.equal(helpText(['frob']), null);
  t.match(USAGE, /^ {2}refresh in\|out ADDRESS$/m, 'the usage comes from the table');
});

t.test('bash completion: commands, subcommands, options and neighbour addresses', async (t) => {
  const bash = spawnSync('bash', ['--version']);
  if (bash.status !== 0) return t.comment('no bash here');
  const complete = (...words: string[]) => {
    // A stand-in wrenc answering show neighbors, as the script asks for addresses.
    const script = `wrenc() { echo '[{"address": "192.0.2.2"}, {"address": "2001:db8::2"}]'; }\n${completionScript('bash')}\nCOMP_WORDS=(wrenc ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _wrenc; echo "\${COMPREPLY[@]}"`;
    return spawnSync('bash', ['-c', script], { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean).sort();
  };
  t.ok(complete('').includes('show') && complete('').includes('monitor'), 'first words');
  t.same(complete('show', 'ro'), ['route'], 'show ro -> route');
  t.ok(['advertised', 'explain', 'for', 'longer'].every((w) => complete('show', 'route', '').includes(w)), 'show route options');
  t.same(complete('enable', ''), ['192.0.2.2', '2001:db8::2'], 'neighbour addresses from the daemon');
  t.same(complete('refresh', ''), ['in', 'out']);
  t.same(complete('refresh', 'in', ''), ['192.0.2.2', '2001:db8::2']);
  t.same(complete('--json', 'show', 'route', 'table', ''), ['ipv4', 'ipv6'], 'options before the command are skipped');
  t.match(completionScript('zsh'), /^autoload -U \+X bashcompinit && bashcompinit$/m, 'zsh loads it through bashcompinit');
});
