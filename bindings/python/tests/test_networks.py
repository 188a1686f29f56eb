"""Networks (libctr 1.1): rt.networks, Config(networks=..., ports=...), and a container on a
network serving a published port (busybox httpd, fetched from the host at 127.0.0.1).

The tests use only their own subnets under 10.89.0.0/16 (10.89.211.0/24 and up here) and
host ports 1821x on 127.0.0.1, so that they run beside the other suites' networks.
"""

import time
import urllib.error
import urllib.request

import pytest

import ctr
from ctr.net import parse_port
from conftest import GUARD, sh

SUBNET = "10.89.211.0/24"
OTHER = "10.89.214.0/24"
HOST_PORT = 18211


def test_port_strings_are_parsed_as_podman_s_p():
    assert parse_port("127.0.0.1:8080:80/tcp") == ctr.Port("127.0.0.1", 8080, 80, "tcp")
    assert parse_port("8080:80") == ctr.Port(None, 8080, 80, None)
    assert parse_port("5353:53/udp") == ctr.Port(None, 5353, 53, "udp")
    for bad in ("80", "a:b", "1.2.3.4:1:2:3", "8080:80/", "8080:http", ":80", "8080-8081:80"):
        with pytest.raises(ctr.InvalidArgument, match="HOST_PORT:CONTAINER_PORT"):
            parse_port(bad)
    with pytest.raises(TypeError):
        parse_port(8080)


def test_bad_networks_and_ports_raise_before_or_from_the_library():
    # Wrong Python types: TypeError, nothing set.
    for bad in ({"ports": "8080:80"}, {"ports": [8080]}, {"ports": [(1,)]},
                {"networks": "net"}, {"networks": [5]}, {"networks": [("a", "b", "c")]},
                {"ports": [{"host_port": 1, "nope": 2}]}):
        with pytest.raises(TypeError):
            ctr.Config(**bad)
    # Values the library refuses: InvalidArgument with its message.
    for bad in ({"ports": ["8080:80/sctp"]}, {"ports": ["70000:80"]}, {"ports": [(None, 0, 80)]},
                {"ports": ["256.0.0.1:8080:80"]}, {"networks": ["bad/name"]},
                {"networks": [("net", "10.89.1")]}, {"networks": ["net", "net"]},
                {"ports": ["8080:80", "8080:81"]}):
        with pytest.raises(ctr.InvalidArgument):
            ctr.Config(**bad)
    # The same host port for tcp and for udp is two ports.
    ctr.Config(networks=["net", ("other", "10.89.3.7")],
               ports=["8080:80", "8080:80/udp", ("127.0.0.1", 8081, 81, "tcp"), (8082, 82),
                      {"host_ip": None, "host_port": 8083, "container_port": 83}]).close()


def test_networks_are_created_listed_inspected_and_removed(rt):
    net = rt.networks.create("pynet", subnet=SUBNET)
    assert net["name"] == "pynet" and net["subnet"] == SUBNET
    assert net["gateway"] == "10.89.211.1" and net["internal"] is False
    assert 0 < len(net["bridge"]) <= 15 and net["containers"] == {}
    assert rt.networks.inspect("pynet") == net
    inner = rt.networks.create("pyinternal", subnet=OTHER, internal=True)
    assert inner["internal"] is True and inner["gateway"] is None
    gw = rt.networks.create("pygw", subnet="10.89.215.0/24", gateway="10.89.215.9")
    assert gw["gateway"] == "10.89.215.9"
    rt.networks.remove("pygw")
    assert rt.networks.list() == ["pyinternal", "pynet"] == list(rt.networks)
    assert "pynet" in rt.networks and "nosuch" not in rt.networks and len(rt.networks) == 2
    with pytest.raises(ctr.Exists):
        rt.networks.create("pynet", subnet="10.89.216.0/24")
    with pytest.raises(ctr.InvalidArgument, match="10.89.211"):
        rt.networks.create("overlap", subnet="10.89.211.128/25")
    for subnet, gateway in (("10.89.216.0/33", None), ("10.89.216.1/24", None),
                            ("10.89.216.0/24", "10.89.217.1"), ("nonsense", None)):
        with pytest.raises(ctr.InvalidArgument):
            rt.networks.create("bad", subnet=subnet, gateway=gateway)
    with pytest.raises(TypeError):
        rt.networks.create("bad", internal="yes")
    rt.networks.remove("pyinternal")
    with pytest.raises(ctr.NotFound):
        rt.networks.remove("pyinternal")
    with pytest.raises(ctr.NotFound):
        rt.networks.inspect("pyinternal")
    assert rt.networks.list() == ["pynet"]
    rt.networks.remove("pynet")
    assert rt.networks.list() == []


def fetch(url, timeout=GUARD):
    """The body of url, retried until the server answers (it starts with the container)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(url, timeout=2) as r:
                return r.read().decode()
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_container_on_a_network_serves_a_published_port(rt, base):
    rt.networks.create("pyweb", subnet=SUBNET)
    with open(base + "/io/index.html", "w") as f:
        f.write("hello from httpd\n")
    c = sh(rt, base, "exec httpd -f -p 80 -h /shared", networks=[("pyweb", "10.89.211.7")],
           ports=["127.0.0.1:%d:80/tcp" % HOST_PORT])
    try:
        c.start()
        assert fetch("http://127.0.0.1:%d/" % HOST_PORT) == "hello from httpd\n"
        info = c.inspect()
        me = info["networks"]["pyweb"]
        assert me["ip"] == "10.89.211.7" and me["gateway"] == "10.89.211.1"
        assert me["prefix_length"] == 24 and len(me["mac"]) == 17
        assert info["ports"] == [{"host_ip": "127.0.0.1", "host_port": HOST_PORT,
                                  "container_port": 80, "protocol": "tcp"}]
        seen = rt.networks.inspect("pyweb")["containers"]
        assert seen[c.id]["ip"] == "10.89.211.7"
        r = c.exec(["ip", "-4", "-o", "addr", "show", "eth0"])
        assert "10.89.211.7/24" in r.stdout.decode()
        with pytest.raises(ctr.Busy) as e:
            rt.networks.remove("pyweb")
        assert c.name in str(e.value) or c.id in str(e.value)
    finally:
        c.remove(force=True)
        c.close()
    assert rt.networks.inspect("pyweb")["containers"] == {}
    with pytest.raises(OSError):
        fetch("http://127.0.0.1:%d/" % HOST_PORT, timeout=0)
    rt.networks.remove("pyweb")
    assert "pyweb" not in rt.networks


def test_a_port_without_a_network_joins_the_default_one(rt, base):
    c = sh(rt, base, "exec httpd -f -p 8080 -h /shared", ports=[(None, HOST_PORT + 5, 8080)])
    try:
        with open(base + "/io/index.html", "w") as f:
            f.write("default\n")
        c.start()
        assert fetch("http://127.0.0.1:%d/" % (HOST_PORT + 5)) == "default\n"
        assert list(c.inspect()["networks"]) == [ctr.DEFAULT_NETWORK]
        assert ctr.DEFAULT_NETWORK in rt.networks
    finally:
        c.remove(force=True)
        c.close()
    rt.networks.remove(ctr.DEFAULT_NETWORK)


def test_create_refuses_an_unknown_network_and_host_mode_with_networks(rt, base):
    with pytest.raises(ctr.NotFound, match="nosuchnet"):
        sh(rt, base, "true", networks=["nosuchnet"])
    rt.networks.create("pyhost", subnet=SUBNET)
    with pytest.raises(ctr.InvalidArgument):
        sh(rt, base, "true", networks=["pyhost"], network="host")
    with pytest.raises(ctr.InvalidArgument):
        sh(rt, base, "true", networks=[("pyhost", "10.89.99.5")])  # not in the subnet
    rt.networks.remove("pyhost")
