#!/usr/bin/env bash
# npm run image:verify — build the Dockerfile for real and run the image. This machine has no
# Docker engine and cannot pull from Docker Hub, so: podman and buildah from Debian, a Debian
# bookworm base made by debootstrap with this machine's Node.js (and CA bundle, for the npm
# registry behind this machine's proxy), passed as NODE_IMAGE. Then the image's wrend runs chrooted
# into the image (crun cannot create containers in this sandbox: cgroups in hybrid mode), as user
# wren with only the node binary's file capabilities, in a netns beside a BIRD peer: it must listen
# on 179, bring up the session, answer wrenc, and install the peer's route in the kernel.
# Needs root. Takes a few minutes; not part of npm test.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive
command -v podman >/dev/null && command -v debootstrap >/dev/null && command -v bird >/dev/null || {
  apt-get update -qq && apt-get install -y -qq podman buildah debootstrap bird2 iproute2 >/dev/null
}
BASE=localhost/wren-node20-base
if ! podman image exists $BASE; then
  ROOT=$(mktemp -d)
  trap 'rm -rf "$ROOT"' EXIT
  debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
  cp "$(readlink -f "$(command -v node)")" "$ROOT/usr/bin/node"
  NPM=$(dirname "$(readlink -f "$(command -v npm)")")/..
  mkdir -p "$ROOT/usr/lib/node_modules" && cp -a "$NPM" "$ROOT/usr/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  tar -C "$ROOT" -c . | podman import --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV npm_config_cafile=/etc/ssl/certs/ca-certificates.crt' - $BASE >/dev/null
fi
podman build --isolation chroot --network host --build-arg NODE_IMAGE=$BASE -t localhost/wren:verify . >/dev/null
podman images localhost/wren:verify
# Run the built image's wrend (chroot into the image, as user wren, with only the node binary's
# file capabilities) in a netns beside a BIRD peer: port 179, a session, a kernel route.

MNT=$(podman image mount localhost/wren:verify)
A=wimgA$$; B=wimgB$$; D=$(mktemp -d)
cleanup() { ip netns pids $A 2>/dev/null | xargs -r kill -9; ip netns pids $B 2>/dev/null | xargs -r kill -9; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; umount "$MNT/run/wren" 2>/dev/null || true; umount "$MNT/etc/wren" 2>/dev/null || true; rm -rf "$D"; podman image unmount localhost/wren:verify >/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va$$ netns $A type veth peer name vb$$ netns $B
ip -n $A addr add 192.0.2.1/24 dev va$$; ip -n $A link set va$$ up; ip -n $A link set lo up
ip -n $B addr add 192.0.2.2/24 dev vb$$; ip -n $B link set vb$$ up; ip -n $B link set lo up
cat > $D/bird.conf <<BIRD
router id 192.0.2.2;
protocol device {}
protocol static { ipv4; route 203.0.113.0/24 blackhole; }
protocol bgp w { local as 65002; neighbor 192.0.2.1 as 64512; connect retry time 1; ipv4 { import all; export where source = RTS_STATIC; }; }
BIRD
ip netns exec $B bird -c $D/bird.conf -s $D/bird.ctl
mkdir -p $D/run && chown 999:999 $D/run && mount --bind $D/run "$MNT/run/wren"
cat > $D/wren.json <<JSON
{"routerId":"192.0.2.1","asn":64512,"listen":{"address":["192.0.2.1"]},"neighbors":[{"address":"192.0.2.2","asn":65002,"connectRetryTime":1}],"fib":{"enabled":true}}
JSON
mkdir -p $D/etc && cp $D/wren.json $D/etc/verify.json && mount --bind $D/etc "$MNT/etc/wren"   # as -v /etc/wren:/etc/wren
ip netns exec $A chroot "$MNT" setpriv --reuid=wren --regid=wren --clear-groups --inh-caps=-all \
  node --max-semi-space-size=2 --no-concurrent-recompilation /opt/wren/dist/src/bin/wrend.js --config /etc/wren/verify.json --socket /run/wren/wren.sock --log-level warn > $D/wren.log 2>&1 &
disown
for i in $(seq 1 60); do
  if ip -n $A route show proto 210 | grep -q 203.0.113.0/24; then break; fi; sleep 0.5
done
echo "--- process (user, effective capabilities)"; P=$(ip netns pids $A | head -1); ps -o user=,comm= -p $P; grep CapEff /proc/$P/status
echo "--- listening"; ip netns exec $A ss -ltnp | grep ':179'
echo "--- wrenc in the image"; chroot "$MNT" setpriv --reuid=wren --regid=wren --clear-groups wrenc --socket /run/wren/wren.sock node status
echo "--- kernel route installed by the unprivileged daemon"; ip -n $A route show proto 210
ip -n $A route show proto 210 | grep -q 203.0.113.0/24
echo "image verified"
