"""The build backend of the Python binding (PEP 517, PEP 660), standard library only.

pyproject.toml names it (``build-backend = "backend"``, ``backend-path = ["_build"]``) and
requires nothing, so pip builds the package offline with any Python 3.7+ that has pip,
with or without build isolation: no setuptools, no wheel. The package is pure Python, so
a wheel is a zip of ``ctr/*.py`` and its ``.dist-info`` (METADATA, WHEEL, RECORD: the
binary distribution format, PEP 427), and an sdist a tar.gz of the files that build it
again, with PKG-INFO. Name, version and the rest of the core metadata come from
pyproject.toml's ``[project]`` table: read with tomllib where it exists (3.11), else with
the small reader below, which knows the part of TOML that file uses.

Archives are reproducible: every member has the time SOURCE_DATE_EPOCH, or 1980-01-01
when that is not set, and the same mode (0644).
"""

import base64
import csv
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bindings/python
PACKAGE = "ctr"
# Written into the installed package by `make install` only; never part of a wheel.
EXCLUDE = ("_installed.py",)
# The [project] keys this backend turns into metadata; any other is an error, not ignored.
KNOWN_KEYS = ("name", "version", "description", "readme", "requires-python", "classifiers",
              "dependencies", "keywords", "urls")
README_TYPES = {".md": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain"}


# ---- pyproject.toml ---------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<skip>[ \t\r]+|\#[^\n]*)
  | (?P<nl>\n)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<lit>'[^'\n]*')
  | (?P<punct>[\[\]{},=])
  | (?P<bare>[A-Za-z0-9_+.:-]+)
''', re.X)


def _tokens(text):
    if '"""' in text or "'''" in text:
        raise ValueError("pyproject.toml: multi-line strings are not supported by "
                         "_build/backend.py without tomllib (Python 3.11)")
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            line = text.count("\n", 0, pos) + 1
            raise ValueError("pyproject.toml:%d: cannot read %r" % (line, text[pos:pos + 20]))
        pos = m.end()
        if m.lastgroup != "skip":
            out.append((m.lastgroup, m.group()))
    out.append(("nl", "\n"))
    return out


def _value(toks, i):
    """The value starting at toks[i] and the index after it."""
    kind, text = toks[i]
    if kind == "str":
        # TOML's basic-string escapes are JSON's, less \U and \e (not used here).
        return json.loads(text), i + 1
    if kind == "lit":
        return text[1:-1], i + 1
    if kind == "bare":  # a number, a boolean or a date: kept as its text
        return {"true": True, "false": False}.get(text, text), i + 1
    close = {"[": "]", "{": "}"}.get(text)
    if close is None:
        raise ValueError("pyproject.toml: unexpected %r" % text)
    items, table, i = [], {}, i + 1
    while True:
        while toks[i][0] == "nl" and close == "]":
            i += 1
        if toks[i][1] == close:
            return (items if close == "]" else table), i + 1
        if close == "]":
            item, i = _value(toks, i)
            items.append(item)
        else:
            key, i = _key(toks, i)
            if toks[i][1] != "=":
                raise ValueError("pyproject.toml: no '=' after %r" % key)
            table[key], i = _value(toks, i + 1)
        while toks[i][0] == "nl" and close == "]":
            i += 1
        if toks[i][1] == ",":
            i += 1
        elif toks[i][1] != close:
            raise ValueError("pyproject.toml: expected ',' or %r, not %r" % (close, toks[i][1]))


def _key(toks, i):
    """A (dotted) key starting at toks[i], as one string, and the index after it."""
    parts = []
    while toks[i][0] in ("bare", "str", "lit"):
        part = toks[i][1]
        parts.append(json.loads(part) if toks[i][0] == "str" else part.strip("'"))
        i += 1
    if not parts:
        raise ValueError("pyproject.toml: expected a key, not %r" % toks[i][1])
    return ".".join(parts), i


def parse_toml(text):
    """{table name: {key: value}} of the TOML subset pyproject.toml files use: tables,
    ``key = value`` with strings, arrays, inline tables, numbers and booleans (the last two
    as their text), comments. The top-level keys are under ""."""
    toks, tables, current, i = _tokens(text), {"": {}}, "", 0
    while i < len(toks):
        if toks[i][0] == "nl":
            i += 1
        elif toks[i][1] == "[":
            array = toks[i + 1][1] == "["
            current, i = _key(toks, i + (2 if array else 1))
            if toks[i][1] != "]" or (array and toks[i + 1][1] != "]"):
                raise ValueError("pyproject.toml: bad table header [%s" % current)
            tables.setdefault(current, {})
            i += 2 if array else 1
        else:
            key, i = _key(toks, i)
            if toks[i][1] != "=":
                raise ValueError("pyproject.toml: no '=' after %r" % key)
            tables[current][key], i = _value(toks, i + 1)
            if toks[i][0] != "nl":
                raise ValueError("pyproject.toml: %r after the value of %r" % (toks[i][1], key))
    return tables


def project(root=ROOT):
    """pyproject.toml's [project] table."""
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        data = f.read()
    try:
        import tomllib
    except ImportError:
        return parse_toml(data.decode("utf-8")).get("project", {})
    return tomllib.loads(data.decode("utf-8")).get("project", {})


# ---- metadata ---------------------------------------------------------------------------

def _normal(name):
    """A distribution name as file names of wheels and sdists spell it."""
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata(root=ROOT):
    """(distribution file-name stem, METADATA text: core metadata 2.1) from [project]."""
    proj = project(root)
    unknown = sorted(set(proj) - set(KNOWN_KEYS))
    if unknown or "name" not in proj or "version" not in proj:
        raise ValueError("pyproject.toml [project]: _build/backend.py needs name and version "
                         "and does not know %s" % ", ".join(unknown or ["-"]))
    lines = [("Metadata-Version", "2.1"), ("Name", proj["name"]),
             ("Version", proj["version"])]
    if "description" in proj:
        lines.append(("Summary", proj["description"]))
    if "keywords" in proj:
        lines.append(("Keywords", ",".join(proj["keywords"])))
    for label, url in sorted(proj.get("urls", {}).items()):
        lines.append(("Project-URL", "%s, %s" % (label, url)))
    if "requires-python" in proj:
        lines.append(("Requires-Python", proj["requires-python"]))
    lines += [("Classifier", c) for c in proj.get("classifiers", [])]
    lines += [("Requires-Dist", d) for d in proj.get("dependencies", [])]
    body = ""
    readme = proj.get("readme")
    if readme:
        path = readme if isinstance(readme, str) else readme["file"]
        ctype = (README_TYPES.get(os.path.splitext(path)[1].lower(), "text/plain")
                 if isinstance(readme, str) else readme["content-type"])
        lines.append(("Description-Content-Type", ctype))
        with open(os.path.join(root, path), encoding="utf-8") as f:
            body = "\n" + f.read()
    text = "".join("%s: %s\n" % kv for kv in lines) + body
    return "%s-%s" % (_normal(proj["name"]), proj["version"]), text


WHEEL = "Wheel-Version: 1.0\nGenerator: libctr _build/backend.py\nRoot-Is-Purelib: true\n" \
        "Tag: py3-none-any\n"


def _dist_info_files(root):
    stem, text = metadata(root)
    info = stem + ".dist-info"
    return stem, info, [(info + "/METADATA", text.encode("utf-8")),
                        (info + "/WHEEL", WHEEL.encode("utf-8"))]


def _package_files(root):
    """(name in the archive, path) of each module of the package, sorted."""
    pkg = os.path.join(root, PACKAGE)
    names = sorted(n for n in os.listdir(pkg) if n.endswith(".py") and n not in EXCLUDE)
    return [(PACKAGE + "/" + n, os.path.join(pkg, n)) for n in names]


def _read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- archives ---------------------------------------------------------------------------

def _epoch():
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)


def record_hash(data):
    """A file's hash as RECORD writes it: sha256=, urlsafe base64 without padding."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _write_wheel(path, members, info):
    """A wheel at path holding members ((name, bytes)) and info/RECORD, which lists
    each with its hash and size, and itself without."""
    rec = io.StringIO()
    w = csv.writer(rec, lineterminator="\n")
    for name, data in members:
        w.writerow([name, record_hash(data), len(data)])
    w.writerow([info + "/RECORD", "", ""])
    stamp = time.gmtime(_epoch())[:6]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members + [(info + "/RECORD", rec.getvalue().encode("utf-8"))]:
            zi = zipfile.ZipInfo(name, stamp)
            zi.external_attr = 0o100644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return os.path.basename(path)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    stem, info, meta = _dist_info_files(ROOT)
    members = [(name, _read(path)) for name, path in _package_files(ROOT)] + meta
    return _write_wheel(os.path.join(wheel_directory, stem + "-py3-none-any.whl"),
                        members, info)


# An editable install: a .pth line imports this module, which finds `ctr` (and only it) in
# the source tree, so that edits there take effect without reinstalling.
_EDITABLE = '''"""Written by libctr's _build/backend.py: `ctr` from %(pkg)r (pip install -e)."""
import importlib.util
import sys

PATH = %(pkg)r


class _Finder:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "ctr":
            return None
        return importlib.util.spec_from_file_location(
            name, PATH + "/__init__.py", submodule_search_locations=[PATH])


if _Finder not in sys.meta_path:
    sys.meta_path.append(_Finder)
'''


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    stem, info, meta = _dist_info_files(ROOT)
    finder = _EDITABLE % {"pkg": os.path.join(ROOT, PACKAGE)}
    members = [("_libctr_editable.py", finder.encode("utf-8")),
               ("libctr_editable.pth", b"import _libctr_editable\n")] + meta
    return _write_wheel(os.path.join(wheel_directory, stem + "-py3-none-any.whl"),
                        members, info)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _, info, meta = _dist_info_files(ROOT)
    for name, data in meta:
        os.makedirs(os.path.join(metadata_directory, os.path.dirname(name)), exist_ok=True)
        with open(os.path.join(metadata_directory, name), "wb") as f:
            f.write(data)
    return info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def sdist_files(root=ROOT):
    """(name in the sdist, path) of what builds the package again: pyproject.toml, the
    readme, this backend and the package's modules."""
    names = ["pyproject.toml", "_build/backend.py"]
    readme = project(root).get("readme")
    if readme:
        names.append(readme if isinstance(readme, str) else readme["file"])
    files = [(n, os.path.join(root, *n.split("/"))) for n in names]
    return sorted(files + _package_files(root))


def build_sdist(sdist_directory, config_settings=None):
    stem, text = metadata(ROOT)
    members = [(name, _read(path)) for name, path in sdist_files(ROOT)]
    members.append(("PKG-INFO", text.encode("utf-8")))
    path = os.path.join(sdist_directory, stem + ".tar.gz")
    with open(path, "wb") as raw:
        # gzip's own header time too, for a reproducible file.
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=_epoch()) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name, data in sorted(members):
                    ti = tarfile.TarInfo(stem + "/" + name)
                    ti.size, ti.mtime, ti.mode = len(data), _epoch(), 0o644
                    tar.addfile(ti, io.BytesIO(data))
    return os.path.basename(path)


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_sdist = get_requires_for_build_wheel
get_requires_for_build_editable = get_requires_for_build_wheel
