"""Loading libctr and declaring its C functions for ctypes.

The library is looked for, in this order:

1. the path in the environment variable ``CTR_LIBRARY``;
2. the build tree this package sits in: ``<repo>/build/libctr.so.1`` when the package is
   ``<repo>/bindings/python/ctr``;
3. the path ``make install`` wrote into ``ctr/_installed.py`` (``LIBRARY``) beside the
   installed package;
4. the plain soname ``libctr.so.1`` handed to the dynamic loader (``LD_LIBRARY_PATH``,
   the loader's cache, the system directories): how a package installed with pip finds
   the library;
5. ``ctypes.util.find_library("ctr")`` (which also asks the compiler's and the linker's
   search paths).

The first that loads and is libctr 1.x wins: a library of that name of another major
version, or another library of the same name, is passed over and the search goes on. When
none fits, :class:`LibraryNotFound` says every place looked at and why each failed.
"""

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int64, c_longlong,
                    c_size_t, c_uint, c_uint64, c_void_p)

SONAME = "libctr.so.1"
ENV = "CTR_LIBRARY"
MAJOR = 1


def _build_tree():
    """``<repo>/build/libctr.so.1`` when this package is ``<repo>/bindings/python/ctr``,
    else None (an installed package has no build tree)."""
    pkg = os.path.dirname(os.path.abspath(__file__))
    python = os.path.dirname(pkg)
    bindings = os.path.dirname(python)
    if os.path.basename(python) != "python" or os.path.basename(bindings) != "bindings":
        return None
    return os.path.join(os.path.dirname(bindings), "build", SONAME)


BUILD_TREE = _build_tree()


def _installed_path():
    """LIBRARY of ctr/_installed.py (written by make install), or None."""
    try:
        from . import _installed
    except ImportError:
        return None
    return getattr(_installed, "LIBRARY", None)


INSTALLED = _installed_path()


class LibraryNotFound(ImportError):
    """libctr could not be loaded; the message lists every place that was tried."""

    __module__ = "ctr"  # shown as ctr.LibraryNotFound, the name it is imported by

    def __init__(self, tried):
        self.tried = list(tried)
        lines = ["libctr (%s) not found; looked at:" % SONAME]
        lines += ["  %s: %s" % (where, why) for where, why in self.tried]
        lines.append("set %s to the path of %s" % (ENV, SONAME))
        ImportError.__init__(self, "\n".join(lines))

    def __str__(self):
        return self.msg


def is_libctr(lib):
    """None when ``lib`` is libctr of this binding's major version, else why not."""
    try:
        number = lib.ctr_version_number
    except AttributeError:
        return "not libctr (no ctr_version_number)"
    number.restype, number.argtypes = c_int, []
    if number() // 1000000 != MAJOR:
        return "libctr %d.%d, this binding needs %d.x" % (
            number() // 1000000, number() // 1000 % 1000, MAJOR)
    return None


def locate(environ=None, build_tree=BUILD_TREE, installed=INSTALLED,
           find_library=ctypes.util.find_library, loader=ctypes.CDLL, check=is_libctr):
    """Load libctr from the places described in the module's docstring.

    The parameters exist for tests: ``environ`` (default ``os.environ``), ``build_tree``
    (a path, or None to skip it), ``installed`` (the path make install recorded, or
    None), ``find_library`` (a function of the name "ctr" returning
    a name or None, or None to skip it), ``loader`` (called with a path, returns the
    library or raises OSError) and ``check`` (called with a loaded library, returns None
    to take it or why not). Returns ``(library, path)``; raises LibraryNotFound.
    """
    environ = os.environ if environ is None else environ
    tried = []

    def attempt(where, path):
        try:
            lib = loader(path)
        except OSError as e:
            tried.append((where, str(e) or "cannot load"))
            return None
        why = check(lib)
        if why:
            tried.append((where, why))
            return None
        return lib

    candidates = []
    env_path = environ.get(ENV)
    if env_path:
        candidates.append(("$%s=%s" % (ENV, env_path), env_path))
    else:
        tried.append(("$%s" % ENV, "not set"))
    if build_tree:
        if os.path.exists(build_tree):
            candidates.append(("build tree %s" % build_tree, build_tree))
        else:
            tried.append(("build tree %s" % build_tree, "no such file"))
    if installed:
        candidates.append(("installed path %s (ctr/_installed.py)" % installed, installed))
    else:
        tried.append(("installed path (ctr/_installed.py)", "not installed by make install"))
    candidates.append(("dynamic loader search path for %s" % SONAME, SONAME))
    for where, path in candidates:
        lib = attempt(where, path)
        if lib is not None:
            return lib, path
    # Asked only now: it runs ldconfig -p (and may run gcc and ld), which takes a while.
    if find_library:
        found = find_library("ctr")
        if not found:
            tried.append(("ctypes.util.find_library('ctr')", "nothing found"))
        else:
            lib = attempt("ctypes.util.find_library('ctr') -> %s" % found, found)
            if lib is not None:
                return lib, found
    raise LibraryNotFound(tried)


# ---- structures (include/ctr/ctr.h, events.h, io.h, fs.h, image.h, net.h) -------------------

class RuntimeOpts(Structure):
    _fields_ = [("sz", c_size_t), ("state_dir", c_char_p), ("run_dir", c_char_p),
                ("oci_runtime", c_char_p), ("monitor_path", c_char_p), ("flags", c_uint),
                ("runtime_timeout_ms", c_uint)]


class Event(Structure):
    _fields_ = [("sz", c_size_t), ("time_ns", c_longlong), ("type", c_char_p),
                ("id", c_char_p), ("name", c_char_p), ("attributes", c_char_p)]


class EventsOpts(Structure):
    _fields_ = [("sz", c_size_t), ("container", c_char_p), ("type", c_char_p),
                ("since_ns", c_longlong), ("until_ns", c_longlong), ("flags", c_uint)]


class ExecOpts(Structure):
    _fields_ = [("sz", c_size_t), ("argv", POINTER(c_char_p)), ("env", POINTER(c_char_p)),
                ("cwd", c_char_p), ("user", c_char_p), ("terminal", c_int),
                ("privileged", c_int), ("stdin_fd", c_int), ("stdout_fd", c_int),
                ("stderr_fd", c_int), ("preserve_fds", POINTER(c_int)),
                ("n_preserve_fds", c_size_t)]


class AttachOpts(Structure):
    _fields_ = [("sz", c_size_t), ("flags", c_uint), ("stdin_fd", c_int), ("stdout_fd", c_int),
                ("stderr_fd", c_int), ("mux_fd", c_int), ("detach_keys", c_char_p)]


class LogLine(Structure):
    # data is void * here: it may hold NULs, so it is read with ctypes.string_at(data, len).
    _fields_ = [("sz", c_size_t), ("stream", c_int), ("partial", c_int),
                ("time_ns", c_longlong), ("data", c_void_p), ("len", c_size_t)]


class LogsOpts(Structure):
    _fields_ = [("sz", c_size_t), ("flags", c_uint), ("since_ns", c_longlong),
                ("until_ns", c_longlong), ("tail", c_longlong)]


class CheckpointOpts(Structure):
    _fields_ = [("sz", c_size_t), ("flags", c_uint), ("target_file", c_char_p),
                ("name", c_char_p)]


class RestoreOpts(Structure):
    _fields_ = [("sz", c_size_t), ("flags", c_uint), ("import_file", c_char_p),
                ("name", c_char_p)]


class ImageImportOpts(Structure):
    _fields_ = [("sz", c_size_t), ("name", c_char_p), ("flags", c_uint)]


class ImagePullOpts(Structure):
    _fields_ = [("sz", c_size_t), ("name", c_char_p), ("auth_file", c_char_p),
                ("flags", c_uint), ("timeout_ms", c_uint)]


class NetworkOpts(Structure):
    _fields_ = [("sz", c_size_t), ("subnet", c_char_p), ("gateway", c_char_p),
                ("flags", c_uint)]


def opts(struct_type, **fields):
    """An options struct with ``sz`` set to its size (the C macro CTR_OPTS)."""
    return struct_type(sz=ctypes.sizeof(struct_type), **fields)


BATCH_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
EVENT_FN = CFUNCTYPE(c_int, POINTER(Event), c_void_p)
LOG_FN = CFUNCTYPE(c_int, POINTER(LogLine), c_void_p)

# Opaque handles are void pointers; c_void_p results come back as int or None.
_rt = c_void_p
_cfg = c_void_p
_c = c_void_p
_strv = POINTER(c_char_p)
_P = POINTER

PROTOTYPES = {
    # versions, features, errors, memory
    "ctr_version": (c_char_p, []),
    "ctr_version_number": (c_int, []),
    "ctr_has_feature": (c_int, [c_char_p]),
    "ctr_strerror": (c_char_p, [c_int]),
    "ctr_last_error": (c_char_p, []),
    "ctr_free": (None, [c_void_p]),
    "ctr_strv_free": (None, [_strv]),
    # runtime
    "ctr_runtime_open": (c_int, [_P(RuntimeOpts), _P(_rt)]),
    "ctr_runtime_close": (None, [_rt]),
    "ctr_runtime_rebooted": (c_int, [_rt]),
    # config
    "ctr_config_new": (c_int, [_P(_cfg)]),
    "ctr_config_free": (None, [_cfg]),
    "ctr_config_set_name": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_rootfs": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_args": (c_int, [_cfg, _strv]),
    "ctr_config_set_env": (c_int, [_cfg, _strv]),
    "ctr_config_set_terminal": (c_int, [_cfg, c_int]),
    "ctr_config_set_stdin": (c_int, [_cfg, c_int]),
    "ctr_config_set_log_size_max": (c_int, [_cfg, c_uint64]),
    "ctr_config_set_stop_signal": (c_int, [_cfg, c_int]),
    "ctr_config_set_stop_timeout": (c_int, [_cfg, c_uint]),
    "ctr_config_set_restart_policy": (c_int, [_cfg, c_int, c_uint]),
    "ctr_config_add_dependency": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_cwd": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_user": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_hostname": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_capabilities": (c_int, [_cfg, _strv]),
    "ctr_default_capabilities": (_strv, []),
    "ctr_config_set_seccomp": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_memory_limit": (c_int, [_cfg, c_uint64]),
    "ctr_config_set_pids_limit": (c_int, [_cfg, c_int64]),
    "ctr_config_set_readonly_rootfs": (c_int, [_cfg, c_int]),
    "ctr_config_add_mount": (c_int, [_cfg, c_char_p, c_char_p, c_char_p, c_char_p]),
    "ctr_config_set_network": (c_int, [_cfg, c_int]),
    "ctr_config_set_label": (c_int, [_cfg, c_char_p, c_char_p]),
    "ctr_config_set_annotation": (c_int, [_cfg, c_char_p, c_char_p]),
    "ctr_config_set_spec_override": (c_int, [_cfg, c_char_p]),
    "ctr_config_from_json": (c_int, [c_char_p, _P(_cfg)]),
    "ctr_config_to_json": (c_int, [_cfg, _P(c_void_p)]),
    "ctr_config_add_layer": (c_int, [_cfg, c_char_p]),
    # containers
    "ctr_create": (c_int, [_rt, _cfg, _P(_c)]),
    "ctr_lookup": (c_int, [_rt, c_char_p, _P(_c)]),
    "ctr_list": (c_int, [_rt, _P(_P(_c)), _P(c_size_t)]),
    "ctr_list_free": (None, [_P(_c), c_size_t]),
    "ctr_container_free": (None, [_c]),
    "ctr_id": (c_char_p, [_c]),
    "ctr_name": (c_char_p, [_c]),
    "ctr_state": (c_int, [_c, _P(c_int)]),
    "ctr_state_name": (c_char_p, [c_int]),
    "ctr_inspect": (c_int, [_c, _P(c_void_p)]),
    "ctr_remove": (c_int, [_c, c_uint]),
    # lifecycle
    "ctr_init": (c_int, [_c, c_uint]),
    "ctr_start": (c_int, [_c, c_uint]),
    "ctr_stop": (c_int, [_c, c_int]),
    "ctr_kill": (c_int, [_c, c_int]),
    "ctr_pause": (c_int, [_c]),
    "ctr_unpause": (c_int, [_c]),
    "ctr_restart": (c_int, [_c, c_int]),
    "ctr_wait": (c_int, [_c, c_int, _P(c_int)]),
    "ctr_wait_condition": (c_int, [_c, c_int, c_int]),
    "ctr_wait_fd": (c_int, [_c]),
    "ctr_cleanup": (c_int, [_c]),
    "ctr_sync": (c_int, [_c]),
    "ctr_batch": (c_int, [_c, BATCH_FN, c_void_p]),
    "ctr_pid": (c_int, [_c, _P(c_int)]),
    "ctr_exit_code": (c_int, [_c, _P(c_int)]),
    # events
    "ctr_events": (c_int, [_rt, _P(EventsOpts), EVENT_FN, c_void_p]),
    "ctr_events_fd": (c_int, [_rt]),
    # exec sessions
    "ctr_exec": (c_int, [_c, _P(ExecOpts), _P(c_int)]),
    "ctr_exec_create": (c_int, [_c, _P(ExecOpts), _P(c_void_p)]),
    "ctr_exec_start": (c_int, [_c, c_char_p]),
    "ctr_exec_wait": (c_int, [_c, c_char_p, c_int, _P(c_int)]),
    "ctr_exec_wait_fd": (c_int, [_c, c_char_p]),
    "ctr_exec_kill": (c_int, [_c, c_char_p, c_int]),
    "ctr_exec_resize": (c_int, [_c, c_char_p, c_uint, c_uint]),
    "ctr_exec_remove": (c_int, [_c, c_char_p, c_uint]),
    "ctr_exec_list": (c_int, [_c, _P(_strv), _P(c_size_t)]),
    # attach, logs
    "ctr_attach": (c_int, [_c, _P(AttachOpts)]),
    "ctr_attach_resize": (c_int, [_c, c_uint, c_uint]),
    "ctr_detach_keys_valid": (c_int, [c_char_p]),
    "ctr_logs": (c_int, [_c, _P(LogsOpts), LOG_FN, c_void_p]),
    # layers, mounts, export, artifacts, checkpoint
    "ctr_mount": (c_int, [_c, _P(c_void_p)]),
    "ctr_unmount": (c_int, [_c, c_uint]),
    "ctr_export": (c_int, [_c, c_char_p]),
    "ctr_artifact_add": (c_int, [_c, c_char_p, c_char_p, c_size_t]),
    "ctr_artifact_get": (c_int, [_c, c_char_p, _P(c_void_p), _P(c_size_t)]),
    "ctr_artifact_remove": (c_int, [_c, c_char_p]),
    "ctr_artifact_list": (c_int, [_c, _P(_strv), _P(c_size_t)]),
    "ctr_checkpoint": (c_int, [_c, _P(CheckpointOpts)]),
    "ctr_restore": (c_int, [_c, _P(RestoreOpts)]),
    "ctr_import": (c_int, [_rt, c_char_p, c_char_p, _P(RestoreOpts), _P(_c)]),
    # images (LIBCTR_1.1)
    "ctr_image_import": (c_int, [_rt, c_char_p, _P(ImageImportOpts), _P(c_void_p)]),
    "ctr_image_pull": (c_int, [_rt, c_char_p, _P(ImagePullOpts), _P(c_void_p)]),
    "ctr_image_list": (c_int, [_rt, _P(_strv), _P(c_size_t)]),
    "ctr_image_inspect": (c_int, [_rt, c_char_p, _P(c_void_p)]),
    "ctr_image_tag": (c_int, [_rt, c_char_p, c_char_p]),
    "ctr_image_remove": (c_int, [_rt, c_char_p, c_uint]),
    "ctr_config_set_image": (c_int, [_cfg, c_char_p]),
    "ctr_config_set_entrypoint": (c_int, [_cfg, _strv]),
    # networks (LIBCTR_1.1)
    "ctr_network_create": (c_int, [_rt, c_char_p, _P(NetworkOpts)]),
    "ctr_network_remove": (c_int, [_rt, c_char_p, c_uint]),
    "ctr_network_list": (c_int, [_rt, _P(_strv), _P(c_size_t)]),
    "ctr_network_inspect": (c_int, [_rt, c_char_p, _P(c_void_p)]),
    "ctr_config_add_network": (c_int, [_cfg, c_char_p, c_char_p]),
    "ctr_config_add_port": (c_int, [_cfg, c_char_p, c_uint, c_uint, c_char_p]),
}

#: Functions of a later version node than LIBCTR_1.0, with that node: a 1.0 library lacks
#: them, and the binding still loads it (calling one raises NotSupported, saying so).
LATER = {name: "LIBCTR_1.1" for name in (
    "ctr_image_import", "ctr_image_pull", "ctr_image_list", "ctr_image_inspect",
    "ctr_image_tag", "ctr_image_remove", "ctr_config_set_image", "ctr_config_set_entrypoint",
    "ctr_network_create", "ctr_network_remove", "ctr_network_list", "ctr_network_inspect",
    "ctr_config_add_network", "ctr_config_add_port")}


def _missing(name):
    """A stand-in for a function the loaded library does not have (see LATER)."""
    def call(*_args):
        from ._errors import NotSupported  # _errors imports this module
        raise NotSupported("%s: the library at %s has no %s (it is older than %s)"
                           % (name, path, name, LATER[name]))
    call.argtypes, call.restype, call.__name__ = [], c_int, name
    return call


def declare(lib):
    """Set restype and argtypes of every function the binding uses; one of LATER that the
    library lacks becomes a stand-in raising NotSupported."""
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            if name not in LATER:
                raise
            setattr(lib, name, _missing(name))
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib, path = locate()
declare(lib)
