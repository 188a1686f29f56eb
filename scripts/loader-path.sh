#!/bin/sh
# Tells the dynamic loader about LIBDIR after `make install` (add) and forgets it after
# `make uninstall` (remove), so that programs linked with `pkg-config --libs libctr` run
# without LD_LIBRARY_PATH. A LIBDIR the loader already searches (/usr/local/lib on Debian,
# through /etc/ld.so.conf.d/libc.conf) only needs ldconfig to cache the new library;
# another one gets a file of its own in CONFDIR, which remove deletes. Only for a real
# install (the Makefile calls it when DESTDIR is empty) and only as root: anyone else is
# told how to run programs instead.
# Usage: scripts/loader-path.sh add|remove LIBDIR [CONFDIR]
set -eu
what=$1 libdir=$2 confdir=${3:-/etc/ld.so.conf.d}
PATH=$PATH:/sbin:/usr/sbin
# One file per LIBDIR, named after it: /opt/ctr/lib gets libctr-opt-ctr-lib.conf.
conf=$confdir/libctr$(printf '%s' "$libdir" | tr -c 'A-Za-z0-9._\n' -).conf

# Whether the loader's configuration (or its built-in list) names LIBDIR, under any of its
# names (/lib/x86_64-linux-gnu is /usr/lib/x86_64-linux-gnu on a merged /usr).
searched() {
	want=$(cd "$libdir" 2>/dev/null && pwd -P) || return 1
	ldconfig -v -N 2>/dev/null | sed -n 's/^\(\/.*\): (from .*/\1/p' | {
		while read -r d; do
			[ "$(cd "$d" 2>/dev/null && pwd -P)" = "$want" ] && exit 0
		done
		exit 1
	}
}

if [ "$(id -u)" != 0 ] || [ ! -d "$confdir" ] || ! command -v ldconfig >/dev/null; then
	[ "$what" = add ] &&
		echo "note: the dynamic loader is not told about $libdir (needs root and ldconfig);" \
			"run programs with LD_LIBRARY_PATH=$libdir, or link them with -Wl,-rpath,$libdir" >&2
	exit 0
fi
case $what in
add)
	if [ ! -e "$conf" ] && ! searched; then
		printf '# Written by libctr'"'"'s make install, removed by make uninstall.\n%s\n' \
			"$libdir" >"$conf"
	fi
	;;
remove) rm -f "$conf" ;;
*)
	echo "usage: $0 add|remove LIBDIR [CONFDIR]" >&2
	exit 2
	;;
esac
ldconfig
