"""Images (libctr 1.1): rt.images and Image, containers from images, pull; on the images of
tests/fixtures/mkimages.sh (the `images` fixture: CTR_TEST_IMAGES, default build/images).

"oci" is an OCI layout of one image tagged "1.0" (a bare tag: no name), entrypoint
["/bin/sh", "-c"], cmd ["echo hello from $FOO"], env FOO=bar, user app (1234:2345),
working directory /data, stop signal SIGUSR1, a whiteout and an opaque directory; "multi"
holds it as localhost/bb:1.0 and localhost/imported:1 beside it; "podman.tar" is a
docker-archive of localhost/imported:1.
"""

import json
import os
import re

import pytest

import ctr
from conftest import GUARD

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def out(c):
    """A finished container's stdout, as text."""
    return "".join(e.data.decode() + ("" if e.partial else "\n") for e in c.logs()
                   if e.stream == ctr.STDOUT)


def run(rt, **settings):
    """Create, start and wait for a container; its exit code and output; removed."""
    c = rt.create(stop_timeout=1, **settings)
    try:
        c.start()
        code = c.wait(GUARD)
        return code, out(c)
    finally:
        c.remove(force=True)
        c.close()


def test_import_gives_an_image_with_its_id_names_and_config(rt, images):
    img = rt.images.import_(os.path.join(images, "oci"), name="bb:1.0")
    assert isinstance(img, ctr.Image)
    assert HEX64.match(img.id) and img.short_id == img.id[:12]
    assert img.names == ["bb:1.0"]
    info = img.inspect()
    assert info["id"] == img.id
    assert info["size"] > 0 and len(info["layers"]) == 3
    cfg = info["config"]
    assert cfg["entrypoint"] == ["/bin/sh", "-c"]
    assert cfg["cmd"] == ["echo hello from $FOO"]
    assert "FOO=bar" in cfg["env"]
    assert (cfg["working_dir"], cfg["user"], cfg["stop_signal"]) == ("/data", "app", "SIGUSR1")
    assert cfg["exposed_ports"] == ["8080/tcp"]
    assert cfg["labels"] == {"org.example.test": "yes"}
    assert "bb:1.0" in rt.images and "nosuch:1" not in rt.images


def test_an_image_imported_again_keeps_its_id_and_gains_the_names(rt, images):
    first = rt.images.import_(os.path.join(images, "oci"))
    assert first.names == []  # a bare tag names nothing
    again = rt.images.import_(os.path.join(images, "multi"))  # its first image: the same
    assert again == first and hash(again) == hash(first)
    assert sorted(first.names) == ["localhost/bb:1.0"]
    assert len(rt.images) == 2
    podman = rt.images.import_(os.path.join(images, "podman.tar"))
    assert podman.names == ["localhost/imported:1"]
    assert sorted(i.id for i in rt.images) == rt.images.ids() == sorted([first.id, podman.id])
    assert rt.images.list() == [rt.images.get(i) for i in rt.images.ids()]


def test_get_takes_a_name_an_id_or_a_prefix(rt, images):
    img = rt.images.import_(os.path.join(images, "oci"), name="bb")
    assert img.names == ["bb:latest"]  # NAME means NAME:latest
    assert rt.images.get("bb") == rt.images.get("bb:latest") == img
    assert rt.images.get(img.id) == rt.images.get(img.id[:12]) == img
    assert rt.images.inspect("bb")["id"] == img.id
    with pytest.raises(ctr.NotFound):
        rt.images.get("nosuch")
    with pytest.raises(ctr.InvalidArgument):
        rt.images.get("UPPER CASE is no reference")


def test_tag_untag_and_remove(rt, images):
    img = rt.images.import_(os.path.join(images, "oci"), name="bb:1.0")
    assert img.tag("extra").tag("two:v2") is img
    assert sorted(img.names) == ["bb:1.0", "extra:latest", "two:v2"]
    img.untag("extra")
    assert sorted(img.names) == ["bb:1.0", "two:v2"]
    with pytest.raises(ctr.NotFound):
        img.untag("extra")
    rt.images.remove("two:v2")  # one of several names: only it goes
    assert img.names == ["bb:1.0"]
    img.remove()
    with pytest.raises(ctr.NotFound):
        img.inspect()
    assert rt.images.list() == []
    with pytest.raises(ctr.NotFound):
        rt.images.remove("bb:1.0")


def test_a_name_moves_to_the_image_tagged_with_it(rt, images):
    bb = rt.images.import_(os.path.join(images, "oci"), name="x:1")
    other = rt.images.import_(os.path.join(images, "podman.tar"))
    other.tag("x:1")
    assert bb.names == [] and "x:1" in other.names
    assert rt.images.get("x:1") == other


def test_a_container_runs_the_image_s_entrypoint_and_cmd(rt, images):
    rt.images.import_(os.path.join(images, "oci"), name="bb:1.0")
    assert run(rt, image="bb:1.0") == (0, "hello from bar\n")
    code, text = run(rt, image="bb:1.0", args=["echo $(id -u):$(id -g) $(pwd) $(ls /data/opq)"])
    assert (code, text) == (0, "1234:2345 /data c\n")


def test_entrypoint_replaces_the_image_s_and_drops_its_cmd(rt, images):
    rt.images.import_(os.path.join(images, "oci"), name="bb:1.0")
    assert run(rt, image="bb:1.0", entrypoint=["/bin/echo"]) == (0, "\n")
    assert run(rt, image="bb:1.0", entrypoint=["/bin/echo"], args=["a", "b"]) == (0, "a b\n")
    code, text = run(rt, image="bb:1.0", env={"FOO": "over"}, user="root", cwd="/",
                     args=["echo $FOO $(id -u) $(pwd)"])
    assert (code, text) == (0, "over 0 /\n")


def test_the_config_and_inspect_name_the_image(rt, images):
    img = rt.images.import_(os.path.join(images, "oci"), name="bb:1.0")
    cfg = ctr.Config(image="bb:1.0", entrypoint=["/bin/sh"])
    assert cfg.to_dict()["image"] == "bb:1.0"
    assert cfg.to_dict()["entrypoint"] == ["/bin/sh"]
    c = rt.create(cfg)
    cfg.close()
    assert c.inspect()["image"] == {"id": img.id, "ref": "bb:1.0"}
    c.remove()
    with pytest.raises(ctr.NotFound):
        rt.create(image="nosuch:1")
    with pytest.raises(ctr.InvalidArgument):
        ctr.Config(entrypoint=[])
    with pytest.raises(TypeError):
        ctr.Config(image=1)


def test_an_image_in_use_is_busy_until_its_container_goes(rt, images):
    img = rt.images.import_(os.path.join(images, "oci"), name="bb:1.0")
    c = rt.create(image="bb:1.0", name="user-of-bb")
    with pytest.raises(ctr.Busy) as e:
        img.remove()
    assert "user-of-bb" in e.value.message
    c.remove()
    img.remove()
    assert "bb:1.0" not in rt.images


def test_pull_fetches_with_skopeo_and_imports(rt, images):
    layout = os.path.join(images, "oci")
    img = rt.images.pull("oci:%s:1.0" % layout, name="pulled:1", timeout=GUARD * 3)
    assert img.names == ["pulled:1"]
    assert img == rt.images.import_(layout)
    again = rt.pull("oci:%s:1.0" % layout, name="pulled:2")
    assert again == img and sorted(img.names) == ["pulled:1", "pulled:2"]
    with pytest.raises(ctr.RuntimeFailed) as e:
        rt.pull("oci:%s/none:1" % images, name="x")
    assert "skopeo" in e.value.message
    with pytest.raises(ValueError):
        rt.pull("oci:%s:1.0" % layout, timeout=0)
    with pytest.raises(TypeError):
        rt.pull("oci:%s:1.0" % layout, insecure="yes")


def test_import_errors(rt, images, base):
    with pytest.raises(ctr.NotFound):
        rt.images.import_(os.path.join(base, "none"))
    notimage = os.path.join(base, "notimage")
    with open(notimage, "w") as f:
        f.write("not an image\n")
    with pytest.raises(ctr.InvalidArgument) as e:
        rt.images.import_(notimage)
    assert notimage in e.value.message
    with pytest.raises(ctr.InvalidArgument):
        rt.images.import_(os.path.join(images, "multi"), name="one:name")  # two images
    with pytest.raises(ctr.InvalidArgument):
        rt.images.import_(os.path.join(images, "oci"), name="Bad Name")
    with pytest.raises(TypeError):
        rt.images.import_(1)
    assert rt.images.list() == []


def test_inspect_json_is_a_dict_of_the_documented_keys(rt, images):
    img = rt.images.import_(os.path.join(images, "podman.tar"))
    info = img.inspect()
    assert set(info) >= {"id", "names", "created", "size", "layers", "config"}
    assert json.loads(json.dumps(info)) == info
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", info["created"])
