# libctr build. `make help` lists the targets.

VERSION      := 1.1.0
SOVERSION    := 1

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
LIBEXECDIR   ?= $(PREFIX)/libexec
BINDIR       ?= $(PREFIX)/bin
DESTDIR      ?=

CC           ?= cc
CLANG        ?= clang
CFLAGS       ?= -O2 -g
B            ?= build
PKGS         := tdb json-c libseccomp libcap libarchive nettle
# pkg-config is asked when a recipe first needs the answer, not when this file is read:
# `make demo` and `make check` install the packages (deps) after parsing, and a flag taken
# before that would be a bare -lcheck without check's own dependencies. Each variable
# replaces itself with its value on first use, so pkg-config runs once.
lazy         = $(eval $1 := $$(shell $2))$($1)
PKG_CFLAGS   = $(call lazy,PKG_CFLAGS,pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS     = $(call lazy,PKG_LIBS,pkg-config --libs $(PKGS) 2>/dev/null || \
                 echo -ltdb -ljson-c -lseccomp -lcap -larchive -lnettle)
JSONC_LIBS   = $(call lazy,JSONC_LIBS,pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
CHECK_LIBS   = $(call lazy,CHECK_LIBS,pkg-config --libs check 2>/dev/null || echo -lcheck)

WARN         := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# The library's folders are its layers, lowest first (libctr/LAYERS, docs/design.md).
LAYERS       := $(shell sed -n '/^[a-z]/p' libctr/LAYERS)
LIB_INCS     := $(addprefix -Ilibctr/,$(LAYERS))
BASE_CFLAGS   = -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude $(LIB_INCS) $(PKG_CFLAGS) \
                -DCTR_LIBEXECDIR='"$(LIBEXECDIR)"'
LIB_CFLAGS    = $(BASE_CFLAGS) -fPIC -fvisibility=hidden $(SAN_FLAGS)
LIBS          = $(PKG_LIBS) -pthread

LIB_SRCS     := $(foreach l,$(LAYERS),$(wildcard libctr/$(l)/*.c))
LIB_HDRS     := $(foreach l,$(LAYERS),$(wildcard libctr/$(l)/*.h))
LIB_OBJS     := $(LIB_SRCS:libctr/%.c=$(B)/obj/%.o)
SONAME       := libctr.so.$(SOVERSION)
REALNAME     := libctr.so.$(VERSION)
SHLIB        := $(B)/$(REALNAME)
STLIB        := $(B)/libctr.a

UNIT_SRCS    := $(wildcard tests/unit/*.c)
UNIT_BIN     := $(B)/tests/unit
UNIT_SUITES  := $(B)/tests/unit.d/suites.h
ITEST_SRCS   := $(wildcard tests/integration/*.c)
ITEST_BIN    := $(B)/tests/integration
ITEST_SUITES := $(B)/tests/integration.d/suites.h
PROBE        := $(B)/tests/syscall-probe
EXAMPLES     := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c)) $(B)/examples/ctr-run
CTR_RUN_SRCS := $(wildcard examples/ctr-run/*.c)
BENCHES      := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

.DEFAULT_GOAL := all
include monitor/Makefile.inc

.PHONY: check-monitor all lib tests deps install uninstall check check-unit check-asan check-abi check-header \
        check-layers check-fuzz fuzz check-valgrind check-integration check-examples check-bindings abi-baseline demo bench clean \
        help FORCE

CLEANUP      := $(B)/ctr-cleanup

all: lib $(MONITOR) $(CLEANUP) tests $(EXAMPLES) $(BENCHES)

tests: $(UNIT_BIN) $(ITEST_BIN) $(PROBE)

lib: $(SHLIB) $(B)/$(SONAME) $(B)/libctr.so $(STLIB)

help:
	@echo "make            build libctr.so.$(VERSION), libctr.a, tests and examples into $(B)/"
	@echo "make deps       install missing Debian packages (root) or list them"
	@echo "make check      every test suite: unit, integration (runc), crash points, valgrind, ASan+UBSan, ABI, header, fuzz"
	@echo "make demo       a container lifecycle with examples/ctr-run on a busybox rootfs"
	@echo "make bench      performance against runc and podman"
	@echo "make soak       1000 random lifecycles, exit codes and leaks checked"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (300)"
	@echo "make check-faults / check-valgrind / check-asan   one suite of make check"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR= LIBDIR= INCLUDEDIR= LIBEXECDIR="

$(B)/obj/%.o: libctr/%.c $(LIB_HDRS) $(wildcard include/ctr/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(SHLIB): $(LIB_OBJS) libctr/libctr.map
	$(CC) $(CFLAGS) $(SAN_FLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=libctr/libctr.map -Wl,--no-undefined -o $@ $(LIB_OBJS) $(LIBS)

$(B)/$(SONAME) $(B)/libctr.so: $(SHLIB)
	ln -sf $(REALNAME) $@

$(STLIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# A test program's suites.h: a CTR_SUITE(name) line for each suite its test files define
# (tests/fixtures/suites.sh DIR...), expanded by its main.c into the list to run. Written
# at every make, but replaced only when it changes, so that a new or removed file is seen
# and an unchanged list rebuilds nothing. $(call suites_h,DIR...)
define suites_h
	@mkdir -p $(@D)
	@tests/fixtures/suites.sh $1 > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
endef

$(UNIT_SUITES): tests/fixtures/suites.sh FORCE
	$(call suites_h,tests/unit)

$(ITEST_SUITES): tests/fixtures/suites.sh FORCE
	$(call suites_h,tests/integration)

# Tests link the static library so they can reach internal helpers too.
$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(UNIT_SUITES) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(SAN_FLAGS) -Itests/unit -I$(dir $(UNIT_SUITES)) -o $@ \
		$(UNIT_SRCS) $(STLIB) $(CHECK_LIBS) $(LIBS)

$(ITEST_BIN): $(ITEST_SRCS) $(wildcard tests/integration/*.h) $(ITEST_SUITES) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(SAN_FLAGS) -Itests/integration \
		-I$(dir $(ITEST_SUITES)) -o $@ $(ITEST_SRCS) $(STLIB) $(CHECK_LIBS) $(LIBS)

# Run inside containers by the integration tests, so static (like the monitor; MON_CC).
$(PROBE): tests/fixtures/syscall-probe.c monitor/Makefile.inc
	@mkdir -p $(@D)
	$(MON_CC) $(MON_CFLAGS) $(MON_LDFLAGS) -o $@ $<

# ctr-cleanup, run by monitors for restart policies: libctr linked in, so it does not
# depend on where the shared library is installed.
$(CLEANUP): helpers/ctr-cleanup.c $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(SAN_FLAGS) -o $@ $< $(STLIB) $(LIBS)

# Examples and benchmarks link the shared library, as users do.
define link_with_shlib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.c,$^) -L$(B) -lctr \
		-Wl,-rpath,'$$ORIGIN/..' -Wl,-rpath,$(LIBDIR) $(JSONC_LIBS)
endef

$(B)/examples/%: examples/%.c $(B)/libctr.so
	$(link_with_shlib)

# ctr-run, the example CLI, is several files.
$(B)/examples/ctr-run: $(CTR_RUN_SRCS) examples/ctr-run/ctr-run.h $(B)/libctr.so
	$(link_with_shlib)

$(B)/bench/%: bench/%.c $(wildcard bench/*.h) $(B)/libctr.so
	$(link_with_shlib)

deps:
	@scripts/deps.sh $(DEPS_EXTRA)

# ---- install ------------------------------------------------------------------------
# The install paths compiled into the library (LIBEXECDIR: where it finds its monitor) and
# written into libctr.pc: a build with other paths rebuilds what depends on them.
CONFIG_STAMP := $(B)/paths.stamp
PATHS_NOW    := $(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(LIBEXECDIR)
$(CONFIG_STAMP): FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(PATHS_NOW)" ] || echo "$(PATHS_NOW)" > $@
FORCE:
$(B)/obj/api/runtime_open.o: $(CONFIG_STAMP)

$(B)/libctr.pc: pkgconfig/libctr.pc.in Makefile $(CONFIG_STAMP)
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' $< > $(B)/libctr.pc

# What `make install` puts where (relative to DESTDIR). Python goes where /usr/bin/python3
# looks for PREFIX's packages, Lua where LuaJIT's default package.path does.
PYVER        = $(call lazy,PYVER,/usr/bin/python3 -c \
                 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)
PYTHONDIR    ?= $(PREFIX)/lib/python$(PYVER)/dist-packages
LUADIR       ?= $(PREFIX)/share/lua/5.1
EXAMPLESDIR  ?= $(LIBEXECDIR)/libctr/examples
HEADERS      := $(wildcard include/ctr/*.h)
PY_FILES     := $(wildcard bindings/python/ctr/*.py)
LUA_FILES    := $(shell cd bindings/lua 2>/dev/null && find . -name '*.lua' -not -path './tests/*' -not -name 'bench*')

# The directories install makes; install-dirs.sh records those that did not exist in
# MANIFEST, and uninstall removes them again when empty.
LUA_DIRS     := $(sort $(patsubst %/,%,$(dir $(addprefix $(LUADIR)/,$(LUA_FILES:./%=%)))))
INSTALL_DIRS  = $(LIBDIR)/pkgconfig $(INCLUDEDIR)/ctr $(BINDIR) $(LIBEXECDIR)/libctr \
                $(EXAMPLESDIR) $(if $(PY_FILES),$(PYTHONDIR)/ctr) $(LUA_DIRS)
MANIFEST      = $(LIBEXECDIR)/libctr/installed-dirs

# A real install (DESTDIR empty) tells the dynamic loader about LIBDIR, so that programs
# linked with `pkg-config --libs libctr` run as they are: loader-path.sh.
install: lib $(MONITOR) $(CLEANUP) $(B)/libctr.pc $(EXAMPLES)
	scripts/install-dirs.sh create '$(DESTDIR)' '$(MANIFEST)' $(INSTALL_DIRS)
	install -m 0755 $(SHLIB) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libctr.so
	install -m 0644 $(STLIB) $(DESTDIR)$(LIBDIR)/libctr.a
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/ctr/
	install -m 0644 $(B)/libctr.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libctr.pc
	install -m 0755 $(MONITOR) $(DESTDIR)$(LIBEXECDIR)/libctr/ctr-monitor
	install -m 0755 $(CLEANUP) $(DESTDIR)$(LIBEXECDIR)/libctr/ctr-cleanup
	install -m 0755 $(B)/examples/ctr-run $(DESTDIR)$(BINDIR)/ctr-run
	install -m 0755 $(EXAMPLES) $(DESTDIR)$(EXAMPLESDIR)/
	$(if $(PY_FILES),install -m 0644 $(PY_FILES) $(DESTDIR)$(PYTHONDIR)/ctr/ && \
		printf '# Written by make install: where the installed library is.\nLIBRARY = "%s"\n' \
			'$(LIBDIR)/$(SONAME)' > $(DESTDIR)$(PYTHONDIR)/ctr/_installed.py)
	$(foreach f,$(LUA_FILES),install -m 0644 bindings/lua/$(f) $(DESTDIR)$(LUADIR)/$(f) &&) true
	$(if $(DESTDIR),,scripts/loader-path.sh add '$(LIBDIR)')

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libctr.so $(DESTDIR)$(LIBDIR)/libctr.a \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/ctr/,$(notdir $(HEADERS))) \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/libctr.pc $(DESTDIR)$(BINDIR)/ctr-run \
	      $(DESTDIR)$(LIBEXECDIR)/libctr/ctr-monitor $(DESTDIR)$(LIBEXECDIR)/libctr/ctr-cleanup \
	      $(addprefix $(DESTDIR)$(EXAMPLESDIR)/,$(notdir $(EXAMPLES))) \
	      $(addprefix $(DESTDIR)$(LUADIR)/,$(LUA_FILES))
	rm -rf $(DESTDIR)$(PYTHONDIR)/ctr
	scripts/install-dirs.sh remove '$(DESTDIR)' '$(MANIFEST)'
	$(if $(DESTDIR),,scripts/loader-path.sh remove '$(LIBDIR)')

# ---- tests --------------------------------------------------------------------------
check: deps
	@scripts/check.sh

# The lifecycle, sync and exec suites run containers with the monitor and the fake runtime
# over tests/fake-runtime/host-runtime (host processes, so no root needed).
# The image suites' fixtures (tests/fixtures/mkimages.sh) are kept in $(B)/images.
check-unit: $(UNIT_BIN) $(MONITOR)
	CTR_MONITOR=$(CURDIR)/$(MONITOR) CTR_FAKE_RUNTIME=$(CURDIR)/tests/fake-runtime/fake-runtime \
		CTR_TEST_IMAGES=$(CURDIR)/$(B)/images $(UNIT_BIN)

check-monitor: $(MONITOR)
	@tests/monitor/run.sh $(MONITOR)

# mini-init links the shared library, which a sanitizer build does not make (its runtime
# is not linked into shared objects): the ASan run leaves that test to the plain run.
MINI_INIT    := $(if $(SAN_FLAGS),,$(B)/examples/mini-init)

check-integration: $(ITEST_BIN) $(MONITOR) $(CLEANUP) $(MINI_INIT) $(PROBE)
	@tests/fixtures/mkrootfs.sh $(B)/rootfs
	@tests/fixtures/mkimages.sh $(B)/images
	CTR_TEST_ROOTFS=$(CURDIR)/$(B)/rootfs CTR_MONITOR=$(CURDIR)/$(MONITOR) \
		CTR_TEST_IMAGES=$(CURDIR)/$(B)/images \
		CTR_TEST_PROBE=$(CURDIR)/$(PROBE) \
		CTR_CLEANUP=$(CURDIR)/$(CLEANUP) $(if $(MINI_INIT),CTR_MINI_INIT=$(CURDIR)/$(MINI_INIT)) \
		CTR_FAKE_RUNTIME=$(CURDIR)/tests/fake-runtime/fake-runtime $(ITEST_BIN)

# The soak test: random lifecycles from processes and threads, exit codes and leaks checked.
$(B)/tests/soak: $(wildcard tests/soak/*.c tests/soak/*.h) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(SAN_FLAGS) -Itests/soak -o $@ $(wildcard tests/soak/*.c) \
		$(STLIB) $(LIBS)

.PHONY: soak check-soak
SOAK_ENV = CTR_MONITOR=$(CURDIR)/$(MONITOR) CTR_CLEANUP=$(CURDIR)/$(CLEANUP)

soak: $(B)/tests/soak $(MONITOR) $(CLEANUP)
	@tests/fixtures/mkrootfs.sh $(B)/rootfs
	$(SOAK_ENV) $(B)/tests/soak $(CURDIR)/$(B)/rootfs --procs 4 --threads 4 --lifecycles 1000 $(SOAK_ARGS)

check-soak: $(B)/tests/soak $(MONITOR) $(CLEANUP)
	@tests/fixtures/mkrootfs.sh $(B)/rootfs
	$(SOAK_ENV) timeout 300 $(B)/tests/soak $(CURDIR)/$(B)/rootfs --procs 2 --threads 2 --lifecycles 60 $(SOAK_ARGS)

include tests/faults/Makefile.inc

# Header-only helpers in tests/fixtures (procwalk.h, other_boot.h) that these programs include.
$(UNIT_BIN) $(ITEST_BIN) $(FAULTS_BIN) $(B)/tests/soak $(BENCHES): $(wildcard tests/fixtures/*.h)

# The layers of libctr/LAYERS hold: no include or call goes up, no files in a circle.
check-layers: lib
	@scripts/layers.sh $(B)/obj

check-header:
	@tests/header/run.sh $(CC)
	@scripts/check-header-docs.sh

check-abi: lib
	@tests/abi/symbols.sh $(SHLIB) libctr/libctr.map
	@tests/abi/abidiff.sh $(SHLIB) abi/libctr.abi
	@scripts/abi-symbols.sh > $(B)/abi-symbols.txt
	@grep '^- `ctr_' ABI.md | diff -u $(B)/abi-symbols.txt - >&2 || \
		{ echo "abi: ABI.md's symbol list differs from the map: scripts/abi-symbols.sh" >&2; exit 1; }
	@echo "abi: ABI.md lists the map's symbols"

# The ABI baseline of this release (ABI.md): regenerate only for a deliberate change.
abi-baseline: lib
	abidw --no-corpus-path --headers-dir include/ctr --out-file abi/libctr.abi $(SHLIB)

# The bindings' suites, over real runc, with the library and monitor of this build tree.
BINDINGS_ENV = CTR_LIBRARY=$(CURDIR)/$(SHLIB) CTR_TEST_ROOTFS=$(CURDIR)/$(B)/rootfs \
	CTR_TEST_IMAGES=$(CURDIR)/$(B)/images \
	CTR_MONITOR=$(CURDIR)/$(MONITOR) CTR_CLEANUP=$(CURDIR)/$(CLEANUP) \
	CTR_FAKE_RUNTIME=$(CURDIR)/tests/fake-runtime/fake-runtime

check-bindings: lib $(MONITOR) $(CLEANUP)
	@tests/fixtures/mkrootfs.sh $(B)/rootfs
	@tests/fixtures/mkimages.sh $(B)/images
	$(BINDINGS_ENV) timeout 600 /usr/bin/python3 -m pytest -q -p no:cacheprovider bindings/python/tests
	$(BINDINGS_ENV) timeout 600 luajit bindings/lua/tests/run.lua

check-examples: $(EXAMPLES) $(MONITOR) $(CLEANUP)
	@tests/fixtures/mkrootfs.sh $(B)/rootfs
	@tests/fixtures/mkimages.sh $(B)/images
	@CTR_TEST_IMAGES=$(CURDIR)/$(B)/images tests/examples/run.sh $(B)

# LeakSanitizer reads tests/asan/lsan.supp (one entry, for a leak inside libarchive).
check-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/asan/lsan.supp:print_suppressions=0 \
	$(MAKE) B=build-asan CC=$(CLANG) SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		check-unit $(if $(ASAN_ITEST),check-integration)

check-fuzz:
	@tests/fuzz/run.sh $(CLANG) $(FUZZ_SECONDS)

# The unit and integration suites with the test process under valgrind memcheck, then the
# integration and monitor suites again with their monitors under memcheck (VG_MONITOR, a
# glibc build of ctr-monitor): no errors, no definite or indirect leaks (tests/valgrind/run.sh,
# docs/design.md).
VG_ENV = CTR_TEST_ROOTFS=$(CURDIR)/$(B)/rootfs CTR_MONITOR=$(CURDIR)/$(MONITOR) \
	 CTR_CLEANUP=$(CURDIR)/$(CLEANUP) $(if $(MINI_INIT),CTR_MINI_INIT=$(CURDIR)/$(MINI_INIT)) \
	 CTR_FAKE_RUNTIME=$(CURDIR)/tests/fake-runtime/fake-runtime CTR_TEST_PROBE=$(CURDIR)/$(PROBE) \
	 CTR_TEST_IMAGES=$(CURDIR)/$(B)/images
check-valgrind: $(UNIT_BIN) $(ITEST_BIN) $(MONITOR) $(VG_MONITOR) $(CLEANUP) $(MINI_INIT) $(PROBE)
	@tests/fixtures/mkrootfs.sh $(B)/rootfs
	@tests/fixtures/mkimages.sh $(B)/images
	@$(VG_ENV) tests/valgrind/run.sh unit $(UNIT_BIN) integration $(ITEST_BIN)
	@$(VG_ENV) VG_MONITOR=$(CURDIR)/$(VG_MONITOR) tests/valgrind/run.sh \
		monitors $(ITEST_BIN) monitor-suite tests/monitor/run.sh

# Each fuzz target for FUZZ_SECONDS (default 300); check-fuzz shares FUZZ_SECONDS (20) among them.
fuzz: ; @tests/fuzz/run.sh $(CLANG) $${FUZZ_SECONDS:-300} each

demo: deps all
	@scripts/demo.sh

# The yardsticks, podman and conmon, are needed by nothing else.
bench: deps all
	@scripts/deps.sh podman conmon gnuplot-nox
	@bench/run.sh

clean:
	rm -rf build build-asan build-fuzz
