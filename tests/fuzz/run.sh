#!/bin/sh
# Build every libFuzzer target in tests/fuzz/ with ASan+UBSan and run each for a bounded
# time over its seed corpus (tests/fuzz/corpus/<target without fuzz_>/).
# Usage: tests/fuzz/run.sh [CLANG] [SECONDS]
set -eu
clang=${1:-clang}
secs=${2:-}
[ -n "$secs" ] || secs=${FUZZ_SECONDS:-20}
out=build-fuzz
mkdir -p "$out"
flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilibctr $(pkg-config --cflags json-c)
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
libs="$(pkg-config --libs tdb json-c libseccomp libcap libarchive) -pthread"
status=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	seeds=tests/fuzz/corpus/${name#fuzz_}
	# shellcheck disable=SC2086
	$clang $flags -o "$out/$name" "$src" libctr/*.c $libs
	work="$out/$name.corpus"
	rm -rf "$work"
	mkdir -p "$work"
	[ -d "$seeds" ] && cp "$seeds"/* "$work"/ 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	if ! "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/$name-" "$work" > "$out/$name.log" 2>&1; then
		echo "fuzz: $name FAILED; see $out/$name.log and $out/$name-*" >&2
		tail -n 30 "$out/$name.log" >&2
		status=1
	else
		echo "fuzz: $name: $(grep -o 'Done [0-9]* runs.*' "$out/$name.log" | tail -n1): ok"
	fi
done
exit $status
