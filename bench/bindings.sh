#!/bin/sh
# The bindings' overhead for `make bench`: the same two measurements from C
# (build/bench/bench_state), Python (bindings/python/bench_state.py) and Lua
# (bindings/lua/bench_state.lua): one ctr_state() of a running container, and a lifecycle of
# /bin/true. Each prints "state_us X" and "lifecycle_ms Y"; this prints the rows and puts the
# values in $CTR_BENCH_KV (py_state_us, lua_lifecycle_ms, ...) for run.sh's ratios.
# Usage: bench/bindings.sh BUILD_DIR ROOTFS [CALLS] [LIFECYCLES]
set -u
B=${1:?usage: bindings.sh BUILD_DIR ROOTFS [CALLS] [LIFECYCLES]}
rootfs=${2:?usage: bindings.sh BUILD_DIR ROOTFS [CALLS] [LIFECYCLES]}
calls=${3:-100000}
n=${4:-20}
CTR_LIBRARY=$B/libctr.so.1
CTR_TEST_ROOTFS=$rootfs
export CTR_LIBRARY CTR_TEST_ROOTFS
status=0

# measure LANG LABEL CMD...: run it, print its rows, record its values.
measure() {
	lang=$1 label=$2
	shift 2
	if ! out=$("$@" 2>&1); then
		echo "bench: $label failed: $out" >&2
		status=1
		return
	fi
	state=$(echo "$out" | awk '$1 == "state_us" { print $2 }')
	life=$(echo "$out" | awk '$1 == "lifecycle_ms" { print $2 }')
	echo "| ctr_state of a running container from $label | - | $state µs | - | - |"
	echo "| create+start+wait+remove of /bin/true from $label | - | $life ms | - | - |"
	[ -z "${CTR_BENCH_KV:-}" ] || printf '%s_state_us %s\n%s_lifecycle_ms %s\n' \
		"$lang" "$state" "$lang" "$life" >>"$CTR_BENCH_KV"
}

measure c C "$B/bench/bench_state" "$rootfs" "$calls" "$n"
measure py Python /usr/bin/python3 bindings/python/bench_state.py "$rootfs" "$calls" "$n"
if command -v luajit >/dev/null; then
	measure lua "Lua (LuaJIT)" luajit bindings/lua/bench_state.lua "$rootfs" "$calls" "$n"
fi
exit $status
