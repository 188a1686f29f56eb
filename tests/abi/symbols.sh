#!/bin/sh
# Every symbol the shared library exports is a ctr_* function listed in the version
# script, carries the version of the node that lists it (LIBCTR_1.0, LIBCTR_1.1, ...), and
# every listed symbol is exported.
# Usage: tests/abi/symbols.sh LIB MAP
set -eu
lib=${1:?usage: symbols.sh LIB MAP}
map=${2:?usage: symbols.sh LIB MAP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//' | grep -v '^LIBCTR_' | sort > "$tmp/exported"
# "symbol node" for each symbol of the map, from the node it is listed in.
awk '/^[[:space:]]*LIBCTR_[0-9.]+[[:space:]]*\{/ { node = $1; sub(/\{.*/, "", node) }
	/^[[:space:]]*ctr_[a-z0-9_]*;/ { s = $1; sub(/;.*/, "", s); print s, node }' "$map" |
	sort > "$tmp/listed-versions"
cut -d' ' -f1 "$tmp/listed-versions" > "$tmp/listed"
objdump -T "$lib" | awk '/ ctr_/ {v = $(NF-1); gsub(/[()]/, "", v); print $NF, v}' | sort > "$tmp/versions"

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
if ! diff -u "$tmp/listed-versions" "$tmp/versions" > "$tmp/vdiff"; then
	echo "abi: symbol versions differ from the map's nodes (- the map, + the library):" >&2
	tail -n +3 "$tmp/vdiff" | grep '^[-+]' >&2
	fail=1
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = libctr.so.1 ] || { echo "abi: SONAME is '$soname', not libctr.so.1" >&2; fail=1; }
nodes=$(cut -d' ' -f2 "$tmp/listed-versions" | sort -u | tr '\n' ' ')
[ $fail = 0 ] && echo "abi: $(wc -l < "$tmp/exported") symbols, all ctr_*, each of its node (${nodes% }), match $map: ok"
exit $fail
