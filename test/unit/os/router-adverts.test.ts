/** The router advertisement wren sends for unnumbered peering (wire vector), and what it takes for one. */
import t from 'tap';
import { encodeRouterAdvert, isRouterAdvert } from '../../../src/os/router-adverts.js';

t.test('our RA: type 134, hop limit 64, router lifetime 0 (not a default router), no options', async (t) => {
  t.equal(encodeRouterAdvert().toString('hex'), '86000000' + '4000' + '0000' + '00000000' + '00000000');
  t.ok(isRouterAdvert(encodeRouterAdvert()));
  t.notOk(isRouterAdvert(Buffer.from('8700000000000000', 'hex')), 'a neighbour solicitation is not one');
  t.notOk(isRouterAdvert(Buffer.from('860000004000', 'hex')), 'nor a truncated RA');
  t.notOk(isRouterAdvert(Buffer.from('86010000400000000000000000000000', 'hex')), 'nor one with a code other than 0');
});
