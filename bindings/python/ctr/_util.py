"""Argument conversion, handle ownership and descriptor objects shared by the modules.

Every public method converts its arguments here before any C call, so a wrong Python type
is a TypeError (naming the argument) and an integer outside its C type an OverflowError:
nothing reaches the library that could make it misbehave.
"""

import ctypes
import datetime
import fractions
import math
import os
import time

from . import _errors
from ._lib import lib

INT_MIN, INT_MAX = -2**31, 2**31 - 1
UINT_MAX = 2**32 - 1
LLONG_MAX = 2**63 - 1
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def cstr(name, value, path=False, none=False):
    """str (or, with path, an os.PathLike or bytes path) -> bytes for a char * argument.

    None gives None (a NULL) only when ``none`` is true. Embedded NUL bytes are a
    ValueError, since C would cut the string there."""
    if value is None and none:
        return None
    if path and isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        data = os.fsencode(value)
    elif path and isinstance(value, bytes):
        data = value
    else:
        allowed = "str, bytes or os.PathLike" if path else "str"
        raise TypeError("%s must be %s%s, not %s" % (
            name, allowed, " or None" if none else "", type(value).__name__))
    if b"\0" in data:
        raise ValueError("%s contains a NUL byte" % name)
    return data


def integer(name, value, lo=INT_MIN, hi=INT_MAX):
    """Check an int argument (bool is refused) against its C type's range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be int, not %s" % (name, type(value).__name__))
    if not lo <= value <= hi:
        raise OverflowError("%s=%d is out of range [%d, %d]" % (name, value, lo, hi))
    return int(value)


def flag(name, value):
    """A boolean argument: bool, or the ints 0 and 1."""
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return int(value)
    raise TypeError("%s must be bool, not %s" % (name, type(value).__name__))


def _seconds(name, seconds):
    """Check a number of seconds (int or float, >= 0; bool refused); returns it."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("%s must be a number of seconds or None, not %s"
                        % (name, type(seconds).__name__))
    if math.isnan(seconds) or seconds < 0:
        raise ValueError("%s must be >= 0 seconds or None, not %r" % (name, seconds))
    return seconds


def timeout_ms(name, seconds, hi=INT_MAX, none=-1):
    """Seconds (int or float, None: forever) -> milliseconds for the C API (None gives
    ``none``, -1 unless told).

    Rounded up, so that a wait never ends before the time asked (0.0001 s is 1 ms); at
    most ``hi`` ms (INT_MAX: about 24.8 days; a longer timeout is cut to that)."""
    if seconds is None:
        return none
    seconds = _seconds(name, seconds)
    if seconds * 1000 >= hi:
        return hi
    return int(math.ceil(seconds * 1000))


def whole_seconds(name, seconds, hi=INT_MAX, none=-1):
    """Seconds (int or float, None gives ``none``) -> whole seconds for a C call that
    takes them (ctr_stop, ctr_restart, ctr_config_set_stop_timeout): rounded up, so that
    0.2 s is 1 s and a grace period is never shorter than asked; at most ``hi``."""
    if seconds is None:
        return none
    seconds = _seconds(name, seconds)
    if seconds >= hi:
        return hi
    return int(math.ceil(seconds))


def epoch_ns(name, when, upper=False):
    """A time bound -> CLOCK_REALTIME nanoseconds for the C API (0: no bound).

    ``when`` is seconds since the epoch (int or float, as time.time() gives), a
    datetime.datetime (a naive one is local time, as datetime.timestamp() takes it) or
    None (no bound). A float holds a time of today to about 0.24 µs, so it is widened by
    its own precision (half a unit in the last place) away from the range it bounds:
    down for a lower bound, up for an ``upper`` one; so a LogEntry's or an Event's own
    ``time`` as a bound always takes that entry in."""
    if when is None:
        return 0
    if isinstance(when, datetime.datetime):
        delta = when - _EPOCH if when.tzinfo else when.astimezone() - _EPOCH
        ns = (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    elif isinstance(when, bool) or not isinstance(when, (int, float)):
        raise TypeError("%s must be seconds since the epoch (a number), a datetime or None, "
                        "not %s" % (name, type(when).__name__))
    elif math.isnan(when) or math.isinf(when) or when < 0 or when * 10**9 > LLONG_MAX:
        raise ValueError("%s=%r is not a time from the epoch to 2262" % (name, when))
    elif isinstance(when, int):
        ns = when * 10**9
    else:
        half_ulp = fractions.Fraction(math.ulp(when)) / 2
        exact = (fractions.Fraction(when) + (half_ulp if upper else -half_ulp)) * 10**9
        ns = min(math.ceil(exact), LLONG_MAX) if upper else max(math.floor(exact), 0)
    if not 0 <= ns <= LLONG_MAX:
        raise ValueError("%s=%r is not a time from the epoch to 2262" % (name, when))
    # 0 is "no bound" to the C API: an upper bound at the epoch itself is 1 ns past it.
    return max(ns, 1) if upper else ns


def user_spec(user, name="user"):
    """A user as ctr_config_set_user() and ctr_exec_opts_t.user take it: "USER[:GROUP]",
    each a name or a number (as podman's --user), or an int uid; None gives NULL (the
    default). Names are looked up by the library, in the container's /etc/passwd and
    /etc/group."""
    if isinstance(user, int) and not isinstance(user, bool):
        return str(integer(name, user, 0, UINT_MAX - 1)).encode()
    if user is not None and not isinstance(user, str):
        raise TypeError("%s must be 'USER[:GROUP]' or an int uid, not %s"
                        % (name, type(user).__name__))
    return cstr(name, user, none=True)


def strv(name, items, allow_str_items=True):
    """A sequence of str -> a NULL-terminated char * array (kept alive by the result).

    A str or bytes is refused as the sequence itself (it would be split into letters)."""
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError("%s must be a list of str, not %s" % (name, type(items).__name__))
    data = [cstr("%s[%d]" % (name, i), v) for i, v in enumerate(items)]
    arr = (ctypes.c_char_p * (len(data) + 1))(*data)
    arr[len(data)] = None
    return arr


def env_list(name, env):
    """A mapping {K: V} or a list of "K=V" -> list of "K=V" strings."""
    if hasattr(env, "items"):
        out = []
        for k, v in env.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("%s must map str to str" % name)
            out.append("%s=%s" % (k, v))
        return out
    if isinstance(env, (str, bytes)) or not hasattr(env, "__iter__"):
        raise TypeError("%s must be a dict or a list of 'K=V' str, not %s"
                        % (name, type(env).__name__))
    return list(env)


def fileno(name, obj, writable=False):
    """A descriptor from None (-1), an int, or an object with fileno() (flushed first when
    it is written to, so that its buffered bytes come before the library's)."""
    if obj is None:
        return -1
    if isinstance(obj, bool):
        raise TypeError("%s must be a file descriptor or a file object, not bool" % name)
    if isinstance(obj, int):
        return integer(name, obj, -1, INT_MAX)
    if not hasattr(obj, "fileno"):
        raise TypeError("%s must be a file descriptor, a file object or None, not %s"
                        % (name, type(obj).__name__))
    if writable and hasattr(obj, "flush"):
        obj.flush()
    return integer(name, obj.fileno(), 0, INT_MAX)


def take_string(ptr):
    """A char * the library handed out (c_void_p) -> str, freed with ctr_free()."""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "surrogateescape")
    finally:
        lib.ctr_free(ptr)


def take_strv(arr, count):
    """A NULL-terminated char ** (release with ctr_strv_free) -> list of str."""
    try:
        return [arr[i].decode("utf-8", "surrogateescape") for i in range(count)]
    finally:
        lib.ctr_strv_free(arr)


class Handle:
    """Owns one C handle, freed once: by close(), or when the object is collected.

    A call holds the handle for its duration, so a close() from another thread during a
    long call (a wait, a followed log) frees it only when the call is over: never a use
    after free. After close() every method raises ValueError.

    The bookkeeping takes no lock (it is on every call: ``c.state`` costs a few µs in
    all): each call appends to ``_holds`` and pops when done, and checks ``_closed``
    after appending; close() sets ``_closed`` before it looks at ``_holds``. Single list
    operations are atomic, so either the call sees the close and backs off, or the close
    sees the call and leaves the free to the last call to end. ``_box`` holds the pointer
    until the one pop() that frees it, so it is freed exactly once.
    """

    _free = None  # the C function that frees the handle; set by subclasses
    _kind = "handle"

    def __init__(self, ptr):
        self._ptr = ptr
        self._box = [ptr]
        self._holds = []
        self._closed = False

    def _closed_error(self):
        return ValueError("%s is closed" % self._kind)

    def _acquire(self):
        self._holds.append(None)
        if self._closed:
            self._release()
            raise self._closed_error()
        return self._ptr

    def _release(self):
        self._holds.pop()
        if self._closed and not self._holds:
            self._free_once()

    def _free_once(self):
        try:
            ptr = self._box.pop()
        except IndexError:  # freed already
            return
        if ptr:
            type(self)._free(ptr)

    def _call(self, fn, *args):
        """fn(handle, *args), raising the exception of a negative result (read in this
        thread, before the handle may be freed)."""
        holds = self._holds
        holds.append(None)
        try:
            if self._closed:
                raise self._closed_error()
            rc = fn(self._ptr, *args)
            if rc < 0:
                raise _errors.error(rc)
            return rc
        finally:
            holds.pop()
            if self._closed and not holds:
                self._free_once()

    @property
    def closed(self):
        """Whether close() was called."""
        return self._closed

    def close(self):
        """Free the C handle (at once, or when the calls running in other threads end).
        Closing twice is harmless."""
        self._closed = True
        if not self._holds:
            self._free_once()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if not getattr(self, "_closed", True):
                self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


class PollFd:
    """A descriptor handed out by the library (ctr_wait_fd, ctr_exec_wait_fd,
    ctr_events_fd), owned by this object.

    Pass it to ``selectors``, ``select``, ``asyncio`` (``loop.add_reader(fd, ...)``):
    they call fileno(). It is closed by close(), on leaving a ``with`` block, or when the
    object is collected; detach() hands the bare int over to the caller instead.
    """

    def __init__(self, fd):
        self._fd = fd

    def fileno(self):
        """The descriptor number; ValueError once closed."""
        if self._fd < 0:
            raise ValueError("descriptor is closed")
        return self._fd

    @property
    def closed(self):
        """Whether it was closed or detached."""
        return self._fd < 0

    def is_inotify(self):
        """Whether this is an inotify descriptor (ctr_events_fd) rather than a pidfd or a
        pipe (ctr_wait_fd, ctr_exec_wait_fd)."""
        try:
            return "inotify" in os.readlink("/proc/self/fd/%d" % self.fileno())
        except OSError:
            return False

    def drain(self):
        """Read an inotify descriptor empty (it is non-blocking) and return what was read;
        b"" for a pidfd or a pipe, which need no draining. Call it after each wake-up, before
        checking (e.g. ``container.wait(0)``), so the next change wakes you again."""
        if not self.is_inotify():
            return b""
        chunks = []
        while True:
            try:
                data = os.read(self.fileno(), 65536)
            except (BlockingIOError, InterruptedError):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)

    def detach(self):
        """Give up ownership and return the int; the caller closes it then."""
        fd, self._fd = self._fd, -1
        return fd

    def close(self):
        """Close the descriptor; closing twice is harmless."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<ctr.PollFd %s>" % (self._fd if self._fd >= 0 else "closed")


# A wait without limit is made of waits of this many ms, so that Ctrl-C (KeyboardInterrupt)
# and other signal handlers run during it: a C call cannot be interrupted.
WAIT_SLICE_MS = 500


def sliced_wait(call, ms):
    """call(ms) -> rc for a C wait; one call for short waits, else slices of WAIT_SLICE_MS
    until the total, so that signal handlers run in between. Returns the last rc."""
    if 0 <= ms <= WAIT_SLICE_MS:
        return call(ms)
    deadline = None if ms < 0 else time.monotonic() + ms / 1000.0
    while True:
        left = WAIT_SLICE_MS
        if deadline is not None:
            left = max(0, min(left, int((deadline - time.monotonic()) * 1000) + 1))
        rc = call(left)
        if rc != _errors.E_TIMEOUT or (deadline is not None and time.monotonic() >= deadline):
            return rc


class Collection:
    """What a runtime's collection of named things (images, networks) shares: `in`,
    iteration and len over list(), and its repr. A subclass sets self._rt and defines
    list() and _probe(key), which raises NotFound for a key that names nothing."""

    def __contains__(self, key):
        try:
            self._probe(key)
            return True
        except _errors.NotFound:
            return False

    def __iter__(self):
        return iter(self.list())

    def __len__(self):
        return len(self.list())

    def __repr__(self):
        return "<ctr.%s of %r>" % (type(self).__name__, self._rt)
