/* ctr_batch: one lock and one sync for several operations on a container. The batch is
 * recorded per thread (the lock's holder, sync.h), so an operation inside fn finds it
 * whichever handle of the container it is given, and never waits for a lock its own
 * thread holds. */
#include "error.h"
#include "store.h"
#include "sync.h"

CTR_API int ctr_batch(ctr_container_t *c, ctr_batch_fn fn, void *userdata)
{
	struct ctri_st st;
	struct ctri_batch b;
	int fd, r;

	CTRI_CHECK_ARG("ctr_batch", c);
	CTRI_CHECK_ARG("ctr_batch", fn);
	if (ctri_batch_fd(c) >= 0)
		return ctri_cerr(c->name, "batch", CTR_E_BUSY,
				 "a batch on this container is already running in this thread");
	if ((r = ctri_begin(c, "batch", &fd, &st, 0)) < 0)
		return r;
	ctri_batch_enter(&b, c, fd);
	r = fn(c, userdata);
	ctri_batch_leave(&b);
	ctri_unlock(fd);
	return r;
}
