"""Images (include/ctr/image.h, libctr 1.1): :class:`Images`, the store of a runtime
(``rt.images``), and :class:`Image`, one image in it.

An image is identified by its id (the hex sha256 of its config blob, 64 digits); its
names are references "NAME:TAG" ("NAME" alone means "NAME:latest"). Where a method takes
a ``ref``, it is a name, a full id or a unique id prefix of at least 12 hex digits.
"""

import ctypes
import json

from . import _errors
from ._lib import ImageImportOpts, ImagePullOpts, lib, opts
from ._util import UINT_MAX, Collection, cstr, flag, take_string, take_strv, timeout_ms

PULL_INSECURE = 0x1


class Image:
    """One image of a runtime's store, from ``rt.images.get()``, ``list()``, ``import_()``
    or ``pull()``. It holds the image's id and its runtime (which must stay open); what
    else it shows (names, config, size) is read from the store at each call, so it is
    always current. Two Image objects of the same id are equal.
    """

    __slots__ = ("_images", "_id")

    def __init__(self, images, image_id):
        self._images = images
        self._id = image_id

    @property
    def id(self):
        """The full id: 64 hex digits (the sha256 of the image's config)."""
        return self._id

    @property
    def short_id(self):
        """The first 12 hex digits of the id, as podman shows it."""
        return self._id[:12]

    def inspect(self):
        """The image as a dict (ctr_image_inspect): id, names, created (RFC 3339), size
        (bytes of its unpacked layers), layers (diff id hexes, lowest first) and config
        (env, entrypoint, cmd, working_dir, user, stop_signal, labels, exposed_ports).
        Raises NotFound once the image was removed."""
        return self._images._inspect(self._id)

    @property
    def names(self):
        """Its names, "NAME:TAG" each (a list, maybe empty), read now."""
        return list(self.inspect().get("names") or [])

    def tag(self, name):
        """Give the image another name "NAME[:TAG]" (ctr_image_tag); a name another image
        had moves to this one. Returns self."""
        self._images.tag(self._id, name)
        return self

    def untag(self, name):
        """Take one name away from the image, which stays (ctr_image_remove of that name).
        Raises NotFound when the name is not one of this image's; when it is the image's
        last name, the image goes with it, as ``rmi`` does."""
        if self._images._inspect(name).get("id") != self._id:
            raise _errors.NotFound("image %s: %s is not one of its names"
                                   % (self.short_id, name), _errors.E_NOENT)
        self._images.remove(name)

    def remove(self):
        """Remove the image with all its names (ctr_image_remove of its id); its layers
        that no other image uses are deleted. Raises Busy while a container created from
        it exists (the message names one)."""
        self._images.remove(self._id)

    def __eq__(self, other):
        return isinstance(other, Image) and other._id == self._id

    def __hash__(self):
        return hash(self._id)

    def __repr__(self):
        return "<ctr.Image %s>" % self.short_id


class Images(Collection):
    """The images of a runtime: ``rt.images`` (create a container from one with
    ``rt.create(image=ref, ...)``). ``ref in rt.images`` asks whether an image matches;
    iterating gives every :class:`Image`.
    """

    __slots__ = ("_rt",)

    def __init__(self, runtime):
        self._rt = runtime

    def _take(self, out):
        """The Image of an out_id the library handed out (freed here)."""
        return Image(self, take_string(out))

    def _inspect(self, ref):
        out = ctypes.c_void_p()
        self._rt._call(lib.ctr_image_inspect, cstr("ref", ref), ctypes.byref(out))
        return json.loads(take_string(out))

    def import_(self, path, name=None):
        """Import the image at ``path`` (ctr_image_import): an OCI image layout directory,
        an oci-archive or a docker-archive tar (``podman save``, ``docker save``), the
        format detected. ``name`` "NAME[:TAG]" names it (None: the names the archive
        carries). Returns the :class:`Image` (of a multi-image archive, the first; ``name``
        must then be None). An image already present keeps its id and gains the names.
        Raises InvalidArgument (unknown format, a blob not matching its digest, a hostile
        archive entry: the message names it), NotFound (no such path), IOFailed."""
        o = opts(ImageImportOpts, name=cstr("name", name, none=True))
        out = ctypes.c_void_p()
        self._rt._call(lib.ctr_image_import, cstr("path", path, path=True), ctypes.byref(o),
                       ctypes.byref(out))
        return self._take(out)

    def pull(self, source, name=None, insecure=False, auth_file=None, timeout=None):
        """Fetch an image with skopeo and import it (ctr_image_pull). ``source`` is a skopeo
        transport reference ("docker://127.0.0.1:5000/bb:1", "oci:/path:tag", ...);
        ``name`` names it (None: a docker:// source's reference, e.g. "127.0.0.1:5000/bb:1");
        ``insecure`` allows plain HTTP and unverified TLS; ``auth_file`` is a
        containers-auth.json(5) file; ``timeout`` seconds (> 0; None: the library's 5
        minutes) until skopeo is killed. Returns the :class:`Image`. Raises RuntimeFailed
        (skopeo missing or failing, with its message), Timeout, and import_()'s errors."""
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be > 0 seconds or None, not %r" % (timeout,))
        o = opts(ImagePullOpts, name=cstr("name", name, none=True),
                 auth_file=cstr("auth_file", auth_file, path=True, none=True),
                 flags=PULL_INSECURE if flag("insecure", insecure) else 0,
                 timeout_ms=timeout_ms("timeout", timeout, UINT_MAX, none=0))
        out = ctypes.c_void_p()
        self._rt._call(lib.ctr_image_pull, cstr("source", source), ctypes.byref(o),
                       ctypes.byref(out))
        return self._take(out)

    def ids(self):
        """The ids of all images, sorted (ctr_image_list)."""
        arr = ctypes.POINTER(ctypes.c_char_p)()
        count = ctypes.c_size_t()
        self._rt._call(lib.ctr_image_list, ctypes.byref(arr), ctypes.byref(count))
        return sorted(take_strv(arr, count.value))

    def list(self):
        """Every image, as a list of :class:`Image` sorted by id."""
        return [Image(self, i) for i in self.ids()]

    def get(self, ref):
        """The :class:`Image` ref names (a name, an id or a unique id prefix of 12+ hex
        digits). Raises NotFound, or InvalidArgument for an ambiguous prefix."""
        return Image(self, self._inspect(ref)["id"])

    def inspect(self, ref):
        """The image ref names, as a dict (see :meth:`Image.inspect`)."""
        return self._inspect(ref)

    def tag(self, ref, name):
        """Give the image ref another name "NAME[:TAG]" (ctr_image_tag)."""
        self._rt._call(lib.ctr_image_tag, cstr("ref", ref), cstr("name", name))

    def remove(self, ref):
        """Remove what ref names (ctr_image_remove): when ref is one of several names of
        an image, only that name; otherwise the image with all its names and the layers
        no other image uses. Raises NotFound, Busy (a container uses the image)."""
        self._rt._call(lib.ctr_image_remove, cstr("ref", ref), 0)

    def _probe(self, ref):
        self._inspect(ref)

    def __len__(self):
        return len(self.ids())
