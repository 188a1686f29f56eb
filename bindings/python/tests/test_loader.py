"""Finding libctr: CTR_LIBRARY, the build tree, the path make install recorded, the loader's
search path, find_library."""

import os
import shutil
import subprocess
import sys

import pytest

import ctr
from ctr import _lib

PKG = os.path.dirname(os.path.abspath(ctr.__file__))


def refuse_all(path):
    raise OSError("%s: cannot open shared object file" % path)


def test_library_not_found_lists_every_place_looked_at():
    with pytest.raises(ctr.LibraryNotFound) as info:
        _lib.locate(environ={"CTR_LIBRARY": "/nonexistent/libctr.so.1"},
                    build_tree="/nowhere/build/libctr.so.1", installed=None,
                    find_library=lambda name: None, loader=refuse_all)
    msg = str(info.value)
    assert msg.index("dynamic loader") < msg.index("find_library")
    assert "$CTR_LIBRARY=/nonexistent/libctr.so.1" in msg
    assert "build tree /nowhere/build/libctr.so.1: no such file" in msg
    assert "installed path (ctr/_installed.py): not installed by make install" in msg
    assert "find_library('ctr'): nothing found" in msg
    assert "dynamic loader search path for libctr.so.1" in msg
    assert isinstance(info.value, ImportError)
    assert len(info.value.tried) == 5


def test_each_place_is_tried_in_order_and_the_first_that_loads_wins(tmp_path):
    build = tmp_path / "libctr.so.1"
    build.write_bytes(b"")
    tried = []

    def loader(path):
        tried.append(path)
        if path == "libctr.so.1.found":
            return "LIB"
        raise OSError("bad ELF")

    lib, path = _lib.locate(environ={"CTR_LIBRARY": "/env/libctr.so.1"}, build_tree=str(build),
                            installed="/usr/lib/libctr.so.1",
                            find_library=lambda name: "libctr.so.1.found", loader=loader,
                            check=lambda lib: None)
    assert (lib, path) == ("LIB", "libctr.so.1.found")
    assert tried == ["/env/libctr.so.1", str(build), "/usr/lib/libctr.so.1", "libctr.so.1",
                     "libctr.so.1.found"]


def test_a_library_that_is_not_libctr_1_is_passed_over():
    class Version:
        def __init__(self, number):
            self.number = number

        def __call__(self):
            return self.number

    class Lib:
        def __init__(self, number):
            if number is not None:
                self.ctr_version_number = Version(number)

    libs = {"/env/libctr.so.1": Lib(None), "libctr.so.1": Lib(2001000),
            "libctr.so.0": Lib(1002003)}
    lib, path = _lib.locate(environ={"CTR_LIBRARY": "/env/libctr.so.1"}, build_tree=None,
                            installed=None, find_library=lambda name: "libctr.so.0",
                            loader=libs.__getitem__)
    assert (lib, path) == (libs["libctr.so.0"], "libctr.so.0")
    with pytest.raises(ctr.LibraryNotFound) as info:
        _lib.locate(environ={"CTR_LIBRARY": "/env/libctr.so.1"}, build_tree=None,
                    installed=None, find_library=None, loader=libs.__getitem__)
    assert "/env/libctr.so.1: not libctr (no ctr_version_number)" in str(info.value)
    assert "libctr.so.1: libctr 2.1, this binding needs 1.x" in str(info.value)


def test_unset_variable_is_reported_not_tried():
    with pytest.raises(ctr.LibraryNotFound) as info:
        _lib.locate(environ={}, build_tree=None, installed=None, find_library=None,
                    loader=refuse_all)
    assert "$CTR_LIBRARY: not set" in str(info.value)


def _copy_package(tmp_path):
    """The package in a repository-like tree of its own: tmp/repo/bindings/python/ctr,
    whose build tree would be tmp/repo/build."""
    dest = tmp_path / "repo" / "bindings" / "python"
    shutil.copytree(PKG, dest / "ctr", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _import(site, env_library, ld_library_path=None):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "CTR_LIBRARY")}
    env["PYTHONPATH"] = str(site)
    if env_library:
        env["CTR_LIBRARY"] = env_library
    if ld_library_path:
        env["LD_LIBRARY_PATH"] = ld_library_path
    return subprocess.run([sys.executable, "-c", "import ctr; print(ctr.library_path)"],
                          env=env, capture_output=True, text=True, cwd=str(site))


def test_import_fails_with_the_places_when_nothing_loads(tmp_path):
    site = _copy_package(tmp_path)
    r = _import(site, "/nonexistent/libctr.so.1")
    if r.returncode == 0:
        pytest.skip("libctr is installed on this system (%s)" % r.stdout.strip())
    assert "LibraryNotFound" in r.stderr
    assert "/nonexistent/libctr.so.1" in r.stderr
    assert "build tree %s: no such file" % (tmp_path / "repo" / "build" / "libctr.so.1") in r.stderr
    assert "set CTR_LIBRARY" in r.stderr


def test_ctr_library_variable_is_used_first(tmp_path):
    site = _copy_package(tmp_path)
    r = _import(site, ctr.library_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ctr.library_path


def test_build_tree_next_to_the_package_is_found(tmp_path):
    site = _copy_package(tmp_path)
    build = tmp_path / "repo" / "build"
    build.mkdir()
    (build / "libctr.so.1").symlink_to(os.path.realpath(ctr.library_path))
    r = _import(site, None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(build / "libctr.so.1")


def test_the_path_make_install_recorded_is_found(tmp_path):
    site = _copy_package(tmp_path)
    (site / "ctr" / "_installed.py").write_text(
        'LIBRARY = "%s"\n' % os.path.realpath(ctr.library_path))
    r = _import(site, None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.realpath(ctr.library_path)


def test_a_package_outside_the_repository_has_no_build_tree_and_uses_the_loader(tmp_path):
    site = tmp_path / "site-packages"
    shutil.copytree(PKG, site / "ctr", ignore=shutil.ignore_patterns("__pycache__",
                                                                      "_installed.py"))
    libdir = tmp_path / "lib"
    libdir.mkdir()
    (libdir / "libctr.so.1").symlink_to(os.path.realpath(ctr.library_path))
    r = _import(site, None, ld_library_path=str(libdir))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "libctr.so.1"
    r = _import(site, "/nonexistent/libctr.so.1")
    if r.returncode == 0:
        pytest.skip("libctr is installed on this system (%s)" % r.stdout.strip())
    assert "build tree" not in r.stderr and "dynamic loader" in r.stderr
