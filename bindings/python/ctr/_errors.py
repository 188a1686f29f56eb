"""Exceptions: one class per CTR_E_* code, all derived from :class:`Error`.

Each class is shown as ``ctr.<Name>`` (its ``__module__`` is "ctr"), the name it is
imported by, so tracebacks and ``repr`` say ``ctr.StateError``, not this module's name.
"""


from ._lib import lib

E_INVAL = -22
E_NOENT = -2
E_EXISTS = -17
E_TIMEOUT = -110
E_NOTSUP = -95
E_IO = -5
E_NOMEM = -12
E_BUSY = -16
E_STATE = -4000
E_STOPPED = -4001
E_REMOVED = -4002
E_RUNTIME = -4003
E_STORE = -4004
E_DEPEND = -4005
E_MONITOR = -4006
E_INTERNAL = -4007


class Error(Exception):
    """A libctr call failed.

    ``code`` is the negative CTR_E_* code, ``message`` the library's message
    (ctr_last_error(), e.g. "container web: cannot remove: container is running"),
    ``str(e)`` the message, or the code's description when the library gave none.
    """

    code = None

    def __init__(self, message, code=None):
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(message or strerror(self.code))
        if isinstance(self, OSError):  # as an OSError of the same errno would have them
            self.errno, self.strerror = -self.code, str(self)

    def __str__(self):
        return self.message or strerror(self.code)

    def __repr__(self):
        return "%s(%r, code=%r)" % (type(self).__name__, self.message, self.code)

    def __reduce__(self):
        return (type(self), (self.message, self.code))


class InvalidArgument(Error, ValueError):
    """CTR_E_INVAL: a bad argument (its name is in the message)."""
    code = E_INVAL


class NotFound(Error, LookupError):
    """CTR_E_NOENT: no such container, session, artifact or checkpoint."""
    code = E_NOENT


class Exists(Error):
    """CTR_E_EXISTS: the name is taken."""
    code = E_EXISTS


class Timeout(Error, TimeoutError):
    """CTR_E_TIMEOUT: a wait ran out, or the OCI runtime hung. Also a TimeoutError (an
    OSError with ``errno`` ETIMEDOUT)."""
    code = E_TIMEOUT


class NotSupported(Error):
    """CTR_E_NOTSUP: not supported here (e.g. CRIU cannot work on this machine)."""
    code = E_NOTSUP


class IOFailed(Error, OSError):
    """CTR_E_IO: an I/O error; the failing call and path are in the message.

    Also an OSError, with ``errno`` EIO.
    """
    code = E_IO


class NoMemory(Error):
    """CTR_E_NOMEM: out of memory."""
    code = E_NOMEM


class Busy(Error):
    """CTR_E_BUSY: a resource is busy (a batch already runs, a mount is held)."""
    code = E_BUSY


class StateError(Error):
    """CTR_E_STATE: not allowed in the container's current state (named in the message)."""
    code = E_STATE


class Stopped(Error):
    """CTR_E_STOPPED: the container is already stopped."""
    code = E_STOPPED


class Removed(Error):
    """CTR_E_REMOVED: the handle refers to a container that was removed."""
    code = E_REMOVED


class RuntimeFailed(Error, RuntimeError):
    """CTR_E_RUNTIME: the OCI runtime failed; its error output is in the message. Also a
    RuntimeError."""
    code = E_RUNTIME


class StoreError(Error):
    """CTR_E_STORE: the state database is corrupt or unreadable."""
    code = E_STORE


class DependencyError(Error):
    """CTR_E_DEPEND: a dependency does not run, or the container has dependents."""
    code = E_DEPEND


class MonitorError(Error):
    """CTR_E_MONITOR: the container monitor could not be started or died."""
    code = E_MONITOR


class InternalError(Error):
    """CTR_E_INTERNAL: a bug in libctr."""
    code = E_INTERNAL


BY_CODE = {cls.code: cls for cls in (
    InvalidArgument, NotFound, Exists, Timeout, NotSupported, IOFailed, NoMemory, Busy,
    StateError, Stopped, Removed, RuntimeFailed, StoreError, DependencyError, MonitorError,
    InternalError)}

for _cls in (Error,) + tuple(BY_CODE.values()):
    _cls.__module__ = "ctr"
del _cls


def strerror(code):
    """The library's short description of a CTR_E_* code."""
    if not isinstance(code, int) or not -2**31 <= code < 2**31:
        return "unknown error"
    return lib.ctr_strerror(code).decode("utf-8", "replace")


def last_error():
    """ctr_last_error() of the calling thread, as str."""
    return lib.ctr_last_error().decode("utf-8", "replace")


def error(code, message=None):
    """The exception for a negative code. Without a message, reads ctr_last_error(): call it
    in the thread of the failing call, before any other libctr call."""
    if message is None:
        message = last_error()
    return BY_CODE.get(code, Error)(message, code)


def check(rc):
    """Return rc when it is >= 0, else raise the exception for it (message read now)."""
    if rc < 0:
        raise error(rc)
    return rc
