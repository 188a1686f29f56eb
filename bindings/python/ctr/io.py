"""The interactive half of a container (include/ctr/io.h): exec and exec sessions, attach,
resize, logs. :class:`IoMixin` is part of :class:`ctr.Container`."""

import collections
import ctypes
import os
import selectors
import threading

from . import _errors
from ._lib import LOG_FN, AttachOpts, ExecOpts, LogsOpts, lib, opts
from ._util import (cstr, env_list, epoch_ns, fileno, flag, integer, strv, take_string,
                    take_strv, user_spec)
from .session import ExecSession

ATTACH_STDIN = 0x1
ATTACH_LOGS = 0x2
ATTACH_START = 0x4
ATTACH_NO_STDIN_CLOSE = 0x8
ATTACH_DETACHED = 1
STDIN, STDOUT, STDERR = 0, 1, 2
LOGS_FOLLOW = 0x1
LOGS_TIMESTAMPS = 0x2
_LL = 2**63 - 1

ExecResult = collections.namedtuple("ExecResult", "exit_code stdout stderr")
ExecResult.__doc__ = """What Container.exec() returns: the exit code (N, or 128+S for signal
S) and the bytes the process wrote on stdout and stderr (b"" when not captured)."""

LogEntry = collections.namedtuple("LogEntry", "stream time data partial time_ns")
LogEntry.__doc__ = """One line of a container's log: ``stream`` (ctr.STDOUT or ctr.STDERR;
a terminal's output is STDOUT), ``time`` (when its first byte was read: seconds since the
epoch, a float as time.time() gives), ``data`` (bytes, without the newline), ``partial``
(True: the line did not end), ``time_ns`` (the same time in integer nanoseconds, exact
where the float keeps about a quarter of a microsecond)."""

# How many log lines the reading thread may be ahead of the consumer.
_LOG_BACKLOG = 4096


def exec_opts(argv, env, cwd, user, terminal, privileged, stdin=-1, stdout=-1, stderr=-1,
              preserve_fds=()):
    """A ctr_exec_opts_t and the objects its pointers point into (keep both alive)."""
    args = strv("argv", argv)
    envp = None if env is None else strv("env", env_list("env", env))
    if isinstance(preserve_fds, (str, bytes)) or not hasattr(preserve_fds, "__iter__"):
        raise TypeError("preserve_fds must be a list of descriptors")
    keep = [fileno("preserve_fds[%d]" % i, f) for i, f in enumerate(preserve_fds)]
    fds = (ctypes.c_int * max(1, len(keep)))(*keep)
    o = opts(ExecOpts, argv=args, env=envp, cwd=cstr("cwd", cwd, path=True, none=True),
             user=user_spec(user), terminal=flag("terminal", terminal),
             privileged=flag("privileged", privileged), stdin_fd=stdin, stdout_fd=stdout,
             stderr_fd=stderr, preserve_fds=fds if keep else None, n_preserve_fds=len(keep))
    return o, (args, envp, fds)


def _pump(stdin_w, data, readers):
    """Feed data to stdin_w (then close it) and read each of readers to EOF; returns
    {fd: bytes}. Runs in a helper thread of exec(); closes every descriptor it is given."""
    out = {fd: [] for fd in readers}
    view = memoryview(data) if data is not None else None
    with selectors.DefaultSelector() as sel:
        for fd in readers:
            sel.register(fd, selectors.EVENT_READ)
        if stdin_w >= 0:
            if view:
                os.set_blocking(stdin_w, False)
                sel.register(stdin_w, selectors.EVENT_WRITE)
            else:
                os.close(stdin_w)
        while sel.get_map():
            for key, _ in sel.select():
                fd = key.fd
                if fd == stdin_w:
                    try:
                        view = view[os.write(fd, view[:65536]):]
                    except BlockingIOError:
                        continue
                    except OSError:  # EPIPE: the process does not read its stdin
                        view = view[:0]
                    if not view:
                        sel.unregister(fd)
                        os.close(fd)
                    continue
                chunk = os.read(fd, 65536)
                if chunk:
                    out[fd].append(chunk)
                else:
                    sel.unregister(fd)
                    os.close(fd)
    return {fd: b"".join(parts) for fd, parts in out.items()}


class IoMixin:
    """Exec, attach and logs of :class:`ctr.Container`."""

    # ---- exec ---------------------------------------------------------------------------

    def exec(self, argv, env=None, cwd=None, user=None, terminal=False, privileged=False,
             input=None, capture_output=True):
        """Run ``argv`` in the running container, wait for it and return an
        :data:`ExecResult` (ctr_exec).

        ``env`` (dict or "K=V" list) adds to the container's environment; ``cwd`` and
        ``user`` ("USER[:GROUP]", each a name in the running container's /etc/passwd and
        /etc/group or a number, or an int uid) default to the container's; ``terminal``
        runs it on a pty (stderr then comes on stdout); ``privileged`` gives it every
        capability. ``input`` (bytes) is written to its stdin, which is closed after it
        (None: stdin is /dev/null). With ``capture_output`` its stdout and stderr are
        collected through pipes; without, it writes to this process's stdout and stderr.
        Pipes are served by a helper thread while this one waits, so large input and
        output do not deadlock. Raises StateError (not running), RuntimeFailed (e.g. no
        such executable)."""
        if input is not None and not isinstance(input, (bytes, bytearray, memoryview)):
            raise TypeError("input must be bytes or None, not %s" % type(input).__name__)
        capture = flag("capture_output", capture_output)
        o, keep = exec_opts(argv, env, cwd, user, terminal, privileged)
        child, ours = [], []
        try:
            stdin_w = -1
            if input is not None:
                r, stdin_w = os.pipe2(os.O_CLOEXEC)
                child.append(r)
                ours.append(stdin_w)
                o.stdin_fd = r
            readers = []
            if capture:
                for field in ("stdout_fd", "stderr_fd") if not o.terminal else ("stdout_fd",):
                    r, w = os.pipe2(os.O_CLOEXEC)
                    ours.append(r)
                    child.append(w)
                    readers.append(r)
                    setattr(o, field, w)
            else:
                o.stdout_fd, o.stderr_fd = 1, 2
        except BaseException:
            for fd in child + ours:
                os.close(fd)
            raise
        result = {}
        pump = threading.Thread(target=lambda: result.update(_pump(stdin_w, input, readers)),
                                name="ctr-exec-pipes", daemon=True)
        pump.start()
        code = ctypes.c_int()
        try:
            self._call(lib.ctr_exec, ctypes.byref(o), ctypes.byref(code))
        finally:
            for fd in child:  # the process and the library have their own copies
                os.close(fd)
            pump.join()
        del keep
        return ExecResult(code.value, result.get(readers[0], b"") if readers else b"",
                          result.get(readers[1], b"") if len(readers) > 1 else b"")

    def exec_create(self, argv, env=None, cwd=None, user=None, terminal=False,
                    privileged=False, stdin=None, stdout=None, stderr=None, preserve_fds=()):
        """Record a new exec session and return it as an :class:`ExecSession`
        (ctr_exec_create); ``sess.start()`` starts it, ``sess.wait()`` waits for it.
        ``stdin``/``stdout``/``stderr`` are descriptors or file objects (None:
        /dev/null), duplicated now (close yours when you like) and given to the process
        by start() through this same handle. ``preserve_fds`` become the process's fds 3,
        4, ... Other arguments as for exec()."""
        o, keep = exec_opts(argv, env, cwd, user, terminal, privileged,
                            fileno("stdin", stdin), fileno("stdout", stdout, True),
                            fileno("stderr", stderr, True), preserve_fds)
        out = ctypes.c_void_p()
        self._call(lib.ctr_exec_create, ctypes.byref(o), ctypes.byref(out))
        del keep
        return ExecSession(self, take_string(out))

    def exec_list(self):
        """The container's exec sessions, oldest first, as :class:`ExecSession` objects
        (ctr_exec_list)."""
        arr = ctypes.POINTER(ctypes.c_char_p)()
        count = ctypes.c_size_t()
        self._call(lib.ctr_exec_list, ctypes.byref(arr), ctypes.byref(count))
        return [ExecSession(self, i) for i in take_strv(arr, count.value)]

    # ---- attach -------------------------------------------------------------------------

    def attach(self, stdin=None, stdout=None, stderr=None, detach_keys=None, logs=False,
               start=False, stdin_close=True, mux=None, mux_stdin=False):
        """Connect descriptors (ints or file objects; None: not attached) to the
        container's stdio and copy until its output ends (ctr_attach). Returns True when
        the detach keys were typed, False when the output ended (the container exited).

        ``detach_keys`` e.g. "ctrl-p,ctrl-q" (the default; "" never detaches); ``logs``
        first sends what the log holds; ``start`` starts the container once attached (no
        output missed); without ``stdin_close`` EOF on stdin does not close the
        container's stdin. ``mux`` (a descriptor, e.g. a socket) selects the multiplexed
        mode: output framed as Docker's attach does (8-byte header: stream, 0, 0, 0,
        big-endian length), and with ``mux_stdin`` the container's stdin read raw from
        it; stdin, stdout and stderr must then be None. Blocks this thread (no lock
        held); a stdin needs a container created with stdin=True or terminal=True."""
        flags = ((ATTACH_LOGS if flag("logs", logs) else 0)
                 | (ATTACH_START if flag("start", start) else 0)
                 | (0 if flag("stdin_close", stdin_close) else ATTACH_NO_STDIN_CLOSE))
        mux_fd = fileno("mux", mux, True)
        if flag("mux_stdin", mux_stdin):
            if mux_fd < 0:
                raise ValueError("mux_stdin needs mux")
            flags |= ATTACH_STDIN
        fds = (fileno("stdin", stdin), fileno("stdout", stdout, True),
               fileno("stderr", stderr, True))
        if mux_fd >= 0 and fds != (-1, -1, -1):
            raise ValueError("with mux, stdin, stdout and stderr must be None")
        o = opts(AttachOpts, flags=flags, stdin_fd=fds[0], stdout_fd=fds[1], stderr_fd=fds[2],
                 mux_fd=mux_fd, detach_keys=cstr("detach_keys", detach_keys, none=True))
        return self._call(lib.ctr_attach, ctypes.byref(o)) == ATTACH_DETACHED

    def resize(self, rows, cols):
        """Set a terminal container's window size, 1..65535 each (ctr_attach_resize)."""
        self._call(lib.ctr_attach_resize, integer("rows", rows, 0, 2**32 - 1),
                   integer("cols", cols, 0, 2**32 - 1))

    # ---- logs ---------------------------------------------------------------------------

    def logs(self, follow=False, since=None, until=None, tail=0, timestamps=False):
        """Iterate over the container's log, oldest first, as :data:`LogEntry` tuples
        (ctr_logs).

        ``since``/``until`` bound the lines' times, at or after / at or before: seconds
        since the epoch (a float as time.time() gives, or a LogEntry's ``time``) or a
        datetime (naive: local time); None: no bound. ``tail`` N > 0
        gives only the last N lines there are, < 0 none of them (with follow: only new
        ones); ``timestamps`` prefixes each line's data with its RFC 3339 time and a space.
        With ``follow`` it waits for new lines until the container's current run has
        ended (then the iteration ends), ``until`` has passed, or you stop iterating.

        The library's call is callback-based, so it runs in a helper thread that hands
        lines over (at most a few thousand ahead). If you stop iterating a follow early,
        that thread stays in the library until the next line or the end of the run, then
        ends; the container handle is kept open (close() is deferred) until then.
        Raises Removed (also while following) or IOFailed from the iteration."""
        flags = ((LOGS_FOLLOW if flag("follow", follow) else 0)
                 | (LOGS_TIMESTAMPS if flag("timestamps", timestamps) else 0))
        o = opts(LogsOpts, flags=flags, since_ns=epoch_ns("since", since),
                 until_ns=epoch_ns("until", until, upper=True),
                 tail=integer("tail", tail, -_LL - 1, _LL))
        if o.until_ns and o.until_ns < o.since_ns:
            raise ValueError("until is before since")
        return _LogStream(self, o).lines()


class _LogStream:
    """ctr_logs() in a helper thread, its lines handed to the consumer in batches."""

    def __init__(self, container, o):
        self.container = container
        self.o = o
        self.cond = threading.Condition()
        self.items = collections.deque()
        self.done = False
        self.stop = False
        self.error = None
        self.ptr = None

    def start(self):
        """Hold the handle (released by the thread) and start the reading thread."""
        self.ptr = self.container._acquire()
        try:
            threading.Thread(target=self.run, name="ctr-logs", daemon=True).start()
        except BaseException:
            self.container._release()
            raise

    def on_line(self, line_p, _ud):
        try:
            line = line_p.contents
            ns = line.time_ns
            entry = LogEntry(line.stream, ns / 10**9, ctypes.string_at(line.data, line.len),
                             bool(line.partial), ns)
            with self.cond:
                while len(self.items) >= _LOG_BACKLOG and not self.stop:
                    self.cond.wait()
                if self.stop:
                    return 1
                self.items.append(entry)
                self.cond.notify_all()
            return 0
        except BaseException as e:  # never let an exception cross the C frames
            self.error = e
            return 1

    def run(self):
        err = None
        try:
            rc = lib.ctr_logs(self.ptr, ctypes.byref(self.o), LOG_FN(self.on_line), None)
            if rc < 0:
                err = _errors.error(rc)  # this thread's ctr_last_error()
        except BaseException as e:
            err = e
        finally:
            self.container._release()
        with self.cond:
            self.done = True
            if self.error is None and not self.stop:
                self.error = err
            self.cond.notify_all()

    def lines(self):
        """The generator given to the caller: the thread starts at the first next()."""
        self.start()
        try:
            while True:
                with self.cond:
                    while not self.items and not self.done:
                        self.cond.wait()
                    batch = list(self.items)
                    self.items.clear()
                    self.cond.notify_all()
                    finished = self.done
                yield from batch
                if finished and not self.items:
                    if self.error is not None:
                        raise self.error
                    return
        finally:
            with self.cond:
                self.stop = True
                self.items.clear()
                self.cond.notify_all()
