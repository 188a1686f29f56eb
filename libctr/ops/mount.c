/* ctr_mount() and ctr_unmount(): a hold on a container's root filesystem, under its lock
 * (the overlay's mechanics are overlay.c). */
#include "error.h"
#include "op.h"
#include "overlay.h"
#include "sync.h"

CTR_API int ctr_mount(ctr_container_t *c, char **out_path)
{
	struct ctri_st st;
	char *p = NULL;
	int fd, r;

	CTRI_CHECK_ARG("ctr_mount", c);
	CTRI_CHECK_ARG("ctr_mount", out_path);
	if ((r = ctri_begin(c, "mount", &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_MOUNT, st.state)) == 0 &&
	    (r = ctri_rootfs_mount(c, "mount", &p)) == 0)
		*out_path = p;
	ctri_end(fd);
	return r;
}

CTR_API int ctr_unmount(ctr_container_t *c, unsigned flags)
{
	struct ctri_st st;
	int fd, r;

	CTRI_CHECK_ARG("ctr_unmount", c);
	if (flags & ~CTR_FORCE)
		return ctri_cerr(c->name, "unmount", CTR_E_INVAL, "unknown flags 0x%x", flags);
	if ((r = ctri_begin(c, "unmount", &fd, &st, 0)) < 0)
		return r;
	if ((r = ctri_state_check(c->name, CTRI_OP_UNMOUNT, st.state)) == 0)
		r = ctri_rootfs_unmount(c, "unmount", &st, !!(flags & CTR_FORCE));
	ctri_end(fd);
	return r;
}
