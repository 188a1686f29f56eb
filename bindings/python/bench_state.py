#!/usr/bin/env python3
"""The Python side of the bindings' overhead, measured as bench/bench_state.c measures the
C side: one ``c.state`` of a running container, and a whole lifecycle of /bin/true
(Runtime.create, start, wait, remove).

    /usr/bin/python3 bindings/python/bench_state.py [ROOTFS] [CALLS] [LIFECYCLES]

ROOTFS defaults to $CTR_TEST_ROOTFS, then build/rootfs (tests/fixtures/mkrootfs.sh makes
it); CTR_MONITOR defaults to build/ctr-monitor. CALLS (100000) state reads in 5 rounds,
the median round's µs per call; LIFECYCLES (20) lifecycles, their median in ms. The
directories are in /dev/shm, durable (not nosync), as in the C bench. Prints "key value"
lines like the C bench:

    state_us MEDIAN          c.state through the binding
    state_ctypes_us MEDIAN   ctr_state() through bare ctypes (the binding's floor)
    lifecycle_ms MEDIAN
"""

import ctypes
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import ctr  # noqa: E402
from ctr._lib import lib  # noqa: E402

ROUNDS = 5


def rounds_us(fn, calls):
    """The median over ROUNDS rounds of calls/ROUNDS calls of fn, µs per call."""
    per = max(1, calls // ROUNDS)
    out = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        for _ in range(per):
            fn()
        out.append((time.perf_counter() - t) * 1e6 / per)
    return statistics.median(out)


def processes_mentioning(path):
    """Pids whose command line mentions path (the monitors and runtimes of our dirs)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if path.encode() in f.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


def remove_tree(path):
    """Remove path once the last lifecycle's monitor, which deletes the runtime's state
    off the caller's path (and would recreate a directory), has ended (up to 5 s)."""
    deadline = time.monotonic() + 5
    while processes_mentioning(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    shutil.rmtree(path, ignore_errors=True)


def main():
    args = sys.argv[1:]
    rootfs = args[0] if args else (os.environ.get("CTR_TEST_ROOTFS")
                                   or os.path.join(REPO, "build", "rootfs"))
    calls = int(args[1]) if len(args) > 1 else 100000
    n = int(args[2]) if len(args) > 2 else 20
    rootfs = os.path.abspath(rootfs)
    if not os.path.exists(os.path.join(rootfs, "bin", "sh")):
        sys.exit("bench_state.py: no busybox rootfs at %s (tests/fixtures/mkrootfs.sh)" % rootfs)
    monitor = os.path.join(REPO, "build", "ctr-monitor")
    if not os.environ.get("CTR_MONITOR") and os.path.exists(monitor):
        os.environ["CTR_MONITOR"] = monitor
    base = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None,
                            prefix="ctr-bench-state-py-")
    try:
        with ctr.Runtime(state_dir=base + "/state", run_dir=base + "/run") as rt:
            c = rt.create(rootfs=rootfs, args=["/bin/sleep", "1000"])
            c.start()
            state_us = rounds_us(lambda: c.state, calls)
            ptr, out, fn = c._ptr, ctypes.c_int(), lib.ctr_state
            ref = ctypes.byref(out)
            bare_us = rounds_us(lambda: fn(ptr, ref), calls)
            c.remove(force=True)
            c.close()
            life = []
            for _ in range(n):
                t = time.perf_counter()
                x = rt.create(rootfs=rootfs, args=["/bin/true"])
                x.start()
                code = x.wait()
                x.remove()
                life.append((time.perf_counter() - t) * 1e3)
                x.close()
                if code != 0:
                    sys.exit("bench_state.py: /bin/true exited with %d" % code)
    finally:
        remove_tree(base)
    print("state_us %.3f" % state_us)
    print("state_ctypes_us %.3f" % bare_us)
    print("lifecycle_ms %.3f" % statistics.median(life))


if __name__ == "__main__":
    main()
