/* Following a rotated log file (follow.h). Files are told apart by inode: the reader keeps
 * the file it reads and the one before it open, so neither inode number can be reused by a
 * new file while it compares them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "follow.h"

#define WATCH_MASK                                                                                 \
	(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |        \
	 IN_MOVE_SELF)

/* Open path for reading: the fd, -1 when it does not exist, or an error. */
static int open_ro(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 && errno != ENOENT)
		return ctri_err(ctri_errno_code(errno), "open %s: %m", path);
	return fd < 0 ? -1 : fd;
}

/* 1 if fd is the file st describes. */
static int same(int fd, const struct stat *st)
{
	struct stat a;

	return fd >= 0 && fstat(fd, &a) == 0 && a.st_ino == st->st_ino && a.st_dev == st->st_dev;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int ctri_follow_open(struct ctri_follow *f, const char *dir, const char *name, int watch)
{
	*f = (struct ctri_follow){ .fd = -1, .prev_fd = -1, .watch = -1 };
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir, name) >= sizeof(f->path))
		return ctri_err(CTR_E_INVAL, "%s/%s: path too long", dir, name);
	snprintf(f->old, sizeof(f->old), "%s.1", f->path);
	if (watch) {
		if ((f->watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0)
			return ctri_err(ctri_errno_code(errno), "inotify_init1: %m");
		if (inotify_add_watch(f->watch, dir, WATCH_MASK) < 0) {
			int r = ctri_err(ctri_errno_code(errno), "watch %s: %m", dir);
			close_fd(&f->watch);
			return r;
		}
	}
	int r = 0;
	for (int attempt = 0; attempt < 16; attempt++) {
		struct stat o;
		if ((r = f->prev_fd = open_ro(f->old)) < -1 || (r = f->fd = open_ro(f->path)) < -1)
			break;
		/* NAME.1 now a file neither of the two: a rotation came between the opens. */
		if (stat(f->old, &o) < 0 || same(f->prev_fd, &o) || same(f->fd, &o))
			return 0;
		close_fd(&f->prev_fd);
		close_fd(&f->fd);
	}
	if (r >= -1)
		r = ctri_err(CTR_E_IO, "%s: rotated faster than it can be opened", f->path);
	f->prev_fd = f->prev_fd < 0 ? -1 : f->prev_fd;
	f->fd = f->fd < 0 ? -1 : f->fd;
	ctri_follow_close(f);
	return r;
}

/* Make fd the file being read; the one read so far becomes the previous one. */
static int advance(struct ctri_follow *f, int fd)
{
	close_fd(&f->prev_fd);
	f->prev_fd = f->fd;
	f->fd = fd;
	return 1;
}

int ctri_follow_next(struct ctri_follow *f)
{
	struct stat a, b, o;

	if (f->fd >= 0 && fstat(f->fd, &a) == 0) {
		if (stat(f->path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			if (lseek(f->fd, 0, SEEK_CUR) <= b.st_size)
				return 0;
			lseek(f->fd, 0, SEEK_SET); /* truncated: what it holds now is new */
			return 1;
		}
		/* Renamed away and then replaced at NAME.1 too (unlinked): the file at NAME.1
		 * came after it and has not been read. */
		if (a.st_nlink == 0 && stat(f->old, &o) == 0 && !same(f->fd, &o) &&
		    !same(f->prev_fd, &o)) {
			int fd = open_ro(f->old);
			if (same(fd, &o))
				return advance(f, fd);
			if (fd >= 0) /* rotated once more meanwhile: that file is lost */
				close(fd);
		}
	}
	int fd = open_ro(f->path);
	if (fd < 0) /* not there (yet) */
		return 0;
	if (f->fd >= 0 && fstat(fd, &b) == 0 && same(f->fd, &b)) {
		close(fd);
		return 0;
	}
	return advance(f, fd);
}

int ctri_follow_wait(struct ctri_follow *f, int extra_fd, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = f->watch, .events = POLLIN },
			       { .fd = extra_fd, .events = POLLIN } };
	int n = poll(p, 2, timeout_ms);

	if (n < 0 && errno != EINTR)
		return ctri_err(CTR_E_IO, "poll: %m");
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;
	while (f->watch >= 0 && (len = read(f->watch, buf, sizeof(buf))) > 0) {
		for (char *e = buf; e < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)e;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				f->gone = 1;
			e += sizeof(*ev) + ev->len;
		}
	}
	return n > 0 && extra_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

void ctri_follow_close(struct ctri_follow *f)
{
	close_fd(&f->fd);
	close_fd(&f->prev_fd);
	close_fd(&f->watch);
}
