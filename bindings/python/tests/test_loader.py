"""Finding libctr: CTR_LIBRARY, the build tree, find_library, the loader's search path."""

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
                            find_library=lambda name: "libctr.so.1.found", loader=loader)
    assert (lib, path) == ("LIB", "libctr.so.1.found")
    assert tried == ["/env/libctr.so.1", str(build), "/usr/lib/libctr.so.1",
                     "libctr.so.1.found"]


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


def _import(site, env_library):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "CTR_LIBRARY")}
    env["PYTHONPATH"] = str(site)
    if env_library:
        env["CTR_LIBRARY"] = env_library
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
