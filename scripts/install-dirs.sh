#!/bin/sh
# The directories `make install` creates, and `make uninstall` removes again: only those
# install created (an uninstall from /usr/local leaves /usr/local/include, which Debian
# made), and only when they are empty. DIRs and MANIFEST are paths without DESTDIR; the
# manifest lists every directory an install created, deepest first, and a later install
# adds to it.
# Usage: scripts/install-dirs.sh create DESTDIR MANIFEST DIR...
#        scripts/install-dirs.sh remove DESTDIR MANIFEST
set -eu
what=$1 dest=$2 manifest=$3
shift 3
case $what in
create)
	new=
	for d in "$@"; do
		# d and its parents up to the first one that exists (or /: a DESTDIR not made yet)
		while [ "$d" != / ] && [ "$d" != . ] && [ ! -d "$dest$d" ]; do
			new="$new$d
"
			d=$(dirname "$d")
		done
	done
	for d in "$@"; do install -d "$dest$d"; done
	old=$(cat "$dest$manifest" 2>/dev/null || true)
	# Reverse order puts a directory after everything below it.
	printf '%s\n%s' "$old" "$new" | sed '/^$/d' | sort -r -u >"$dest$manifest.tmp"
	mv "$dest$manifest.tmp" "$dest$manifest"
	;;
remove)
	[ -e "$dest$manifest" ] || exit 0
	dirs=$(cat "$dest$manifest")
	rm -f "$dest$manifest"
	printf '%s\n' "$dirs" | while read -r d; do rmdir "$dest$d" 2>/dev/null || true; done
	;;
*)
	echo "usage: $0 create|remove DESTDIR MANIFEST [DIR...]" >&2
	exit 2
	;;
esac
