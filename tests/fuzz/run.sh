#!/bin/sh
# Build every libFuzzer target in tests/fuzz/ with ASan+UBSan and run each for a bounded
# time over its seed corpus (tests/fuzz/corpus/<target without fuzz_>/).
# Usage: tests/fuzz/run.sh [CLANG] [SECONDS] [split|each]
#   split (the default, make check-fuzz): SECONDS (default $FUZZ_SECONDS, else 20) is the
#         whole budget, shared evenly by the targets (at least 1 s each);
#   each  (make fuzz): every target runs for SECONDS.
# The library's sources (libctr/<layer>/*.c) are compiled once (instrumented, -fsanitize=fuzzer-no-link) and linked into
# each target. Inputs are at most 64 KiB (-max_len=65536): the tar target extracts them.
set -eu
clang=${1:-clang}
secs=${2:-}
mode=${3:-split}
[ -n "$secs" ] || secs=${FUZZ_SECONDS:-20}
case $mode in
split | each) ;;
*)
	echo "usage: $0 [CLANG] [SECONDS] [split|each]" >&2
	exit 2
	;;
esac
out=build-fuzz
mkdir -p "$out/obj"
incs=$(sed -n 's|^\([a-z]\)|-Ilibctr/\1|p' libctr/LAYERS | tr '\n' ' ')
cflags="-g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude $incs $(pkg-config --cflags json-c)"
san="address,undefined -fno-sanitize-recover=all"
libs="$(pkg-config --libs tdb json-c libseccomp libcap libarchive nettle) -pthread"

# The library, instrumented once for all targets.
rm -f "$out"/obj/*.o
# shellcheck disable=SC2086
ls libctr/*/*.c | xargs -P "$(nproc)" -I{} sh -c \
	'f={}; b=$(basename "$f" .c); exec '"$clang $cflags -fsanitize=fuzzer-no-link,$san"' -c -o '"$out"'/obj/"$b".o "$f"'

targets=$(ls tests/fuzz/fuzz_*.c 2>/dev/null || true)
n=$(echo "$targets" | grep -c . || true)
[ "$n" -gt 0 ] || exit 0
if [ "$mode" = split ]; then
	per=$((secs / n))
	[ "$per" -ge 1 ] || per=1
else
	per=$secs
fi
echo "fuzz: $n targets, ${per}s each"
# The targets' temporary directories (state stores, extractions): here, so that a crashed
# run leaves nothing in /tmp; cleared at each start.
TMPDIR=$(pwd)/$out/tmp
export TMPDIR
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
status=0
for src in $targets; do
	name=$(basename "$src" .c)
	seeds=tests/fuzz/corpus/${name#fuzz_}
	# shellcheck disable=SC2086
	$clang $cflags -fsanitize=fuzzer,$san -o "$out/$name" "$src" "$out"/obj/*.o $libs
	work="$out/$name.corpus"
	rm -rf "$work"
	mkdir -p "$work"
	[ -d "$seeds" ] && cp "$seeds"/* "$work"/ 2>/dev/null || true
	echo "fuzz: $name for ${per}s"
	if ! "$out/$name" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$out/$name-" "$work" > "$out/$name.log" 2>&1; then
		echo "fuzz: $name FAILED; see $out/$name.log and $out/$name-*" >&2
		tail -n 30 "$out/$name.log" >&2
		status=1
	else
		echo "fuzz: $name: $(grep -o 'Done [0-9]* runs.*' "$out/$name.log" | tail -n1): ok"
	fi
done
exit $status
