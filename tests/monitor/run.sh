#!/usr/bin/env bash
# ctr-monitor against real runc, without libctr: sync line, exit file, k8s log, errors, terminal,
# detaching from the caller, memory, the attach socket and stdin, log rotation, exec sessions.
# Prints ok/FAIL per check; exits 1 if any failed. The attach client is tests/monitor/attach.py,
# run by Debian's /usr/bin/python3 (it needs only the standard library).
# Usage (root): tests/monitor/run.sh [MONITOR]   (default: $CTR_MONITOR, else
# build/ctr-monitor); exits 77 when not root. RUNC=path picks the runtime; ONLY=REGEX runs the
# tests whose names match. CTR_TEST_SLOW_MONITOR=1 (the monitor runs under valgrind,
# tests/valgrind/run.sh) skips the checks of what valgrind changes: memory, descriptors, and
# posix_spawn's report of a failed exec.
#
# The containers' shell commands are in single quotes on purpose: they expand inside.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/../.." || exit 1
MON=$(realpath "${1:-${CTR_MONITOR:-build/ctr-monitor}}")
RUNC=${RUNC:-/usr/sbin/runc}
[ "$(id -u)" = 0 ] || { echo "SKIP: real containers need root"; exit 77; }
[ -x "$MON" ] || { echo "FAIL: $MON is not built"; exit 1; }

T=$(mktemp -d /tmp/ctr-monitor-test.XXXXXX)
ROOT=$T/runtime EXITS=$T/exits
failed=0
MPIDS="" # every monitor started, killed at the end if a failed test left it running
mkdir -p "$ROOT" "$EXITS"

cleanup() {
	local id pid
	for id in $("$RUNC" --root "$ROOT" list -q 2>/dev/null); do
		"$RUNC" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
	done
	for id in "$T"/b-*; do
		id=${id##*/b-}
		kill_cgroup "$id"
		rmdir /sys/fs/cgroup/*/libctr/"$id" 2>/dev/null
	done
	for pid in $MPIDS; do
		grep -qs ctr-monitor /proc/"$pid"/cmdline && kill -9 "$pid"
	done
	rm -rf "$T"
}
trap cleanup EXIT

# kill_cgroup ID: SIGKILL what is left in the container's cgroup (cgroup v1 pids controller).
kill_cgroup() { { xargs -r kill -9 </sys/fs/cgroup/pids/libctr/"$1"/cgroup.procs; } 2>/dev/null; }

ok() { echo "ok   $1"; }
fail() {
	echo "FAIL $1${2:+: $2}"
	failed=1
}
# like STRING PATTERN: STRING matches the glob PATTERN.
# shellcheck disable=SC2053 # the pattern is a glob on purpose
like() { [[ $1 == $2 ]]; }
not() { ! "$@"; }
# native_check NAME COMMAND...: check, unless the monitor runs under valgrind.
native_check() {
	if [ -n "${CTR_TEST_SLOW_MONITOR:-}" ]; then echo "skip $1 (the monitor runs under valgrind)"
	else check "$@"; fi
}
# check NAME COMMAND...: ok if the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else
		fail "$name"
		return 1
	fi
}

tests/fixtures/mkrootfs.sh "$T/rootfs" || { echo "FAIL: mkrootfs"; exit 1; }
(cd "$T" && "$RUNC" spec && mv config.json spec.json) || { echo "FAIL: runc spec"; exit 1; }

# bundle ID TERMINAL(true|false) [--hostpid] [--memory=BYTES] ARGS...: a bundle in $T/b-ID.
bundle() {
	local id=$1 term=$2
	shift 2
	mkdir -p "$T/b-$id"
	python3 - "$T/spec.json" "$T/b-$id/config.json" "$T/rootfs" "$id" "$term" "$@" <<'EOF'
import json, sys
src, dst, rootfs, cid, term, args = sys.argv[1:6] + [sys.argv[6:]]
c = json.load(open(src))
while args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--hostpid":
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]
    elif opt.startswith("--memory="):
        limit = int(opt.split("=")[1])
        c["linux"]["resources"]["memory"] = {"limit": limit, "swap": limit}
c["root"]["path"] = rootfs
c["process"]["args"] = args
c["process"]["terminal"] = term == "true"
c["linux"]["cgroupsPath"] = "/libctr/" + cid
json.dump(c, open(dst, "w"))
EOF
}

# monitor ID [OPTIONS...]: start the monitor; SYNC gets its sync line, RC the exit status of
# the process the caller started, MPID and CPID the monitor and container pids.
monitor() {
	local id=$1
	shift
	SYNC=$("$MON" --proto 2 --runtime "$RUNC" --runtime-root "$ROOT" --id "$id" \
		--bundle "$T/b-$id" --exit-dir "$EXITS" --log "$T/$id.log" --sync-fd 3 "$@" \
		3>&1 >/dev/null 2>&1)
	RC=$?
	read -r _ _ CPID MPID <<<"$SYNC"
	MPIDS="$MPIDS ${MPID:-}"
}

PY=/usr/bin/python3
# att SOCKET [--out F] [--err F] STEP...: the scripted attach client (see attach.py).
att() { "$PY" tests/monitor/attach.py "$@"; }

# Waits are for things that must happen: their default (20 s) is only a guard against a
# hang, far longer than anything takes on a loaded machine. Checks assert what happens,
# never how fast (timings belong in make bench).

# wait_for [TENTHS] COMMAND...: wait until the command succeeds (default 20 s).
wait_for() {
	local i n=200
	[[ $1 =~ ^[0-9]+$ ]] && { n=$1; shift; }
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone PID [TENTHS]: wait until PID has exited (default 20 s). A zombie counts as exited:
# the monitor's new parent (pid 1) may take its time to reap it.
wait_gone() {
	local i st
	for ((i = 0; i < ${2:-200}; i++)); do
		st=$(sed -E 's/^[0-9]+ \(.*\) //' /proc/"$1"/stat 2>/dev/null) || return 0
		[ "${st:0:1}" = Z ] && return 0
		sleep 0.1
	done
	return 1
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(sed -E 's/^[0-9]+ \(.*\) //' /proc/"$1"/stat 2>/dev/null) && [ "${st:0:1}" != Z ]
}

# exited_noting_hwm ID: whether ID's exit file exists; HWM gets the peak RSS (kB) of the
# monitor $MPID as last seen running.
exited_noting_hwm() {
	local h
	h=$(awk '/^VmHWM:/ {print $2}' /proc/"$MPID"/status 2>/dev/null) && [ -n "$h" ] && HWM=$h
	[ -e "$EXITS/$1" ]
}

# exit_field ID KEY: a field of the exit file.
exit_field() {
	python3 -c 'import json,sys; print(str(json.load(open(sys.argv[1]))[sys.argv[2]]).lower())' \
		"$EXITS/$1" "$2" 2>/dev/null
}

# field_is ID FIELD VALUE: the exit file has it (read anew at each call, for wait_for).
field_is() { [ "$(exit_field "$1" "$2")" = "$3" ]; }

# has_log ID REGEX: the log has a line matching the (ERE) regex.
has_log() { grep -Eq "$2" "$T/$1.log"; }

TS='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'
runtime_empty() { [ -z "$("$RUNC" --root "$ROOT" list -q)" ]; }
sync_ok() { [[ "$SYNC" =~ ^2\ ok\ [0-9]+\ [0-9]+$ ]] && [ "$RC" = 0 ]; }
# started ID: the monitor reported "2 ok" (else the test cannot go on).
started() {
	sync_ok && return 0
	fail "$1: monitor did not start the container (status $RC: $SYNC)"
	return 1
}

test_exit_code_and_log_of_a_created_then_started_container() {
	bundle exit42 false sh -c 'echo out; echo err >&2; exit 42'
	monitor exit42
	check "create: sync line '2 ok PID MONITOR_PID' ($SYNC)" sync_ok || return
	local t0 t1
	t0=$(date +%s%N)
	"$RUNC" --root "$ROOT" start exit42 || fail "runc start exit42"
	wait_gone "$MPID" || fail "monitor did not exit after the container"
	t1=$(date +%s%N)
	check "exit file: exit_code 42" [ "$(exit_field exit42 exit_code)" = 42 ]
	check "exit file: signal 0, oom false, pid, proto 2" [ "$(exit_field exit42 signal)" = 0 -a \
		"$(exit_field exit42 oom)" = false -a "$(exit_field exit42 pid)" = "$CPID" -a \
		"$(exit_field exit42 proto)" = 2 ]
	check "exit file: time is the exit's (CLOCK_REALTIME ns, between the start and the monitor's end)" \
		[ "$(exit_field exit42 time)" -ge "$t0" -a "$(exit_field exit42 time)" -le "$t1" ]
	check "log: '<RFC3339Nano> stdout F out'" has_log exit42 "$TS stdout F out\$"
	check "log: '<RFC3339Nano> stderr F err'" has_log exit42 "$TS stderr F err\$"
	check "no temporary exit file left" not compgen -G "$EXITS/.*.tmp"
	"$RUNC" --root "$ROOT" delete exit42
}

test_run_mode_creates_and_starts_in_one_call() {
	bundle run3 false sh -c 'echo ran; exit 3'
	monitor run3 --run
	started run3 || return
	wait_gone "$MPID"
	check "--run: exit_code 3, output logged" [ "$(exit_field run3 exit_code)" = 3 ]
	check "--run: output logged" has_log run3 "stdout F ran\$"
	"$RUNC" --root "$ROOT" delete run3
}

test_killed_container_reports_128_plus_signal() {
	bundle killed false sleep 1000
	monitor killed --run
	started killed || return
	"$RUNC" --root "$ROOT" kill killed KILL
	wait_gone "$MPID"
	check "runc kill KILL: exit_code 137, signal 9" [ "$(exit_field killed exit_code)" = 137 -a \
		"$(exit_field killed signal)" = 9 ]
	"$RUNC" --root "$ROOT" delete killed
}

test_sigterm_to_the_monitor_leaves_the_container_alone() {
	bundle term false sleep 1000
	monitor term --run
	started term || return
	kill -TERM "$MPID"
	sleep 0.2
	check "SIGTERM: monitor and container still alive" kill -0 "$MPID" "$CPID"
	"$RUNC" --root "$ROOT" kill term KILL
	wait_gone "$MPID"
	check "SIGTERM: the exit is still recorded (137)" [ "$(exit_field term exit_code)" = 137 ]
	"$RUNC" --root "$ROOT" delete term
}

test_missing_command_reports_runc_message_and_leaves_nothing() {
	bundle bad false /nonexistent
	monitor bad
	check "bad command: '2 error runtime' with runc's message ($SYNC)" \
		like "$SYNC" "2 error runtime *\"/nonexistent\"*no such file or directory"
	check "bad command: no runtime state left" runtime_empty
	check "bad command: no monitor left" [ -z "$(pgrep -f -- "--id bad ")" ]
	check "bad command: no console socket or exit file" [ ! -e "$EXITS/bad" ]
}

test_missing_runtime_binary_is_an_exec_error() {
	bundle norunc false true
	SYNC=$("$MON" --proto 2 --runtime "$T/no/runc" --runtime-root "$ROOT" --id norunc \
		--bundle "$T/b-norunc" --exit-dir "$EXITS" --log "$T/norunc.log" --sync-fd 3 \
		3>&1 >/dev/null 2>&1)
	native_check "missing runtime: '2 error exec' naming it ($SYNC)" \
		like "$SYNC" "2 error exec *$T/no/runc*"
}

test_unknown_protocol_is_refused() {
	local v
	for v in 1 3; do
		SYNC=$("$MON" --proto $v --future-option x --sync-fd 3 3>&1 >/dev/null 2>&1)
		RC=$?
		check "proto $v: '2 error proto ...' and status 2 ($RC, $SYNC)" \
			like "$RC $SYNC" "2 2 error proto *"
	done
	SYNC=$("$MON" --proto 2 --runtime "$RUNC" --sync-fd 3 3>&1 >/dev/null 2>&1)
	check "missing arguments: '2 error usage ...' ($SYNC)" like "$SYNC" "2 error usage *"
}

# Create container NAME with the runtime script $T/NAME-runtime (printf FORMAT, with $T for
# %s) and a runtime timeout of TIMEOUT_MS: the monitor's answer in SYNC, its time in MS.
create_with_runtime_script() {
	local name=$1 timeout=$2 format=$3 t0
	# shellcheck disable=SC2059
	printf "$format" "$T" >"$T/$name-runtime"
	chmod +x "$T/$name-runtime"
	bundle "$name" false true
	t0=$(date +%s%N)
	SYNC=$("$MON" --proto 2 --runtime "$T/$name-runtime" --runtime-root "$ROOT" --id "$name" \
		--bundle "$T/b-$name" --exit-dir "$EXITS" --log "$T/$name.log" --sync-fd 3 \
		--runtime-timeout-ms "$timeout" 3>&1 >/dev/null 2>&1)
	MS=$((($(date +%s%N) - t0) / 1000000))
}

test_hung_runtime_times_out_and_is_killed() {
	create_with_runtime_script hang 300 '#!/bin/sh\necho $$ > %s/hung.pid\nexec sleep 1000\n'
	check "hung runtime: '2 error timeout' after ${MS} ms, not before the 300 ms ($SYNC)" \
		like "$SYNC $((MS >= 300))" "2 error timeout * 1"
	check "hung runtime: its process killed" wait_gone "$(cat "$T/hung.pid")"
}

test_a_runtime_flooding_stderr_fails_at_once() {
	# 256 KiB on stderr, more than a pipe holds, then its error and a failure. A monitor that
	# did not drain the pipe would block it until the runtime timeout: '2 error timeout'.
	create_with_runtime_script flood 60000 '#!/bin/sh\n# %s\nhead -c 262144 /dev/zero | tr "\\\\0" x >&2\necho >&2\necho "flood: the last words" >&2\nexit 1\n'
	check "flooding runtime: '2 error runtime' with its last line, no timeout ($SYNC)" \
		like "$SYNC" "2 error runtime flood: the last words"
}

test_caller_can_exit_while_the_container_runs() {
	bundle detach false sleep 1000
	# The caller is a subshell that starts the monitor and exits.
	(
		monitor detach
		echo "$RC $BASHPID $SYNC" >"$T/detach.sync"
	)
	read -r RC caller SYNC <"$T/detach.sync"
	read -r _ _ CPID MPID <<<"$SYNC"
	MPIDS="$MPIDS ${MPID:-}"
	started detach || return
	local ppid sid
	ppid=$(ps -o ppid= -p "$MPID" | tr -d ' ')
	sid=$(ps -o sid= -p "$MPID" | tr -d ' ')
	check "caller gone, monitor alive with another parent (ppid $ppid)" \
		[ -n "$ppid" -a "$ppid" != "$caller" -a "$ppid" != $$ ]
	check "monitor leads its own session" [ "$sid" = "$MPID" ]
	check "container created (runc state)" \
		grep -q '"status": "created"' <("$RUNC" --root "$ROOT" state detach)
	native_check "monitor holds only its own descriptors (<= 10)" \
		[ "$(find /proc/"$MPID"/fd -mindepth 1 | wc -l)" -le 10 ]
	"$RUNC" --root "$ROOT" start detach
	measure_memory "$MPID"
	"$RUNC" --root "$ROOT" kill detach KILL
	wait_gone "$MPID"
	"$RUNC" --root "$ROOT" delete detach
}

measure_memory() {
	local rss pss
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/"$1"/status)
	pss=$(awk '/^Pss:/ {print $2}' /proc/"$1"/smaps_rollup)
	echo "info monitor of a running 'sleep 1000': VmRSS ${rss} kB, PSS ${pss} kB"
	native_check "monitor RSS below 1 MiB (${rss} kB)" [ "$rss" -lt 1024 ]
}

test_terminal_mode_logs_the_pty() {
	bundle tty true sh -c 'tty; echo done'
	monitor tty --terminal --run
	started tty || return
	wait_gone "$MPID"
	check "terminal: 'tty' prints /dev/pts/N into the log" has_log tty "$TS stdout F /dev/pts/[0-9]+"
	check "terminal: exit 0" [ "$(exit_field tty exit_code)" = 0 ]
	check "terminal: console socket removed" [ ! -e "$T/b-tty/console.sock" ]
	"$RUNC" --root "$ROOT" delete tty
}

test_terminal_with_a_socket_path_longer_than_sun_path() {
	local dir
	dir=$T/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
	mkdir -p "$dir"
	bundle ttylong true sh -c 'tty'
	monitor ttylong --terminal --run --console-socket "$dir/console.sock" \
		--pid-file "$dir/container.pid"
	started ttylong || return
	wait_gone "$MPID"
	check "long socket path: pty logged" has_log ttylong "stdout F /dev/pts/[0-9]+"
	check "long socket path: --pid-file honoured, socket removed" \
		[ "$(cat "$dir/container.pid")" = "$CPID" -a ! -e "$dir/console.sock" ]
	"$RUNC" --root "$ROOT" delete ttylong
}

test_partial_and_long_lines() {
	bundle partial false sh -c 'printf abc; printf def >&2; head -c 10000 /dev/zero | tr "\0" x; echo'
	monitor partial --run
	started partial || return
	wait_gone "$MPID"
	check "no newline before EOF: 'stderr P def'" has_log partial "$TS stderr P def\$"
	check "8 KiB without newline: P record of 8192 bytes, then F with the rest" \
		has_log partial "$TS stdout P abcx{8189}\$"
	check "... then F with the rest" has_log partial "$TS stdout F x{1811}\$"
	"$RUNC" --root "$ROOT" delete partial
}

test_oom_killed_container_reports_oom() {
	bundle oom false --memory=$((16 << 20)) tail /dev/zero
	monitor oom --run
	started oom || return
	wait_gone "$MPID"
	check "OOM kill: oom true, exit_code 137 ($(cat "$EXITS/oom" 2>/dev/null))" \
		[ "$(exit_field oom oom)" = true -a "$(exit_field oom exit_code)" = 137 ]
	"$RUNC" --root "$ROOT" delete oom
	# A runtime slow to return (a loaded machine): the kill happens before `run` answers,
	# and must count all the same.
	local slow=$T/slow-run
	printf '#!/bin/sh\n"%s" "$@"; rc=$?; sleep 1; exit $rc\n' "$RUNC" >"$slow"
	chmod +x "$slow"
	bundle oomslow false --memory=$((16 << 20)) tail /dev/zero
	RUNC=$slow monitor oomslow --run
	started oomslow || return
	wait_gone "$MPID"
	check "OOM kill before run returned: oom true ($(cat "$EXITS/oomslow" 2>/dev/null))" \
		[ "$(exit_field oomslow oom)" = true -a "$(exit_field oomslow exit_code)" = 137 ]
	"$RUNC" --root "$ROOT" delete oomslow
}

test_many_lines_are_logged_whole_and_in_order() {
	bundle many false sh -c 'seq 1 50000; seq 1 50000 >&2'
	monitor many --run
	started many || return
	wait_gone "$MPID"
	local s
	for s in stdout stderr; do
		check "50000 lines on $s, each an F record, in order" \
			cmp -s <(seq 1 50000) <(grep -E "$TS $s F " "$T/many.log" | sed 's/.* F //')
	done
	"$RUNC" --root "$ROOT" delete many
}

test_no_descriptor_leaks_into_the_container() {
	bundle fds false ls /proc/self/fd
	monitor fds --run
	started fds || return
	wait_gone "$MPID"
	check "container sees only stdio (and ls's own fd 3)" \
		[ "$(sed -E 's/.* stdout F //' "$T/fds.log" | tr '\n' ' ')" = "0 1 2 3 " ]
	"$RUNC" --root "$ROOT" delete fds
}

test_output_held_open_after_exit_does_not_hang_the_monitor() {
	# Without a pid namespace, a background child keeps stdout open after the init exits.
	bundle held false --hostpid sh -c 'sleep 1000 & echo bye; exit 7'
	monitor held --run
	started held || return
	check "held pipe: monitor exits after the init, the pipe still held" wait_gone "$MPID"
	check "held pipe: exit file written (7)" [ "$(exit_field held exit_code)" = 7 ]
	check "held pipe: output logged" has_log held "stdout F bye\$"
	kill_cgroup held
	"$RUNC" --root "$ROOT" delete --force held
}

# log_size ID: the log's size in bytes.
log_size() { stat -c %s "$T/$1.log"; }

test_attach_round_trip_through_cat_with_stdin() {
	local sock=$T/cat.sock out
	bundle cat false cat
	monitor cat --run --stdin --attach-socket "$sock"
	started cat || return
	check "attach socket: mode 0600 while the container runs" \
		[ "$(stat -c %a "$sock" 2>/dev/null)" = 600 ]
	out=$(att "$sock" --out "$T/cat.out" hello 'stdin:hello\n' expect:hello close read)
	check "attach: HELLO '2 <offset> 0 1 0' (stdin, no terminal)" \
		like "$out" "HELLO 2 [0-9]* 0 1 0*"
	check "attach: STDIN 'hello\\n' comes back from cat as STDOUT" \
		[ "$(cat "$T/cat.out")" = hello ]
	check "attach: STDIN_CLOSE ends cat, then END (${out//$'\n'/ })" like "$out" "*EXPECT ok*END*"
	wait_gone "$MPID"
	check "attach: cat exited 0 after its stdin closed" [ "$(exit_field cat exit_code)" = 0 ]
	check "attach: the log has cat's line" has_log cat "$TS stdout F hello\$"
	check "attach: socket removed at the end" [ ! -e "$sock" ]
	"$RUNC" --root "$ROOT" delete cat
}

test_hello_offset_and_unfinished_line_give_every_byte_once() {
	local sock=$T/off.sock out size
	bundle off false sh -c 'echo one; echo two; printf abc; exec cat'
	monitor off --run --stdin --attach-socket "$sock"
	started off || return
	wait_for has_log off "stdout F two\$"
	sleep 0.1
	size=$(log_size off)
	out=$(att "$sock" --out "$T/off.out" hello 'stdin:def\n' expect:def close read)
	check "HELLO's LOGOFFSET is the log's size at connect ($size: ${out//$'\n'/ })" \
		like "$out" "HELLO 2 $size 0 1 0*END*"
	wait_gone "$MPID"
	# The log up to LOGOFFSET, then the live records: each byte once.
	check "log up to LOGOFFSET + live output = all output, once" \
		[ "$(head -c "$size" "$T/off.log" | sed -E 's/^[^ ]+ stdout F //'; cat "$T/off.out")" = \
		"$(printf 'one\ntwo\nabcdef')" ]
	check "the unfinished line is logged whole once ended" has_log off "stdout F abcdef\$"
	"$RUNC" --root "$ROOT" delete off
}

test_two_clients_both_get_the_output() {
	local sock=$T/two.sock
	bundle two false sh -c 'read x; seq 1 20000; seq 1 100 >&2'
	monitor two --run --stdin --attach-socket "$sock"
	started two || return
	att "$sock" --out "$T/two.b" --err "$T/two.be" hello read >"$T/two.bres" &
	wait_for grep -qs HELLO "$T/two.bres"
	att "$sock" --out "$T/two.a" --err "$T/two.ae" hello 'stdin:go\n' read >"$T/two.ares"
	wait
	check "two clients: both got all of stdout" \
		[ "$(seq 1 20000)" = "$(cat "$T/two.a")" -a "$(seq 1 20000)" = "$(cat "$T/two.b")" ]
	check "two clients: both got stderr as STDERR records" \
		[ "$(seq 1 100)" = "$(cat "$T/two.ae")" -a "$(seq 1 100)" = "$(cat "$T/two.be")" ]
	check "two clients: both got END" grep -q END "$T/two.ares" "$T/two.bres"
	wait_gone "$MPID"
	"$RUNC" --root "$ROOT" delete two
}

test_a_client_that_never_reads_does_not_stop_the_container() {
	local sock=$T/slow.sock line total
	line=$(printf '%0100d' 0)
	total=$((101 * 200000))
	# 40 bursts of 505 kB: a live reader always keeps up (its queue holds more than a burst),
	# the stuck client's queue overflows after the third.
	bundle slow false sh -c "read x; i=0; while [ \$i -lt 40 ]; do yes $line | head -n 5000;
		sleep 0.05; i=\$((i + 1)); done; sleep 1; exit 5"
	monitor slow --run --stdin --attach-socket "$sock"
	started slow || return
	# Connects, then never reads (started directly, so that $! is the client itself).
	"$PY" tests/monitor/attach.py "$sock" hello sleep:300 >"$T/slow.stuck" &
	local stuck=$!
	wait_for grep -qs HELLO "$T/slow.stuck"
	att "$sock" --out "$T/slow.out" hello 'stdin:go\n' read >"$T/slow.res" &
	local reader=$!
	HWM=
	wait_for 600 exited_noting_hwm slow
	check "stuck client: the socket is gone once the exit file exists" [ ! -e "$sock" ]
	check "stuck client: container finished, exit file written (5)" \
		[ "$(exit_field slow exit_code)" = 5 ]
	check "stuck client: ... while that client is still stuck (it never read)" alive "$stuck"
	wait "$reader"
	check "stuck client: the log has all 200000 lines, in order" \
		[ "$(grep -Ec "$TS stdout F $line\$" "$T/slow.log")" = 200000 ]
	check "stuck client: the reading client got all bytes, END ($(tr '\n' ' ' <"$T/slow.res"))" \
		[ "$(tr '\n' ' ' <"$T/slow.res")" = "HELLO 2 0 0 1 0 END OUT $total ERR 0 " ]
	check "stuck client: ... byte for byte" cmp -s <(yes "$line" | head -n 200000) "$T/slow.out"
	native_check "stuck client: the monitor's peak RSS stayed bounded (${HWM:-?} kB < 4096)" \
		[ -n "$HWM" -a "${HWM:-0}" -lt 4096 ]
	check "stuck client: the monitor exits after the exit file" wait_gone "$MPID"
	check "stuck client: ... while that client is still stuck" alive "$stuck"
	kill "$stuck" 2>/dev/null
	wait "$stuck" 2>/dev/null
	"$RUNC" --root "$ROOT" delete slow
}

test_garbage_from_a_client_closes_only_its_connection() {
	local sock=$T/junk.sock g out
	bundle junk false cat
	monitor junk --run --stdin --attach-socket "$sock"
	started junk || return
	for g in raw:99:1 raw:16:40000 'rawp:18:0 80' 'rawp:18:24 x' 'rawp:18:24  80' \
		'rawp:18:65536 80' rawp:17:x raw:1:3 raw:0:0; do
		out=$(att "$sock" hello "$g" closed 2>&1)
		check "garbage '$g': that connection is closed" like "$out" "HELLO *CLOSED"
	done
	out=$(att "$sock" hello full:31)
	check "a 33rd client is refused with the limit (${out//$'\n'/ })" like "$out" \
		"*FULL REFUSED 2 busy 32*"
	check "... and its connection is kept for RESIZE, closed at STDIN" like "$out" \
		"*RESIZE kept*STDIN closed*"
	out=$(att "$sock" --out "$T/junk.out" hello 'stdin:still here\n' expect:here close read)
	check "after the garbage: monitor and container carry on" like "$out" "*EXPECT ok*END*"
	wait_gone "$MPID"
	check "after the garbage: exit 0" [ "$(exit_field junk exit_code)" = 0 ]
	"$RUNC" --root "$ROOT" delete junk
}

test_stdin_without_a_stdin_is_a_protocol_error() {
	local sock=$T/nostdin.sock out
	bundle nostdin false sh -c 'read x; echo "read [$x]"; exec sleep 1000'
	monitor nostdin --run --attach-socket "$sock"
	started nostdin || return
	out=$(att "$sock" hello 'stdin:x\n' closed)
	check "no --stdin: HELLO says STDIN 0, STDIN closes the connection (${out//$'\n'/ })" \
		like "$out" "HELLO 2 * 0 0 0*CLOSED"
	check "no --stdin: the container's stdin is /dev/null" \
		wait_for has_log nostdin "stdout F read \\[\\]\$"
	"$RUNC" --root "$ROOT" kill nostdin KILL
	wait_gone "$MPID"
	"$RUNC" --root "$ROOT" delete nostdin
}

test_resize_with_a_terminal_is_seen_by_stty() {
	local sock=$T/rsz.sock out
	bundle rsz true sh -c 'read x; stty size'
	monitor rsz --run --terminal --attach-socket "$sock"
	started rsz || return
	out=$(att "$sock" --out "$T/rsz.out" hello 'resize:33 111' 'stdin:go\n' read)
	check "terminal: HELLO '2 <offset> 0 1 1' (${out//$'\n'/ })" like "$out" "HELLO 2 * 0 1 1*END*"
	check "terminal: RESIZE 33 111 seen by 'stty size' (live output)" grep -q '^33 111' "$T/rsz.out"
	wait_gone "$MPID"
	check "terminal: ... and in the log" has_log rsz "stdout F 33 111"
	"$RUNC" --root "$ROOT" delete rsz
}

test_attach_socket_path_longer_than_sun_path() {
	local dir sock out
	dir=$T/$(printf 'f%.0s' {1..60})/$(printf 'g%.0s' {1..60})
	sock=$dir/attach.sock
	mkdir -p "$dir"
	bundle attlong false sh -c 'read x; echo "got $x"'
	monitor attlong --run --stdin --attach-socket "$sock"
	started attlong || return
	check "long attach path (${#sock} bytes): socket bound, mode 0600" \
		[ "$(stat -c %a "$sock" 2>/dev/null)" = 600 ]
	out=$(att "$sock" hello 'stdin:abc\n' expect:'got abc' read)
	check "long attach path: round trip" like "$out" "*EXPECT ok*END*"
	wait_gone "$MPID"
	check "long attach path: socket removed" [ ! -e "$sock" ]
	"$RUNC" --root "$ROOT" delete attlong
}

test_log_rotation_at_log_size_max() {
	local sock=$T/rot.sock out l=$T/rot.log
	bundle rot false sh -c 'i=1; while [ $i -le 100 ]; do
		echo "line $i of the rotation test"; i=$((i + 1)); done; exec cat'
	monitor rot --run --stdin --attach-socket "$sock" --log-size-max 4096
	started rot || return
	wait_for has_log rot "stdout F line 100 of"
	check "rotation: log and log.1 exist" [ -f "$l" -a -f "$l.1" ]
	check "rotation: each file at most 4096 bytes ($(stat -c %s "$l" "$l.1" | tr '\n' ' '))" \
		[ "$(stat -c %s "$l")" -le 4096 -a "$(stat -c %s "$l.1")" -le 4096 ]
	check "rotation: no record split (every line of both files a whole record)" \
		not grep -Evq "$TS stdout F line [0-9]+ of the rotation test\$" "$l.1" "$l"
	check "rotation: all 100 lines across log.1 and log, in order" \
		[ "$(cat "$l.1" "$l" | sed -E 's/.* F line ([0-9]+) .*/\1/')" = "$(seq 1 100)" ]
	out=$(att "$sock" hello close read)
	check "rotation: HELLO counts 1 rotation, LOGOFFSET is the new file's size (${out//$'\n'/ })" \
		like "$out" "HELLO 2 $(stat -c %s "$l") 1 1 0*"
	wait_gone "$MPID"
	"$RUNC" --root "$ROOT" delete rot
}

# refused ARGS...: the monitor answers "2 error usage ...".
refused() { like "$("$MON" "$@" 3>&1 >/dev/null 2>&1)" "2 error usage *"; }

test_v2_arguments_are_checked() {
	local a=(--proto 2 --runtime "$RUNC" --runtime-root "$ROOT" --id x --exit-dir "$EXITS" --sync-fd 3)
	local c=("${a[@]}" --bundle "$T/b-x" --log "$T/x.log")
	local e=("${a[@]}" --exec e1 --process /p.json --pid-file /p)
	check "--log-size-max below 4096 is refused" refused "${c[@]}" --log-size-max 100
	check "--process without --exec is refused" refused "${c[@]}" --process /p.json
	check "--exec with --log is refused" refused "${e[@]}" --log "$T/x.log"
	check "--exec with --stdin is refused" refused "${e[@]}" --stdin
	check "--exec with --delete is refused" refused "${e[@]}" --delete
	check "--exec with --terminal needs --console-socket" refused "${e[@]}" --terminal
	check "--exec with a bad name is refused" refused "${a[@]}" --exec ../x --process /p --pid-file /p
	check "--preserve-fds above 64 is refused" refused "${e[@]}" --preserve-fds 65
	check "--restore with --run is refused" refused "${c[@]}" --restore /img --run
	check "--restore-work without --restore is refused" refused "${c[@]}" --restore-work /w
	check "--restore with --exec is refused" refused "${e[@]}" --restore /img
	check "--preserve-fds naming closed descriptors is refused" refused "${e[@]}" --preserve-fds 2
}

# process_json NAME TERMINAL(true|false) ARGS...: an exec's process.json in $T/p-NAME.json.
process_json() {
	local name=$1 term=$2
	shift 2
	python3 - "$T/spec.json" "$T/p-$name.json" "$term" "$@" <<'PY'
import json, sys
src, dst, term, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
p = json.load(open(src))["process"]
p["args"], p["terminal"], p["cwd"] = args, term == "true", "/"
json.dump(p, open(dst, "w"))
PY
}

# execmon ID NAME [OPTIONS...]: start an exec session's monitor in container ID with this
# function's stdio (and any other descriptors it was given); SYNC, RC as for monitor, EPID the
# exec'd process, MPID its monitor.
execmon() {
	local id=$1 name=$2
	shift 2
	{ SYNC=$("$MON" --proto 2 --runtime "$RUNC" --runtime-root "$ROOT" --id "$id" \
		--exec "$name" --process "$T/p-$name.json" --pid-file "$T/$name.pid" \
		--exit-dir "$EXITS" --sync-fd 3 "$@" 3>&1 >&8 2>&9 8>&- 9>&-); } 8>&1 9>&2
	RC=$?
	read -r _ _ EPID MPID <<<"$SYNC"
	MPIDS="$MPIDS ${MPID:-}"
}

# host_up ID: a container running `sleep 100` to exec into; HMPID is its monitor.
host_up() {
	bundle "$1" false sleep 100
	monitor "$1" --run
	HMPID=${MPID:-}
	started "$1"
}

# host_down ID: kill the container; nothing of it, or of its exec sessions, may be left.
host_down() {
	"$RUNC" --root "$ROOT" kill "$1" KILL
	wait_gone "$HMPID"
	"$RUNC" --root "$ROOT" delete "$1"
	check "exec ($1): no monitor or process left" \
		[ -z "$(pgrep -f -- "--id $1 ")" -a ! -e /sys/fs/cgroup/pids/libctr/"$1" ]
}

test_exec_sessions_report_exit_codes_and_use_the_callers_descriptors() {
	host_up xa || return
	process_json e7 false sh -c 'exit 7'
	execmon xa e7 </dev/null >/dev/null 2>&1
	check "exec: sync line '2 ok PID MONITOR_PID' ($SYNC)" sync_ok
	check "exec: the monitor reaps the process, exit file EXITS/NAME: exit_code 7" \
		wait_for field_is e7 exit_code 7
	check "exec: exit file: pid of the sync line, signal 0, oom false, proto 2" \
		[ "$(exit_field e7 pid)" = "$EPID" -a "$(exit_field e7 signal)" = 0 -a \
		"$(exit_field e7 oom)" = false -a "$(exit_field e7 proto)" = 2 ]
	check "exec: --pid-file written" [ "$(cat "$T/e7.pid")" = "$EPID" ]
	check "exec: the monitor exits after the exit file" wait_gone "$MPID"

	# The process's stdio is the caller's: when it closes them, the caller sees end of file.
	process_json eout false sh -c 'read x; echo "out $x"; echo err >&2; exec >&- 2>&-; exec sleep 1000'
	execmon xa eout 2>"$T/eout.2" > >(cat >"$T/eout.1"; date +%s%N >"$T/eout.eof") \
		< <(echo in)
	started eout || return
	check "exec: the caller sees end of file on stdout while the process runs on" \
		wait_for [ -s "$T/eout.eof" -a ! -e "$EXITS/eout" ]
	check "exec: stdin, stdout and stderr are the caller's" \
		[ "$(cat "$T/eout.1")" = "out in" -a "$(cat "$T/eout.2")" = err ]
	kill -KILL "$EPID"
	wait_gone "$MPID"

	process_json epres false sh -c 'echo three >&3; echo four >&4; ls /proc/self/fd >&3'
	execmon xa epres --preserve-fds 2 </dev/null >/dev/null 2>&1 5>"$T/pres.3" 6>"$T/pres.4"
	started epres || return
	wait_gone "$MPID"
	check "exec --preserve-fds 2: the caller's 5 and 6 are the process's 3 and 4" \
		[ "$(head -1 "$T/pres.3")" = three -a "$(cat "$T/pres.4")" = four ]
	check "exec --preserve-fds 2: nothing else leaks in (0-4 and ls's own)" \
		[ "$(tail -n +2 "$T/pres.3" | tr '\n' ' ')" = "0 1 2 3 4 5 " ]

	process_json ekill false sleep 1000
	execmon xa ekill </dev/null >/dev/null 2>&1
	started ekill || return
	kill -9 "$EPID"
	wait_gone "$MPID"
	check "exec: a killed process: exit_code 137, signal 9" \
		[ "$(exit_field ekill exit_code)" = 137 -a "$(exit_field ekill signal)" = 9 ]

	process_json enone false /nonexistent
	execmon xa enone </dev/null >/dev/null 2>"$T/enone.2"
	check "exec of a missing executable: '2 error runtime' with runc's message ($SYNC)" \
		like "$SYNC" "2 error runtime *\"/nonexistent\"*no such file or directory"
	check "exec failure: no exit file, the container still runs" \
		[ ! -e "$EXITS/enone" -a "$(pgrep -f -- "--exec enone")" = "" ] &&
		grep -q '"status": "running"' <("$RUNC" --root "$ROOT" state xa)
	host_down xa
}

test_exec_sessions_with_a_terminal() {
	local fifo=$T/rsx.in out
	host_up xt || return
	process_json ttyx true tty
	execmon xt ttyx --terminal --console-socket "$T/ttyx.cs" </dev/null >"$T/ttyx.out" 2>/dev/null
	started ttyx || return
	wait_gone "$MPID"
	check "exec --terminal: 'tty' prints /dev/pts/N to the caller's stdout" \
		grep -Eq '^/dev/pts/[0-9]+' "$T/ttyx.out"
	check "exec --terminal: exit 0, console socket removed" \
		[ "$(exit_field ttyx exit_code)" = 0 -a ! -e "$T/ttyx.cs" ]

	mkfifo "$fifo"
	exec 7<>"$fifo"
	process_json rsx true sh -c 'read x; stty size; echo "read $x"'
	execmon xt rsx --terminal --console-socket "$T/rsx.cs" --attach-socket "$T/rsx.att" \
		<"$fifo" >"$T/rsx.out" 2>/dev/null
	started rsx || { exec 7>&-; return; }
	att "$T/rsx.att" hello read >"$T/rsx.res" &
	wait_for grep -qs HELLO "$T/rsx.res"
	out=$(att "$T/rsx.att" hello 'resize:25 91')
	check "exec --terminal --attach-socket: HELLO '2 0 0 0 1' ($out)" [ "$out" = "HELLO 2 0 0 0 1" ]
	out=$(att "$T/rsx.att" hello 'stdin:x\n' closed)
	check "exec: STDIN on the attach socket is a protocol error" like "$out" "*CLOSED"
	echo go >&7
	exec 7>&-
	wait_gone "$MPID"
	wait
	check "exec --terminal: the caller's stdin reaches the process, RESIZE seen by stty" \
		[ "$(tr -d '\r' <"$T/rsx.out" | grep -v '^go$' | tr '\n' ' ')" = "25 91 read go " ]
	check "exec: a client gets no output, then END ($(tr '\n' ' ' <"$T/rsx.res"))" \
		[ "$(tr '\n' ' ' <"$T/rsx.res")" = "HELLO 2 0 0 0 1 END OUT 0 ERR 0 " ]
	check "exec: attach socket removed, exit file written" \
		[ ! -e "$T/rsx.att" -a "$(exit_field rsx exit_code)" = 0 ]
	host_down xt
}

for t in $(declare -F | awk '$3 ~ /^test_/ {print $3}'); do
	[[ $t =~ ${ONLY:-.} ]] || continue
	$t
done
if [ "$failed" != 0 ]; then
	echo "monitor tests: FAILED"
	exit 1
fi
echo "monitor tests: all passed"
