#!/bin/sh
# The library's layers hold (docs/design.md "Layers"): a file of libctr/<layer>/ includes
# only headers of its own layer and of the layers before it in libctr/LAYERS, and no files
# include each other in a circle (a header and its source count as one). With OBJDIR (the
# build's object folder, build/obj) the calls are checked the same way, from the objects'
# symbols: none goes to a higher layer, none closes a circle.
# Usage: scripts/layers.sh [OBJDIR]
set -eu
cd "$(dirname "$0")/.."
objdir=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# layer rank of every library file: "<stem> <rank> <path>"
rank=0
for layer in $(sed -n '/^[a-z]/p' libctr/LAYERS); do
	rank=$((rank + 1))
	for f in libctr/"$layer"/*.[ch]; do
		[ -e "$f" ] || continue
		stem=$(basename "$f")
		echo "${stem%.?} $rank $f"
	done
done | sort -u >"$tmp/files"

fail=0
# includes: "<from stem> <from rank> <to stem> <to rank> <file>"
while read -r stem r f; do
	sed -n 's/^#[ \t]*include[ \t]*"\([^"]*\)\.h".*/\1/p' "$f" | while read -r to; do
		tr=$(awk -v s="$to" '$1 == s { print $2; exit }' "$tmp/files")
		[ -n "$tr" ] || continue # not a library header (ctr/ctr.h, a system header)
		echo "$stem $r $to $tr $f"
	done
done <"$tmp/files" >"$tmp/includes"
awk '$4 > $2 { print "layers: " $5 " includes " $3 ".h, of a higher layer"; bad = 1 }
     END { exit bad }' "$tmp/includes" || fail=1
awk '$1 != $3 { print $1, $3 }' "$tmp/includes" >"$tmp/edges"
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/loop"; then
	echo "layers: files include each other in a circle (tsort lists its files):"
	sed -n 's/^tsort: \([a-z_]*\)$/  \1/p' "$tmp/loop" | head -20
	fail=1
fi

if [ -n "$objdir" ]; then
	# calls: which object defines each global symbol, and which uses it
	grep '\.c$' "$tmp/files" | while read -r stem r f; do
		o=$objdir/${f#libctr/}
		o=${o%.c}.o
		[ -e "$o" ] || { echo "layers: $o is missing (build first)" >&2; exit 1; }
		nm "$o" | awk -v s="$stem" 'NF == 3 && $2 ~ /[TDBR]/ { print "D", s, $3 }
					    NF == 2 && $1 == "U" { print "U", s, $2 }'
	done >"$tmp/syms" || exit 1
	awk 'NR == FNR { r[$1] = $2; next }
	     $1 == "D" { def[$3] = $2; next }
	     { use[$2 " " $3] = 1 }
	     END { for (k in use) { split(k, u, " "); d = def[u[2]]
		     if (d != "" && d != u[1]) print u[1], r[u[1]], d, r[d], u[2] } }' \
		"$tmp/files" "$tmp/syms" | sort -u >"$tmp/calls"
	awk '$4 > $2 { print "layers: " $1 " calls " $5 " of " $3 ", a higher layer"; bad = 1 }
	     END { exit bad }' "$tmp/calls" || fail=1
	awk '{ print $1, $3 }' "$tmp/calls" | sort -u >"$tmp/cedges"
	if ! tsort "$tmp/cedges" >/dev/null 2>"$tmp/loop"; then
		echo "layers: files call each other in a circle (tsort lists its files):"
		sed -n 's/^tsort: \([a-z_]*\)$/  \1/p' "$tmp/loop" | head -20
		fail=1
	fi
fi
layers=$(sed -n '/^[a-z]/p' libctr/LAYERS | wc -l)
[ $fail = 0 ] && echo "layers: $(wc -l <"$tmp/files") files in $layers layers, no include${objdir:+ or call} going up, no circle"
exit $fail
