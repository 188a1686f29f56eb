#!/bin/sh
# The public header compiles alone as strict C99 and as C++, with what it includes
# (events.h, io.h, fs.h, image.h, net.h) reachable through it and nowhere else.
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
	size_t image_opts = sizeof(ctr_image_import_opts_t) + sizeof(ctr_image_pull_opts_t);
	int (*pull)(ctr_runtime_t *, const char *, const ctr_image_pull_opts_t *, char **) =
	    ctr_image_pull;
	return (int)o.sz == 0 || s != CTR_STATE_RUNNING || follow == 0 || image_opts == 0 ||
	       !pull || !(CTR_PULL_INSECURE & 1u);
}
C
cp "$tmp/t.c" "$tmp/t.cc"
sed -i 's/CTR_OPTS(ctr_runtime_opts_t, o, .flags = CTR_RUNTIME_NOSYNC);/ctr_runtime_opts_t o = ctr_runtime_opts_t(); o.sz = sizeof(o);/' "$tmp/t.cc"
fail=0
$cc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/c.o" || fail=1
$cc -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.c" -o "$tmp/c11.o" || fail=1
$cxx -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/t.cc" -o "$tmp/cc.o" || fail=1
# A part on its own is refused, naming ctr.h.
for h in events.h io.h fs.h image.h net.h; do
	printf '#include <ctr/%s>\n' "$h" > "$tmp/part.c"
	if $cc -std=c99 -Iinclude -c "$tmp/part.c" -o "$tmp/part.o" 2> "$tmp/part.err" ||
		! grep -q 'ctr/ctr.h' "$tmp/part.err"; then
		echo "header: ctr/$h alone does not fail naming ctr/ctr.h" >&2
		fail=1
	fi
done
if [ $fail = 0 ]; then
	echo "header: ctr/ctr.h (with events.h, io.h, fs.h, image.h, net.h) compiles as C99, C11 and C++11: ok"
else
	echo "header: FAILED" >&2
	exit 1
fi
