"""Networks (include/ctr/net.h, libctr 1.1): :class:`Networks`, the bridge networks of a
runtime (``rt.networks``), and :data:`Port`, a published port for ``Config(ports=[...])``.

A network is a Linux bridge with an IPv4 subnet and its gateway, worked by the CNI plugins;
a container joins networks with ``Config(networks=["net1", ("net2", "10.89.3.7")])``
(interfaces eth0, eth1, ... in that order) and publishes ports with
``Config(ports=["127.0.0.1:8080:80/tcp"])``; a config with ports and no network joins
:data:`DEFAULT_NETWORK`, which is created the first time a container needs it.
"""

import collections
import ctypes
import json

from . import _errors
from ._lib import NetworkOpts, lib, opts
from ._util import UINT_MAX, Collection, cstr, flag, integer, take_string, take_strv

NET_INTERNAL = 0x1

#: The network containers join when they publish ports without naming one (CTR_NETWORK_DEFAULT).
DEFAULT_NETWORK = "ctr"

Port = collections.namedtuple("Port", "host_ip host_port container_port protocol",
                              defaults=(None,))
Port.__doc__ = """A published port for ``ports=[...]`` (ctr_config_add_port): ``host_ip`` an
IPv4 address of the host ("127.0.0.1"; None: all of them), ``host_port`` and
``container_port`` 1..65535, ``protocol`` "tcp" or "udp" (None: "tcp"). Plain tuples of the
same fields work, as do (host_port, container_port) and podman's strings
"[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]"."""

_PORT_FORM = "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]"


def _port_number(spec, text):
    if not text.isdigit() or not text.isascii():
        raise _errors.InvalidArgument("port %r: %r is not a port number (%s)"
                                      % (spec, text, _PORT_FORM), _errors.E_INVAL)
    return int(text)


def parse_port(spec):
    """A podman -p string "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]" -> :data:`Port`.
    Raises InvalidArgument when it is not of that form; the numbers' ranges, the address
    and the protocol are the library's to check (InvalidArgument too, from the call)."""
    if not isinstance(spec, str):
        raise TypeError("a port spec must be str, not %s" % type(spec).__name__)
    addr, slash, proto = spec.partition("/")
    parts = addr.split(":")
    if len(parts) not in (2, 3) or (slash and not proto):
        raise _errors.InvalidArgument("port %r is not %s" % (spec, _PORT_FORM), _errors.E_INVAL)
    host_ip = parts[0] if len(parts) == 3 else None
    return Port(host_ip, _port_number(spec, parts[-2]), _port_number(spec, parts[-1]),
                proto if slash else None)


def port_args(i, p):
    """One item of ``ports=[...]`` -> the arguments of ctr_config_add_port after cfg."""
    name = "ports[%d]" % i
    if isinstance(p, str):
        p = parse_port(p)
    elif isinstance(p, dict):
        try:
            p = Port(**p)
        except TypeError as e:
            raise TypeError("%s: %s" % (name, e)) from None
    elif isinstance(p, tuple) and len(p) == 2:
        p = Port(None, *p)
    elif isinstance(p, tuple) and 3 <= len(p) <= 4:
        p = Port(*p)
    else:
        raise TypeError("%s must be a Port, a tuple (host_ip, host_port, container_port"
                        "[, protocol]) or (host_port, container_port), a dict or a string "
                        "%s, not %s" % (name, _PORT_FORM, type(p).__name__))
    return (cstr(name + ".host_ip", p.host_ip, none=True),
            integer(name + ".host_port", p.host_port, 0, UINT_MAX),
            integer(name + ".container_port", p.container_port, 0, UINT_MAX),
            cstr(name + ".protocol", p.protocol, none=True))


def network_args(i, n):
    """One item of ``networks=[...]``: a name, or (name, ip) -> ctr_config_add_network's
    arguments after cfg."""
    name = "networks[%d]" % i
    if isinstance(n, str):
        return (cstr(name, n), None)
    if isinstance(n, tuple) and len(n) in (1, 2):
        return (cstr(name + " name", n[0]), cstr(name + " ip", n[1] if len(n) == 2 else None,
                                                 none=True))
    raise TypeError("%s must be a network name or a tuple (name, ip), not %s"
                    % (name, type(n).__name__))


class Networks(Collection):
    """The networks of a runtime: ``rt.networks``. ``name in rt.networks`` asks whether
    one exists; iterating gives their names, sorted.
    """

    __slots__ = ("_rt",)

    def __init__(self, runtime):
        self._rt = runtime

    def create(self, name, subnet=None, gateway=None, internal=False):
        """Create a network (ctr_network_create) and return its document (see inspect()).
        ``subnet`` "A.B.C.D/N" (N 8..30, no host bits; None: the first /24 of
        10.89.0.0/16 that no other network and no route of the host uses); ``gateway`` an
        address in it (None: its first); ``internal``: no route out, no masquerade, no
        published ports. Its bridge is made when the first container joins. Raises
        InvalidArgument (a bad name, subnet or gateway, a subnet overlapping another
        network's or a host route), Exists (a network of that name)."""
        o = opts(NetworkOpts, subnet=cstr("subnet", subnet, none=True),
                 gateway=cstr("gateway", gateway, none=True),
                 flags=NET_INTERNAL if flag("internal", internal) else 0)
        key = cstr("name", name)
        self._rt._call(lib.ctr_network_create, key, ctypes.byref(o))
        return self._inspect(key)

    def _inspect(self, key):
        out = ctypes.c_void_p()
        self._rt._call(lib.ctr_network_inspect, key, ctypes.byref(out))
        return json.loads(take_string(out))

    def inspect(self, name):
        """The network as a dict (ctr_network_inspect, docs/inspect.md): name, subnet
        ("A.B.C.D/N"), gateway (None when internal), bridge, internal, created (ns since
        the epoch), conflist (its path), containers ({id: {"name", "ip", "mac"}} of the
        runs on it now) and configured (the ids of containers only configured with it).
        Raises NotFound."""
        return self._inspect(cstr("name", name))

    def list(self):
        """The names of all networks, sorted (ctr_network_list)."""
        arr = ctypes.POINTER(ctypes.c_char_p)()
        count = ctypes.c_size_t()
        self._rt._call(lib.ctr_network_list, ctypes.byref(arr), ctypes.byref(count))
        return sorted(take_strv(arr, count.value))

    def remove(self, name):
        """Remove a network, its bridge and its leases (ctr_network_remove). Raises
        NotFound, Busy while a container (in any state) is configured with it (the message
        names one)."""
        self._rt._call(lib.ctr_network_remove, cstr("name", name), 0)

    def _probe(self, name):
        self.inspect(name)
