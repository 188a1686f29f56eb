/* Following a log file that is appended to and rotated: a writer renames DIR/NAME to
 * DIR/NAME.1 (replacing the older one) and starts a new DIR/NAME. A reader reads NAME.1,
 * then NAME, then whatever comes next, each file once and to its end, and waits for changes
 * with inotify on DIR (no polling). The container log (logs.c) is read this way; the event
 * log (events.c) follows the same rules. */
#ifndef LIBCTR_FOLLOW_H
#define LIBCTR_FOLLOW_H

struct ctri_follow {
	char path[4096]; /* DIR/NAME */
	char old[4100];	 /* DIR/NAME.1 */
	int fd;		 /* the file being read, -1: none yet; read it with read() */
	int prev_fd;	 /* the file read before it (-1: none), kept open so that its inode
			  * number is not reused by a new file */
	int watch;	 /* inotify on DIR, -1: not following */
	int gone;	 /* DIR was removed (set by ctri_follow_wait) */
};

/* Open DIR/NAME.1 as f->prev_fd and DIR/NAME as f->fd (-1 for a missing one), as the two
 * were at one moment: a rotation in between is retried. With watch, the inotify watch on
 * DIR is set up first, so no change after the open goes unnoticed. Both fds are at offset 0.
 * Returns 0; CTR_E_NOENT when DIR does not exist (with watch); CTR_E_IO. On failure
 * nothing is left open. */
int ctri_follow_open(struct ctri_follow *f, const char *dir, const char *name, int watch);

/* Call when f->fd has been read to its end. Returns 1 when there is a file to read from its
 * start in f->fd: NAME appeared, or NAME is another file (rotated: the one read becomes
 * f->prev_fd; if it was rotated twice, NAME.1 comes first), or f->fd was truncated
 * (shorter than what was read: it is read again from its start). 0: nothing new. */
int ctri_follow_next(struct ctri_follow *f);

/* Wait until DIR changes, extra_fd (unless -1) is readable or timeout_ms passes (-1: no
 * limit). Returns 1 when extra_fd is readable, 0 otherwise (f->gone says whether DIR was
 * removed), CTR_E_IO when poll fails. */
int ctri_follow_wait(struct ctri_follow *f, int extra_fd, int timeout_ms);

void ctri_follow_close(struct ctri_follow *f);

#endif
