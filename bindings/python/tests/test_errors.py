"""Errors: each CTR_E_* code has its class, the library's message travels with it, and wrong
Python types are refused before anything reaches C."""

import errno
import os
import pickle
import signal
import threading
import traceback

import pytest

import ctr
from ctr import _errors
from conftest import ROOTFS, running, sh

CODES = {
    ctr.E_INVAL: ctr.InvalidArgument, ctr.E_NOENT: ctr.NotFound, ctr.E_EXISTS: ctr.Exists,
    ctr.E_TIMEOUT: ctr.Timeout, ctr.E_NOTSUP: ctr.NotSupported, ctr.E_IO: ctr.IOFailed,
    ctr.E_NOMEM: ctr.NoMemory, ctr.E_BUSY: ctr.Busy, ctr.E_STATE: ctr.StateError,
    ctr.E_STOPPED: ctr.Stopped, ctr.E_REMOVED: ctr.Removed, ctr.E_RUNTIME: ctr.RuntimeFailed,
    ctr.E_STORE: ctr.StoreError, ctr.E_DEPEND: ctr.DependencyError,
    ctr.E_MONITOR: ctr.MonitorError, ctr.E_INTERNAL: ctr.InternalError,
}


def test_every_code_has_its_class_with_code_and_message():
    for code, cls in CODES.items():
        e = _errors.error(code, "container x: it failed")
        assert type(e) is cls and isinstance(e, ctr.Error)
        assert e.code == code and e.message == "container x: it failed"
        assert str(e) == "container x: it failed"
    assert issubclass(ctr.InvalidArgument, ValueError)
    assert issubclass(ctr.Timeout, TimeoutError)
    assert issubclass(ctr.NotFound, LookupError)
    assert issubclass(ctr.IOFailed, OSError) and issubclass(ctr.RuntimeFailed, RuntimeError)
    unknown = _errors.error(-1234, "")
    assert type(unknown) is ctr.Error and unknown.code == -1234
    assert str(unknown) == "unknown error"  # ctr_strerror's words when no message


def test_exceptions_are_shown_under_the_package_s_name():
    classes = [getattr(ctr, n) for n in ctr.__all__
               if isinstance(getattr(ctr, n), type) and issubclass(getattr(ctr, n), Exception)]
    assert set(CODES.values()) | {ctr.Error, ctr.LibraryNotFound} <= set(classes)
    for cls in classes:
        assert cls.__module__ == "ctr", cls
        assert getattr(ctr, cls.__qualname__) is cls
    assert not [n for n in dir(ctr) if n.endswith("_") and not n.startswith("_")]
    e = _errors.error(ctr.E_STATE, "container x: cannot start: container is running")
    assert traceback.format_exception_only(type(e), e) == [
        "ctr.StateError: container x: cannot start: container is running\n"]
    assert repr(e) == "StateError('container x: cannot start: container is running', " \
        "code=%d)" % ctr.E_STATE


def test_exceptions_survive_pickling_and_os_errors_carry_errno():
    for code, cls in CODES.items():
        e = pickle.loads(pickle.dumps(_errors.error(code, "it failed")))
        assert type(e) is cls and e.code == code and e.message == "it failed"
    io = _errors.error(ctr.E_IO, "write /x: No space left on device")
    assert isinstance(io, OSError) and io.errno == errno.EIO
    assert io.strerror == str(io) == "write /x: No space left on device"
    assert _errors.error(ctr.E_TIMEOUT, "").errno == errno.ETIMEDOUT
    try:
        raise _errors.error(ctr.E_RUNTIME, "runc: exec failed")
    except RuntimeError as e:  # a caller catching the built-in catches it
        assert type(e) is ctr.RuntimeFailed


def test_the_message_is_the_library_s_last_error_of_this_thread():
    with pytest.raises(ctr.InvalidArgument) as info:
        ctr.Config(name="bad name!")
    assert "name" in str(info.value) and info.value.code == ctr.E_INVAL
    # Another thread's failure does not change the message read here.
    other = []
    t = threading.Thread(target=lambda: other.append(_safe(lambda: ctr.Config(cwd="rel"))))
    t.start()
    t.join()
    assert "cwd" in str(other[0]) or "absolute" in str(other[0])


def _safe(fn):
    try:
        fn()
    except ctr.Error as e:
        return e


@pytest.mark.parametrize("settings, exc", [
    ({"args": "ls"}, TypeError),                    # a str is not a list of str
    ({"args": ["ls", None]}, TypeError),
    ({"args": [b"ls"]}, TypeError),
    ({"name": 5}, TypeError),
    ({"name": None}, TypeError),
    ({"rootfs": 1.5}, TypeError),
    ({"terminal": "yes"}, TypeError),
    ({"env": "A=1"}, TypeError),
    ({"env": {"A": 1}}, TypeError),
    ({"labels": ["a"]}, TypeError),
    ({"memory_limit": -1}, OverflowError),
    ({"stop_signal": 2**40}, OverflowError),
    ({"user": (1000, 1000)}, TypeError),          # one way: a string or an int uid
    ({"user": [1, 2]}, TypeError),
    ({"network": "bridge"}, ValueError),
    ({"restart_policy": 1}, TypeError),
    ({"restart_max_retries": 3}, TypeError),      # without restart_policy
    ({"mounts": [("/a",)]}, TypeError),
    ({"name": "a\0b"}, ValueError),
    ({"bogus": 1}, TypeError),                     # unknown keyword
])
def test_wrong_python_types_are_refused_before_c(settings, exc):
    with pytest.raises(exc):
        ctr.Config(**settings)


def test_bad_values_are_refused_by_the_library_naming_the_argument():
    with pytest.raises(ctr.InvalidArgument, match="hostname"):
        ctr.Config(hostname="not valid!")
    with pytest.raises(ctr.InvalidArgument, match="(?i)cap_bogus|capabilit"):
        ctr.Config(capabilities=["CAP_BOGUS"])
    with pytest.raises(ctr.InvalidArgument):
        ctr.Config(spec_override="[1]")
    with pytest.raises(ctr.InvalidArgument):
        ctr.Config.from_json('{"unknown_field": 1}')


def test_config_round_trips_through_json():
    cfg = ctr.Config(name="web", rootfs="/srv/r", args=["/bin/true"], env={"A": "1"},
                     labels={"team": "x"}, user="1000:100", restart_policy="on-failure",
                     restart_max_retries=3, network=ctr.Network.HOST,
                     spec_override={"annotations": {"k": "v"}})
    d = cfg.to_dict()
    again = ctr.Config.from_json(cfg.to_json())
    assert again.to_dict() == d
    assert d["name"] == "web" and d["args"] == ["/bin/true"]
    cfg.close()
    with pytest.raises(ValueError, match="closed"):
        cfg.to_json()


def test_runtime_refuses_wrong_types(base):
    with pytest.raises(TypeError):
        ctr.Runtime(state_dir=5)
    with pytest.raises(TypeError):
        ctr.Runtime(state_dir=base + "/s", run_dir=base + "/r", nosync="no")
    with pytest.raises(ValueError):
        ctr.Runtime(runtime_timeout=-1)
    with pytest.raises(TypeError):
        ctr.Runtime(runtime_timeout="5")
    with pytest.raises(TypeError):
        ctr.Runtime(runtime_timeout_ms=5000)  # one unit: seconds


def test_runtime_refuses_a_symlinked_directory(base):
    os.symlink(base + "/io", base + "/link")
    with pytest.raises(ctr.Error) as info:
        ctr.Runtime(state_dir=base + "/link", run_dir=base + "/r")
    assert base + "/link" in str(info.value)


def test_lookup_of_an_unknown_container_is_not_found(rt):
    with pytest.raises(ctr.NotFound, match="nothere"):
        rt.lookup("nothere")
    with pytest.raises(TypeError):
        rt.lookup(None)
    assert "nothere" not in rt


def test_state_errors_name_the_container(rt, base):
    c = running(rt, base, name="named-one")
    with pytest.raises(ctr.StateError) as info:
        c.remove()
    assert "named-one" in str(info.value) and info.value.code == ctr.E_STATE
    with pytest.raises(ctr.StateError, match="named-one"):
        c.unpause()
    c.stop()
    with pytest.raises(ctr.Stopped, match="named-one"):
        c.stop()
    with pytest.raises(ctr.Exists):
        sh(rt, base, "true", name="named-one")


def test_container_methods_refuse_wrong_types_and_never_crash(rt, base):
    c = sh(rt, base, "true")
    calls = [
        (c.kill, ("9",)), (c.kill, (None,)), (c.kill, (True,)), (c.kill, (2**40,)),
        (c.wait, ("1",)), (c.wait, (-1,)), (c.wait, (float("nan"),)),
        (c.stop, ("x",)), (c.wait_condition, (5,)), (c.wait_condition, ("dancing",)),
        (c.exec, (None,)), (c.exec, ("ls",)), (c.exec, (["ls"],), {"input": "text"}),
        (c.exec, (["ls"],), {"env": 3}), (c.exec, (["ls"],), {"user": 1.5}),
        (c.exec, (["ls"],), {"user": (0, 0)}), (c.exec_create, (["ls"],), {"stdin": "x"}),
        (c.stop, (-1,)), (c.restart, ("1",)), (c.wait_condition, ("running", "1")),
        (c.attach, (), {"stdin": "stdin"}), (c.attach, (), {"stdout": 1.0}),
        (c.attach, (), {"detach_keys": 5}), (c.attach, (), {"mux": 3, "stdout": 1}),
        (c.resize, ("24", 80)), (c.logs, (), {"tail": "5"}), (c.logs, (), {"since": -1}),
        (c.logs, (), {"since": "0"}), (c.logs, (), {"until": float("inf")}),
        (c.logs, (), {"since_ns": 0}),
        (c.artifact_add, ("a", "text")), (c.artifact_add, (None, b"")),
        (c.artifact_get, (5,)), (c.artifact_remove, (None,)), (c.export, (None,)),
        (c.checkpoint, (), {"name": 5}), (c.restore, (), {"import_file": 5}),
        (c.batch, (None,)), (c.remove, ("yes",)), (c.start, (), {"recursive": "no"}),
        (c.unmount, (), {"force": None}),
        (rt.events, (), {"container": 5}), (rt.events, (), {"since": "0"}),
        (rt.events, (), {"until": True}), (rt.events, (), {"until_ns": 1}),
        (rt.import_checkpoint, (None,)), (rt.create, (), {"config": 5}),
    ]
    for fn, args, *kw in calls:
        with pytest.raises((TypeError, ValueError, OverflowError)):
            fn(*args, **(kw[0] if kw else {}))
    # Values of the right type that the library refuses.
    with pytest.raises(ctr.InvalidArgument):
        c.kill(0)
    with pytest.raises(ctr.InvalidArgument):
        c.artifact_add("a/b", b"")
    with pytest.raises(ctr.InvalidArgument):
        c.attach(stdout=1, detach_keys="ctrl-")
    with pytest.raises(ctr.StateError):
        c.kill(signal.SIGTERM)  # configured
    assert c.state == ctr.State.CONFIGURED


def test_a_closed_handle_raises_value_error(rt, base):
    c = sh(rt, base, "true")
    c.close()
    c.close()
    with pytest.raises(ValueError, match="closed"):
        c.state
    rt.close()
    with pytest.raises(ValueError, match="closed"):
        rt.list()


def test_version_and_features():
    assert ctr.version().startswith("1.")
    assert ctr.version_number() // 1000000 == 1
    assert ctr.has_feature("lifecycle") is True
    assert ctr.has_feature("no-such-feature") is False
    assert ctr.detach_keys_valid("ctrl-p,ctrl-q") and ctr.detach_keys_valid(None)
    assert not ctr.detach_keys_valid("ctrl-")
    with pytest.raises(TypeError):
        ctr.has_feature(None)
    assert ctr.strerror(ctr.E_STATE) and ctr.strerror("x") == "unknown error"
    assert ROOTFS is None or os.path.isabs(ROOTFS)
