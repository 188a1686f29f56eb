#!/bin/sh
# The library's ABI against the release's baseline (abi/libctr.abi, made by abidw): a change
# to anything the baseline has — a function's signature, a type's size or layout, a removed
# symbol — fails; added functions pass. A deliberate change (an opts struct growing at its
# end) is made by regenerating the baseline with `make abi-baseline` in the same commit
# (ABI.md).
# Usage: tests/abi/abidiff.sh LIB BASELINE
set -u
lib=${1:?usage: abidiff.sh LIB BASELINE}
base=${2:?usage: abidiff.sh LIB BASELINE}
if ! command -v abidiff >/dev/null; then
	echo "abi: abidiff is missing (Debian package abigail-tools; make deps installs it)" >&2
	exit 1
fi
out=$(abidiff --no-added-syms --headers-dir2 include/ctr "$base" "$lib" 2>&1)
status=$?
# abidiff's status is a bit set: 1 error, 2 usage, 4 an ABI change, 8 an incompatible one.
if [ "$status" != 0 ]; then
	echo "abi: $lib differs from $base (abidiff status $status):" >&2
	echo "$out" >&2
	exit 1
fi
echo "abi: abidiff against $base: no change to what the baseline has"
