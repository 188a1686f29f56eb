"""Exec sessions as objects (include/ctr/io.h, ctr_exec_*): :class:`ExecSession`, which
Container.exec_create() and Container.exec_list() hand out, used as subprocess.Popen is."""

import ctypes
import signal as _signal

from . import _errors
from ._lib import lib
from ._util import PollFd, cstr, flag, integer, sliced_wait, timeout_ms

EXEC_FORCE = 0x2


class ExecSession:
    """One exec session of a running container: a process started by ``runc exec`` under
    a monitor of its own, named by ``id`` (16 hex digits) within its container.

    >>> with c.exec_create(["/bin/sh", "-c", "exit 4"]) as sess:
    ...     sess.start()
    ...     sess.wait(timeout=10)
    4

    A thin object over the C calls on the container's handle: it holds its
    :class:`Container` (``container``), whose handle must stay open while the session is
    used (ValueError otherwise), and its id; every other fact is asked of the library when
    needed. ``returncode`` is None until wait() or poll() has seen the exit. Leaving a
    ``with`` block removes the session (killing a process that still runs). Equal
    sessions (==) have the same container and id.
    """

    __slots__ = ("container", "id", "returncode")

    def __init__(self, container, exec_id):
        self.container = container
        self.id = exec_id
        self.returncode = None

    def __repr__(self):
        return "<ctr.ExecSession %s of %s returncode=%r>" % (
            self.id, self.container.id[:12], self.returncode)

    def __eq__(self, other):
        return (isinstance(other, ExecSession) and other.id == self.id
                and other.container.id == self.container.id)

    def __hash__(self):
        return hash((self.container.id, self.id))

    def _call(self, fn, *args):
        return self.container._call(fn, cstr("id", self.id), *args)

    def start(self):
        """Start the created session's process; returns once it runs (ctr_exec_start).
        Its stdin, stdout, stderr and preserved fds are the ones given to exec_create()
        (a session started through another handle of the container gets /dev/null).
        Raises StateError (started already, or the container does not run),
        RuntimeFailed (e.g. no such executable)."""
        self._call(lib.ctr_exec_start)

    def wait(self, timeout=None):
        """Wait for the process to exit and return its exit code (N for exit(N), 128+S
        when killed by signal S), also kept in ``returncode`` (ctr_exec_wait).
        ``timeout`` in seconds (float, rounded up to whole ms; None: forever; 0: just
        check). Raises Timeout, StateError (never started), NotFound (removed). Holds no
        lock; Ctrl-C interrupts it."""
        eid = cstr("id", self.id)
        ms = timeout_ms("timeout", timeout)
        code = ctypes.c_int()
        ptr = self.container._acquire()
        try:
            rc = sliced_wait(lambda t: lib.ctr_exec_wait(ptr, eid, t, ctypes.byref(code)), ms)
            if rc < 0:
                raise _errors.error(rc)
        finally:
            self.container._release()
        self.returncode = code.value
        return code.value

    def poll(self):
        """The exit code if the process has exited (also set in ``returncode``), else
        None; does not wait (ctr_exec_wait with timeout 0)."""
        try:
            return self.wait(0)
        except _errors.Timeout:
            return None

    def wait_fd(self):
        """A :class:`PollFd` readable once the process has exited (ctr_exec_wait_fd: a
        pidfd or a pipe on the session's monitor); then wait(0) or poll() reads the code.
        The caller closes it. Raises StateError for a session never started."""
        return PollFd(self._call(lib.ctr_exec_wait_fd))

    def kill(self, sig=_signal.SIGKILL):
        """Send ``sig`` (1..64) to the running process (ctr_exec_kill); SIGKILL by default,
        as Popen.kill(), Container.kill() and the Lua binding's kill do. Raises StateError
        when it does not run."""
        self._call(lib.ctr_exec_kill, integer("sig", sig))

    def resize(self, rows, cols):
        """Set the terminal's size, 1..65535 each (ctr_exec_resize). Raises
        InvalidArgument for a session without terminal, StateError when it does not
        run."""
        self._call(lib.ctr_exec_resize, integer("rows", rows, 0, 2**32 - 1),
                   integer("cols", cols, 0, 2**32 - 1))

    def remove(self, force=False):
        """Remove the session's record and exit code (ctr_exec_remove); ``force`` kills a
        running process first (SIGKILL), else a running one raises StateError."""
        self._call(lib.ctr_exec_remove, EXEC_FORCE if flag("force", force) else 0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """Remove the session, killing its process if it still runs; one removed already
        (or gone with its container's run) is no error."""
        try:
            self.remove(force=True)
        except (_errors.NotFound, _errors.Removed):
            pass
