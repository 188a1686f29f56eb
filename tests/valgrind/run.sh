#!/bin/sh
# make check-valgrind: test programs (the unit and the integration suite) with the test
# process under valgrind memcheck. Only that process: runc, ctr-monitor and what the
# library spawns run natively (--trace-children=no). Check forks a child per test; each
# process writes its own log (LOGS/NAME/PID.log) and every log is read afterwards, so an
# error or a definite/indirect leak in any test's child fails the run, even where Check
# has already reported the test as passed.
#
# Usage: tests/valgrind/run.sh NAME PROGRAM [NAME PROGRAM]...
#        tests/valgrind/run.sh --memcheck LOGDIR PROGRAM [ARG]... (one program, exec'd)
# Environment: VG_LOGS (the log directory; default a new one under /tmp, kept on failure),
# CK_TIMEOUT_MULTIPLIER (default 10), VALGRIND (default valgrind), VG_CLEANUP and
# VG_MONITOR (below).
set -u
here=$(cd "$(dirname "$0")" && pwd)

# Run valgrind memcheck (VG_EXEC=exec: in place of this shell), logging to LOGDIR/PID.log,
# on PROGRAM [ARG]... A suppression names a place outside libctr (libctr.supp); a stack
# through libctr or the tests is never suppressed. Leaks of kind "possible" and "reachable"
# (a detached thread's stack, what a test's child still holds when Check makes it exit)
# are not errors.
memcheck() {
	dir=$1
	shift
	${VG_EXEC:-} "${VALGRIND:-valgrind}" --tool=memcheck --trace-children=no \
		--child-silent-after-fork=no --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=40 \
		--suppressions="$here/libctr.supp" --gen-suppressions=all \
		--log-file="$dir/%p.log" "$@"
}

if [ "${1:-}" = --memcheck ]; then
	shift
	VG_EXEC="exec" memcheck "$@"
fi

logs=${VG_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/ctr-valgrind-XXXXXX")}
# Check's per-test timeouts were set for native speed.
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
export CK_TIMEOUT_MULTIPLIER
failed=""

run_one() {
	name=$1
	prog=$2
	start=$(date +%s)
	if [ -n "${VG_MONITOR:-}" ]; then
		echo "valgrind: $name: $prog natively, its monitors under memcheck"
		"$prog"
	else
		mkdir -p "$logs/$name"
		echo "valgrind: $name: $prog (logs in $logs/$name)"
		memcheck "$logs/$name" "$prog"
	fi
	rc=$?
	echo "valgrind: $name: exit $rc after $(($(date +%s) - start)) s"
	[ "$rc" = 0 ] || failed="$failed $name(exit $rc)"
}

# Sum over the logs of NAME: the processes valgrind finished (an ERROR SUMMARY each), their
# errors, and the bytes definitely and indirectly lost.
scan() {
	name=$1
	# shellcheck disable=SC2016
	awk '
	/ERROR SUMMARY:/ { procs++; errs += $4; if ($4 > 0) bad[FILENAME] = 1 }
	/definitely lost:/ { gsub(",", "", $4); def += $4 }
	/indirectly lost:/ { gsub(",", "", $4); ind += $4 }
	/WARNING: unhandled .* syscall/ { sys[$NF] = 1 }
	END {
		for (s in sys) list = list " " s
		printf "valgrind: %s: %d processes checked, %d errors, ", name, procs, errs
		printf "%d bytes definitely lost, %d indirectly\n", def, ind
		if (list != "")
			printf "valgrind: %s: syscalls valgrind lacks (libctr falls back):%s\n",
			    name, list
		for (f in bad) print f > badlist
	}' name="$name" badlist="$logs/$name.bad" "$logs/$name"/*.log
	if [ -s "$logs/$name.bad" ]; then
		failed="$failed $name(valgrind errors)"
		while read -r f; do
			echo "valgrind: ---- $f"
			grep -v '^--[0-9]*-- ' "$f" | head -200
		done < "$logs/$name.bad"
	fi
	grep -q 'ERROR SUMMARY' "$logs/$name"/*.log ||
		failed="$failed $name(no valgrind summary)"
}

# wrapper TOOL PROGRAM: write LOGS/TOOL.sh, which runs PROGRAM under memcheck with logs in
# LOGS/TOOL, and print its path. Every path in it is absolute: the monitor's environment
# may lack PATH.
wrapper() {
	mkdir -p "$logs/$1"
	cat > "$logs/$1.sh" <<-EOF
	#!/bin/sh
	VALGRIND="$(command -v "${VALGRIND:-valgrind}")" exec "$here/run.sh" --memcheck \
		"$logs/$1" "$2" "\$@"
	EOF
	chmod +x "$logs/$1.sh"
	echo "$logs/$1.sh"
}

# ctr-cleanup, which monitors run for restart policies, is libctr code too. With
# VG_CLEANUP=1, CTR_CLEANUP becomes a wrapper that runs it under valgrind with logs of its
# own. Not by default: each run then takes about 0.5 s, longer than the restart backoffs
# that the integration suite restart measures (test_a_restart_storm_backs_off and
# test_on_failure_restarts_up_to_max_retries_without_its_starter fail so).
if [ -n "${CTR_CLEANUP:-}" ] && [ "${VG_CLEANUP:-0}" = 1 ]; then
	CTR_CLEANUP=$(wrapper ctr-cleanup "$CTR_CLEANUP")
	export CTR_CLEANUP
fi

# VG_MONITOR=PATH: the monitors the programs start run under memcheck instead, from PATH (a
# build valgrind can follow: the static musl ctr-monitor has an allocator it cannot
# replace), and the programs themselves run natively. Each monitor and each child it forks
# logs to LOGS/ctr-monitor; a child that execs the runtime or the container's process
# leaves no summary, nor does a monitor a test kills.
if [ -n "${VG_MONITOR:-}" ]; then
	CTR_MONITOR=$(wrapper ctr-monitor "$VG_MONITOR")
	CTR_TEST_SLOW_MONITOR=1 # for the tests that need the monitor at native speed
	export CTR_MONITOR CTR_TEST_SLOW_MONITOR
fi

while [ $# -ge 2 ]; do
	run_one "$1" "$2"
	[ -n "${VG_MONITOR:-}" ] || scan "$1"
	shift 2
done
for tool in ctr-cleanup ctr-monitor; do # when some ran under valgrind
	for f in "$logs/$tool"/*.log; do
		[ -e "$f" ] && scan "$tool"
		break
	done
done

if [ -n "$failed" ]; then
	echo "valgrind: FAILED:$failed (logs in $logs)"
	exit 1
fi
echo "valgrind: no errors, no definite or indirect leaks"
[ -n "${VG_LOGS:-}" ] || rm -rf "$logs"
