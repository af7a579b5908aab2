/**
 * Runs in the device's namespace: polls route dumps until N routes of protocol P are there and
 * prints when the dump that first saw them all finished. Counting reads only the rtm_protocol
 * byte of each message, so a dump costs little besides the kernel's own work.
 */
import { RtnlSocket } from '../src/fib/netlink/rtnl-socket.js';
import { AF_INET, RTM_GETROUTE } from '../src/fib/netlink/rtnl-codec.js';

const N = Number(process.env.N ?? 100_000);
const P = Number(process.env.P ?? 210);
const sock = new RtnlSocket();
for (let i = 0; i < 3000; i++) {
  const msgs = await sock.dump(RTM_GETROUTE, AF_INET);
  let n = 0;
  for (const m of msgs) if (m.type === 24 && m.buf[m.off + 21] === P) n++;
  if (n >= N) {
    console.log(JSON.stringify({ doneAt: Date.now(), count: n }));
    break;
  }
  await new Promise((r) => setTimeout(r, 20));
}
sock.close();
