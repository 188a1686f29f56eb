/* ctr_batch: one lock and one sync for several operations on a container. The batch is
 * recorded per thread (the lock's holder), so an operation inside fn finds it whichever
 * handle of the container it is given, and never waits for a lock its own thread holds. */
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "error.h"
#include "runtime.h"
#include "sync.h"

struct batch {
	const ctr_runtime_t *rt;
	char id[CTRI_ID_LEN + 1];
	int fd;
	pid_t pid;	     /* a child forked inside fn is not in the batch */
	struct batch *outer; /* a batch on another container, around this one */
};

static __thread struct batch *innermost;

static struct batch *find(const ctr_container_t *c)
{
	for (struct batch *b = innermost; b; b = b->outer)
		if (b->pid == getpid() && !strcmp(b->id, c->id) &&
		    !strcmp(b->rt->locks_dir, c->rt->locks_dir))
			return b;
	return NULL;
}

int ctri_batch_fd(const ctr_container_t *c)
{
	struct batch *b = innermost ? find(c) : NULL;

	return b ? b->fd : -1;
}

int ctri_batch_owns(int fd)
{
	for (struct batch *b = innermost; fd >= 0 && b; b = b->outer)
		if (b->fd == fd && b->pid == getpid())
			return 1;
	return 0;
}

CTR_API int ctr_batch(ctr_container_t *c, ctr_batch_fn fn, void *userdata)
{
	struct ctri_st st;
	struct batch b;
	int r;

	CTRI_CHECK_ARG("ctr_batch", c);
	CTRI_CHECK_ARG("ctr_batch", fn);
	if (find(c))
		return ctri_cerr(c->name, "batch", CTR_E_BUSY,
				 "a batch on this container is already running in this thread");
	if ((r = ctri_begin(c, "batch", &b.fd, &st, 0)) < 0)
		return r;
	b.rt = c->rt;
	b.pid = getpid();
	memcpy(b.id, c->id, sizeof(b.id));
	b.outer = innermost;
	innermost = &b;
	r = fn(c, userdata);
	innermost = b.outer;
	ctri_unlock(b.fd);
	return r;
}
