/**
 * An update group's batch (src/rib/update-batch.ts): announcements grouped by what they go with, in
 * the order of first arrival, each group's slots and path ids in the order they came; withdrawals
 * as they came; and the same batch used again after clear(), past every column's first size.
 */
import t from 'tap';
import { UpdateBatch } from '../../../src/rib/update-batch.js';
import { seededRandom } from '../../helpers/seeded.js';

interface Item {
  name: string;
}

/** The batch's groups as [set, slots, ids] lists. */
function groupsOf(b: UpdateBatch<Item>): [string, number[], number[]][] {
  b.order();
  const out: [string, number[], number[]][] = [];
  for (let g = 0; g < b.groups; g++) {
    const from = b.start(g);
    const to = b.start(g + 1);
    out.push([b.setOf(g).name, [...b.orderedSlotsView().subarray(from, to)], [...b.orderedIdsView().subarray(from, to)]]);
  }
  return out;
}

t.test('groups in first-arrival order, slots in the order they came', async (t) => {
  const b = new UpdateBatch<Item>();
  const a = { name: 'a' };
  const c = { name: 'c' };
  const p = { name: 'pass' };
  b.announce(5, a, 10, 1);
  b.announce(-3, p, 11, 1);
  b.announce(5, a, 12, 2);
  b.announce(9, c, 13, 1);
  b.announce(-3, p, 14, 7);
  b.withdraw(20, 1);
  b.withdraw(21, 4);
  t.same(groupsOf(b), [
    ['a', [10, 12], [1, 2]],
    ['pass', [11, 14], [1, 7]],
    ['c', [13], [1]],
  ]);
  t.equal(b.announced, 5);
  t.same([...b.withdrawnSlots().subarray(0, b.withdrawn)], [20, 21]);
  t.same([...b.withdrawnIds().subarray(0, b.withdrawn)], [1, 4]);
  t.notOk(b.empty);
  b.clear();
  t.ok(b.empty, 'empty after clear');
  t.equal(b.groups, 0);
  b.announce(9, c, 1, 1);
  t.same(groupsOf(b), [['c', [1], [1]]], 'a key of the last use is a new group again');
});

t.test('random batches against a Map of lists, the batch used again each round', async (t) => {
  const rnd = seededRandom(17);
  const b = new UpdateBatch<Item>();
  const items = new Map<number, Item>();
  const item = (k: number): Item => {
    let x = items.get(k);
    if (!x) items.set(k, (x = { name: String(k) }));
    return x;
  };
  let bad = 0;
  for (let round = 0; round < 60; round++) {
    // Few keys and many slots, or many keys (past the index's and the groups' first sizes).
    const keys = round % 3 === 0 ? 3 : round % 3 === 1 ? 200 : 5000;
    const n = Math.floor(rnd() * 20_000);
    const want = new Map<number, [number[], number[]]>();
    const withdrawn: number[] = [];
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.1) {
        const s = Math.floor(rnd() * 1e6);
        b.withdraw(s, 1);
        withdrawn.push(s);
        continue;
      }
      // Keys below and above 0, as pass-through and export codes.
      const k = Math.floor(rnd() * keys) - Math.floor(keys / 2);
      const slot = Math.floor(rnd() * 1e6);
      const id = 1 + Math.floor(rnd() * 4);
      b.announce(k, item(k), slot, id);
      let l = want.get(k);
      if (!l) want.set(k, (l = [[], []]));
      l[0].push(slot);
      l[1].push(id);
    }
    const expected = [...want].map(([k, [s, ids]]) => [String(k), s, ids]);
    if (JSON.stringify(groupsOf(b)) !== JSON.stringify(expected)) bad++;
    if (JSON.stringify([...b.withdrawnSlots().subarray(0, b.withdrawn)]) !== JSON.stringify(withdrawn)) bad++;
    // order() again without a change: the same answer.
    if (JSON.stringify(groupsOf(b)) !== JSON.stringify(expected)) bad++;
    b.clear();
  }
  t.equal(bad, 0, 'every round as the Map had it');
});
