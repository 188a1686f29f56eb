"""The lifecycle over real runc: states, exit codes, waits, pause, batch, handles."""

import datetime
import gc
import os
import re
import selectors
import signal
import time

import pytest

import ctr
from conftest import GRACEFUL, GUARD, LOOP, running, sh, take_file


def test_run_to_exit_code(rt, base):
    c = sh(rt, base, "exit 7", name="seven")
    assert c.name == "seven" and len(c.id) == 64
    assert c.state == "configured" and c.state is ctr.State.CONFIGURED
    assert c.exit_code is None and c.pid == 0
    c.start()
    assert c.wait(timeout=GUARD) == 7
    assert c.state in ("stopped", "exited")
    assert c.exit_code == 7 and c.pid == 0
    c.cleanup()
    assert c.state == ctr.State.EXITED and c.exit_code == 7
    c.remove()
    with pytest.raises(ctr.Removed):
        c.state
    with pytest.raises(ctr.NotFound):
        rt.lookup("seven")


def test_init_then_start_and_stop_escalates_to_sigkill(rt, base):
    c = sh(rt, base, "trap '' TERM; touch /shared/ready; " + LOOP)
    c.init()
    assert c.state == "created" and c.pid > 0
    c.start()
    take_file(base, "ready")
    assert c.state == "running"
    t = time.monotonic()
    c.stop(timeout=0.5)  # rounded up to 1 s, then SIGKILL
    assert time.monotonic() - t > 0.5
    assert c.state == "stopped" and c.exit_code == 128 + signal.SIGKILL


def test_kill_gives_128_plus_the_signal(rt, base):
    c = running(rt, base, "trap 'exit 3' USR1; touch /shared/ready; " + LOOP)
    c.kill(signal.SIGUSR1)
    assert c.wait(GUARD) == 3
    c2 = running(rt, base, "touch /shared/ready; " + LOOP)
    c2.kill()
    assert c2.wait(GUARD) == 128 + signal.SIGKILL


def test_wait_with_timeout_raises_timeout_after_it(rt, base):
    c = running(rt, base)
    t = time.monotonic()
    with pytest.raises(ctr.Timeout) as info:
        c.wait(timeout=0.3)
    assert time.monotonic() - t > 0.25
    assert info.value.code == ctr.E_TIMEOUT
    with pytest.raises(ctr.Timeout):
        c.wait(0)
    # A wait longer than one slice (0.5 s) ends when the container does.
    c2 = running(rt, base, "touch /shared/ready; sleep 0.8; exit 4")
    assert c2.wait(timeout=GUARD) == 4
    with pytest.raises(ctr.Timeout):
        c.wait(timeout=0.7)  # two slices, still a Timeout


def test_wait_fd_works_with_selectors(rt, base):
    c = running(rt, base, "touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.02; done;"
                " exit 5")
    with c.wait_fd() as fd, selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        assert sel.select(timeout=0.2) == []  # still running
        open(base + "/io/go", "w").close()
        t = time.monotonic()
        while True:
            assert sel.select(timeout=GUARD), "wait_fd did not become readable"
            fd.drain()
            try:
                code = c.wait(0)
                break
            except ctr.Timeout:
                assert time.monotonic() - t < GUARD
        assert code == 5
        n = fd.fileno()
    assert fd.closed
    with pytest.raises(ValueError):
        fd.fileno()
    with pytest.raises(OSError):
        os.fstat(n)  # closed by the with block


def test_wait_fd_of_a_configured_container_is_a_state_error(rt, base):
    c = sh(rt, base, "true")
    with pytest.raises(ctr.StateError):
        c.wait_fd()


def test_pause_and_unpause(rt, base):
    c = running(rt, base)
    c.pause()
    assert c.state == ctr.State.PAUSED
    with pytest.raises(ctr.StateError, match="paused"):
        c.pause()
    c.unpause()
    assert c.state == "running"
    c.wait_condition("running", timeout=1)
    c.stop()
    c.wait_condition(ctr.State.EXITED, timeout=GUARD)  # stopped satisfies it too


def test_restart_runs_it_again(rt, base):
    c = running(rt, base)
    pid = c.pid
    c.restart(timeout=GUARD)
    take_file(base, "ready")
    assert c.state == "running" and c.pid != pid


def test_list_and_lookup_by_name_id_and_prefix(rt, base):
    a = sh(rt, base, "true", name="bravo")
    b = sh(rt, base, "true", name="alpha")
    names = [c.name for c in rt.list()]
    assert names == ["alpha", "bravo"]
    assert rt.lookup("bravo") == a
    assert rt.lookup(a.id).name == "bravo"
    assert rt.lookup(b.id[:12]) == b
    assert "alpha" in rt and "charlie" not in rt
    assert {a, b} == set(rt.list())
    for c in rt.list():
        c.close()


def test_inspect_is_a_dict(rt, base):
    c = sh(rt, base, "exit 2", name="insp", labels={"team": "core"}, env=["A=1"])
    d = c.inspect()
    assert d["id"] == c.id and d["name"] == "insp"
    assert d["labels"] == {"team": "core"}
    assert d["state"]["state"] == "configured"
    assert "A=1" in d["config"]["env"]
    assert set(d["paths"]) >= {"bundle", "spec", "run_dir", "lock"}
    assert "finished_at" not in d["state"]  # no time yet: absent
    c.start()
    c.wait(GUARD)
    d = c.inspect()
    assert d["state"]["exit_code"] == 2
    # Every time is RFC 3339 in UTC with nanoseconds; Python's datetime takes it to the µs.
    for when in (d["created"], d["state"]["started_at"], d["state"]["finished_at"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", when), when
        datetime.datetime.fromisoformat(when[:26] + "+00:00")


def test_user_is_one_string_with_names_from_the_rootfs(rt, base):
    # The test rootfs lists app (1000:1000, also in staff, 50) and nobody; 1234 is unlisted.
    ids = "echo $(id -u):$(id -g)"
    for user, want in (("app", b"1000:1000"), ("1234:1000", b"1234:1000"), (1234, b"1234:0"),
                       (1000, b"1000:1000"), ("nobody:root", b"65534:0"), (None, b"0:0")):
        c = sh(rt, base, ids, **({} if user is None else {"user": user}))
        c.start()
        assert c.wait(GUARD) == 0
        assert [e.data for e in c.logs()] == [want], user
    c = sh(rt, base, "true", user="no-such-user")
    with pytest.raises(ctr.InvalidArgument, match="passwd"):
        c.start()
    with pytest.raises(TypeError):
        sh(rt, base, "true", user=(1000, 1000))
    c = running(rt, base)
    assert c.exec(["/bin/sh", "-c", ids], user="nobody").stdout == b"65534:65534\n"
    assert c.exec(["/bin/sh", "-c", ids], user=1234).stdout == b"1234:0\n"
    assert sorted(c.exec(["id", "-G"], user="app").stdout.split()) == [b"1000", b"50"]
    with pytest.raises(ctr.InvalidArgument, match="passwd"):
        c.exec(["true"], user="no-such-user")


def test_default_capabilities_are_what_a_container_gets(rt, base):
    caps = ctr.default_capabilities()
    assert "CAP_CHOWN" in caps and "CAP_SYS_ADMIN" not in caps
    assert ctr.default_capabilities() == caps  # a new list each time
    c = sh(rt, base, "grep CapEff /proc/self/status", capabilities=caps[:1])
    c.start()
    assert c.wait(GUARD) == 0
    assert [e.data for e in c.logs()] == [b"CapEff:\t0000000000000001"]  # CAP_CHOWN = 0


def test_sync_and_batch(rt, base):
    c = running(rt, base)
    c.sync()

    def several(cc):
        assert cc is c
        return (cc.state, cc.pid > 0)

    assert c.batch(several) == ("running", True)
    with pytest.raises(ZeroDivisionError):
        c.batch(lambda cc: 1 / 0)
    with pytest.raises(ctr.Busy):
        c.batch(lambda cc: cc.batch(lambda x: None))
    assert c.batch(lambda cc: None) is None
    c.batch(lambda cc: cc.stop(0))
    assert c.state == "stopped"


def test_a_container_outlives_its_runtime_object(base):
    rt = ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True)
    c = running(rt, base)
    rt.close()
    del rt
    gc.collect()
    assert c.state == "running"
    c.stop(timeout=GUARD)
    assert c.exit_code == 0  # the trap's exit 0
    c.remove()


def test_a_handle_closed_during_a_wait_is_freed_after_it(rt, base):
    import threading
    c = running(rt, base)
    got = []
    t = threading.Thread(target=lambda: got.append(c.wait(timeout=GUARD)))
    t.start()
    time.sleep(0.2)
    c.close()  # deferred: the wait holds the handle
    other = rt.lookup(c.id)
    other.stop(timeout=GUARD)  # the trap's exit 0
    t.join(GUARD)
    assert got == [0]
    with pytest.raises(ValueError):
        c.state


def test_rebooted_is_false_on_a_second_open(base):
    with ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True) as rt1:
        first = rt1.rebooted
    with ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True) as rt2:
        assert rt2.rebooted is False
    assert first in (True, False)


def test_dependencies_and_restart_policy_settings(rt, base):
    db = running(rt, base, name="db")
    app = sh(rt, base, GRACEFUL, name="app", dependencies=["db"],
             restart_policy=ctr.RestartPolicy.ON_FAILURE, restart_max_retries=2)
    with pytest.raises(ctr.DependencyError, match="db"):
        db.remove()
    app.start()
    take_file(base, "ready")
    assert app.state == "running"
    app.stop()
    db.stop()
