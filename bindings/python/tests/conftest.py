"""Fixtures for the binding's tests: real runc over the busybox rootfs of the C integration
tests, each test with its own state and run directories under /tmp.

The environment is the C integration tests' (Makefile, check-integration): CTR_TEST_ROOTFS,
CTR_TEST_IMAGES (tests/fixtures/mkimages.sh), CTR_MONITOR, CTR_CLEANUP, CTR_FAKE_RUNTIME;
each defaults to its place in the build tree.
Tests that run containers are skipped, with the reason, without root, runc or the rootfs
(tests/fixtures/mkrootfs.sh build/rootfs makes it).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))  # bindings/python: `import ctr` from the tree

import ctr  # noqa: E402


def _default(var, rel):
    path = os.path.join(REPO, rel)
    if not os.environ.get(var) and os.path.exists(path):
        os.environ[var] = path
    return os.environ.get(var)


ROOTFS = _default("CTR_TEST_ROOTFS", "build/rootfs")
IMAGES = _default("CTR_TEST_IMAGES", "build/images")
MONITOR = _default("CTR_MONITOR", "build/ctr-monitor")
CLEANUP = _default("CTR_CLEANUP", "build/ctr-cleanup")
FAKE_RUNTIME = _default("CTR_FAKE_RUNTIME", "tests/fake-runtime/fake-runtime")


def _why_no_containers():
    if os.geteuid() != 0:
        return "real runc containers need root"
    if not ROOTFS or not os.path.exists(os.path.join(ROOTFS, "bin", "sh")):
        return ("no busybox rootfs at %s: run tests/fixtures/mkrootfs.sh build/rootfs or set "
                "CTR_TEST_ROOTFS" % (ROOTFS or os.path.join(REPO, "build/rootfs")))
    if not MONITOR or not os.access(MONITOR, os.X_OK):
        return "no ctr-monitor: run make build/ctr-monitor or set CTR_MONITOR"
    if not shutil.which("runc") and not os.path.exists("/usr/sbin/runc"):
        return "runc is not installed"
    return None


NO_CONTAINERS = _why_no_containers()
needs_containers = pytest.mark.skipif(NO_CONTAINERS is not None, reason=NO_CONTAINERS or "")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "base" in item.fixturenames or "rt" in item.fixturenames:
            item.add_marker(needs_containers)


# ---- cleaning up whatever a test left behind ----------------------------------------------

def _procs_mentioning(needle):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                if needle.encode() in f.read():
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def sweep(base):
    """Remove the containers and networks of base's directories, kill the processes this test started
    there (monitors, runtimes: found by base in their command line), unmount, delete."""
    try:
        with ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True,
                         runtime_timeout=5) as rt:
            for c in rt.list():
                try:
                    c.remove(force=True)
                except ctr.Error:
                    pass
                c.close()
            for name in rt.networks.list():  # and their bridges
                try:
                    rt.networks.remove(name)
                except ctr.Error:
                    pass
    except Exception:
        pass
    for _ in range(20):
        pids = _procs_mentioning(base)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
    root = base + "/r/runtime"
    if os.path.isdir(root):
        for name in os.listdir(root):
            subprocess.run(["runc", "--root", root, "delete", "--force", name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for point in sorted((p for p in points if p.startswith(base + "/")), reverse=True):
        subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)
    shutil.rmtree(base, ignore_errors=True)


# ---- fixtures -------------------------------------------------------------------------

@pytest.fixture
def base():
    """A fresh directory under /tmp (short: unix socket paths are limited) holding s/
    (state), r/ (run) and io/ (bound at /shared in containers made by `sh`)."""
    d = tempfile.mkdtemp(dir="/tmp", prefix="ctrpy-")
    os.mkdir(d + "/io")
    try:
        yield d
    finally:
        sweep(d)


@pytest.fixture
def rt(base):
    """A Runtime over base's directories (nosync)."""
    with ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True) as r:
        yield r


@pytest.fixture
def images():
    """The directory of tests/fixtures/mkimages.sh's images (skips the test without it)."""
    if not IMAGES or not os.path.exists(os.path.join(IMAGES, ".done-v1")):
        pytest.skip("no test images at %s: run tests/fixtures/mkimages.sh build/images or "
                    "set CTR_TEST_IMAGES" % (IMAGES or os.path.join(REPO, "build/images")))
    return IMAGES


@pytest.fixture
def fake_rt(base, monkeypatch):
    """A Runtime whose OCI runtime is tests/fake-runtime/fake-runtime emulating CRIU
    (FAKE_RUNTIME_CRIU=1), its calls logged to base/args.log."""
    if not FAKE_RUNTIME or not os.access(FAKE_RUNTIME, os.X_OK):
        pytest.skip("no fake runtime (tests/fake-runtime/fake-runtime)")
    monkeypatch.setenv("FAKE_RUNTIME_CRIU", "1")
    monkeypatch.setenv("FAKE_RUNTIME_ARGS", base + "/args.log")
    monkeypatch.setenv("FAKE_CRIU_IMAGE_KB", "64")
    with ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True,
                     oci_runtime=FAKE_RUNTIME) as r:
        yield r


# Shell loops: the init of a pid namespace ignores signals without a handler, so a
# stoppable one traps TERM. Each touches /shared/ready once it runs.
LOOP = "while :; do sleep 0.1; done"
# The timeout (s) of a wait for something that must happen (a file, an exit, an event): only
# a guard against a hang, far longer than anything takes on a loaded machine. Tests assert
# what happens, never how fast: no upper bound on a duration (timings belong in make bench).
GUARD = 20
GRACEFUL = "trap 'exit 0' TERM; touch /shared/ready; " + LOOP


def sh(rt, base, script, **settings):
    """A container running /bin/sh -c script on the busybox rootfs, base/io at /shared."""
    settings.setdefault("rootfs", ROOTFS)
    settings.setdefault("stop_timeout", 1)
    mounts = list(settings.pop("mounts", [])) + [ctr.Mount(base + "/io", "/shared")]
    return rt.create(args=["/bin/sh", "-c", script], mounts=mounts, **settings)


def take_file(base, name, timeout=GUARD):
    """Wait for base/io/name (the container's /shared/name) and remove it."""
    path = os.path.join(base, "io", name)
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "%s did not appear in %ss" % (name, timeout)
        time.sleep(0.01)
    os.unlink(path)


def running(rt, base, script=GRACEFUL, **settings):
    """sh(), started, its /shared/ready taken."""
    c = sh(rt, base, script, **settings)
    c.start()
    take_file(base, "ready")
    return c
