#!/bin/sh
# Every public function that returns int says what it returns: the comment right before its
# declaration in include/ctr/*.h (ending on the line above it) has an "@return" naming what
# success gives and each failure code (issue 17). Functions returning void or a pointer are
# not checked.
# Usage: scripts/check-header-docs.sh [HEADER...]
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- include/ctr/*.h

awk '
FNR == 1 { text = ""; end = -1; open = 0 }
# A comment: from the line that opens it to the line that closes it (one line or several).
!open && /\/\*/ { open = 1; text = "" }
open {
	text = text "\n" $0
	if (/\*\//) { open = 0; end = FNR }
	next
}
/^CTR_API[ \t]+int[ \t]+ctr_[A-Za-z0-9_]*[ \t]*\(/ {
	name = $0
	sub(/^CTR_API[ \t]+int[ \t]+/, "", name)
	sub(/[ \t]*\(.*/, "", name)
	if (end != FNR - 1)
		why = "no comment right before it"
	else if (text !~ /@return/)
		why = "its comment has no @return"
	else
		next
	printf "%s:%d: %s returns int but %s\n", FILENAME, FNR, name, why > "/dev/stderr"
	bad++
}
END { exit bad ? 1 : 0 }
' "$@" || {
	echo "header docs: FAILED: say what each function returns (@return: 0 or its value," \
		"then each CTR_E_* code and when)" >&2
	exit 1
}
echo "header docs: every int function in $* has an @return: ok"
