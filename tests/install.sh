#!/bin/sh
# `make install` into a temporary DESTDIR puts every file where PREFIX/LIBDIR/INCLUDEDIR
# say, the library found through the installed libctr.pc links and runs, and `make
# uninstall` removes every file and every directory install made. As root, a real install
# too (tests/install-real.sh).
set -eu
cd "$(dirname "$0")/.."
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make -s install DESTDIR="$dest" PREFIX=/opt/ctr LIBDIR=/opt/ctr/lib64 INCLUDEDIR=/opt/ctr/inc >/dev/null
fail=0
for f in lib64/libctr.so.1.1.0 lib64/libctr.so.1 lib64/libctr.so lib64/libctr.a inc/ctr/ctr.h inc/ctr/events.h \
	inc/ctr/io.h inc/ctr/fs.h inc/ctr/image.h lib64/pkgconfig/libctr.pc libexec/libctr/ctr-monitor libexec/libctr/ctr-cleanup bin/ctr-run \
	libexec/libctr/examples/hello libexec/libctr/examples/ctr-watch libexec/libctr/examples/mini-init; do
	[ -e "$dest/opt/ctr/$f" ] || { echo "install: missing /opt/ctr/$f" >&2; fail=1; }
done
[ "$(readlink "$dest/opt/ctr/lib64/libctr.so.1")" = libctr.so.1.1.0 ] || { echo "install: bad soname link" >&2; fail=1; }
cat > "$dest/hello.c" <<'C'
#include <stdio.h>
#include <ctr/ctr.h>
int main(void) { printf("%s\n", ctr_version()); return ctr_version_number() != CTR_VERSION_NUMBER; }
C
pc="$dest/opt/ctr/lib64/pkgconfig"
flags=$(PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs libctr)
# shellcheck disable=SC2086
cc -o "$dest/hello" "$dest/hello.c" $flags
out=$(LD_LIBRARY_PATH="$dest/opt/ctr/lib64" "$dest/hello")
[ "$out" = 1.1.0 ] || { echo "install: program built with pkg-config printed '$out'" >&2; fail=1; }
# Statically, with the private libraries pkg-config --static names.
sflags=$(PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$pc" pkg-config --static --cflags --libs libctr)
# shellcheck disable=SC2086
sflags=$(echo $sflags | sed 's/-lctr/-l:libctr.a/')
# shellcheck disable=SC2086
cc -o "$dest/hello-static" "$dest/hello.c" $sflags
out=$("$dest/hello-static")
[ "$out" = 1.1.0 ] || { echo "install: program built with pkg-config --static printed '$out'" >&2; fail=1; }
if ldd "$dest/hello-static" | grep -q libctr; then
	echo "install: the --static build still loads libctr.so" >&2
	fail=1
fi
pydir=/opt/ctr/lib/python$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages
for f in bindings/python/ctr/*.py; do
	[ ! -e "$f" ] || [ -e "$dest$pydir/ctr/${f##*/}" ] ||
		{ echo "install: missing python module $dest$pydir/ctr/${f##*/}" >&2; fail=1; }
done
[ ! -e bindings/lua/ctr.lua ] || [ -e "$dest/opt/ctr/share/lua/5.1/ctr.lua" ] ||
	{ echo "install: missing the Lua module" >&2; fail=1; }
make -s uninstall DESTDIR="$dest" PREFIX=/opt/ctr LIBDIR=/opt/ctr/lib64 INCLUDEDIR=/opt/ctr/inc >/dev/null
[ ! -e "$dest/opt" ] || { echo "install: uninstall left $(find "$dest/opt" | sed "s|^$dest||" | tr '\n' ' ')" >&2; fail=1; }
# A DESTDIR that does not exist yet is made (install used to climb past / forever).
if ! timeout 120 make -s install DESTDIR="$dest/new" PREFIX=/opt/ctr >/dev/null ||
	[ ! -e "$dest/new/opt/ctr/bin/ctr-run" ]; then
	echo "install: into a DESTDIR that did not exist failed" >&2
	fail=1
fi
# A real install (no DESTDIR) tells the dynamic loader about the prefix: as root, in a
# private mount namespace where the loader's files can change (tests/install-real.sh).
if [ "$(id -u)" = 0 ]; then
	unshare -m --propagation private tests/install-real.sh "$dest" || fail=1
else
	echo "install: SKIP a real install (needs root)"
fi
[ $fail = 0 ] && echo "install: DESTDIR install, pkg-config builds (shared, static), uninstall: ok"
exit $fail
