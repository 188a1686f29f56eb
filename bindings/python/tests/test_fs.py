"""Artifacts, export, mounts, layers, checkpoint and restore."""

import os
import tarfile

import pytest

import ctr
from conftest import GUARD, ROOTFS, running, sh, take_file


def test_artifacts_store_bytes(rt, base):
    c = sh(rt, base, "true")
    assert c.artifact_list() == []
    c.artifact_add("notes", b"first\x00binary")
    c.artifact_add("empty", b"")
    c.artifact_add("view", memoryview(b"from a view"))
    assert c.artifact_get("notes") == b"first\x00binary"
    assert c.artifact_get("empty") == b""
    assert c.artifact_list() == ["empty", "notes", "view"]
    c.artifact_add("notes", bytearray(b"replaced"))
    assert c.artifact_get("notes") == b"replaced"
    c.artifact_remove("notes")
    with pytest.raises(ctr.NotFound):
        c.artifact_get("notes")
    with pytest.raises(ctr.NotFound):
        c.artifact_remove("notes")
    with pytest.raises(ctr.InvalidArgument):
        c.artifact_add("..", b"x")
    with pytest.raises(TypeError):
        c.artifact_add("s", "a str is not bytes")


def test_export_writes_a_tar_the_tarfile_module_reads(rt, base):
    c = sh(rt, base, "echo exported > /tmp/marker")
    c.start()
    assert c.wait(GUARD) == 0
    out = os.path.join(base, "rootfs.tar")
    c.export(out)
    assert os.stat(out).st_mode & 0o777 == 0o600
    with tarfile.open(out) as tar:
        names = set(n.lstrip("./") for n in tar.getnames())
        assert "bin/sh" in names or "bin/busybox" in names
        marker = tar.extractfile(next(m for m in tar.getmembers()
                                      if m.name.lstrip("./") == "tmp/marker"))
        assert marker.read() == b"exported\n"
    os.unlink(os.path.join(ROOTFS, "tmp", "marker"))  # it wrote into the shared rootfs


def test_mount_of_a_plain_rootfs_is_its_directory(rt, base):
    c = sh(rt, base, "true")
    assert os.path.realpath(c.mount()) == os.path.realpath(ROOTFS)
    c.unmount()


def test_layers_are_mounted_as_an_overlay(rt, base):
    layer = os.path.join(base, "layer2")
    os.mkdir(layer)
    with open(os.path.join(layer, "layer2.txt"), "w") as f:
        f.write("from layer two\n")
    c = rt.create(layers=[ROOTFS, layer], args=["/bin/sh", "-c", "cat /layer2.txt; "
                                                "echo new > /upper.txt"])
    c.start()
    assert c.wait(GUARD) == 0
    assert [e.data for e in c.logs()] == [b"from layer two"]
    c.cleanup()  # the run lets go of its mount
    path = c.mount()
    try:
        with open(os.path.join(path, "upper.txt")) as f:
            assert f.read() == "new\n"
        assert os.path.exists(os.path.join(path, "bin", "sh"))
        assert not os.path.exists(os.path.join(layer, "upper.txt"))
    finally:
        c.unmount()
    with pytest.raises(ctr.StateError):
        c.unmount()  # not mounted
    c.mount()
    c.mount()
    c.unmount(force=True)  # every holder at once
    with pytest.raises(ctr.StateError):
        c.unmount()
    c.remove()


def test_checkpoint_restore_and_import_with_the_fake_runtime(fake_rt, base):
    c = running(fake_rt, base, name="original")
    archive = os.path.join(base, "ckpt.tar")
    c.checkpoint(target_file=archive)
    assert c.state == "exited"
    assert c.inspect()["state"].get("checkpointed") is True
    with pytest.raises(ctr.StateError, match="original"):
        c.checkpoint()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any(n.endswith("config.json") for n in names)

    d = fake_rt.import_checkpoint(archive, name="imported")
    assert d.name == "imported" and d.id != c.id and d.state == "running"
    take_file(base, "ready")
    with pytest.raises(ctr.Exists):
        fake_rt.import_checkpoint(archive, name="imported")

    c.restore()
    assert c.state == "running"
    take_file(base, "ready")
    c.checkpoint(name="second", leave_running=True, keep=True)
    assert c.state == "running"
    args = open(os.path.join(base, "args.log")).read()
    assert "--leave-running" in args
    c.stop()
    c.restore(name="second")
    assert c.state == "running"
    with pytest.raises(ctr.InvalidArgument):
        c.checkpoint(name="../x")
    c.stop()
    d.stop()


def test_checkpoint_with_real_runc_is_not_supported_here(rt, base):
    c = running(rt, base, name="criu-less")
    try:
        c.checkpoint()
    except ctr.NotSupported as e:
        assert e.code == ctr.E_NOTSUP
        assert "criu-less" in str(e) and "criu" in str(e).lower()
        assert c.state == "running"
    else:
        pytest.skip("CRIU works on this machine: the checkpoint succeeded")
    c.stop()
