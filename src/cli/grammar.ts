/**
 * wrenc's commands as data: their syntax, what they do, examples, and the words that may follow
 * each prefix of them. The usage text, `wrenc help COMMAND`, "did you mean" and the bash/zsh
 * completion (`wrenc completion bash|zsh`) are all derived from this one table, so they cannot
 * drift from each other; commands.ts parses the words.
 */

export interface CommandSpec {
  /** The fixed words that name the command. */
  name: string;
  /** The full syntax after the name. */
  syntax: string;
  summary: string;
  examples: string[];
  /** Keywords that may follow the name (for completion); ADDRESS: a neighbour's address. */
  next: string[];
}

export const GRAMMAR: CommandSpec[] = [
  { name: 'show status', syntax: '', summary: 'version, router id, AS, uptime, sessions, routes, FIB, datastore', examples: ['wrenc show status', 'wrenc --json show status'], next: [] },
  { name: 'show summary', syntax: '', summary: 'per session: state, up/down for (3d4h), messages, prefixes accepted/filtered/advertised (alias: show bgp summary)', examples: ['wrenc show summary'], next: [] },
  { name: 'show neighbors', syntax: '[ADDRESS] [detail]', summary: 'the sessions (alias: show protocols [all]); detail: negotiated capabilities, counters, BFD', examples: ['wrenc show neighbors', 'wrenc show neighbors 192.0.2.2 detail'], next: ['ADDRESS', 'detail'] },
  { name: 'node status', syntax: '', summary: 'the calicoctl node status table', examples: ['wrenc node status'], next: [] },
  {
    name: 'show route',
    syntax: '[PREFIX [longer] | [for] ADDRESS] [all] [table ipv4|ipv6] [peer ADDRESS] [count] [explain]',
    summary: 'best routes (all: every path); for ADDRESS: the longest match; PREFIX longer: with its more specifics; explain: why each path won or lost',
    examples: ['wrenc show route 203.0.113.0/24 explain', 'wrenc show route for 203.0.113.7', 'wrenc show route 10.0.0.0/8 longer count', 'wrenc show route peer 192.0.2.2'],
    next: ['for', 'longer', 'all', 'table', 'peer', 'count', 'explain', 'advertised', 'received', 'filtered'],
  },
  { name: 'show route advertised', syntax: 'ADDRESS [count]', summary: 'what was announced to a neighbour, after export policy, attributes as sent', examples: ['wrenc show route advertised 192.0.2.2'], next: ['ADDRESS'] },
  { name: 'show route received', syntax: 'ADDRESS [count]', summary: 'what a neighbour sent, before import policy (needs keepReceived: true)', examples: ['wrenc show route received 192.0.2.2 count'], next: ['ADDRESS'] },
  { name: 'show route filtered', syntax: 'ADDRESS [count]', summary: 'what a neighbour\'s import policy rejected, and the term that did it (needs keepReceived: true)', examples: ['wrenc show route filtered 192.0.2.2'], next: ['ADDRESS'] },
  { name: 'show fib', syntax: '[diff]', summary: 'kernel FIB counters; diff: what differs between the RIB and the kernel', examples: ['wrenc show fib diff'], next: ['diff'] },
  { name: 'show bfd', syntax: '[ADDRESS] [detail]', summary: 'BFD sessions: state, intervals, last diagnostic, flaps, drop counters', examples: ['wrenc show bfd', 'wrenc show bfd 192.0.2.254'], next: ['ADDRESS', 'detail'] },
  { name: 'show memory', syntax: '', summary: 'process, V8 heap and RIB memory', examples: ['wrenc show memory'], next: [] },
  { name: 'show datastore', syntax: '', summary: 'the Calico datastore the config comes from: connected, revision, rejected resources', examples: ['wrenc show datastore'], next: [] },
  { name: 'show config', syntax: '--effective', summary: 'the config the datastore computed, as a file would have it', examples: ['wrenc show config --effective'], next: ['--effective'] },
  { name: 'enable', syntax: 'ADDRESS', summary: 'start a session stopped by disable (or by a prefix limit)', examples: ['wrenc enable 192.0.2.2'], next: ['ADDRESS'] },
  { name: 'disable', syntax: 'ADDRESS [MESSAGE]', summary: 'stop a session: Cease / Administrative Shutdown with the message (RFC 9003)', examples: ['wrenc disable 192.0.2.2 maintenance until 18:00'], next: ['ADDRESS'] },
  { name: 'restart', syntax: 'ADDRESS [MESSAGE]', summary: 'reset a session: Cease / Administrative Reset, then connect again', examples: ['wrenc restart 192.0.2.2'], next: ['ADDRESS'] },
  { name: 'refresh', syntax: 'in|out ADDRESS', summary: 'soft reset: in asks the neighbour for its routes again (ROUTE-REFRESH), out sends it ours again', examples: ['wrenc refresh in 192.0.2.2', 'wrenc refresh out 192.0.2.2'], next: ['in', 'out'] },
  { name: 'monitor', syntax: '[sessions]', summary: 'session and best-route changes as they happen (--json: one object per line); sessions: only those', examples: ['wrenc monitor', 'wrenc --json monitor sessions'], next: ['sessions'] },
  { name: 'configure', syntax: '[check] [FILE]', summary: 'reload the config (default: the file wrend started with); check: validate and show the plan, apply nothing (without a wrend: checked here)', examples: ['wrenc configure check /etc/wren/wren.yaml', 'wrenc configure'], next: ['check', 'FILE'] },
  { name: 'dump rib', syntax: 'FILE [ipv4|ipv6]', summary: 'write every path of the RIB to FILE as MRT TABLE_DUMP_V2 (RFC 6396; ADD-PATH records of RFC 8050), in the background, renamed into place when complete', examples: ['wrenc dump rib /var/lib/wren/rib.mrt', 'wrenc dump rib /var/lib/wren/rib6.mrt ipv6'], next: ['FILE'] },
  { name: 'down', syntax: '[MESSAGE]', summary: 'stop wrend for good: Cease to every peer, wren\'s kernel routes removed (SIGTERM instead stops for a restart: peers and kernel keep the routes)', examples: ['wrenc down decommissioned'], next: [] },
  { name: 'help', syntax: '[COMMAND]', summary: 'this list, or one command with examples', examples: ['wrenc help show route'], next: [] },
  { name: 'completion', syntax: 'bash|zsh', summary: 'print a shell completion script (eval "$(wrenc completion bash)")', examples: ['wrenc completion bash > /etc/bash_completion.d/wrenc'], next: ['bash', 'zsh'] },
];

export const USAGE = `usage: wrenc [--socket PATH] [--json] [--timeout SECONDS] [--version] COMMAND
commands:
${GRAMMAR.map((c) => `  ${`${c.name} ${c.syntax}`.trimEnd()}`).join('\n')}
wrenc help COMMAND: what a command does, with examples`;

/** `wrenc help [COMMAND]`. */
export function helpText(words: string[]): string | null {
  if (words.length === 0) return `${USAGE}\n`;
  const line = words.join(' ');
  const hits = GRAMMAR.filter((c) => c.name === line || c.name.startsWith(`${line} `));
  if (hits.length === 0) return null;
  return hits.map((c) => `wrenc ${`${c.name} ${c.syntax}`.trimEnd()}\n  ${c.summary}\n${c.examples.map((e) => `  $ ${e}`).join('\n')}\n`).join('\n');
}

/** The names of the commands (for "did you mean"). */
export const COMMAND_NAMES = GRAMMAR.map((c) => c.name);

/** The words that may follow each typed prefix, from the table ('' is the first word). */
function completionTree(): Map<string, Set<string>> {
  const tree = new Map<string, Set<string>>();
  const add = (prefix: string, word: string) => {
    let s = tree.get(prefix);
    if (!s) tree.set(prefix, (s = new Set()));
    s.add(word);
  };
  for (const c of GRAMMAR) {
    const words = c.name.split(' ');
    for (let i = 0; i < words.length; i++) add(words.slice(0, i).join(' '), words[i] as string);
    for (const n of c.next) add(c.name, n);
  }
  add('show', 'protocols');
  add('show', 'bgp');
  add('show bgp', 'summary');
  return tree;
}

/** A bash completion function for wrenc (zsh loads it through bashcompinit). */
export function completionScript(shell: 'bash' | 'zsh'): string {
  const cases: string[] = [];
  for (const [prefix, words] of completionTree()) {
    const fixed = [...words].filter((w) => w !== 'ADDRESS' && w !== 'FILE');
    const action = [`w="${fixed.join(' ')}"`];
    if (words.has('ADDRESS')) action.push('w="$w $(_wrenc_neighbors)"');
    const files = words.has('FILE') ? ' ; COMPREPLY+=($(compgen -f -- "$cur"))' : '';
    cases.push(`    "${prefix}") ${action.join('; ')}; COMPREPLY=($(compgen -W "$w" -- "$cur"))${files} ;;`);
  }
  // refresh in|out ADDRESS, and the neighbour a route view names.
  cases.push('    "refresh in"|"refresh out"|"show route peer") COMPREPLY=($(compgen -W "$(_wrenc_neighbors)" -- "$cur")) ;;');
  cases.push('    "show route table") COMPREPLY=($(compgen -W "ipv4 ipv6" -- "$cur")) ;;');
  const body = `# wrenc completion (generated by wrenc completion ${shell}; the commands of wrenc ${'${WRENC_VERSION:-}'}).
_wrenc_neighbors() {
  wrenc --json --timeout 2 show neighbors 2>/dev/null | grep -o '"address": "[^"]*"' | cut -d'"' -f4
}
_wrenc() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" i words=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --json) ;;
      --socket|--timeout) ((i++)) ;;
      *) words+=("\${COMP_WORDS[i]}") ;;
    esac
  done
  local line="\${words[*]}" w
  case "$line" in
${cases.join('\n')}
  esac
  return 0
}
`;
  if (shell === 'zsh') return `autoload -U +X bashcompinit && bashcompinit\n${body}complete -F _wrenc wrenc\n`;
  return `${body}complete -F _wrenc wrenc\n`;
}
