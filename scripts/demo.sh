#!/bin/sh
# `make demo`: a container's life through examples/ctr-run on a busybox rootfs: create,
# start, read its output, wait for its exit code, inspect, remove. Runs as root; uses a
# throw-away state and run directory and the monitor from the build tree.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
tests/fixtures/mkrootfs.sh "$B/rootfs"
rootfs=$B/rootfs
base=$(mktemp -d /tmp/ctr-demo-XXXXXX)
CTR_MONITOR=$B/ctr-monitor
export CTR_MONITOR

ctr() {
	"$B/examples/ctr-run" --state-dir "$base/state" --run-dir "$base/run" "$@"
}
# Print the command, then run it.
run() {
	echo "\$ ctr-run $*"
	ctr "$@"
}
step() {
	printf '\n== %s\n' "$*"
}
fail() {
	echo "demo: FAILED: $*" >&2
	exit 1
}
cleanup() {
	ctr rm -f demo >/dev/null 2>&1 || true
	rm -rf "$base" "$rootfs/tmp/done.$$"
}
trap cleanup EXIT

step "create a container (nothing runs yet)"
echo "\$ ctr-run create --name demo --label purpose=demo $rootfs /bin/sh -c '...'"
id=$(ctr create --name demo --label purpose=demo "$rootfs" \
	/bin/sh -c 'echo hello from libctr; echo to stderr >&2; while [ ! -e /tmp/done.'"$$"' ]; do sleep 0.1; done; exit 7')
echo "$id"
run ps

step "start it: runc creates and starts it under its ctr-monitor"
run start demo
out=$(ctr ps)
echo "\$ ctr-run ps"
echo "$out"
echo "$out" | grep -q ' Up .* demo$' || fail "demo is not running after start"

step "its output, from the log the monitor writes"
sleep 0.2 # the shell echoes right after start; give it a moment
run logs demo

step "exec: one more process in the running container, under its own monitor"
set +e
run exec demo sh -c 'echo "in the container, pid 1 is $(cat /proc/1/comm)"; exit 3'
code=$?
set -e
[ "$code" = 3 ] || fail "exec exited with $code, expected 3"
echo "(exec exited with 3, as its shell said)"

step "pause: the container is frozen; unpause thaws it"
run pause demo
ctr ps | grep -q ' Paused .* demo$' || fail "demo is not paused"
run ps
run unpause demo

step "let it finish: an exec creates the file its loop waits for"
run exec demo touch /tmp/done.$$

step "wait for it to exit"
echo "\$ ctr-run wait demo"
code=$(ctr wait demo) || fail "wait failed"
echo "$code"
[ "$code" = 7 ] || fail "exit code is '$code', expected 7"
echo "(exit code 7, as the shell said)"
run ps

step "inspect and remove"
echo "\$ ctr-run inspect demo"
if command -v python3 >/dev/null; then
	ctr inspect demo | python3 -m json.tool
else
	ctr inspect demo
fi
run rm demo
run ps
echo
echo "demo: done"
