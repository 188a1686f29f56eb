/*
 * libctr - the interactive half: exec sessions, attach, logs.
 *
 * Included by <ctr/ctr.h>; do not include it on its own. The conventions of ctr.h hold.
 *
 * Descriptors in options structs: -1 means "none" (the process gets /dev/null, or the
 * stream is not attached); 0 is a valid descriptor (your stdin). So set every fd field
 * you do not use to -1.
 */
#ifndef CTR_IO_H
#define CTR_IO_H

#ifndef CTR_CTR_H
#error "include <ctr/ctr.h>, not <ctr/io.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Exec sessions
 *
 * An exec session runs one more process in a RUNNING container (`runc exec`), under a
 * monitor of its own, so it outlives the caller. Its exit code is recorded like the
 * container's: durable once read, readable until the session is removed. Sessions are
 * identified by a string id (16 hex digits) unique within their container, and are listed
 * in ctr_inspect() under "exec_sessions". When the container stops, its sessions' processes
 * end with it; ctr_cleanup(), ctr_init() (a new run) and ctr_remove() remove the sessions.
 *
 * Every function here takes the container's lock for its checks and changes (waits hold no
 * lock) and fails as ctr_state() does: "other errors as ctr_state()". An exec_id that is
 * NULL is CTR_E_INVAL; one that names no session of the container (not of the form of an
 * id, or removed) is CTR_E_NOENT.
 */

/** What to run. */
typedef struct ctr_exec_opts {
	size_t sz;		  /**< sizeof(ctr_exec_opts_t) */
	const char *const *argv;  /**< NULL-terminated; argv[0] is looked up in the container's PATH */
	const char *const *env;	  /**< "K=V" added to (and overriding) the container's env; may be NULL */
	const char *cwd;	  /**< absolute; NULL: the container's working directory */
	/** "USER[:GROUP]" as in ctr_config_set_user(), names looked up in the running
	 *  container's /etc/passwd and /etc/group; NULL: the container's user */
	const char *user;
	/** run on a new pty; stdin_fd/stdout_fd are copied to/from it; the end of stdin_fd's
	 *  input reaches the process as the terminal's EOF character (^D, in canonical mode),
	 *  so its read() returns 0 */
	int terminal;
	/** with every capability and without NoNewPrivileges (the container's seccomp filter
	 *  stays) */
	int privileged;
	int stdin_fd;		  /**< -1: /dev/null */
	int stdout_fd;		  /**< -1: /dev/null */
	int stderr_fd;		  /**< -1: /dev/null; ignored with terminal (the pty merges it) */
	const int *preserve_fds;  /**< passed to the process as fds 3, 4, ... (at most 64) */
	size_t n_preserve_fds;
} ctr_exec_opts_t;

/**
 * Run a process in the container and wait for it: ctr_exec_create(), ctr_exec_start(),
 * ctr_exec_wait() and ctr_exec_remove() in one call.
 * @param[out] out_exit_code may be NULL: N for exit(N), 128+S when killed by signal S
 * @return 0; CTR_E_INVAL (opts NULL, argv NULL or empty, bad user, cwd or fds); CTR_E_STATE
 *   when the container is not RUNNING; CTR_E_RUNTIME with the runtime's message when the
 *   process could not be started (e.g. no such executable, or argv and environment too
 *   large for execve(2): E2BIG); other errors as ctr_exec_create(), ctr_exec_start() and
 *   ctr_exec_wait(). The session is removed whatever the result.
 */
CTR_API int ctr_exec(ctr_container_t *c, const ctr_exec_opts_t *opts, int *out_exit_code);

/**
 * Record a new exec session. The options are checked and stored; the descriptors are
 * duplicated into the handle c (close-on-exec) and handed to the process by
 * ctr_exec_start() through the same handle. A session started through another handle or
 * process gets /dev/null (and no preserved fds).
 * @param[out] out_id the session's id; release with ctr_free()
 * @return 0; CTR_E_INVAL (c, opts or out_id NULL; bad opts: sz, argv NULL or empty, an env
 *   entry not KEY=value, a relative cwd, a malformed user, a descriptor < -1 or not open,
 *   more than 64 preserve_fds); CTR_E_STATE when the container is not RUNNING; CTR_E_IO
 *   when the descriptors cannot be duplicated; CTR_E_NOMEM; other errors as ctr_state().
 */
CTR_API int ctr_exec_create(ctr_container_t *c, const ctr_exec_opts_t *opts, char **out_id);

/**
 * Start a created session. Returns once the process runs (its monitor reported its pid,
 * and saw the runtime execute it).
 * @return 0; CTR_E_NOENT for an unknown session; CTR_E_STATE when the session was already
 *   started or the container is not RUNNING (or exited during the start); CTR_E_RUNTIME when
 *   the runtime could not start the process (its message; for an execve(2) failure such as
 *   E2BIG, the cause); CTR_E_INVAL (exec_id NULL; a user or group name the running
 *   container's /etc/passwd or /etc/group does not list); CTR_E_MONITOR when the session's
 *   monitor cannot be run; CTR_E_TIMEOUT when the runtime or the monitor hangs; CTR_E_IO;
 *   other errors as ctr_state().
 */
CTR_API int ctr_exec_start(ctr_container_t *c, const char *exec_id);

/**
 * Wait for a started session's process to exit. Holds no lock while it waits.
 * @param timeout_ms -1: forever; 0: just check
 * @param[out] out_exit_code may be NULL: as for ctr_exec(); -1 when the exit was lost (the
 *   session's monitor died first)
 * @return 0; CTR_E_TIMEOUT; CTR_E_NOENT; CTR_E_STATE for a session never started;
 *   CTR_E_INVAL (c or exec_id NULL); other errors as ctr_state().
 */
CTR_API int ctr_exec_wait(ctr_container_t *c, const char *exec_id, int timeout_ms,
			  int *out_exit_code);

/**
 * A descriptor readable once the session's process has exited (a pidfd on its monitor,
 * or where pidfds are unavailable a pipe, as for ctr_wait_fd()); readable at once for an
 * exited session. Close it when done.
 * @return the descriptor; CTR_E_NOENT; CTR_E_STATE for a session never started;
 *   CTR_E_INVAL (c or exec_id NULL); other errors as ctr_state().
 */
CTR_API int ctr_exec_wait_fd(ctr_container_t *c, const char *exec_id);

/**
 * Send a signal (1..64) to a running session's process.
 * @return 0; CTR_E_INVAL (c or exec_id NULL, an invalid signal); CTR_E_STATE when the
 *   session is not running (never started, or exited); CTR_E_NOENT; CTR_E_IO when the
 *   system refuses the signal; other errors as ctr_state().
 */
CTR_API int ctr_exec_kill(ctr_container_t *c, const char *exec_id, int signal);

/**
 * Resize a terminal session's pty.
 * @param rows, cols 1..65535
 * @return 0; CTR_E_INVAL (c or exec_id NULL, 0 or more than 65535 rows or columns, a
 *   session without terminal); CTR_E_STATE when it does not run; CTR_E_NOENT;
 *   CTR_E_MONITOR when its monitor does not answer; CTR_E_IO; other errors as ctr_state().
 */
CTR_API int ctr_exec_resize(ctr_container_t *c, const char *exec_id, unsigned rows,
			    unsigned cols);

/**
 * Remove a session's record (and its exit code). A running session is refused
 * (CTR_E_STATE) unless CTR_FORCE is given: then it is killed with SIGKILL first.
 * @param flags 0 or CTR_FORCE
 * @return 0; CTR_E_INVAL (c or exec_id NULL, unknown flags); CTR_E_STATE (running without
 *   CTR_FORCE, or still running after two SIGKILLs and 10 s after each); CTR_E_NOENT;
 *   CTR_E_IO when the system refuses the signal; other errors as ctr_state().
 */
CTR_API int ctr_exec_remove(ctr_container_t *c, const char *exec_id, unsigned flags);

/**
 * The ids of the container's sessions, oldest first.
 * @param[out] out the ids, followed by a NULL; release with ctr_strv_free()
 * @param[out] out_count how many
 * @return 0; CTR_E_INVAL (an argument NULL); CTR_E_REMOVED; CTR_E_STORE when the sessions'
 *   index is damaged; CTR_E_IO when the database cannot be read; CTR_E_NOMEM.
 */
CTR_API int ctr_exec_list(ctr_container_t *c, char ***out, size_t *out_count);

/** Free a NULL-terminated string array the library handed out. */
CTR_API void ctr_strv_free(char **v);

/* ---------------------------------------------------------------------------------------
 * Attach
 *
 * ctr_attach() connects descriptors to a CREATED or RUNNING container's stdio through its
 * monitor's socket (mode 0600 in the run directory). Up to 32 clients may be attached at
 * once; each gets all the output from the moment it attached. A client that does not read
 * never slows the container: the monitor buffers up to 1 MiB for it, then drops output
 * for that client only.
 */

#define CTR_ATTACH_STDIN 0x1u	/**< mux_fd mode: read the container's stdin from mux_fd */
#define CTR_ATTACH_LOGS 0x2u	/**< first send what the log holds, then live output, no byte twice */
#define CTR_ATTACH_START 0x4u	/**< start the container once attached (the first bytes are not lost) */
#define CTR_ATTACH_NO_STDIN_CLOSE 0x8u /**< EOF on the input does not close the container's stdin */

/** ctr_attach() returned because the detach keys were typed. */
#define CTR_ATTACH_DETACHED 1

/** Stream ids of the multiplexed format (and of ctr_log_line_t). */
#define CTR_STREAM_STDIN 0
#define CTR_STREAM_STDOUT 1
#define CTR_STREAM_STDERR 2

typedef struct ctr_attach_opts {
	size_t sz;	/**< sizeof(ctr_attach_opts_t) */
	unsigned flags; /**< CTR_ATTACH_* */
	int stdin_fd;	/**< copied to the container's stdin; -1: none */
	int stdout_fd;	/**< gets the container's stdout (with a terminal: all output); -1: none */
	int stderr_fd;	/**< gets its stderr; -1: none */
	/**
	 * >= 0: multiplexed mode; stdin_fd, stdout_fd and stderr_fd are ignored. Output is
	 * written to mux_fd in frames of an 8-byte header (stream id 1 or 2, three zero bytes,
	 * payload length as a big-endian 32-bit number) and the payload, as Docker's and
	 * podman's HTTP attach do; with CTR_ATTACH_STDIN the container's stdin is read raw
	 * from mux_fd. A server can hand its client's socket straight to the library.
	 */
	int mux_fd;
	/**
	 * Input sequence that detaches: comma-separated keys, each a single character or
	 * "ctrl-X" (X in a-z, @, [, \, ], ^, _). NULL: "ctrl-p,ctrl-q"; "": never detach.
	 * The keys are not passed to the container (a partial match is passed on when the
	 * next byte breaks it).
	 */
	const char *detach_keys;
} ctr_attach_opts_t;

/**
 * Attach and copy until the container's output ends (it exited: returns 0), the detach
 * keys are typed (returns CTR_ATTACH_DETACHED), or an output descriptor fails. EOF on the
 * input closes the container's stdin (unless CTR_ATTACH_NO_STDIN_CLOSE; a terminal
 * container's pty is never closed: send its EOF character, ^D, instead) and attach goes on
 * until the output ends. With CTR_ATTACH_START the container is initialised if needed
 * (CONFIGURED, STOPPED, EXITED), the connection made, then the container started, so no
 * output is missed; a RUNNING container is attached to as it is. With CTR_ATTACH_LOGS the
 * log's lines come first (each with its newline, a partial one without), then the live
 * output, no byte twice and none missed — unless the log is rotated
 * (ctr_config_set_log_size_max()) in the moment between the connection and the reading of
 * the log, when some lines may come twice (and the oldest rotated ones be left out).
 *
 * A stdin is requested by stdin_fd >= 0, or in mux_fd mode by CTR_ATTACH_STDIN (which is
 * ignored otherwise). Output descriptors may be non-blocking (attach waits for them) and
 * a broken pipe raises no SIGPIPE. Bytes typed after the detach keys in the same read are
 * dropped. Holds no lock while copying: other operations (ctr_stop(), another attach in
 * another thread) go on meanwhile. The caller's descriptors are left open.
 * @param opts NULL is CTR_E_INVAL (no descriptor)
 * @return 0; CTR_ATTACH_DETACHED; CTR_E_INVAL (bad detach keys, unknown flags, a descriptor
 *   < -1 or not open, no descriptor at all); CTR_E_STATE when the container is not CREATED
 *   or RUNNING (PAUSED included) or its monitor is gone, or, with a stdin requested, its
 *   stdin is not open (see ctr_config_set_stdin()); CTR_E_BUSY when the container's
 *   monitor already serves 32 attached clients; CTR_E_IO when a descriptor fails;
 *   CTR_E_MONITOR when the monitor does not answer or speaks another protocol; with
 *   CTR_ATTACH_START, the errors of ctr_init() and ctr_start(); with CTR_ATTACH_LOGS, those
 *   of ctr_logs(); other errors as ctr_state().
 */
CTR_API int ctr_attach(ctr_container_t *c, const ctr_attach_opts_t *opts);

/**
 * Set the window size of a terminal container's pty (ctr_config_set_terminal()); the
 * monitor applies it (the container gets SIGWINCH) soon after this returns. Works however
 * many clients are attached (it takes none of the 32 client places).
 * @param rows, cols 1..65535
 * @return 0; CTR_E_INVAL (c NULL, 0 or more than 65535 rows or columns, a container without
 *   terminal); CTR_E_STATE when it is not CREATED or RUNNING, or its monitor is gone;
 *   CTR_E_MONITOR when the monitor does not answer or speaks another protocol; CTR_E_IO;
 *   other errors as ctr_state().
 */
CTR_API int ctr_attach_resize(ctr_container_t *c, unsigned rows, unsigned cols);

/**
 * Check a detach key specification (as in ctr_attach_opts_t); NULL and "" are valid.
 * @return 0; CTR_E_INVAL naming the bad key (an empty item, "ctrl-" without a valid
 *   letter, more than one character, more than 32 keys).
 */
CTR_API int ctr_detach_keys_valid(const char *spec);

/* ---------------------------------------------------------------------------------------
 * Logs
 *
 * The monitor writes the container's output to a log in the k8s-file format (one record
 * per line: time, stream, full or partial flag, text). With ctr_config_set_log_size_max()
 * the log is rotated: the older half is kept as one previous file.
 */

#define CTR_LOGS_FOLLOW 0x1u	 /**< after the end, wait for more until the container's run ends */
#define CTR_LOGS_TIMESTAMPS 0x2u /**< prefix each line's data with its RFC 3339 time and a space */

/** One line of the log; valid during the callback only. */
typedef struct ctr_log_line {
	size_t sz;	   /**< sizeof(ctr_log_line_t) of the library */
	int stream;	   /**< CTR_STREAM_STDOUT or CTR_STREAM_STDERR (a terminal: always stdout) */
	int partial;	   /**< 1: the line did not end: the output stopped without a newline, or
			    *   the line passed 1 MiB (the rest comes as the next line) */
	long long time_ns; /**< when the monitor read its first byte, CLOCK_REALTIME ns */
	const char *data;  /**< the line without its newline (with a terminal, the CR before it
			    *   stays); NUL-terminated (may contain NULs) */
	size_t len;	   /**< bytes in data, without the terminating NUL */
} ctr_log_line_t;

/** Called for each line; non-zero stops ctr_logs(), which returns it. */
typedef int (*ctr_log_fn)(const ctr_log_line_t *line, void *userdata);

typedef struct ctr_logs_opts {
	size_t sz;	    /**< sizeof(ctr_logs_opts_t) */
	unsigned flags;	    /**< CTR_LOGS_* */
	long long since_ns; /**< lines at or after this time; 0: from the start */
	long long until_ns; /**< lines at or before this time (a follow ends then); 0: no limit */
	/** 0: every line; N > 0: only the last N; < 0: none (with follow: only the new ones) */
	long long tail;
} ctr_logs_opts_t;

/**
 * Read the container's log, oldest first: the previous file a rotation kept, then the
 * current one. Lines cut into partial records are joined (a line's time is its first
 * part's); malformed records, and a last one still being written, are skipped. No log
 * yet: no lines.
 *
 * With CTR_LOGS_FOLLOW it then waits (inotify and ctr_wait_fd(), no polling) for new lines
 * until the container's current run has ended and its log is complete, until_ns has
 * passed, or fn returns non-zero; unless fn stopped it, a line still open then comes as
 * partial. A container that does not run (CONFIGURED, STOPPED, EXITED) ends at the end of
 * its log. tail applies to the lines already there; every new line follows.
 *
 * Holds no lock: fn may call the library, on c too. Memory stays bounded: no line is kept
 * but the one being joined (tail N keeps 16 bytes per line, up to N).
 * @param opts NULL: every line, no follow
 * @return 0; fn's non-zero value; CTR_E_INVAL (NULL c or fn, bad opts, unknown flags,
 *   until_ns before since_ns); CTR_E_REMOVED when the container was removed (before the
 *   call, or while following: after the lines read until then); CTR_E_IO; CTR_E_NOMEM;
 *   other errors as ctr_state().
 */
CTR_API int ctr_logs(ctr_container_t *c, const ctr_logs_opts_t *opts, ctr_log_fn fn,
		     void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* CTR_IO_H */
