"""Containers: :class:`Container` (ctr_container_t), its state and lifecycle.

The interactive half (exec, attach, logs) is in :mod:`ctr.io`, filesystems and saved state
(mounts, export, artifacts, checkpoint) in :mod:`ctr.fs`; Container inherits both.
"""

import ctypes
import enum
import json
import signal as _signal

from . import _errors
from ._lib import BATCH_FN, lib
from ._util import (Handle, PollFd, flag, integer, sliced_wait, take_string, timeout_ms,
                    whole_seconds)
from .fs import FsMixin
from .io import IoMixin

_c_int, _byref, _ctr_state = ctypes.c_int, ctypes.byref, lib.ctr_state

RECURSIVE = 0x1
FORCE = 0x2



class State(str, enum.Enum):
    """Container states (ctr_state_t). Members are str: ``c.state == "running"`` works."""
    UNKNOWN = "unknown"
    CONFIGURED = "configured"
    CREATED = "created"
    RUNNING = "running"
    STOPPED = "stopped"
    PAUSED = "paused"
    EXITED = "exited"
    REMOVING = "removing"

    def __str__(self):
        return self.value


_STATES = tuple(State)  # in the order of the C enum, 0..7
_STATE_VALUE = {s: i for i, s in enumerate(_STATES)}
for _i, _s in enumerate(_STATES):  # the C names must be ours
    assert lib.ctr_state_name(_i).decode() == _s.value, _s


def state_value(name, state):
    """A State or its name -> the C enum value."""
    try:
        return _STATE_VALUE[State(state)]
    except ValueError:
        if isinstance(state, str):
            raise ValueError("%s must be one of %s, not %r"
                             % (name, ", ".join(s.value for s in _STATES), state)) from None
        raise TypeError("%s must be a ctr.State or str, not %s"
                        % (name, type(state).__name__)) from None


class Container(Handle, IoMixin, FsMixin):
    """A handle on a container (ctr_container_t), from Runtime.create(), lookup() or list().

    The container itself lives in the store and outlives the handle: close() (or the
    object's collection, or leaving a ``with`` block) frees the handle only. A Container
    keeps working after the Runtime that made it is closed. Every operation syncs the
    state with reality first; refusals raise StateError naming the container and its
    state. Equal handles (==) are handles of the same container id.
    """

    _free = lib.ctr_container_free
    _kind = "container handle"

    def __init__(self, *args, **kwargs):
        raise TypeError("containers come from Runtime.create(), lookup() or list()")

    @classmethod
    def _own(cls, ptr):
        c = cls.__new__(cls)
        Handle.__init__(c, ptr)
        c._id = lib.ctr_id(ptr).decode()
        c._name = lib.ctr_name(ptr).decode("utf-8", "surrogateescape")
        return c

    def __repr__(self):
        return "<ctr.Container %s %s%s>" % (self._name, self._id[:12],
                                             " closed" if self.closed else "")

    def __eq__(self, other):
        return isinstance(other, Container) and other._id == self._id

    def __hash__(self):
        return hash(self._id)

    # ---- reading --------------------------------------------------------------------

    @property
    def id(self):
        """The 64-hex-digit id."""
        return self._id

    @property
    def name(self):
        """The name."""
        return self._name

    @property
    def state(self):
        """The current :class:`State`, synced with reality (ctr_state). Raises Removed."""
        # Handle._call inlined: this is the binding's most frequent call.
        out = _c_int()
        holds = self._holds
        holds.append(None)
        try:
            if self._closed:
                raise self._closed_error()
            rc = _ctr_state(self._ptr, _byref(out))
            if rc < 0:
                raise _errors.error(rc)
        finally:
            holds.pop()
            if self._closed and not holds:
                self._free_once()
        v = out.value
        return _STATES[v] if 0 <= v < 8 else State.UNKNOWN

    @property
    def pid(self):
        """The init process's pid, 0 when no process exists (configured, stopped, exited)."""
        out = ctypes.c_int()
        self._call(lib.ctr_pid, ctypes.byref(out))
        return out.value

    @property
    def exit_code(self):
        """The last run's exit code (N for exit(N), 128+S for signal S, -1 when lost), or
        None when the container has never exited."""
        out = ctypes.c_int()
        try:
            self._call(lib.ctr_exit_code, ctypes.byref(out))
        except _errors.StateError:
            return None
        return out.value

    def inspect(self):
        """The container described as a dict: id, name, created, state, config, labels,
        paths, exec_sessions (ctr_inspect)."""
        out = ctypes.c_void_p()
        self._call(lib.ctr_inspect, ctypes.byref(out))
        return json.loads(take_string(out))

    # ---- lifecycle --------------------------------------------------------------------

    def init(self, recursive=False):
        """Create it in the OCI runtime: configured/stopped/exited -> created (ctr_init).
        ``recursive`` starts its dependencies first."""
        self._call(lib.ctr_init, RECURSIVE if flag("recursive", recursive) else 0)

    def start(self, recursive=False):
        """Start it: -> running (ctr_start); a configured, stopped or exited container is
        created first in the same runtime call. ``recursive`` starts dependencies first."""
        self._call(lib.ctr_start, RECURSIVE if flag("recursive", recursive) else 0)

    def stop(self, timeout=None):
        """Send the stop signal, wait up to ``timeout`` seconds (float; None: the
        configured stop timeout; 0: SIGKILL at once), then SIGKILL; returns once it is
        stopped (ctr_stop). The C call takes whole seconds: a fraction is rounded up
        (0.5 gives 1 s), so the container never gets less time than asked. Raises Stopped
        when it is already stopped or exited."""
        self._call(lib.ctr_stop, whole_seconds("timeout", timeout))

    def kill(self, sig=_signal.SIGKILL):
        """Send signal ``sig`` (1..64, default SIGKILL) to its init process (ctr_kill);
        only while running."""
        self._call(lib.ctr_kill, integer("sig", sig))

    def pause(self):
        """Freeze every process: running -> paused (ctr_pause)."""
        self._call(lib.ctr_pause)

    def unpause(self):
        """Thaw: paused -> running (ctr_unpause)."""
        self._call(lib.ctr_unpause)

    def restart(self, timeout=None):
        """Stop (if running, with ``timeout`` seconds as for stop(): None the configured
        one, a fraction rounded up) and start again (ctr_restart)."""
        self._call(lib.ctr_restart, whole_seconds("timeout", timeout))

    def wait(self, timeout=None):
        """Wait while it runs (running or paused) and return its last exit code (ctr_wait):
        N for exit(N), 128+S when killed by signal S, -1 when there is none (it never ran)
        or it was lost. Returns at once for a container that does not run, even one never
        started; wait_condition() waits for a state. ``timeout`` in seconds (float, rounded
        up to whole ms; None: forever; 0: just check). Raises Timeout, Removed. Holds no
        lock; Ctrl-C interrupts it."""
        ms = timeout_ms("timeout", timeout)
        code = ctypes.c_int()
        ptr = self._acquire()
        try:
            rc = sliced_wait(lambda t: lib.ctr_wait(ptr, t, ctypes.byref(code)), ms)
            if rc < 0:
                raise _errors.error(rc)
        finally:
            self._release()
        return code.value

    def wait_fd(self):
        """A :class:`PollFd` that becomes readable when the current run has ended
        (ctr_wait_fd: a pidfd or a pipe on the container's monitor); readable at once for
        a stopped or exited container. The caller closes it (``with``, or close()). Raises
        StateError for a configured container.

        >>> import selectors
        >>> with c.wait_fd() as fd, selectors.DefaultSelector() as sel:
        ...     sel.register(fd, selectors.EVENT_READ)
        ...     sel.select()
        ...     code = c.wait(0)

        With asyncio: ``loop.add_reader(fd.fileno(), callback)``.
        """
        return PollFd(self._call(lib.ctr_wait_fd))

    def wait_condition(self, state, timeout=None):
        """Wait until the container is in ``state`` (a :class:`State` or its name;
        "stopped" and "exited" both satisfy either), ``timeout`` seconds at most (None:
        forever; a float, rounded up to whole ms) (ctr_wait_condition). Raises Timeout,
        Removed. Holds no lock; Ctrl-C interrupts it."""
        value = state_value("state", state)
        ms = timeout_ms("timeout", timeout)
        ptr = self._acquire()
        try:
            rc = sliced_wait(lambda t: lib.ctr_wait_condition(ptr, value, t), ms)
            if rc < 0:
                raise _errors.error(rc)
        finally:
            self._release()

    def cleanup(self):
        """Release the runtime resources of a stopped container: stopped -> exited, the
        exit code kept (ctr_cleanup). Applies the restart policy."""
        self._call(lib.ctr_cleanup)

    def remove(self, force=False):
        """Remove the container (ctr_remove): records, name, bundle, log. ``force`` stops a
        running one first and removes one that others depend on. The handle stays open
        (its operations then raise Removed); close it when done."""
        self._call(lib.ctr_remove, FORCE if flag("force", force) else 0)

    def sync(self):
        """Sync the recorded state with reality now, asking the runtime too (ctr_sync)."""
        self._call(lib.ctr_sync)

    def batch(self, fn):
        """Call ``fn(self)`` holding the container's lock, synced once (ctr_batch), and
        return what fn returns. Operations on this container inside fn (from this thread)
        take no lock and ask the runtime nothing; other threads and processes wait until
        fn returns, so fn must not wait for them. An exception in fn is raised here
        (the lock is released). Raises Busy when called inside a batch on the same
        container."""
        if not callable(fn):
            raise TypeError("fn must be callable, not %s" % type(fn).__name__)
        result, failure = [], []

        def run(_c, _ud):
            try:
                result.append(fn(self))
                return 0
            except BaseException as e:  # never let an exception cross the C frames
                failure.append(e)
                return 1

        self._call(lib.ctr_batch, BATCH_FN(run), None)
        if failure:
            raise failure[0]
        return result[0] if result else None
