/** The data of a Cease / Maximum Number of Prefixes Reached (RFC 4486 §4), built with smart-buffer. */
import t from 'tap';
import { maxPrefixesCeaseData } from '../../../src/wire/notification.js';

t.test('AFI, SAFI, then the limit as 32 bits', async (t) => {
  t.equal(maxPrefixesCeaseData(1, 1, 10_000).toString('hex'), '00010100002710');
  t.equal(maxPrefixesCeaseData(2, 1, 4_294_967_295).toString('hex'), '000201ffffffff');
});
