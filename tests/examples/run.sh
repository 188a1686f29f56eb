#!/bin/sh
# Every example program once, on the busybox rootfs, with its output checked.
# Usage: tests/examples/run.sh BUILD_DIR   (root: the examples run real containers)
set -u
B=${1:?usage: tests/examples/run.sh BUILD_DIR}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
rootfs=$B/rootfs
tmp=$(mktemp -d /tmp/ctr-examples-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
CTR_MONITOR=${CTR_MONITOR:-$B/ctr-monitor}
CTR_CLEANUP=${CTR_CLEANUP:-$B/ctr-cleanup}
CTR_STATE_DIR=$tmp/state
CTR_RUN_DIR=$tmp/run
export CTR_MONITOR CTR_CLEANUP CTR_STATE_DIR CTR_RUN_DIR
fail=0

# expect NAME WANT CMD...: CMD's stdout must be WANT exactly.
expect() {
	name=$1 want=$2
	shift 2
	got=$("$@" 2>"$tmp/err")
	if [ "$got" = "$want" ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: expected:"
		echo "$want" | sed 's/^/       /'
		echo "     got:"
		echo "$got" | sed 's/^/       /'
		sed 's/^/     stderr: /' "$tmp/err"
		fail=1
	fi
}

for ex in hello ctr-watch ctr-batch ctr-run mini-init; do
	usage=$("$B/examples/$ex" 2>&1 </dev/null)
	case $usage in
	*usage:*) echo "ok   $ex without arguments prints its usage line" ;;
	*) echo "FAIL $ex without arguments: '$usage'" && fail=1 ;;
	esac
done

expect "hello runs a container" "hello from a container
exit code 0" "$B/examples/hello" "$rootfs"
expect "hello passes the exit code on" "exit code 3" "$B/examples/hello" "$rootfs" /bin/sh -c 'exit 3'
expect "ctr-watch reports exits in the order they happen" "watch-2 exited with 1
watch-3 exited with 3
watch-1 exited with 5" "$B/examples/ctr-watch" "$rootfs" 'sleep 0.8; exit 5' 'exit 1' 'sleep 0.4; exit 3'
expect "ctr-batch stops inside one lock" "in the batch: running, pid set
in the batch: stopped, exit code 137" "$B/examples/ctr-batch" "$rootfs"

run=$B/examples/ctr-run
expect "ctr-run run prints the output and the exit code, and exits with it" "hi
7
7" sh -c "'$run' run '$rootfs' /bin/sh -c 'echo hi; exit 7'; echo \$?"
expect "ctr-run create, start, exec, pause, wait, ps --json" \
	'exec 4
paused
0
[{"id":"X","name":"demo","state":"stopped","pid":0}]' sh -c "
	id=\$('$run' create --name demo '$rootfs' /bin/sh -c 'while [ ! -e /tmp/go.$$ ]; do sleep 0.05; done') &&
	'$run' start demo &&
	'$run' exec demo sh -c 'echo exec 4; exit 4'; [ \$? = 4 ] || echo bad-exec-code
	'$run' pause demo && '$run' ps --json | grep -o '\"state\":\"paused\"' | sed 's/.*:\"//; s/\"//' &&
	'$run' unpause demo && '$run' exec demo touch /tmp/go.$$ && '$run' wait demo &&
	'$run' ps --json | sed \"s/\$id/X/\" && '$run' rm demo >/dev/null; rm -f '$rootfs/tmp/go.$$'"
expect "ctr-run events lists the life of a container" "create
start
died
remove" sh -c "'$run' run '$rootfs' true >/dev/null; '$run' events --json |
	grep -o '\"type\":\"[a-z_]*\"' | tail -4 | sed 's/.*:\"//; s/\"//'"
expect "ctr-run export writes a tar of the rootfs" "bin/busybox" sh -c "
	'$run' create --name exp '$rootfs' true >/dev/null && '$run' export exp '$tmp/x.tar' &&
	tar -tf '$tmp/x.tar' | grep -x 'bin/busybox'; '$run' rm exp >/dev/null"

[ $fail = 0 ] && echo "examples: every example ran as expected"
exit $fail
