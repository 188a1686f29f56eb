"""libctr for Python: own the lifecycle of Linux containers (runc) through ctypes.

>>> import ctr
>>> with ctr.Runtime() as rt:                      # /var/lib/libctr and /run/libctr
...     c = rt.create(rootfs="/srv/rootfs", args=["/bin/sh", "-c", "echo hi; exit 3"])
...     c.start()
...     c.wait()
...     [e.data for e in c.logs()]
...     c.remove()
3
[b'hi']

Images (libctr 1.1) are in ``rt.images``: ``img = rt.images.import_("/srv/bb-oci")``,
``rt.pull("docker://127.0.0.1:5000/bb:1", insecure=True)``, then
``rt.create(image=img.id, args=["echo", "hi"])``.

Networks (libctr 1.1) are in ``rt.networks``: ``rt.networks.create("net1",
subnet="10.89.7.0/24")``, then ``rt.create(..., networks=["net1"],
ports=["127.0.0.1:8080:80/tcp"])``; ``rt.networks.inspect("net1")`` is a dict.

The names mirror the C API (include/ctr/ctr.h is the manual): ``ctr_start(c, 0)`` is
``c.start()``, ``ctr_wait(c, ms, &code)`` is ``code = c.wait(seconds)``. Times are seconds
as floats everywhere, as in :mod:`subprocess` and :mod:`threading`: every timeout (None:
forever, or the configured default) and every point in time (seconds since the epoch, as
:func:`time.time`; a :class:`datetime.datetime` is taken too). Exec sessions are
:class:`ExecSession` objects, used as :class:`subprocess.Popen` is. Failures raise
:class:`Error` subclasses (:class:`StateError`, :class:`NotFound`, ...) carrying the
library's message; wrong Python types raise TypeError before anything reaches C. The
library is found as :mod:`ctr._lib` describes (``CTR_LIBRARY``, the build tree, the
system); :class:`LibraryNotFound` otherwise.
"""

from ._lib import LibraryNotFound, lib as _clib, path as library_path
from ._errors import (Busy, DependencyError, Error, Exists, InternalError, InvalidArgument,
                      IOFailed, MonitorError, NoMemory, NotFound, NotSupported, Removed,
                      RuntimeFailed, StateError, Stopped, StoreError, Timeout, strerror)
from ._errors import (E_BUSY, E_DEPEND, E_EXISTS, E_INTERNAL, E_INVAL, E_IO, E_MONITOR,
                      E_NOENT, E_NOMEM, E_NOTSUP, E_REMOVED, E_RUNTIME, E_STATE, E_STOPPED,
                      E_STORE, E_TIMEOUT)
from ._util import PollFd, cstr as _cstr
from .config import SETTINGS, Config, Mount, Network, RestartPolicy
from .container import Container, State
from .image import Image, Images
from .net import DEFAULT_NETWORK, Networks, Port
from .io import STDERR, STDIN, STDOUT, ExecResult, LogEntry
from .session import ExecSession
from .runtime import Event, Runtime

__all__ = [
    "Runtime", "Container", "Config", "Image", "Images", "Networks", "Port", "DEFAULT_NETWORK",
    "State", "RestartPolicy", "Network", "Mount",
    "Event", "LogEntry", "ExecResult", "ExecSession", "PollFd", "STDIN", "STDOUT", "STDERR",
    "SETTINGS",
    "Error", "InvalidArgument", "NotFound", "Exists", "Timeout", "NotSupported", "IOFailed",
    "NoMemory", "Busy", "StateError", "Stopped", "Removed", "RuntimeFailed",
    "StoreError", "DependencyError", "MonitorError", "InternalError", "LibraryNotFound",
    "version", "version_number", "has_feature", "strerror", "detach_keys_valid",
    "default_capabilities",
    "library_path", "E_INVAL", "E_NOENT", "E_EXISTS", "E_TIMEOUT", "E_NOTSUP", "E_IO",
    "E_NOMEM", "E_BUSY", "E_STATE", "E_STOPPED", "E_REMOVED", "E_RUNTIME", "E_STORE",
    "E_DEPEND", "E_MONITOR", "E_INTERNAL",
]


def version():
    """The library's version string, e.g. "1.1.0" (ctr_version)."""
    return _clib.ctr_version().decode()


def version_number():
    """The library's version as MAJOR*1000000 + MINOR*1000 + PATCH (ctr_version_number)."""
    return _clib.ctr_version_number()


def has_feature(name):
    """Whether this build of the library supports a feature: "seccomp", "exec", "attach",
    "logs", "layers", "export", "artifacts", "checkpoint", ... (ctr_has_feature)."""
    return _clib.ctr_has_feature(_cstr("name", name)) == 1


def detach_keys_valid(spec):
    """Whether ``spec`` is a valid detach key specification for Container.attach()
    ("ctrl-p,ctrl-q", "" and None are) (ctr_detach_keys_valid)."""
    return _clib.ctr_detach_keys_valid(_cstr("spec", spec, none=True)) == 0


def default_capabilities():
    """The capabilities a container has unless ``capabilities`` is set, as a list of
    names ("CAP_CHOWN", ...) (ctr_default_capabilities); add to it or take from it, as
    podman's --cap-add and --cap-drop do, and set the result."""
    arr = _clib.ctr_default_capabilities()
    out = []
    while arr[len(out)] is not None:
        out.append(arr[len(out)].decode())
    return out
