#!/bin/sh
# The public header compiles alone as strict C99 and as C++.
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
	return (int)o.sz == 0 || s != CTR_STATE_RUNNING;
}
C
cp "$tmp/t.c" "$tmp/t.cc"
sed -i 's/CTR_OPTS(ctr_runtime_opts_t, o, .flags = CTR_RUNTIME_NOSYNC);/ctr_runtime_opts_t o = ctr_runtime_opts_t(); o.sz = sizeof(o);/' "$tmp/t.cc"
fail=0
$cc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/c.o" || fail=1
$cc -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/c11.o" || fail=1
$cxx -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.cc" -o "$tmp/cc.o" || fail=1
if [ $fail = 0 ]; then
	echo "header: ctr/ctr.h compiles as C99, C11 and C++11: ok"
else
	echo "header: FAILED" >&2
	exit 1
fi
