#!/bin/sh
# Every symbol the shared library exports is a ctr_* function listed in the version
# script, versioned LIBCTR_1.0, and every listed symbol is exported.
# Usage: tests/abi/symbols.sh LIB MAP
set -eu
lib=${1:?usage: symbols.sh LIB MAP}
map=${2:?usage: symbols.sh LIB MAP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//' | grep -v '^LIBCTR_' | sort > "$tmp/exported"
sed -n '/global:/,/local:/p' "$map" | grep -o '^[[:space:]]*ctr_[a-z0-9_]*;' | tr -d ' \t;' | sort > "$tmp/listed"
objdump -T "$lib" | awk '/ ctr_/ && $(NF-1) != "LIBCTR_1.0" {print $NF}' > "$tmp/unversioned"

fail=0
if ! diff -u "$tmp/listed" "$tmp/exported" > "$tmp/diff"; then
	echo "abi: exported symbols differ from $map (- listed only, + exported only):" >&2
	tail -n +3 "$tmp/diff" | grep '^[-+]' >&2
	fail=1
fi
if grep -qv '^ctr_' "$tmp/exported"; then
	echo "abi: symbols outside the ctr_ namespace: $(grep -v '^ctr_' "$tmp/exported" | tr '\n' ' ')" >&2
	fail=1
fi
if [ -s "$tmp/unversioned" ]; then
	echo "abi: symbols without LIBCTR_1.0: $(tr '\n' ' ' < "$tmp/unversioned")" >&2
	fail=1
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = libctr.so.1 ] || { echo "abi: SONAME is '$soname', not libctr.so.1" >&2; fail=1; }
[ $fail = 0 ] && echo "abi: $(wc -l < "$tmp/exported") symbols, all ctr_*, all LIBCTR_1.0, match $map: ok"
exit $fail
