"""One unit for time in the whole binding: seconds, as floats, as subprocess and threading
take them. These tests check the conversions to what each C call takes (no container)."""

import datetime
import inspect
import math
import time

import pytest

import ctr
from ctr._util import INT_MAX, UINT_MAX, epoch_ns, timeout_ms, user_spec, whole_seconds


def test_timeouts_in_ms_are_rounded_up_and_clamped():
    assert timeout_ms("t", None) == -1  # forever
    assert timeout_ms("t", 0) == 0 and timeout_ms("t", 0.0) == 0  # just check
    assert timeout_ms("t", 0.0001) == 1  # never shorter than asked
    assert timeout_ms("t", 1.5) == 1500 and timeout_ms("t", 2) == 2000
    assert timeout_ms("t", 0.0015) == 2
    assert timeout_ms("t", 1e12) == INT_MAX  # about 24.8 days at most
    assert timeout_ms("t", 1e12, UINT_MAX) == UINT_MAX
    assert timeout_ms("t", None, UINT_MAX, none=0) == 0
    for bad, exc in ((-0.001, ValueError), (float("nan"), ValueError), ("1", TypeError),
                     (True, TypeError), (datetime.timedelta(seconds=1), TypeError)):
        with pytest.raises(exc, match="t"):
            timeout_ms("t", bad)


def test_whole_seconds_for_stop_are_rounded_up():
    assert whole_seconds("t", None) == -1  # the configured stop timeout
    assert whole_seconds("t", 0) == 0 and whole_seconds("t", 0.0) == 0
    assert whole_seconds("t", 0.2) == 1 and whole_seconds("t", 1.0) == 1
    assert whole_seconds("t", 1.01) == 2 and whole_seconds("t", 3) == 3
    assert whole_seconds("t", 1e300) == INT_MAX
    assert whole_seconds("t", 1e300, UINT_MAX) == UINT_MAX
    with pytest.raises(ValueError):
        whole_seconds("t", -1)


def test_config_stop_timeout_takes_float_seconds_rounded_up():
    assert ctr.Config(stop_timeout=2.5).to_dict()["stop_timeout"] == 3
    assert ctr.Config(stop_timeout=0).to_dict()["stop_timeout"] == 0
    assert ctr.Config(stop_timeout=None).to_dict()["stop_timeout"] == 10
    with pytest.raises(ValueError):
        ctr.Config(stop_timeout=-1)


def test_points_in_time_are_seconds_since_the_epoch_or_datetimes():
    assert epoch_ns("s", None) == 0 and epoch_ns("u", None, upper=True) == 0  # no bound
    assert epoch_ns("s", 5) == 5 * 10**9 and epoch_ns("u", 5, upper=True) == 5 * 10**9
    assert epoch_ns("s", 0) == 0
    assert epoch_ns("u", 0, upper=True) == 1  # the epoch itself, not "no bound"
    utc = datetime.datetime(2020, 1, 1, 0, 0, 0, 250, tzinfo=datetime.timezone.utc)
    assert epoch_ns("s", utc) == 1577836800 * 10**9 + 250000
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    assert epoch_ns("s", utc.astimezone(plus2)) == epoch_ns("s", utc)
    naive = datetime.datetime(2020, 1, 1, 12, 0, 0)
    assert epoch_ns("s", naive) == int(naive.timestamp()) * 10**9  # local time
    for bad, exc in ((-1, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
                     (2.0**70, ValueError), ("0", TypeError), (True, TypeError),
                     (datetime.date(2020, 1, 1), TypeError)):
        with pytest.raises(exc, match="s"):
            epoch_ns("s", bad)


def test_a_float_bound_is_widened_by_its_own_precision():
    for ns in (time.time_ns(), 1796648321924324871, 1577836800_123456789, 1, 999_999_999):
        f = ns / 10**9  # int / int: correctly rounded, as the binding does it
        lo, hi = epoch_ns("s", f), epoch_ns("u", f, upper=True)
        assert lo <= ns <= hi  # an entry's own time as a bound takes it in
        assert hi - lo <= math.ulp(f) * 1e9 + 2  # and no more than the float's precision


def test_users_are_one_string_or_an_int_uid():
    assert user_spec(None) is None
    assert user_spec("nobody") == b"nobody"
    assert user_spec("1000:1000") == b"1000:1000"
    assert user_spec("daemon:adm") == b"daemon:adm"
    assert user_spec(1000) == b"1000"
    for bad in ((1000, 1000), 1.5, True, b"root"):
        with pytest.raises(TypeError):
            user_spec(bad)
    with pytest.raises(OverflowError):
        user_spec(-1)
    with pytest.raises(ValueError):
        user_spec("a\0b")


def test_no_public_argument_is_in_ms_or_ns():
    """Every timeout and time argument is in seconds: none is named *_ms, *_ns or *_s."""
    found = []
    for name in ctr.__all__:
        obj = getattr(ctr, name)
        if not inspect.isclass(obj):
            continue
        for attr, member in inspect.getmembers(obj, callable):
            if attr.startswith("_") and attr != "__init__":
                continue
            try:
                params = inspect.signature(member).parameters
            except (TypeError, ValueError):
                continue
            found += ["%s.%s(%s)" % (name, attr, p) for p in params
                      if p.endswith(("_ms", "_ns", "_s"))]
    assert found == []


def test_exec_takes_argv_as_the_c_struct_names_it():
    for fn in (ctr.Container.exec, ctr.Container.exec_create):
        assert list(inspect.signature(fn).parameters)[1] == "argv"
