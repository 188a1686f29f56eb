#!/bin/sh
# `make demo`: a container's life through examples/ctr-run on a busybox rootfs.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
tests/fixtures/mkrootfs.sh "$B/rootfs"
rootfs=$(pwd)/$B/rootfs
base=$(mktemp -d /tmp/ctr-demo-XXXXXX)
trap 'rm -rf "$base"' EXIT
run() {
	echo "\$ ctr-run $*"
	"$B/examples/ctr-run" --state-dir "$base/state" --run-dir "$base/run" "$@"
}
echo "\$ ctr-run create --name demo --label purpose=demo $rootfs /bin/sh -c '...'"
id=$("$B/examples/ctr-run" --state-dir "$base/state" --run-dir "$base/run" create --name demo \
	--label purpose=demo "$rootfs" /bin/sh -c 'echo hello from libctr; exit 7')
echo "created $id"
run ps
run inspect demo
run rm demo
run ps
echo "demo: done"
