#!/bin/sh
# The public header compiles alone as strict C99 and as C++ (with the headers it includes:
# events.h, io.h, fs.h, which refuse to be included on their own).
# Usage: tests/header/run.sh [CC] [CXX]
set -eu
cc=${1:-cc}
cxx=${2:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/t.c" <<'C'
#include <ctr/ctr.h>
int main(void)
{
	CTR_OPTS(ctr_runtime_opts_t, o, .flags = CTR_RUNTIME_NOSYNC);
	ctr_state_t s = CTR_STATE_RUNNING;
	unsigned follow = CTR_EVENTS_FOLLOW; /* events.h */
	return (int)o.sz == 0 || s != CTR_STATE_RUNNING || follow == 0;
}
C
cp "$tmp/t.c" "$tmp/t.cc"
sed -i 's/CTR_OPTS(ctr_runtime_opts_t, o, .flags = CTR_RUNTIME_NOSYNC);/ctr_runtime_opts_t o = ctr_runtime_opts_t(); o.sz = sizeof(o);/' "$tmp/t.cc"
fail=0
$cc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/c.o" || fail=1
$cc -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/c11.o" || fail=1
$cxx -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.cc" -o "$tmp/cc.o" || fail=1
for h in events io fs; do
	if echo "#include <ctr/$h.h>" | $cc -Iinclude -fsyntax-only -x c - 2>/dev/null; then
		echo "header: ctr/$h.h compiles on its own instead of asking for ctr/ctr.h" >&2
		fail=1
	fi
done
if [ $fail = 0 ]; then
	echo "header: ctr/ctr.h compiles as C99, C11 and C++11: ok"
else
	echo "header: FAILED" >&2
	exit 1
fi
