/* Listening unix sockets (the console socket, the attach socket) at paths of any length. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"

void sock_init(struct mon_sock *s)
{
	*s = (struct mon_sock){ .fd = -1, .dirfd = -1 };
}

/* A name for PATH that fits sun_path: PATH itself, or, when it is too long,
 * /proc/<monitor pid>/fd/<directory fd>/<name>, which other processes (the runtime) can use as
 * well. */
static int short_path(struct mon_sock *s, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int n;

	if (strlen(path) < sizeof(s->path)) {
		strcpy(s->path, path);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	s->dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "open %s: %m", dir);
	n = snprintf(s->path, sizeof(s->path), "/proc/%d/fd/%d/%s", (int)getpid(), s->dirfd,
		     slash + 1);
	if (n < 0 || (size_t)n >= sizeof(s->path))
		return mon_fail(CTRP_ERR_USAGE, "socket name too long: %s", path);
	return 0;
}

int sock_listen(struct mon_sock *s, const char *path, int type, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (short_path(s, path) < 0)
		return -1;
	strcpy(sa.sun_path, s->path);
	if (unlink(s->path) < 0 && errno != ENOENT)
		return mon_fail(CTRP_ERR_INTERNAL, "unlink %s: %m", path);
	s->fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "socket: %m");
	/* bind() gives the file the socket inode's mode (less the umask): 0600 from the start. */
	if (fchmod(s->fd, 0600) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "fchmod socket: %m");
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "bind %s: %m", path);
	s->bound = 1;
	if (listen(s->fd, backlog) < 0)
		return mon_fail(CTRP_ERR_INTERNAL, "listen %s: %m", path);
	return 0;
}

void sock_close(struct mon_sock *s)
{
	if (s->bound)
		unlink(s->path);
	s->bound = 0;
	close_fd(&s->fd);
	close_fd(&s->dirfd);
}
