/* ctr_export: the container's root filesystem as a tar archive (tar.c).
 *
 * A layered container's overlay is read through its merged directory, mounted for the
 * export when nobody holds it. The container's lock is held for the whole export then:
 * whoever else holds the overlay (the container's run) could otherwise let go of it
 * halfway and leave an empty mount point to read. A plain rootfs directory needs no lock
 * once its path is known, so a long export does not hold up the container's other
 * operations (ctr_stop, ctr_kill). */
#include <stdlib.h>

#include "tar.h"
#include "container.h"
#include "error.h"
#include "overlay.h"
#include "sync.h"

#define OP "export"

CTR_API int ctr_export(ctr_container_t *c, const char *path)
{
	struct ctri_st st;
	char *root = NULL;
	int fd = -1, layered, mounted = 0, r;

	CTRI_CHECK_ARG("ctr_export", c);
	CTRI_CHECK_ARG("ctr_export", path);
	if (!*path)
		return ctri_err(CTR_E_INVAL, "ctr_export: argument path is empty");
	if ((r = ctri_begin(c, OP, &fd, &st, 0)) < 0)
		return r;
	if ((r = layered = ctri_rootfs_layered(c, OP)) < 0 ||
	    (r = ctri_rootfs_path(c, OP, &root, &mounted)) < 0)
		goto out;
	if (!layered) {
		ctri_end(fd);
		fd = -1;
	}
	struct ctri_tar_src src = { .prefix = "", .dir = root };
	r = ctri_tar_write(path, &src, 1, c->name, OP);
	if (mounted) {
		int r2 = ctri_rootfs_release(c, OP, 0);
		r = r < 0 ? r : r2;
	}
out:
	if (fd >= 0)
		ctri_end(fd);
	free(root);
	return r;
}
