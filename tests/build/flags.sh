#!/bin/sh
# The Makefile asks pkg-config for flags only when a recipe needs them, never while it is
# read: `make demo` and `make check` install the packages (deps) after make has parsed the
# Makefile, so a flag read at parse time would be the bare fallback (-lcheck without -lm
# and -lsubunit) on a fresh machine. A pkg-config on PATH that logs its calls tells.
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
real=$(command -v pkg-config)
cat > "$tmp/pkg-config" <<SH
#!/bin/sh
echo "\$*" >> "$tmp/calls"
exec "$real" "\$@"
SH
chmod +x "$tmp/pkg-config"
PATH="$tmp:$PATH" make -s -n help >/dev/null
if [ -s "$tmp/calls" ]; then
	echo "build flags: pkg-config ran while the Makefile was read:" >&2
	sed 's/^/  pkg-config /' "$tmp/calls" >&2
	exit 1
fi
# And a recipe that needs them still gets check's full flags, asked once.
PATH="$tmp:$PATH" make -s -n B="$tmp/b" "$tmp/b/tests/unit" > "$tmp/out"
want=$(pkg-config --libs check)
grep -q -- "$want" "$tmp/out" || { echo "build flags: the unit tests' link lacks '$want'" >&2; exit 1; }
n=$(grep -c -- '--libs check' "$tmp/calls")
[ "$n" = 1 ] || { echo "build flags: pkg-config --libs check ran $n times, not once" >&2; exit 1; }
echo "build flags: pkg-config runs when a recipe needs it, once"
