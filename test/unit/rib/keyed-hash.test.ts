import t from 'tap';
import { keyedHash } from '../../../src/rib/keyed-hash.js';

// The key is drawn from /dev/urandom once per module instance (per process in wrend): a second
// instance of the module has its own. A constant or zero key (a short read taken as a key) would
// hash every input alike in both.
t.test('every instance of the hash module draws its own key', async (t) => {
  const other = (await import(`../../../src/rib/keyed-hash.js?instance=${Date.now()}`)) as { keyedHash: typeof keyedHash };
  t.not(other.keyedHash, keyedHash, 'a second module instance');
  const inputs = Array.from({ length: 8 }, (_, i) => Buffer.from(`attribute set ${i}`));
  const same = inputs.filter((b) => keyedHash(b) === other.keyedHash(b)).length;
  t.ok(same < 2, `hashes agree on ${same} of 8 inputs`);
});

t.test('one instance hashes the same bytes alike, and different bytes apart', async (t) => {
  const a = Buffer.from('0123456789abcdef');
  t.equal(keyedHash(a), keyedHash(Buffer.from(a)));
  t.equal(keyedHash(a, 5), keyedHash(a.subarray(0, 5)), 'a length prefix is that many bytes');
  t.not(keyedHash(a), keyedHash(Buffer.from('0123456789abcdeF')));
});
