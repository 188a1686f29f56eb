"""The package as pip installs it (pyproject.toml): into a fresh venv, offline, with the
interpreter's own setuptools, then imported from there and finding libctr through the
dynamic loader. Skipped, saying why, for an interpreter without venv, pip, setuptools or
wheel (Debian: python3-venv, python3-setuptools, python3-wheel)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

import ctr

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)  # bindings/python


def _interpreters():
    """This interpreter, Debian's and the python3 on PATH, each once."""
    found = {}
    for exe in (sys.executable, "/usr/bin/python3", shutil.which("python3")):
        if exe and os.path.exists(exe):
            found.setdefault(os.path.realpath(exe), exe)
    return sorted(found.values())


def _env(**extra):
    """The environment less what would change how pip and the import behave: pip's own
    settings (a find-links or an index from the machine), PYTHONPATH, CTR_LIBRARY and
    LD_LIBRARY_PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))
           and k not in ("CTR_LIBRARY", "LD_LIBRARY_PATH")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env.update(extra)
    return env


def _run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def _skip(why, r):
    pytest.skip("%s: %s" % (why, (r.stderr or r.stdout).strip().splitlines()[-1:]))


def _project_version():
    with open(os.path.join(SRC, "pyproject.toml")) as f:
        return re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)


def test_pyproject_version_is_the_library_s():
    assert _project_version() == ctr.version()


@pytest.mark.parametrize("python", _interpreters())
def test_pip_installs_the_package_into_a_venv_offline(python, tmp_path):
    src = tmp_path / "src"  # a copy: an in-tree build would leave build/ in the repository
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(SRC, name), str(src / name))
    shutil.copytree(os.path.join(SRC, "ctr"), str(src / "ctr"),
                    ignore=shutil.ignore_patterns("__pycache__", "_installed.py"))
    venv = tmp_path / "venv"
    vpy = str(venv / "bin" / "python")

    r = _run([python, "-m", "venv", "--system-site-packages", str(venv)], env=_env())
    if r.returncode != 0:
        _skip("%s cannot make a venv with pip (python3-venv)" % python, r)
    r = _run([vpy, "-c", "import setuptools, wheel, pip"], env=_env())
    if r.returncode != 0:
        _skip("%s has no setuptools or wheel to build with offline (Debian's python3: "
              "python3-setuptools, python3-wheel)" % python, r)

    r = _run([vpy, "-m", "pip", "install", "--no-build-isolation", "--no-index",
              "--no-cache-dir", "--disable-pip-version-check", str(src)], env=_env())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Successfully installed libctr-%s" % _project_version() in r.stdout

    # Imported from the venv (cwd holds no package), the library found by the loader.
    libdir = tmp_path / "lib"
    libdir.mkdir()
    (libdir / "libctr.so.1").symlink_to(os.path.realpath(ctr.library_path))
    probe = "import ctr; print(ctr.__file__); print(ctr.library_path); print(ctr.version())"
    r = _run([vpy, "-c", probe], env=_env(LD_LIBRARY_PATH=str(libdir)), cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    where, path, version = r.stdout.split()
    assert where.startswith(str(venv) + os.sep) and where.endswith(os.path.join("ctr",
                                                                                "__init__.py"))
    assert (path, version) == ("libctr.so.1", ctr.version())

    # CTR_LIBRARY still comes first; pip uninstalls what it installed.
    r = _run([vpy, "-c", probe], env=_env(CTR_LIBRARY=os.path.realpath(ctr.library_path)),
             cwd=str(tmp_path))
    assert r.returncode == 0 and r.stdout.split()[1] == os.path.realpath(ctr.library_path)
    r = _run([vpy, "-m", "pip", "uninstall", "-y", "libctr"], env=_env())
    assert r.returncode == 0, r.stderr
    r = _run([vpy, "-c", "import ctr"], env=_env(), cwd=str(tmp_path))
    assert r.returncode != 0 and "No module named 'ctr'" in r.stderr
