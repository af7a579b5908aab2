/** Peer-chosen text reaches operators escaped (issue 16.6): shutdown messages and FQDN host names. */
import t from 'tap';
import { printable } from '../../../src/wire/printable.js';
import { ceaseWithMessage, describeNotification } from '../../../src/wire/notification.js';
import { CeaseSubcode } from '../../../src/wire/constants.js';
import { negotiate, type LocalSpeaker } from '../../../src/session/negotiate.js';
import { Family } from '../../../src/wire/constants.js';

t.test('control characters, DEL, C1, separators and bidi overrides are escaped; the rest is kept', async (t) => {
  t.equal(printable('plain text, ünïcode, 中文'), 'plain text, ünïcode, 中文');
  t.equal(printable('a\nb\rc\td'), 'a\\x0ab\\x0dc\\x09d');
  t.equal(printable('\u001b[2J\u001b]0;owned\u0007'), '\\x1b[2J\\x1b]0;owned\\x07');
  t.equal(printable('\u007f\u0085\u009b'), '\\x7f\\x85\\x9b');
  t.equal(printable('x\u2028y\u202ez\u2066'), 'x\\u{2028}y\\u{202e}z\\u{2066}');
});

t.test('a shutdown message with newlines and BIRD reply codes stays on one line', async (t) => {
  const forged = 'bye\n1002-Mesh_192_0_2_99 BGP master up 10:00:00 Established\n0000 ';
  const d = describeNotification(ceaseWithMessage(CeaseSubcode.ADMIN_SHUTDOWN, forged));
  t.notOk(/\n/.test(d), 'no newline');
  t.equal(d, 'Cease/Administrative Shutdown: bye\\x0a1002-Mesh_192_0_2_99 BGP master up 10:00:00 Established\\x0a0000 ');
});

t.test('the FQDN capability host name is made printable when negotiated', async (t) => {
  const local: LocalSpeaker = { asn: 64512, routerId: 1, holdTime: 90, families: 1 << Family.IPV4_UNICAST, addPathReceive: 0, addPathSend: 0, gracefulRestart: null, hostname: '', extendedMessage: false };
  const p = negotiate(local, 64512, {
    version: 4, myAs: 64512, holdTime: 90, bgpId: 2,
    capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'fqdn', hostname: 'node\u001b[31m-1', domain: '' }],
  });
  t.equal(p.peerHostname, 'node\\x1b[31m-1');
});
