"""The binding's shape: docstrings everywhere, the whole C API declared, modules small."""

import asyncio
import inspect
import os
import re

import ctr
from ctr import _lib
from conftest import GUARD, REPO, running


def test_every_public_class_function_and_method_has_a_docstring():
    missing = []
    for name in ctr.__all__:
        obj = getattr(ctr, name)
        if isinstance(obj, (str, int, tuple)):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj):
            for attr, member in inspect.getmembers(obj):
                if attr.startswith("_") or attr in ("count", "index", "args", "with_traceback",
                                                    "add_note", "errno", "strerror",
                                                    "filename", "filename2", "characters_written"):
                    continue
                if inspect.isclass(obj) and issubclass(obj, (str, tuple)) and \
                        hasattr(str if issubclass(obj, str) else tuple, attr):
                    continue  # inherited from str (State, ...) or tuple (namedtuples)
                if callable(member) or isinstance(member, property):
                    if not (getattr(member, "__doc__", None) or "").strip():
                        missing.append("%s.%s" % (name, attr))
    assert missing == []


def test_every_exported_c_function_is_declared():
    with open(os.path.join(REPO, "libctr", "libctr.map")) as f:
        exported = set(re.findall(r"\b(ctr_\w+);", f.read()))
    assert exported == set(_lib.PROTOTYPES)
    for name in exported:
        fn = getattr(_lib.lib, name)
        assert fn.argtypes is not None, name


def test_modules_stay_small():
    pkg = os.path.dirname(ctr.__file__)
    for name in os.listdir(pkg):
        if name.endswith(".py"):
            with open(os.path.join(pkg, name)) as f:
                assert sum(1 for _ in f) <= 600, name


def test_options_structs_carry_their_size():
    for struct in (_lib.RuntimeOpts, _lib.EventsOpts, _lib.ExecOpts, _lib.AttachOpts,
                   _lib.LogsOpts, _lib.CheckpointOpts, _lib.RestoreOpts, _lib.ImageImportOpts,
                   _lib.ImagePullOpts, _lib.NetworkOpts):
        assert _lib.opts(struct).sz == __import__("ctypes").sizeof(struct)


def test_wait_fd_with_asyncio(rt, base):
    c = running(rt, base, "touch /shared/ready; sleep 0.3; exit 6")

    async def wait_async():
        loop = asyncio.get_running_loop()
        with c.wait_fd() as fd:
            while True:
                done = loop.create_future()
                loop.add_reader(fd.fileno(), done.set_result, None)
                try:
                    await asyncio.wait_for(done, GUARD)
                finally:
                    loop.remove_reader(fd.fileno())
                fd.drain()
                try:
                    return c.wait(0)
                except ctr.Timeout:
                    continue

    assert asyncio.run(wait_async()) == 6
