#!/bin/sh
# A real install (DESTDIR empty) as a user does it, called by tests/install.sh as root in a
# private mount namespace (unshare -m): /etc is an overlay there, so the dynamic loader's
# configuration and cache that make install changes are thrown away with the namespace and
# the machine's stay as they were. The loader is the real one: a program built with
# pkg-config runs without LD_LIBRARY_PATH, for a prefix the loader did not search before
# (install adds it) and for one it did (install only runs ldconfig); uninstall leaves
# nothing, not even the directories it made or the loader's file.
# Usage: tests/install-real.sh SCRATCH (holds hello.c; a fresh prefix is made inside it)
set -eu
cd "$(dirname "$0")/.."
dest=$1
mkdir "$dest/etc-upper" "$dest/etc-work"
if ! mount -t overlay overlay -o "lowerdir=/etc,upperdir=$dest/etc-upper,workdir=$dest/etc-work" /etc; then
	echo "install: SKIP a real install (no overlay over /etc for the loader's files)"
	exit 0
fi
prefix=$dest/prefix # does not exist: make install makes it, make uninstall removes it
conf=/etc/ld.so.conf.d/libctr$(printf '%s' "$prefix/lib" | tr -c 'A-Za-z0-9._\n' -).conf
fail=0
bad() {
	echo "install: $*" >&2
	fail=1
}

# Builds hello with pkg-config and runs it as a user's shell would, with no LD_LIBRARY_PATH;
# the library must be the one just installed (the machine may have another in /usr/local).
run_hello() { # $1: what the case is
	flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs libctr)
	# shellcheck disable=SC2086
	cc -o "$dest/hello" "$dest/hello.c" $flags
	out=$(env -u LD_LIBRARY_PATH "$dest/hello" 2>&1) || true
	[ "$out" = 1.1.0 ] || bad "$1: a program built with pkg-config printed '$out'"
	env -u LD_LIBRARY_PATH ldd "$dest/hello" | grep -q "libctr.so.1 => $prefix/lib/libctr.so.1 " ||
		bad "$1: the program does not load $prefix/lib/libctr.so.1: $(ldd "$dest/hello" | grep libctr)"
}

# Nothing of the install is left: no prefix, no loader file, nothing in the loader's cache.
check_gone() { # $1: what the case is
	[ ! -e "$prefix" ] || bad "$1: uninstall left $(find "$prefix" | sed "s|^$dest/||" | tr '\n' ' ')"
	[ ! -e "$conf" ] || bad "$1: uninstall left $conf"
	! ldconfig -p | grep -qF "$prefix/" || bad "$1: the loader's cache still lists $prefix"
}

# A prefix the loader does not search: install adds a file for it to /etc/ld.so.conf.d.
make -s install PREFIX="$prefix" >/dev/null
[ -e "$conf" ] || bad "install did not tell the loader about $prefix/lib ($conf is missing)"
ldconfig -p | grep -qF "$prefix/lib/libctr.so.1" || bad "the loader's cache does not list $prefix/lib"
run_hello "a prefix new to the loader"
# The installed library finds its installed monitor (needs the busybox rootfs).
rootfs=$(pwd)/build/rootfs
if [ -x "$rootfs/bin/busybox" ]; then
	out=$(env -u CTR_MONITOR -u CTR_CLEANUP -u LD_LIBRARY_PATH CTR_STATE_DIR="$dest/s" \
		CTR_RUN_DIR="$dest/r" "$prefix/libexec/libctr/examples/hello" "$rootfs" 2>&1) || true
	[ "$out" = "hello from a container
exit code 0" ] || bad "the installed hello printed '$out'"
else
	echo "install: SKIP running a container from the installed copy (needs build/rootfs)"
fi
make -s uninstall PREFIX="$prefix" >/dev/null
check_gone "a prefix new to the loader"

# A prefix the loader searches already (as /usr/local/lib on Debian): install adds no file
# of its own, and uninstall leaves the administrator's file.
echo "$prefix/lib" >/etc/ld.so.conf.d/test-prefix.conf
make -s install PREFIX="$prefix" >/dev/null
[ ! -e "$conf" ] || bad "install wrote $conf for a prefix the loader searches already"
run_hello "a prefix the loader searches"
make -s uninstall PREFIX="$prefix" >/dev/null
check_gone "a prefix the loader searches"
[ -e /etc/ld.so.conf.d/test-prefix.conf ] || bad "uninstall removed a loader file it did not write"

make -s lib >/dev/null # back to the default paths

# The default prefix, /usr/local, with /usr/local as an overlay too: Debian's loader searches
# /usr/local/lib (/etc/ld.so.conf.d/libc.conf), so install only runs ldconfig; uninstall
# leaves /usr/local and /etc/ld.so.conf.d as they were. Not over another copy of libctr.
if [ -e /usr/local/lib/libctr.so.1 ]; then
	echo "install: SKIP installing to /usr/local (a libctr is installed there)"
elif mkdir "$dest/local-upper" "$dest/local-work" &&
	mount -t overlay overlay -o "lowerdir=/usr/local,upperdir=$dest/local-upper,workdir=$dest/local-work" /usr/local; then
	prefix=/usr/local
	find /usr/local /etc/ld.so.conf.d | sort >"$dest/before"
	make -s install >/dev/null
	if grep -qsx /usr/local/lib /etc/ld.so.conf.d/*.conf; then
		[ ! -e /etc/ld.so.conf.d/libctr-usr-local-lib.conf ] ||
			bad "install wrote a loader file for /usr/local/lib, which the loader searches already"
	fi
	run_hello "the default prefix"
	make -s uninstall >/dev/null
	left=$(find /usr/local /etc/ld.so.conf.d | sort | diff "$dest/before" - | sed -n 's/^[<>] //p')
	[ -z "$left" ] || bad "uninstall from /usr/local did not restore: $(echo "$left" | tr '\n' ' ')"
	! ldconfig -p | grep -qF /usr/local/lib/libctr || bad "the loader's cache still lists /usr/local/lib/libctr"
else
	echo "install: SKIP installing to /usr/local (no overlay over it)"
fi
[ $fail = 0 ] && echo "install: a real install (new prefix, prefix in the loader's path, /usr/local) runs a pkg-config program without LD_LIBRARY_PATH; uninstall leaves nothing: ok"
exit $fail
