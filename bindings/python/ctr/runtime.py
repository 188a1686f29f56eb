"""The runtime context: :class:`Runtime` (ctr_runtime_t), creating, finding and listing
containers, the event log."""

import collections
import ctypes
import json
import selectors
import struct
import time

from . import _errors
from ._lib import (EVENT_FN, EventsOpts, RestoreOpts, RuntimeOpts, lib, opts)
from ._util import UINT_MAX, Handle, PollFd, cstr, epoch_ns, flag, timeout_ms
from .config import Config
from .container import Container
from .fs import restore_flags
from .image import Images
from .net import Networks

RUNTIME_NOSYNC = 0x1

Event = collections.namedtuple("Event", "time type id name attributes time_ns")
Event.__doc__ = """One event of the log: ``time`` (seconds since the epoch, a float as
time.time() gives), ``type`` ("create", "start", "died", ...), the container's ``id`` and
``name``, ``attributes`` (a dict, e.g. {"exit_code": 3, "signal": 0, "oom": False} for
"died"), ``time_ns`` (the same time in integer nanoseconds, exact where the float keeps
about a quarter of a microsecond; the times of the log increase strictly)."""

_INOTIFY_HDR = struct.Struct("iIII")
_IN_Q_OVERFLOW = 0x4000
EVENTS_FOLLOW = 0x1


class Runtime(Handle):
    """A runtime context over a state and a run directory (ctr_runtime_open).

    ``Runtime(state_dir=None, run_dir=None, oci_runtime=None, monitor_path=None,
    nosync=False, runtime_timeout=None)``: None takes the library's defaults
    (/var/lib/libctr, /run/libctr, "runc", the installed ctr-monitor or $CTR_MONITOR, 30 s);
    ``runtime_timeout`` is how long one call of the OCI runtime may take, in seconds (float,
    rounded up to whole ms); ``nosync`` never fsyncs (tests, tmpfs). Use it as a context
    manager, or call close(). Containers it hands out stay usable after it is closed.

    >>> with ctr.Runtime(state_dir="/tmp/s", run_dir="/tmp/r") as rt:
    ...     c = rt.create(rootfs="/srv/rootfs", args=["/bin/echo", "hi"])
    ...     c.start()
    ...     c.wait()
    0
    """

    _free = lib.ctr_runtime_close
    _kind = "runtime"

    def __init__(self, state_dir=None, run_dir=None, oci_runtime=None, monitor_path=None,
                 nosync=False, runtime_timeout=None):
        o = opts(RuntimeOpts,
                 state_dir=cstr("state_dir", state_dir, path=True, none=True),
                 run_dir=cstr("run_dir", run_dir, path=True, none=True),
                 oci_runtime=cstr("oci_runtime", oci_runtime, path=True, none=True),
                 monitor_path=cstr("monitor_path", monitor_path, path=True, none=True),
                 flags=RUNTIME_NOSYNC if flag("nosync", nosync) else 0,
                 runtime_timeout_ms=timeout_ms("runtime_timeout", runtime_timeout,
                                               UINT_MAX, none=0))
        out = ctypes.c_void_p()
        _errors.check(lib.ctr_runtime_open(ctypes.byref(o), ctypes.byref(out)))
        Handle.__init__(self, out.value)
        self.state_dir = state_dir
        self.run_dir = run_dir

    def __repr__(self):
        return "<ctr.Runtime state_dir=%r run_dir=%r%s>" % (
            self.state_dir, self.run_dir, " closed" if self.closed else "")

    @property
    def rebooted(self):
        """True if the machine was rebooted since the directories were last used (seen
        when this context was opened; its containers were reset then)."""
        return bool(self._call(lib.ctr_runtime_rebooted))

    # ---- images ---------------------------------------------------------------------------

    @property
    def images(self):
        """The runtime's images, an :class:`Images`: ``rt.images.import_(path)``,
        ``pull(source)``, ``list()``, ``get(ref)``, ``ref in rt.images``."""
        return Images(self)

    def pull(self, source, name=None, insecure=False, auth_file=None, timeout=None):
        """Fetch an image with skopeo and import it: ``rt.images.pull()`` (which see).
        Returns the :class:`Image`."""
        return self.images.pull(source, name=name, insecure=insecure, auth_file=auth_file,
                                timeout=timeout)

    # ---- networks -------------------------------------------------------------------------

    @property
    def networks(self):
        """The runtime's networks, a :class:`Networks`: ``rt.networks.create(name,
        subnet=...)``, ``list()``, ``inspect(name)``, ``remove(name)``, ``name in
        rt.networks``."""
        return Networks(self)

    # ---- containers -----------------------------------------------------------------------

    def create(self, config=None, **settings):
        """Create a container (ctr_create): state "configured", nothing runs yet.

        ``config`` is an optional base: a :class:`Config`, its JSON text or a dict (it is
        not modified). ``settings`` are those of :class:`Config` (rootfs, args, name,
        layers, env, terminal, stdin, cwd, user, hostname, labels, ...); an unknown one is
        a TypeError. Returns a :class:`Container`. Raises InvalidArgument (bad rootfs, no
        args, a bad field), Exists (name taken), NotFound (unknown dependency).
        """
        if config is None:
            cfg = Config(**settings)
        elif isinstance(config, Config):
            cfg = Config.from_json(config.to_json()).set(**settings) if settings else config
        elif isinstance(config, (str, bytes, dict)):
            cfg = Config.from_json(config).set(**settings)
        else:
            raise TypeError("config must be a ctr.Config, JSON text or a dict, not %s"
                            % type(config).__name__)
        out = ctypes.c_void_p()
        ptr = cfg._acquire()
        try:
            self._call(lib.ctr_create, ptr, ctypes.byref(out))
        finally:
            cfg._release()
            if cfg is not config:
                cfg.close()
        return Container._own(out.value)

    def lookup(self, name_or_id):
        """The container with this full id, name or unique id prefix (ctr_lookup).
        Raises NotFound, or InvalidArgument when a prefix matches several."""
        key = cstr("name_or_id", name_or_id)
        out = ctypes.c_void_p()
        self._call(lib.ctr_lookup, key, ctypes.byref(out))
        return Container._own(out.value)

    def list(self):
        """Every container, sorted by name, as a list of :class:`Container` (ctr_list)."""
        arr = ctypes.POINTER(ctypes.c_void_p)()
        count = ctypes.c_size_t()
        self._call(lib.ctr_list, ctypes.byref(arr), ctypes.byref(count))
        try:
            out = []
            for i in range(count.value):
                out.append(Container._own(arr[i]))
                arr[i] = None  # owned by the Container now: ctr_list_free skips NULLs
        finally:
            lib.ctr_list_free(arr, count.value)
        return out

    def __contains__(self, name_or_id):
        try:
            self.lookup(name_or_id).close()
            return True
        except _errors.NotFound:
            return False

    def import_checkpoint(self, archive, name=None, checkpoint=None, keep=False,
                          tcp_established=False, ignore_rootfs=False):
        """Create a container from a checkpoint archive and restore it (ctr_import).

        ``archive`` is a file from ``Container.checkpoint(target_file=...)``; ``name`` the
        new container's name (None: generated); ``checkpoint`` the checkpoint's name in
        the restore options (None: "default"); the flags are CTR_RESTORE_*. Returns the
        new running :class:`Container`; on failure no container is left."""
        path = cstr("archive", archive, path=True)
        new_name = cstr("name", name, none=True)
        o = opts(RestoreOpts, name=cstr("checkpoint", checkpoint, none=True),
                 flags=restore_flags(keep, tcp_established, ignore_rootfs))
        out = ctypes.c_void_p()
        self._call(lib.ctr_import, path, new_name, ctypes.byref(o), ctypes.byref(out))
        return Container._own(out.value)

    # ---- events -----------------------------------------------------------------------

    def events_fd(self):
        """A :class:`PollFd` readable when the event log may have changed (ctr_events_fd:
        an inotify descriptor on the state directory, which also wakes for other files
        there). After a wake-up, ``drain()`` it, then read the new events with
        ``events(since=...)``. The caller closes it (or uses ``with``)."""
        return PollFd(self._call(lib.ctr_events_fd))

    def _read_events(self, container, type_, since_ns, until_ns):
        """One non-follow ctr_events() pass: a list of Event."""
        got = []
        failure = []

        def on_event(ev_p, _ud):
            try:
                ev = ev_p.contents
                ns = ev.time_ns
                got.append(Event(ns / 10**9, ev.type.decode(), ev.id.decode(), ev.name.decode(),
                                 json.loads(ev.attributes or b"{}"), ns))
                return 0
            except BaseException as e:  # never let an exception cross the C frames
                failure.append(e)
                return 1

        o = opts(EventsOpts, container=container, type=type_, since_ns=since_ns,
                 until_ns=until_ns)  # flags 0: this binding follows by itself
        self._call(lib.ctr_events, ctypes.byref(o), EVENT_FN(on_event), None)
        if failure:
            raise failure[0]
        return got

    def events(self, container=None, type=None, since=None, until=None, follow=False):
        """Iterate over the event log, oldest first, as :data:`Event` tuples (ctr_events).

        Filters: ``container`` (a name or full id), ``type`` ("start", "died", ...),
        ``since``/``until`` (at or after / at or before: seconds since the epoch, a float
        as time.time() gives or an Event's ``time``, or a datetime, naive meaning local
        time; None: no limit). Without ``follow`` it ends at the end of the log. A
        container's "died" event is written when a caller notices the exit (wait(), state,
        any operation, or its monitor's ctr-cleanup for a restart policy), not by the exit
        itself. With ``follow`` it then waits for new events, without polling, until you
        stop iterating (``break``, or close() the generator), or, with ``until``, once the
        clock has passed it.

        How a follow works (no thread): an inotify descriptor on the state directory
        (ctr_events_fd) is opened before the first read; each time it reports a change to
        the event log, the new events are read (non-follow ctr_events) from the newest
        event given + 1 ns: times increase strictly down the log, so that reads each event
        once. The runtime must stay open while a follow runs (ValueError on the next read
        if not).
        """
        want = cstr("container", container, none=True)
        typ = cstr("type", type, none=True)
        since = epoch_ns("since", since)
        until = epoch_ns("until", until, upper=True)
        if until and until < since:
            raise ValueError("until is before since")
        if not flag("follow", follow):
            return iter(self._read_events(want, typ, since, until))
        return self._follow_events(want, typ, since, until)

    def _follow_events(self, want, typ, since, until):
        """The generator of events(follow=True)."""
        with self.events_fd() as fd, selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            newest = 0
            while True:
                for ev in self._read_events(want, typ, newest + 1 if newest else since, until):
                    newest = max(newest, ev.time_ns)
                    yield ev
                if until and time.time_ns() > until:
                    return
                while not self._log_changed(fd, sel, until):
                    if until and time.time_ns() > until:
                        break

    @staticmethod
    def _log_changed(fd, sel, until):
        """Wait for fd; True when the change concerns the event log (or is unknown)."""
        timeout = None
        if until:
            timeout = max(0.0, (until - time.time_ns()) / 1e9) + 0.001
        if not sel.select(timeout):
            return False
        data = fd.drain()
        off = 0
        while off + _INOTIFY_HDR.size <= len(data):
            _wd, mask, _cookie, length = _INOTIFY_HDR.unpack_from(data, off)
            name = data[off + _INOTIFY_HDR.size:off + _INOTIFY_HDR.size + length]
            off += _INOTIFY_HDR.size + length
            if mask & _IN_Q_OVERFLOW or name.rstrip(b"\0").startswith(b"events.log"):
                return True
        return off == 0  # nothing parsed: read the log anyway
