"""The package as pip builds and installs it (pyproject.toml, whose backend is
_build/backend.py): for each interpreter with pip (this one, Debian's /usr/bin/python3, the
python3 on PATH), into a venv holding neither setuptools nor wheel, offline, with and
without build isolation, editable and from the sdist; then imported from there, finding
libctr through the dynamic loader, and uninstalled. The backend's own wheel and sdist are
checked against the wheel format (RECORD's hashes and sizes) and pyproject.toml."""

import ast
import base64
import csv
import email.parser
import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

import ctr
from ctr import _lib

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)  # bindings/python
BACKEND = os.path.join(SRC, "_build", "backend.py")


def _load_backend():
    spec = importlib.util.spec_from_file_location("_libctr_build_backend", BACKEND)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


backend = _load_backend()
VERSION = backend.project()["version"]
MODULES = sorted(n for n in os.listdir(os.path.join(SRC, "ctr"))
                 if n.endswith(".py") and n != "_installed.py")


def _interpreters():
    """This interpreter, Debian's and the python3 on PATH (perhaps a pyenv shim), each
    once: told apart by the executable each runs as."""
    found = {}
    for exe in (sys.executable, "/usr/bin/python3", shutil.which("python3")):
        if not exe or not os.path.exists(exe):
            continue
        probe = "import os, sys; print(os.path.realpath(sys.executable))"
        r = subprocess.run([exe, "-c", probe], capture_output=True, text=True, timeout=60)
        found.setdefault(r.stdout.strip() if r.returncode == 0 else exe, exe)
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
    kw.setdefault("env", _env())
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def _tree(top):
    """The files under top, less __pycache__."""
    out = set()
    for d, dirs, files in os.walk(top):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        out.update(os.path.relpath(os.path.join(d, f), top) for f in files)
    return out


def _sha256(data):
    """A file's hash as the wheel format's RECORD writes it (sha256=, urlsafe base64, no
    padding), computed here and not by the backend."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return "sha256=" + digest.decode().rstrip("=")


def _record(text):
    """RECORD's rows: (path, hash, size)."""
    return [tuple(row) for row in csv.reader(io.StringIO(text)) if row]


# ---- the backend's archives, in this interpreter ------------------------------------------

def test_pyproject_version_is_the_library_s():
    assert VERSION == ctr.version()


def test_the_backend_reads_pyproject_toml_as_tomllib_does():
    """Before 3.11 there is no tomllib: the backend's own reader must agree with it on the
    real file and on the TOML a [project] table may hold."""
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(SRC, "pyproject.toml")) as f:
        text = f.read()
    assert backend.parse_toml(text)["project"] == tomllib.loads(text)["project"]
    sample = '\n'.join([
        '# a comment', '[project]', 'name = "x"  # trailing', "version = '1.2'",
        'description = "tab\\there, \\"quoted\\", \\u00e9"',
        'classifiers = [', '  "A :: B",  # one', '', '  "C",', ']',
        'urls = {Home = "https://example.org", "Bug tracker" = "https://example.org/b"}',
        'dependencies = []', '[[tool.x.y]]', 'n = 3', 'b = true', '[tool.z]',
        'f = [[1, 2], []]'])
    assert backend.parse_toml(sample)["project"] == tomllib.loads(sample)["project"]
    with pytest.raises(ValueError):
        backend.parse_toml('[project]\nname = "x" "y"\n')


def test_the_backend_and_the_package_are_python_3_7():
    """Requires-Python says >=3.7: no newer syntax (as far as ast's feature_version knows)."""
    assert backend.project()["requires-python"] == ">=3.7"
    for path in [BACKEND] + [os.path.join(SRC, "ctr", n) for n in MODULES]:
        with open(path) as f:
            ast.parse(f.read(), path, feature_version=(3, 7))


def test_the_wheel_follows_the_wheel_format(tmp_path):
    name = backend.build_wheel(str(tmp_path))
    assert name == "libctr-%s-py3-none-any.whl" % VERSION
    info = "libctr-%s.dist-info/" % VERSION
    with zipfile.ZipFile(str(tmp_path / name)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    assert sorted(members) == sorted(["ctr/" + n for n in MODULES] +
                                     [info + "METADATA", info + "WHEEL", info + "RECORD"])
    for n in MODULES:
        with open(os.path.join(SRC, "ctr", n), "rb") as f:
            assert members["ctr/" + n] == f.read()

    rows = _record(members[info + "RECORD"].decode())
    assert sorted(r[0] for r in rows) == sorted(members)
    for path, digest, size in rows:
        if path == info + "RECORD":
            assert (digest, size) == ("", "")
        else:
            assert digest == _sha256(members[path]), path
            assert int(size) == len(members[path])

    wheel = email.parser.Parser().parsestr(members[info + "WHEEL"].decode())
    assert (wheel["Wheel-Version"], wheel["Root-Is-Purelib"], wheel["Tag"]) == \
        ("1.0", "true", "py3-none-any")
    meta = email.parser.Parser().parsestr(members[info + "METADATA"].decode())
    proj = backend.project()
    assert (meta["Metadata-Version"], meta["Name"], meta["Version"]) == \
        ("2.1", "libctr", ctr.version())
    assert meta["Summary"] == proj["description"]
    assert meta["Requires-Python"] == ">=3.7"
    assert meta.get_all("Classifier") == proj["classifiers"]
    assert meta["Description-Content-Type"] == "text/markdown"
    with open(os.path.join(SRC, "README.md")) as f:
        assert meta.get_payload() == f.read()

    # Built again: the same bytes.
    again = tmp_path / "again"
    again.mkdir()
    backend.build_wheel(str(again))
    assert (again / name).read_bytes() == (tmp_path / name).read_bytes()


def test_the_sdist_holds_what_builds_the_package_again(tmp_path):
    name = backend.build_sdist(str(tmp_path))
    assert name == "libctr-%s.tar.gz" % VERSION
    top = "libctr-%s/" % VERSION
    with tarfile.open(str(tmp_path / name)) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert sorted(files) == sorted(top + n for n in ["PKG-INFO", "pyproject.toml", "README.md",
                                                     "_build/backend.py"] +
                                   ["ctr/" + m for m in MODULES])
    assert files[top + "PKG-INFO"].decode() == backend.metadata()[1]
    assert files[top + "_build/backend.py"] == open(BACKEND, "rb").read()


def test_metadata_hooks_need_nothing(tmp_path):
    assert backend.get_requires_for_build_wheel() == []
    assert backend.get_requires_for_build_sdist() == []
    assert backend.get_requires_for_build_editable() == []
    info = backend.prepare_metadata_for_build_wheel(str(tmp_path))
    assert info == "libctr-%s.dist-info" % VERSION
    assert sorted(os.listdir(str(tmp_path / info))) == ["METADATA", "WHEEL"]
    # A [project] key the backend would not turn into metadata is an error, not dropped.
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "libctr"\nversion = "1"\nauthors = [{name = "x"}]\n')
    with pytest.raises(ValueError, match="does not know authors"):
        backend.metadata(str(tmp_path))


# ---- pip, in a venv per interpreter ------------------------------------------------------

class Venv:
    def __init__(self, python, path):
        self.python, self.path = python, path
        self.exe = os.path.join(path, "bin", "python")

    def pip(self, *args):
        return _run([self.exe, "-m", "pip", "--disable-pip-version-check", "--no-input"] +
                    list(args))

    def probe(self, cwd, **env):
        """ctr.__file__, ctr.library_path, ctr.version() as the venv imports them."""
        r = _run([self.exe, "-c", "import ctr; print(ctr.__file__); "
                  "print(ctr.library_path); print(ctr.version())"],
                 env=_env(**env), cwd=cwd)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    def no_ctr(self, cwd):
        r = _run([self.exe, "-c", "import ctr"], cwd=cwd)
        return r.returncode != 0 and "No module named 'ctr'" in r.stderr


@pytest.fixture(scope="module", params=_interpreters())
def venv(request, tmp_path_factory):
    """A venv of the interpreter with pip and without setuptools and wheel: the builds
    need neither. An interpreter whose venv module cannot install pip (Debian without
    python3-venv) gets a venv that sees its own pip (--system-site-packages); one with no
    pip at all is skipped."""
    python = request.param
    path = str(tmp_path_factory.mktemp("venv"))
    r = _run([python, "-m", "venv", "--clear", path])
    if r.returncode != 0:
        if _run([python, "-m", "pip", "--version"]).returncode != 0:
            pytest.skip("%s has no pip and cannot make a venv with it (Debian: "
                        "python3-venv): %s" % (python, r.stderr.strip()[-200:]))
        r = _run([python, "-m", "venv", "--clear", "--without-pip",
                  "--system-site-packages", path])
        assert r.returncode == 0, r.stderr
        own_pip = False
    else:
        own_pip = True
    v = Venv(python, path)
    if own_pip:  # (else pip would not touch the interpreter's own setuptools anyway)
        r = v.pip("uninstall", "-y", "setuptools", "wheel")
        assert r.returncode == 0, r.stdout + r.stderr
        for module in ("setuptools", "wheel"):
            r = _run([v.exe, "-c", "import " + module], cwd=path)
            assert "No module named '%s'" % module in r.stderr
    r = _run([v.exe, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    v.site = r.stdout.strip()
    return v


@pytest.fixture
def libdir(tmp_path):
    """A directory holding only libctr.so.1 (this build's), for LD_LIBRARY_PATH."""
    d = tmp_path / "lib"
    d.mkdir()
    (d / "libctr.so.1").symlink_to(os.path.realpath(ctr.library_path))
    return str(d)


def _installed(v):
    """RECORD's rows of libctr as pip installed it into v."""
    with open(os.path.join(v.site, "libctr-%s.dist-info" % VERSION, "RECORD")) as f:
        return _record(f.read())


def _uninstall(v, rows, cwd):
    r = v.pip("uninstall", "-y", "libctr")
    assert r.returncode == 0, r.stdout + r.stderr
    left = [p for p, _, _ in rows if os.path.exists(os.path.join(v.site, p))]
    assert left == []
    assert not os.path.exists(os.path.join(v.site, "libctr-%s.dist-info" % VERSION))
    assert v.no_ctr(cwd)


@pytest.mark.parametrize("isolation", [True, False], ids=["isolated", "no-build-isolation"])
def test_pip_installs_the_package_offline(venv, isolation, libdir, tmp_path):
    before = _tree(SRC)
    r = venv.pip("install", "--no-index", "--no-cache-dir",
                 *(() if isolation else ("--no-build-isolation",)), SRC)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Successfully installed libctr-%s" % VERSION in r.stdout
    assert _tree(SRC) == before  # the build leaves nothing in the source tree

    # The files RECORD lists are there, with its hashes; the package is the source's.
    rows = _installed(venv)
    for path, digest, size in rows:
        if digest:
            with open(os.path.join(venv.site, path), "rb") as f:
                data = f.read()
            assert (_sha256(data), len(data)) == (digest, int(size)), path
    assert sorted(p[4:] for p, _, _ in rows if p.startswith("ctr/") and p.endswith(".py")) \
        == MODULES

    # Imported from the venv (cwd holds no package), the library found by the loader.
    where, path, version = venv.probe(str(tmp_path), LD_LIBRARY_PATH=libdir)
    assert where == os.path.join(venv.site, "ctr", "__init__.py")
    assert (path, version) == ("libctr.so.1", ctr.version())
    # CTR_LIBRARY still comes first.
    real = os.path.realpath(ctr.library_path)
    assert venv.probe(str(tmp_path), CTR_LIBRARY=real)[1] == real

    _uninstall(venv, rows, str(tmp_path))


def test_pip_installs_the_package_editable(venv, libdir, tmp_path):
    r = venv.pip("install", "--no-index", "--no-cache-dir", "-e", SRC)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = _installed(venv)
    assert not [p for p, _, _ in rows if p.startswith("ctr/")]
    # The tree's package, so the tree's library first (ctr/_lib.py), if built.
    where, path, version = venv.probe(str(tmp_path), LD_LIBRARY_PATH=libdir)
    assert where == os.path.join(SRC, "ctr", "__init__.py")
    expect = _lib.BUILD_TREE if os.path.exists(_lib.BUILD_TREE) else "libctr.so.1"
    assert (path, version) == (expect, ctr.version())
    # Only `ctr` comes from the tree, not its neighbours.
    r = _run([venv.exe, "-c", "import tests"], cwd=str(tmp_path))
    assert r.returncode != 0
    _uninstall(venv, rows, str(tmp_path))


def test_pip_installs_the_sdist(venv, libdir, tmp_path):
    sdist = os.path.join(str(tmp_path), backend.build_sdist(str(tmp_path)))
    r = venv.pip("install", "--no-index", "--no-cache-dir", sdist)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Successfully installed libctr-%s" % VERSION in r.stdout
    assert venv.probe(str(tmp_path), LD_LIBRARY_PATH=libdir)[1:] == \
        ["libctr.so.1", ctr.version()]
    _uninstall(venv, _installed(venv), str(tmp_path))
