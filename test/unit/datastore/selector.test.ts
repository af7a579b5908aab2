/** Calico's selector language: every operator, precedence, quoting, and errors with positions. */
import t from 'tap';
import { compileSelector, SelectorError } from '../../../src/datastore/selector.js';

const node = { 'route-reflector': 'true', zone: 'us-east-1a', 'kubernetes.io/hostname': 'node-1', rack: 'r12' };

t.test('operators', async (t) => {
  const cases: [string, boolean][] = [
    ['all()', true],
    ['global()', true],
    ['', true],
    ['has(route-reflector)', true],
    ['has(missing)', false],
    ['!has(route-reflector)', false],
    ["zone == 'us-east-1a'", true],
    ['zone == "us-east-1b"', false],
    ["zone != 'us-east-1b'", true],
    ["missing != 'x'", true],
    ["missing == 'x'", false],
    ["rack in {'r11', 'r12'}", true],
    ["rack in {'r11'}", false],
    ["rack not in {'r11'}", true],
    ["missing not in {'r11'}", true],
    ["missing in {}", false],
    ["zone contains 'east'", true],
    ["zone starts with 'us-'", true],
    ["zone ends with '1a'", true],
    ["zone ends with '1b'", false],
    ["kubernetes.io/hostname == 'node-1'", true],
  ];
  for (const [s, want] of cases) t.equal(compileSelector(s)(node), want, s);
});

t.test('precedence: && before ||, ! before both, parentheses', async (t) => {
  t.equal(compileSelector("has(missing) && has(zone) || has(rack)")(node), true, '(a && b) || c');
  t.equal(compileSelector("has(missing) && (has(zone) || has(rack))")(node), false);
  t.equal(compileSelector('!has(missing) && !has(other)')(node), true);
  t.equal(compileSelector('!(has(zone) && has(rack))')(node), false);
  t.equal(compileSelector("has(zone)&&rack=='r12'")(node), true, 'no spaces needed');
});

t.test('word operators need a boundary; labels may look like keywords', async (t) => {
  t.equal(compileSelector("index == 'x'")({ index: 'x' }), true, 'a label starting with "in"');
  t.equal(compileSelector("contains == 'x'")({ contains: 'x' }), true);
  t.equal(compileSelector("a not   in {'x'}")({ a: 'y' }), true, 'several spaces inside "not in"');
});

t.test('errors say what and where', async (t) => {
  const bad: [string, RegExp][] = [
    ["zone = 'x'", /expected an operator after label "zone" at character 6/],
    ["zone == 'x", /unterminated string/],
    ['has(zone', /no closing/],
    ["zone == 'x' &&", /unexpected end/],
    ["(zone == 'x'", /expected "\)"/],
    ["zone in {'a' 'b'}", /expected "}"/],
    ["zone == 'x' zone", /unexpected text|expected an operator/],
    ['all(x)', /all\(\) takes nothing/],
    ["zone == x", /expected "string"/],
    ['#', /unexpected "#"/],
  ];
  for (const [s, re] of bad) {
    let err: unknown = null;
    try {
      compileSelector(s);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof SelectorError, `${s}: a SelectorError`);
    t.match((err as Error | null)?.message ?? '', re, s);
  }
});

t.test('bounded: a selector too long or nested too deep is an error, not a stack overflow', async (t) => {
  const deep = `${'('.repeat(3000)}all()${')'.repeat(3000)}`;
  t.throws(() => compileSelector(deep), /longer than 4096 characters/);
  t.throws(() => compileSelector(`${'('.repeat(100)}all()${')'.repeat(100)}`), /nested more than 64 deep/);
  t.throws(() => compileSelector(`${'!'.repeat(100)}all()`), /nested more than 64 deep/);
  t.equal(compileSelector(`${'('.repeat(64)}has(a)${')'.repeat(64)}`)({ a: 'x' }), true, '64 deep is fine');
});
