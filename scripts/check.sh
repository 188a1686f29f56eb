#!/bin/sh
# `make check`: every test suite, each step named; exits non-zero if any failed.
set -u
cd "$(dirname "$0")/.."
failed=""
step() {
	name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: passed"
	else
		echo "=== $name: FAILED"
		failed="$failed $name"
	fi
}

step build-flags tests/build/flags.sh
step build make -s all
step layers make -s check-layers
step header tests/header/run.sh "${CC:-cc}"
step abi make -s check-abi
step install tests/install.sh
step unit make -s check-unit
if [ "$(id -u)" = 0 ]; then
	step integration make -s check-integration
	step faults make -s check-faults
	step monitor make -s check-monitor
	step examples make -s check-examples
	step bindings make -s check-bindings
	step soak make -s check-soak
	step valgrind make -s check-valgrind
else
	echo "=== integration, monitor: SKIPPED: real runc containers need root (run make check as root)"
	failed="$failed integration(skipped)"
fi
step asan make -s check-asan ASAN_ITEST=$( [ "$(id -u)" = 0 ] && echo 1)
step fuzz make -s check-fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"

if [ -n "$failed" ]; then
	echo "make check: FAILED:$failed"
	exit 1
fi
echo "make check: all suites passed"
