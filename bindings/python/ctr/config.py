"""Container configuration: :class:`Config`, the builder over ctr_config_t."""

import collections
import ctypes
import enum
import json

from . import _errors
from ._lib import lib
from ._util import (UINT_MAX, Handle, cstr, env_list, flag, integer, strv, take_string,
                    user_spec, whole_seconds)
from .net import network_args, port_args


class RestartPolicy(str, enum.Enum):
    """Restart policies (ctr_restart_t); plain strings such as "on-failure" work too."""
    NO = "no"
    ALWAYS = "always"
    ON_FAILURE = "on-failure"
    UNLESS_STOPPED = "unless-stopped"

    def __str__(self):
        return self.value


class Network(str, enum.Enum):
    """Network modes (ctr_network_t); plain strings "none" and "host" work too."""
    NONE = "none"
    HOST = "host"

    def __str__(self):
        return self.value


_RESTART = {"no": 0, "always": 1, "on-failure": 2, "unless-stopped": 3}
_NETWORK = {"none": 0, "host": 1}

Mount = collections.namedtuple("Mount", "source destination type options",
                               defaults=(None, None))
Mount.__doc__ = """A mount for ``mounts=[...]``: ``type`` None is a bind mount, ``options``
None the default ("rbind" for bind mounts). Plain tuples and dicts of the same fields work."""


def _choice(name, value, table):
    if isinstance(value, enum.Enum):
        value = value.value
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (name, type(value).__name__))
    if value not in table:
        raise ValueError("%s must be one of %s, not %r" % (name, ", ".join(table), value))
    return table[value]


def _mapping(name, value):
    if not hasattr(value, "items"):
        raise TypeError("%s must be a dict, not %s" % (name, type(value).__name__))
    return [(cstr("%s key" % name, k), cstr("%s[%r]" % (name, k), v, none=True))
            for k, v in value.items()]


def _list(name, value):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError("%s must be a list, not %s" % (name, type(value).__name__))
    return list(value)


def _mount(i, m):
    if isinstance(m, dict):
        try:
            m = Mount(**m)
        except TypeError as e:
            raise TypeError("mounts[%d]: %s" % (i, e)) from None
    elif isinstance(m, tuple) and 2 <= len(m) <= 4:
        m = Mount(*m)
    else:
        raise TypeError("mounts[%d] must be a Mount, a tuple (source, destination[, type"
                        "[, options]]) or a dict, not %s" % (i, type(m).__name__))
    n = "mounts[%d]" % i
    return (cstr(n + ".source", m.source, path=True), cstr(n + ".destination", m.destination),
            cstr(n + ".type", m.type, none=True), cstr(n + ".options", m.options, none=True))


class Config(Handle):
    """A container configuration (ctr_config_t): ``Config(**settings)``.

    Settings (each maps to a ctr_config_set_* or ctr_config_add_* call; an unknown one is
    a TypeError; each is checked by the library, which raises InvalidArgument naming it):

    ``name`` str; ``rootfs`` path; ``layers`` list of paths (lowest first, instead of
    rootfs); ``image`` an image reference ("NAME[:TAG]", an id or a unique id prefix;
    instead of rootfs and layers: the root is an overlay of its layers, and its config
    gives the defaults of args, env, cwd, user, stop signal and labels); ``entrypoint``
    list of str (with ``image``: replaces the image's entrypoint, and its cmd is then not
    used); ``args`` list of str (with ``image``: replaces the image's cmd); ``env`` dict or list of "K=V"; ``terminal`` bool;
    ``stdin`` bool (keep stdin open for attach); ``log_size_max`` bytes; ``stop_signal``
    int; ``stop_timeout`` seconds (float, rounded up to whole seconds as the library keeps
    them; None: the default, 10); ``restart_policy`` "no", "always", "on-failure",
    "unless-stopped" (or :class:`RestartPolicy`); ``restart_max_retries`` int (with
    on-failure); ``dependencies`` list of names or ids; ``cwd`` str; ``user`` "USER[:GROUP]"
    as podman's --user, each a name or a number ("nobody", "1000:1000"; names are looked up
    in the rootfs's /etc/passwd and /etc/group when each run begins) or an int uid (None:
    root); ``hostname`` str; ``capabilities`` list of names (None: the default set,
    :func:`ctr.default_capabilities`); ``seccomp`` "default", "unconfined" or a profile path
    (None: default); ``memory_limit`` bytes; ``pids_limit`` int; ``readonly_rootfs`` bool;
    ``mounts`` list of :data:`Mount` / tuples / dicts; ``network`` "none" or "host" (the
    namespace's mode); ``networks`` list of network names or (name, ip) tuples to join
    (eth0, eth1, ... in order; ip None: the next free address at each run; see
    :class:`Networks`); ``ports`` list of published ports, each a :data:`Port`, a tuple
    (host_ip, host_port, container_port[, protocol]) or (host_port, container_port), a
    dict, or a string "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]" as podman's -p (without
    ``networks``, the container joins the network "ctr");
    ``labels`` and ``annotations`` dicts (a None value removes the key); ``spec_override``
    JSON text or a dict (RFC 7386 merge patch into the OCI spec; None clears it).

    A Config is not safe to modify from several threads at once.
    """

    _free = lib.ctr_config_free
    _kind = "config"

    def __init__(self, **settings):
        out = ctypes.c_void_p()
        _errors.check(lib.ctr_config_new(ctypes.byref(out)))
        super().__init__(out.value)
        self.set(**settings)

    @classmethod
    def from_json(cls, text):
        """A Config from its JSON form (str, bytes, or a dict), as to_json() writes it
        (ctr_config_from_json). Unknown fields raise InvalidArgument."""
        if isinstance(text, dict):
            text = json.dumps(text)
        elif isinstance(text, bytes):
            text = text.decode()
        data = cstr("json", text)
        out = ctypes.c_void_p()
        _errors.check(lib.ctr_config_from_json(data, ctypes.byref(out)))
        cfg = cls.__new__(cls)
        Handle.__init__(cfg, out.value)
        return cfg

    def to_json(self):
        """The configuration as JSON text (ctr_config_to_json)."""
        out = ctypes.c_void_p()
        self._call(lib.ctr_config_to_json, ctypes.byref(out))
        return take_string(out)

    def to_dict(self):
        """The configuration as a dict (the parsed to_json())."""
        return json.loads(self.to_json())

    def set(self, **settings):
        """Apply settings (see the class docstring) in the order given; returns self.

        All are checked for their Python types first, so a TypeError changes nothing."""
        calls = []
        retries = settings.pop("restart_max_retries", None)
        if retries is not None and "restart_policy" not in settings:
            raise TypeError("restart_max_retries needs restart_policy")
        for key, value in settings.items():
            setter = _SETTERS.get(key)
            if setter is None:
                raise TypeError("unknown container setting %r" % key)
            calls += setter(value, retries) if key == "restart_policy" else setter(value)
        for fn, args in calls:
            self._call(fn, *args)
        return self

    def __repr__(self):
        return "<ctr.Config%s>" % (" closed" if self.closed else "")


def _one(fn, conv):
    return lambda v: [(fn, (conv(v),))]


def _restart(value, retries):
    policy = _choice("restart_policy", value, _RESTART)
    n = 0 if retries is None else integer("restart_max_retries", retries, 0, UINT_MAX)
    return [(lib.ctr_config_set_restart_policy, (policy, n))]


def _caps(value):
    return [(lib.ctr_config_set_capabilities,
             (None if value is None else strv("capabilities", value),))]


def _spec_override(value):
    if isinstance(value, dict):
        value = json.dumps(value)
    return [(lib.ctr_config_set_spec_override, (cstr("spec_override", value, none=True),))]


_SETTERS = {
    "name": _one(lib.ctr_config_set_name, lambda v: cstr("name", v)),
    "rootfs": _one(lib.ctr_config_set_rootfs, lambda v: cstr("rootfs", v, path=True)),
    "layers": lambda v: [(lib.ctr_config_add_layer, (cstr("layers[%d]" % i, d, path=True),))
                         for i, d in enumerate(_list("layers", v))],
    "image": _one(lib.ctr_config_set_image, lambda v: cstr("image", v)),
    "entrypoint": _one(lib.ctr_config_set_entrypoint, lambda v: strv("entrypoint", v)),
    "args": _one(lib.ctr_config_set_args, lambda v: strv("args", v)),
    "env": _one(lib.ctr_config_set_env, lambda v: strv("env", env_list("env", v))),
    "terminal": _one(lib.ctr_config_set_terminal, lambda v: flag("terminal", v)),
    "stdin": _one(lib.ctr_config_set_stdin, lambda v: flag("stdin", v)),
    "log_size_max": _one(lib.ctr_config_set_log_size_max,
                         lambda v: integer("log_size_max", v, 0, 2**64 - 1)),
    "stop_signal": _one(lib.ctr_config_set_stop_signal, lambda v: integer("stop_signal", v)),
    "stop_timeout": _one(lib.ctr_config_set_stop_timeout,
                         lambda v: whole_seconds("stop_timeout", v, UINT_MAX, none=10)),
    "restart_policy": _restart,
    "dependencies": lambda v: [(lib.ctr_config_add_dependency,
                                (cstr("dependencies[%d]" % i, d),))
                               for i, d in enumerate(_list("dependencies", v))],
    "cwd": _one(lib.ctr_config_set_cwd, lambda v: cstr("cwd", v)),
    "user": _one(lib.ctr_config_set_user, user_spec),
    "hostname": _one(lib.ctr_config_set_hostname, lambda v: cstr("hostname", v)),
    "capabilities": _caps,
    "seccomp": _one(lib.ctr_config_set_seccomp, lambda v: cstr("seccomp", v, path=True,
                                                                none=True)),
    "memory_limit": _one(lib.ctr_config_set_memory_limit,
                         lambda v: integer("memory_limit", v, 0, 2**64 - 1)),
    "pids_limit": _one(lib.ctr_config_set_pids_limit,
                       lambda v: integer("pids_limit", v, -2**63, 2**63 - 1)),
    "readonly_rootfs": _one(lib.ctr_config_set_readonly_rootfs,
                            lambda v: flag("readonly_rootfs", v)),
    "mounts": lambda v: [(lib.ctr_config_add_mount, _mount(i, m))
                         for i, m in enumerate(_list("mounts", v))],
    "network": _one(lib.ctr_config_set_network, lambda v: _choice("network", v, _NETWORK)),
    "networks": lambda v: [(lib.ctr_config_add_network, network_args(i, n))
                           for i, n in enumerate(_list("networks", v))],
    "ports": lambda v: [(lib.ctr_config_add_port, port_args(i, p))
                        for i, p in enumerate(_list("ports", v))],
    "labels": lambda v: [(lib.ctr_config_set_label, kv) for kv in _mapping("labels", v)],
    "annotations": lambda v: [(lib.ctr_config_set_annotation, kv)
                              for kv in _mapping("annotations", v)],
    "spec_override": _spec_override,
}

#: The names Config() and Runtime.create() accept.
SETTINGS = tuple(_SETTERS) + ("restart_max_retries",)
