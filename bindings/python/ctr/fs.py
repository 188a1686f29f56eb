"""Filesystems and saved state of a container (include/ctr/fs.h): mounts, export,
artifacts, checkpoint and restore. :class:`FsMixin` is part of :class:`ctr.Container`."""

import ctypes

from ._lib import CheckpointOpts, RestoreOpts, lib, opts
from ._util import cstr, flag, take_string, take_strv

CKPT_KEEP = 0x1
CKPT_LEAVE_RUNNING = 0x2
CKPT_TCP_ESTABLISHED = 0x4
CKPT_IGNORE_ROOTFS = 0x8
RESTORE_KEEP = 0x1
RESTORE_TCP_ESTABLISHED = 0x2
RESTORE_IGNORE_ROOTFS = 0x4
FORCE = 0x2


def restore_flags(keep, tcp_established, ignore_rootfs):
    """The CTR_RESTORE_* bits of the keyword arguments of restore() and import."""
    return ((RESTORE_KEEP if flag("keep", keep) else 0)
            | (RESTORE_TCP_ESTABLISHED if flag("tcp_established", tcp_established) else 0)
            | (RESTORE_IGNORE_ROOTFS if flag("ignore_rootfs", ignore_rootfs) else 0))


def _artifact_name(name):
    return cstr("name", name, path=True)


class FsMixin:
    """Mounts, export, artifacts, checkpoint and restore of :class:`ctr.Container`."""

    # ---- mounts and export ------------------------------------------------------------

    def mount(self):
        """Mount the root filesystem (a layered container's overlay) if needed, count one
        more holder, and return its path (ctr_mount); a plain rootfs directory is returned
        as it is. Pair each mount() with an unmount()."""
        out = ctypes.c_void_p()
        self._call(lib.ctr_mount, ctypes.byref(out))
        return take_string(out)

    def unmount(self, force=False):
        """Let go of one mount() (ctr_unmount); the overlay is unmounted when no holder is
        left. Raises Busy when the running container still holds it and no mount() is left
        to let go of, StateError when it is not mounted; ``force`` drops every holder and
        detaches the overlay lazily."""
        self._call(lib.ctr_unmount, FORCE if flag("force", force) else 0)

    def export(self, path):
        """Write the root filesystem to ``path`` as a pax tar archive (ctr_export); the
        file is created (mode 0600) or replaced atomically."""
        self._call(lib.ctr_export, cstr("path", path, path=True))

    # ---- artifacts ----------------------------------------------------------------------

    def artifact_add(self, name, data):
        """Store (or replace) the artifact ``name`` (1-255 bytes, no "/", not "." or "..")
        with ``data`` (bytes-like), durably (ctr_artifact_add)."""
        key = _artifact_name(name)
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise TypeError("data must be bytes, not %s" % type(data).__name__)
        self._call(lib.ctr_artifact_add, key, data, len(data))

    def artifact_get(self, name):
        """The bytes of the artifact ``name`` (ctr_artifact_get); NotFound if there is
        none."""
        key = _artifact_name(name)
        out, size = ctypes.c_void_p(), ctypes.c_size_t()
        self._call(lib.ctr_artifact_get, key, ctypes.byref(out), ctypes.byref(size))
        try:
            return ctypes.string_at(out.value, size.value) if size.value else b""
        finally:
            lib.ctr_free(out)

    def artifact_remove(self, name):
        """Delete the artifact ``name`` (ctr_artifact_remove); NotFound if there is none."""
        self._call(lib.ctr_artifact_remove, _artifact_name(name))

    def artifact_list(self):
        """The names of the container's artifacts, sorted bytewise (ctr_artifact_list)."""
        arr = ctypes.POINTER(ctypes.c_char_p)()
        count = ctypes.c_size_t()
        self._call(lib.ctr_artifact_list, ctypes.byref(arr), ctypes.byref(count))
        return take_strv(arr, count.value)

    # ---- checkpoint and restore ---------------------------------------------------------

    def checkpoint(self, name=None, target_file=None, leave_running=False,
                   tcp_established=False, keep=False, ignore_rootfs=False):
        """Checkpoint the running container with CRIU (ctr_checkpoint). Its images are
        kept under ``name`` (None: "default"); unless ``leave_running`` it then is exited,
        ready for restore(). ``target_file`` also writes an archive for
        Runtime.import_checkpoint(); ``ignore_rootfs`` leaves a layered container's
        filesystem changes out of it; ``keep`` keeps CRIU's work files. Raises
        NotSupported when CRIU cannot work on this machine (criu check's output in the
        message), RuntimeFailed when it failed (the container still runs)."""
        flags = ((CKPT_KEEP if flag("keep", keep) else 0)
                 | (CKPT_LEAVE_RUNNING if flag("leave_running", leave_running) else 0)
                 | (CKPT_TCP_ESTABLISHED if flag("tcp_established", tcp_established) else 0)
                 | (CKPT_IGNORE_ROOTFS if flag("ignore_rootfs", ignore_rootfs) else 0))
        o = opts(CheckpointOpts, flags=flags, name=cstr("name", name, none=True),
                 target_file=cstr("target_file", target_file, path=True, none=True))
        self._call(lib.ctr_checkpoint, ctypes.byref(o))

    def restore(self, name=None, import_file=None, keep=False, tcp_established=False,
                ignore_rootfs=False):
        """Restore the container from its checkpoint ``name`` (None: "default") or from
        the archive ``import_file`` (ctr_restore): configured/stopped/exited -> running.
        Unless ``keep`` the images are removed afterwards. Raises NotFound (no such
        checkpoint), StateError, InvalidArgument (a bad archive)."""
        o = opts(RestoreOpts, name=cstr("name", name, none=True),
                 import_file=cstr("import_file", import_file, path=True, none=True),
                 flags=restore_flags(keep, tcp_established, ignore_rootfs))
        self._call(lib.ctr_restore, ctypes.byref(o))
