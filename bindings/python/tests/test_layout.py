"""The ctypes Structures of ctr/_lib.py against the C headers: the same fields in the same
order (read from include/ctr/*.h), and the same sizeof, offsetof, field sizes and
signedness, printed by a C program compiled against the headers (as the Lua tests do)."""

import ctypes
import glob
import os
import re
import shutil
import subprocess

import pytest

from ctr import _lib
from conftest import REPO

INCLUDE = os.path.join(REPO, "include")

#: Every struct the headers define, with the Structure that mirrors it.
STRUCTS = {
    "ctr_runtime_opts_t": _lib.RuntimeOpts, "ctr_event_t": _lib.Event,
    "ctr_events_opts_t": _lib.EventsOpts, "ctr_exec_opts_t": _lib.ExecOpts,
    "ctr_attach_opts_t": _lib.AttachOpts, "ctr_log_line_t": _lib.LogLine,
    "ctr_logs_opts_t": _lib.LogsOpts, "ctr_checkpoint_opts_t": _lib.CheckpointOpts,
    "ctr_restore_opts_t": _lib.RestoreOpts,
    "ctr_image_import_opts_t": _lib.ImageImportOpts, "ctr_image_pull_opts_t": _lib.ImagePullOpts,
    "ctr_network_opts_t": _lib.NetworkOpts,
}

#: ctypes' codes of the integer types.
INTEGER_CODES = "bBhHiIlLqQ"


def header_structs():
    """{typedef name: [field names in order]} of every struct defined in include/ctr/*.h.
    Unnamed fields (a `size_t :0` that ends the fields) are left out."""
    found = {}
    for path in sorted(glob.glob(os.path.join(INCLUDE, "ctr", "*.h"))):
        with open(path) as f:
            text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", f.read(), flags=re.S)
        for m in re.finditer(r"typedef\s+struct\s+\w*\s*\{(.*?)\}\s*(\w+)\s*;", text, re.S):
            fields = []
            for decl in m.group(1).split(";"):
                name = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", decl.strip())
                if name and not re.search(r":\s*\w+\s*$", decl):
                    fields.append(name.group(1))
            found[m.group(2)] = fields
    return found


def test_every_header_struct_has_its_structure_with_the_same_fields():
    structs = header_structs()
    assert len(structs) >= len(STRUCTS)
    assert sorted(structs) == sorted(STRUCTS)
    for ty, cls in STRUCTS.items():
        assert [f[0] for f in cls._fields_] == structs[ty], ty


def _probe_source():
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <ctr/ctr.h>",
             "#define FIELD(T, f) ((T *)0)->f", "int main(void) {"]
    want = {}
    for ty, cls in STRUCTS.items():
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (ty, ty))
        want[ty] = ctypes.sizeof(cls)
        for name, ctype in cls._fields_:
            key = "%s.%s" % (ty, name)
            lines.append('printf("%s %%zu %%zu\\n", offsetof(%s, %s), sizeof(FIELD(%s, %s)));'
                         % (key, ty, name, ty, name))
            want[key] = (getattr(cls, name).offset, getattr(cls, name).size)
            code = getattr(ctype, "_type_", None)
            if isinstance(code, str) and code in INTEGER_CODES:
                lines.append('printf("%s.signed %%d\\n", (__typeof__(FIELD(%s, %s)))-1 < 0);'
                             % (key, ty, name))
                want[key + ".signed"] = int(code.islower())
    lines += ["return 0;", "}"]
    return "\n".join(lines) + "\n", want


def test_structure_layouts_match_the_c_compiler_s(tmp_path):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler (cc, gcc or $CC) to compile the layout probe")
    source, want = _probe_source()
    (tmp_path / "layout.c").write_text(source)
    exe = str(tmp_path / "layout")
    r = subprocess.run([cc, "-Wall", "-Werror", "-I", INCLUDE, "-o", exe,
                        str(tmp_path / "layout.c")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    got = {}
    for line in out.splitlines():
        key, *values = line.split()
        values = tuple(int(v) for v in values)
        got[key] = values[0] if len(values) == 1 else values
    assert got == want
    assert len(got) > 60
