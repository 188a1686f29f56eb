#!/bin/sh
# `make install` into a temporary DESTDIR puts every file where PREFIX/LIBDIR/INCLUDEDIR
# say, and the library found through the installed libctr.pc links and runs.
set -eu
cd "$(dirname "$0")/.."
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make -s install DESTDIR="$dest" PREFIX=/opt/ctr LIBDIR=/opt/ctr/lib64 INCLUDEDIR=/opt/ctr/inc >/dev/null
fail=0
for f in lib64/libctr.so.1.0.0 lib64/libctr.so.1 lib64/libctr.so lib64/libctr.a inc/ctr/ctr.h inc/ctr/io.h inc/ctr/fs.h \
	lib64/pkgconfig/libctr.pc libexec/libctr/ctr-monitor libexec/libctr/ctr-cleanup; do
	[ -e "$dest/opt/ctr/$f" ] || { echo "install: missing /opt/ctr/$f" >&2; fail=1; }
done
[ "$(readlink "$dest/opt/ctr/lib64/libctr.so.1")" = libctr.so.1.0.0 ] || { echo "install: bad soname link" >&2; fail=1; }
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
[ "$out" = 1.0.0 ] || { echo "install: program built with pkg-config printed '$out'" >&2; fail=1; }
make -s uninstall DESTDIR="$dest" PREFIX=/opt/ctr LIBDIR=/opt/ctr/lib64 INCLUDEDIR=/opt/ctr/inc >/dev/null
left=$(find "$dest/opt" -type f 2>/dev/null | wc -l)
[ "$left" = 0 ] || { echo "install: uninstall left $left files" >&2; fail=1; }
[ $fail = 0 ] && echo "install: DESTDIR install, pkg-config build and uninstall: ok"
exit $fail
