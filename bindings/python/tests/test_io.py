"""Exec, exec sessions, attach, logs and events over real runc."""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import ctr
from conftest import GRACEFUL, GUARD, ROOTFS, running, sh, take_file


def test_exec_feeds_bytes_in_and_returns_bytes_and_the_exit_code(rt, base):
    c = running(rt, base)
    r = c.exec(["/bin/sh", "-c", "cat; echo to-err >&2; exit 3"], input=b"hello\x00world\n")
    assert r == ctr.ExecResult(3, b"hello\x00world\n", b"to-err\n")
    big = os.urandom(1 << 20)  # more than any pipe holds: no deadlock
    r = c.exec(["/bin/sh", "-c", "cat; cat /dev/null >&2"], input=big)
    assert r.exit_code == 0 and r.stdout == big
    r = c.exec(["/bin/sh", "-c", "echo $FOO $(id -u) $(pwd)"], env={"FOO": "bar"},
               user="1000:1000", cwd="/tmp")
    assert r.stdout == b"bar 1000 /tmp\n"
    r = c.exec(["true"], capture_output=False)
    assert r == (0, b"", b"")


def test_exec_on_a_terminal_sees_the_end_of_its_input(rt, base):
    c = running(rt, base)
    done = {}
    # The thread's deadline only guards against a hang (the end of input never arriving).
    t = threading.Thread(target=lambda: done.update(r=c.exec(["cat"], input=b"abc",
                                                              terminal=True)), daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "cat on a terminal never saw the end of its input"
    assert done["r"].exit_code == 0 and b"abc" in done["r"].stdout


def test_exec_refusals(rt, base):
    c = sh(rt, base, GRACEFUL)
    with pytest.raises(ctr.StateError, match="configured"):
        c.exec(["true"])
    c.start()
    take_file(base, "ready")
    with pytest.raises(ctr.RuntimeFailed):
        c.exec(["/no/such/program"])
    with pytest.raises(ctr.InvalidArgument):
        c.exec(["true"], cwd="relative")
    assert c.exec_list() == []  # ctr_exec removes its session even on failure


def test_exec_sessions_are_objects_like_popen(rt, base):
    c = running(rt, base)
    r, w = os.pipe()
    try:
        sess = c.exec_create(argv=["/bin/sh", "-c", "echo session; exit 4"], stdout=w)
        os.close(w)
        assert isinstance(sess, ctr.ExecSession) and len(sess.id) == 16
        assert sess.container is c and sess.returncode is None
        assert c.exec_list() == [sess]
        assert "returncode=None" in repr(sess)
        sess.start()
        assert sess.wait(timeout=float(GUARD)) == 4 and sess.returncode == 4
        assert sess.poll() == 4
        assert os.read(r, 100) == b"session\n"
    finally:
        os.close(r)
    with pytest.raises(ctr.StateError):
        sess.start()  # started already
    sess.remove()
    assert c.exec_list() == []
    with pytest.raises(ctr.NotFound):
        sess.wait(0)

    sess = c.exec_create(["sleep", "100"])
    with pytest.raises(ctr.StateError):
        sess.wait_fd()  # never started
    sess.start()
    assert sess.poll() is None and sess.returncode is None
    with pytest.raises(ctr.Timeout):
        sess.wait(timeout=0.05)
    with sess.wait_fd() as fd:
        sess.kill(signal.SIGTERM)
        import selectors
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            assert sel.select(GUARD)
    assert sess.poll() == 128 + 15 and sess.returncode == 143
    sess = c.exec_create(["sleep", "100"])
    sess.start()
    sess.kill()  # SIGKILL by default, as Popen.kill() and Container.kill()
    assert sess.wait(GUARD) == 128 + 9
    with pytest.raises(ctr.InvalidArgument):
        sess.resize(24, 80)  # no terminal
    sess.remove(force=True)


def test_exec_session_context_manager_removes_it_and_kills_a_running_one(rt, base):
    c = running(rt, base)
    with c.exec_create(["sleep", "100"]) as sess:
        sess.start()
        again = c.exec_list()
        assert again == [sess] and again[0] is not sess and again[0].returncode is None
        with pytest.raises(ctr.StateError):
            sess.remove()  # running: only with force
    assert c.exec_list() == []
    with c.exec_create(["true"]) as gone:
        gone.remove()  # removed inside the block: leaving it is no error
    with pytest.raises(ctr.NotFound):
        gone.poll()


def test_exec_session_on_a_terminal_can_be_resized(rt, base):
    c = running(rt, base)
    r, w = os.pipe()
    try:
        with c.exec_create(["/bin/sh", "-c", "sleep 0.5; stty size"], terminal=True,
                           stdout=w) as sess:
            os.close(w)
            w = -1
            sess.start()
            sess.resize(33, 101)
            assert sess.wait(GUARD) == 0
            out = b""
            while True:
                chunk = os.read(r, 4096)
                if not chunk:
                    break
                out += chunk
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    assert b"33 101" in out


def test_logs_lines_with_streams_times_and_tail(rt, base):
    c = sh(rt, base, "echo one; echo two >&2; printf 'no newline'")
    t0 = time.time()
    c.start()
    c.wait(GUARD)
    lines = list(c.logs())
    assert [(e.stream, e.data, e.partial) for e in lines] == [
        (ctr.STDOUT, b"one", False), (ctr.STDERR, b"two", False),
        (ctr.STDOUT, b"no newline", True)]
    assert all(t0 - 0.001 <= e.time <= time.time() for e in lines)
    assert all(isinstance(e.time, float) and e.time == e.time_ns / 10**9 for e in lines)
    assert [e.data for e in c.logs(tail=1)] == [b"no newline"]
    assert list(c.logs(tail=-1)) == []
    stamped = next(iter(c.logs(timestamps=True)))
    assert stamped.data.endswith(b" one") and stamped.data[:4].isdigit()
    # An entry's own float time as a bound takes that entry in, at either end.
    assert [e.data for e in c.logs(since=lines[1].time)] == [b"two", b"no newline"]
    assert [e.data for e in c.logs(until=lines[1].time)] == [b"one", b"two"]
    assert [e.data for e in c.logs(since=lines[1].time, until=lines[1].time)] == [b"two"]
    start = datetime.datetime.fromtimestamp(lines[1].time_ns // 1000 / 1e6,
                                            datetime.timezone.utc)
    assert [e.data for e in c.logs(since=start)][0] == b"two"  # µs: at most before it
    assert list(c.logs(until=0)) == []  # the epoch itself: no line is that old
    with pytest.raises(ValueError, match="until is before since"):
        c.logs(since=lines[1].time, until=lines[0].time)


def test_logs_follow_ends_when_the_run_ends(rt, base):
    c = running(rt, base, "touch /shared/ready; for i in 1 2 3; do echo line$i; sleep 0.1; "
                          "done; exit 0")
    got = [e.data for e in c.logs(follow=True)]
    assert got == [b"line1", b"line2", b"line3"]
    assert c.state in ("stopped", "exited")  # follow returned at the end, not before


def test_logs_follow_can_be_left_early(rt, base):
    c = running(rt, base, "touch /shared/ready; while :; do echo tick; sleep 0.05; done")
    it = c.logs(follow=True)
    assert next(it).data == b"tick"
    it.close()
    c.close()  # deferred until the reading thread lets go
    other = rt.lookup(c.name)
    other.stop(0)


def test_logs_of_a_removed_container_raise_removed(rt, base):
    c = sh(rt, base, "true")
    c.remove()
    with pytest.raises(ctr.Removed):
        list(c.logs())


def test_attach_round_trip_through_cat(rt, base):
    c = sh(rt, base, "exec cat", stdin=True)
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(in_w, b"through cat\n")
    os.close(in_w)  # EOF closes the container's stdin: cat ends
    try:
        detached = c.attach(stdin=in_r, stdout=out_w, stderr=out_w, start=True)
        assert detached is False
        os.close(out_w)
        out_w = -1
        data = b""
        while True:
            chunk = os.read(out_r, 4096)
            if not chunk:
                break
            data += chunk
        assert data == b"through cat\n"
    finally:
        for fd in (in_r, out_r, out_w):
            if fd >= 0:
                os.close(fd)
    assert c.wait(GUARD) == 0


def test_attach_with_file_objects_logs_and_detach_keys(rt, base, tmp_path):
    c = sh(rt, base, "echo before; touch /shared/ready; read line; echo got $line", stdin=True)
    c.start()
    take_file(base, "ready")
    inp = tmp_path / "in"
    inp.write_bytes(b"x\x10")  # "x", then ctrl-p: the detach keys
    with open(inp, "rb") as fin, open(tmp_path / "out", "wb") as fout:
        assert c.attach(stdin=fin, stdout=fout, logs=True, detach_keys="ctrl-p") is True
    assert (tmp_path / "out").read_bytes().startswith(b"before\n")
    c.stop(0)


def test_resize_needs_a_terminal(rt, base):
    c = running(rt, base)
    with pytest.raises(ctr.InvalidArgument):
        c.resize(24, 80)
    t = running(rt, base, terminal=True)
    t.resize(40, 120)
    with pytest.raises(ctr.InvalidArgument):
        t.resize(0, 80)


def test_events_are_read_and_filtered(rt, base):
    a = sh(rt, base, "exit 3", name="ev-a")
    a.start()
    a.wait(GUARD)
    b = sh(rt, base, "true", name="ev-b")
    types = [e.type for e in rt.events(container="ev-a")]
    assert types[:3] == ["create", "start", "died"]
    died = list(rt.events(container=a.id, type="died"))
    assert len(died) == 1 and died[0].attributes["exit_code"] == 3
    assert died[0].name == "ev-a" and died[0].id == a.id
    assert [e.name for e in rt.events(type="create")] == ["ev-a", "ev-b"]
    later = list(rt.events(since=died[0].time))
    assert later[0] == died[0] and all(e.time_ns >= died[0].time_ns for e in later)
    assert isinstance(died[0].time, float) and died[0].time == died[0].time_ns / 10**9
    assert list(rt.events(until=died[0].time))[-1] == died[0]
    when = datetime.datetime.fromtimestamp(died[0].time_ns // 1000 / 1e6 + 1e-6)
    assert list(rt.events(until=when))[-1] == died[0]  # naive datetime: local time
    assert list(rt.events(until=0)) == []
    b.remove()


def test_events_follow_sees_new_events_and_stops_on_break(rt, base):
    c = sh(rt, base, "exit 0", name="followed")
    seen = []

    def later():
        time.sleep(0.3)
        c.start()
        c.wait(GUARD)  # "died" is recorded when a caller notices the exit

    t = threading.Thread(target=later)
    t.start()
    safety = time.time() + GUARD  # never hang the suite
    for ev in rt.events(container="followed", follow=True, until=safety):
        seen.append(ev.type)
        if ev.type == "died":
            break
    t.join()
    assert seen == ["create", "start", "died"]


# A writer process: creates and removes containers wW-0 .. wW-(N-1) as fast as it can.
_WRITER = """
import sys
sys.path.insert(0, sys.argv[1])
import ctr
w, n, base, rootfs = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
with ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync=True) as rt:
    for i in range(n):
        c = rt.create(args=["/bin/true"], rootfs=rootfs, name="w%s-%d" % (w, i))
        c.remove()
        c.close()
"""


def test_events_follow_gives_each_event_of_concurrent_writers_once(rt, base):
    n = 100
    package = os.path.dirname(os.path.dirname(ctr.__file__))
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, package, str(w), str(n), base,
                                 ROOTFS]) for w in range(4)]
    want = sorted(("w%d-%d" % (w, i), t) for w in range(4) for i in range(n)
                  for t in ("create", "remove"))
    got = []
    safety = time.time() + 120  # a missed event must not hang the suite
    try:
        for ev in rt.events(follow=True, until=safety):
            got.append(ev)
            if len(got) == len(want):
                break
    finally:
        assert [p.wait() for p in writers] == [0] * 4
    assert sorted((e.name, e.type) for e in got) == want  # each once: none missed
    assert all(a.time_ns < b.time_ns for a, b in zip(got, got[1:]))


def test_events_follow_until_ends_when_the_time_has_passed(rt, base):
    sh(rt, base, "true", name="until")
    t = time.monotonic()
    until = time.time() + 0.3
    got = []
    follow = threading.Thread(target=lambda: got.extend(
        e.type for e in rt.events(follow=True, until=until)), daemon=True)
    follow.start()
    follow.join(GUARD)
    assert not follow.is_alive(), "follow did not end at until"
    assert got == ["create"]
    assert time.monotonic() - t > 0.25


def test_events_fd_wakes_on_a_new_event(rt, base):
    import selectors
    with rt.events_fd() as fd, selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        fd.drain()
        sh(rt, base, "true")
        assert sel.select(GUARD)
        assert fd.is_inotify() and fd.drain()
