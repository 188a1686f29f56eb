-- FFI declarations of libctr's public headers (include/ctr/ctr.h, events.h, io.h, fs.h, image.h,
-- net.h) and of
-- the few libc functions the binding uses. Kept in the headers' order; enums are ints
-- (the headers fix their width with a *__FORCE_INT sentinel) and the CTR_* macros are
-- constants in ctr.lua. Loading this twice is harmless: LuaJIT refuses to redefine a
-- struct, so the block is declared once per Lua state.
local ffi = require "ffi"

local M = {}

M.ctr = [[
/* ctr.h: versions and features, errors */
const char *ctr_version(void);
int ctr_version_number(void);
int ctr_has_feature(const char *name);
const char *ctr_strerror(int err);
const char *ctr_last_error(void);
void ctr_free(void *p);

/* runtime context */
typedef struct ctr_runtime ctr_runtime_t;
typedef struct ctr_config ctr_config_t;
typedef struct ctr_container ctr_container_t;
typedef struct ctr_runtime_opts {
	size_t sz;
	const char *state_dir;
	const char *run_dir;
	const char *oci_runtime;
	const char *monitor_path;
	unsigned flags;
	unsigned runtime_timeout_ms;
} ctr_runtime_opts_t;
int ctr_runtime_open(const ctr_runtime_opts_t *opts, ctr_runtime_t **out);
void ctr_runtime_close(ctr_runtime_t *rt);
int ctr_runtime_rebooted(const ctr_runtime_t *rt);

/* configuration */
typedef int ctr_restart_t;
typedef int ctr_network_t;
int ctr_config_new(ctr_config_t **out);
void ctr_config_free(ctr_config_t *cfg);
int ctr_config_set_name(ctr_config_t *cfg, const char *name);
int ctr_config_set_rootfs(ctr_config_t *cfg, const char *path);
int ctr_config_set_args(ctr_config_t *cfg, const char *const *argv);
int ctr_config_set_env(ctr_config_t *cfg, const char *const *envp);
int ctr_config_set_terminal(ctr_config_t *cfg, int on);
int ctr_config_set_stdin(ctr_config_t *cfg, int on);
int ctr_config_set_log_size_max(ctr_config_t *cfg, uint64_t bytes);
int ctr_config_set_stop_signal(ctr_config_t *cfg, int sig);
int ctr_config_set_stop_timeout(ctr_config_t *cfg, unsigned seconds);
int ctr_config_set_restart_policy(ctr_config_t *cfg, ctr_restart_t policy, unsigned max_retries);
int ctr_config_add_dependency(ctr_config_t *cfg, const char *name_or_id);
int ctr_config_set_cwd(ctr_config_t *cfg, const char *path);
int ctr_config_set_user(ctr_config_t *cfg, const char *user);
int ctr_config_set_hostname(ctr_config_t *cfg, const char *hostname);
int ctr_config_set_capabilities(ctr_config_t *cfg, const char *const *caps);
const char *const *ctr_default_capabilities(void);
int ctr_config_set_seccomp(ctr_config_t *cfg, const char *profile);
int ctr_config_set_memory_limit(ctr_config_t *cfg, uint64_t bytes);
int ctr_config_set_pids_limit(ctr_config_t *cfg, int64_t max);
int ctr_config_set_readonly_rootfs(ctr_config_t *cfg, int on);
int ctr_config_add_mount(ctr_config_t *cfg, const char *source, const char *destination,
			 const char *type, const char *options);
int ctr_config_set_network(ctr_config_t *cfg, ctr_network_t mode);
int ctr_config_set_label(ctr_config_t *cfg, const char *key, const char *value);
int ctr_config_set_annotation(ctr_config_t *cfg, const char *key, const char *value);
int ctr_config_set_spec_override(ctr_config_t *cfg, const char *json);
int ctr_config_from_json(const char *json, ctr_config_t **out);
int ctr_config_to_json(const ctr_config_t *cfg, char **out);

/* containers */
typedef int ctr_state_t;
int ctr_create(ctr_runtime_t *rt, const ctr_config_t *cfg, ctr_container_t **out);
int ctr_lookup(ctr_runtime_t *rt, const char *name_or_id, ctr_container_t **out);
int ctr_list(ctr_runtime_t *rt, ctr_container_t ***out, size_t *count);
void ctr_list_free(ctr_container_t **list, size_t count);
void ctr_container_free(ctr_container_t *c);
const char *ctr_id(const ctr_container_t *c);
const char *ctr_name(const ctr_container_t *c);
int ctr_state(ctr_container_t *c, ctr_state_t *out);
const char *ctr_state_name(ctr_state_t s);
int ctr_inspect(ctr_container_t *c, char **json);
int ctr_remove(ctr_container_t *c, unsigned flags);

/* lifecycle */
int ctr_init(ctr_container_t *c, unsigned flags);
int ctr_start(ctr_container_t *c, unsigned flags);
int ctr_stop(ctr_container_t *c, int timeout_s);
int ctr_kill(ctr_container_t *c, int signal);
int ctr_pause(ctr_container_t *c);
int ctr_unpause(ctr_container_t *c);
int ctr_restart(ctr_container_t *c, int timeout_s);
int ctr_wait(ctr_container_t *c, int timeout_ms, int *exit_code);
int ctr_wait_condition(ctr_container_t *c, ctr_state_t state, int timeout_ms);
int ctr_wait_fd(ctr_container_t *c);
int ctr_cleanup(ctr_container_t *c);
int ctr_sync(ctr_container_t *c);
typedef int (*ctr_batch_fn)(ctr_container_t *c, void *userdata);
int ctr_batch(ctr_container_t *c, ctr_batch_fn fn, void *userdata);
int ctr_pid(ctr_container_t *c, pid_t *out);
int ctr_exit_code(ctr_container_t *c, int *out);

/* events.h: the event log */
typedef struct ctr_event {
	size_t sz;
	long long time_ns;
	const char *type;
	const char *id;
	const char *name;
	const char *attributes;
} ctr_event_t;
typedef int (*ctr_event_fn)(const ctr_event_t *ev, void *userdata);
typedef struct ctr_events_opts {
	size_t sz;
	const char *container;
	const char *type;
	long long since_ns;
	long long until_ns;
	unsigned flags;
} ctr_events_opts_t;
int ctr_events(ctr_runtime_t *rt, const ctr_events_opts_t *opts, ctr_event_fn fn,
	       void *userdata);
int ctr_events_fd(ctr_runtime_t *rt);

/* io.h: exec sessions */
typedef struct ctr_exec_opts {
	size_t sz;
	const char *const *argv;
	const char *const *env;
	const char *cwd;
	const char *user;
	int terminal;
	int privileged;
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;
	const int *preserve_fds;
	size_t n_preserve_fds;
} ctr_exec_opts_t;
int ctr_exec(ctr_container_t *c, const ctr_exec_opts_t *opts, int *exit_code);
int ctr_exec_create(ctr_container_t *c, const ctr_exec_opts_t *opts, char **exec_id);
int ctr_exec_start(ctr_container_t *c, const char *exec_id);
int ctr_exec_wait(ctr_container_t *c, const char *exec_id, int timeout_ms, int *exit_code);
int ctr_exec_wait_fd(ctr_container_t *c, const char *exec_id);
int ctr_exec_kill(ctr_container_t *c, const char *exec_id, int signal);
int ctr_exec_resize(ctr_container_t *c, const char *exec_id, unsigned rows, unsigned cols);
int ctr_exec_remove(ctr_container_t *c, const char *exec_id, unsigned flags);
int ctr_exec_list(ctr_container_t *c, char ***ids, size_t *count);
void ctr_strv_free(char **v);

/* io.h: attach */
typedef struct ctr_attach_opts {
	size_t sz;
	unsigned flags;
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;
	int mux_fd;
	const char *detach_keys;
} ctr_attach_opts_t;
int ctr_attach(ctr_container_t *c, const ctr_attach_opts_t *opts);
int ctr_attach_resize(ctr_container_t *c, unsigned rows, unsigned cols);
int ctr_detach_keys_valid(const char *spec);

/* io.h: logs */
typedef struct ctr_log_line {
	size_t sz;
	int stream;
	int partial;
	long long time_ns;
	const char *data;
	size_t len;
} ctr_log_line_t;
typedef int (*ctr_log_fn)(const ctr_log_line_t *line, void *userdata);
typedef struct ctr_logs_opts {
	size_t sz;
	unsigned flags;
	long long since_ns;
	long long until_ns;
	long long tail;
} ctr_logs_opts_t;
int ctr_logs(ctr_container_t *c, const ctr_logs_opts_t *opts, ctr_log_fn fn, void *userdata);

/* fs.h: layers, mounts, export, artifacts */
int ctr_config_add_layer(ctr_config_t *cfg, const char *dir);
int ctr_mount(ctr_container_t *c, char **path);
int ctr_unmount(ctr_container_t *c, unsigned flags);
int ctr_export(ctr_container_t *c, const char *path);
int ctr_artifact_add(ctr_container_t *c, const char *name, const void *data, size_t len);
int ctr_artifact_get(ctr_container_t *c, const char *name, void **data, size_t *len);
int ctr_artifact_remove(ctr_container_t *c, const char *name);
int ctr_artifact_list(ctr_container_t *c, char ***names, size_t *count);

/* fs.h: checkpoint and restore */
typedef struct ctr_checkpoint_opts {
	size_t sz;
	unsigned flags;
	const char *target_file;
	const char *name;
} ctr_checkpoint_opts_t;
int ctr_checkpoint(ctr_container_t *c, const ctr_checkpoint_opts_t *opts);
typedef struct ctr_restore_opts {
	size_t sz;
	unsigned flags;
	const char *import_file;
	const char *name;
} ctr_restore_opts_t;
int ctr_restore(ctr_container_t *c, const ctr_restore_opts_t *opts);
int ctr_import(ctr_runtime_t *rt, const char *archive, const char *name,
	       const ctr_restore_opts_t *opts, ctr_container_t **out);
]]

-- image.h (LIBCTR_1.1): declared on its own, so a library without these symbols still
-- loads (calling one then fails, naming the symbol).
M.image = [[
typedef struct ctr_image_import_opts {
	size_t sz;
	const char *name;
	unsigned flags;
} ctr_image_import_opts_t;
int ctr_image_import(ctr_runtime_t *rt, const char *path, const ctr_image_import_opts_t *opts,
		     char **out_id);
typedef struct ctr_image_pull_opts {
	size_t sz;
	const char *name;
	const char *auth_file;
	unsigned flags;
	unsigned timeout_ms;
} ctr_image_pull_opts_t;
int ctr_image_pull(ctr_runtime_t *rt, const char *source, const ctr_image_pull_opts_t *opts,
		   char **out_id);
int ctr_image_list(ctr_runtime_t *rt, char ***out_ids, size_t *out_count);
int ctr_image_inspect(ctr_runtime_t *rt, const char *ref, char **out_json);
int ctr_image_tag(ctr_runtime_t *rt, const char *ref, const char *name);
int ctr_image_remove(ctr_runtime_t *rt, const char *ref, unsigned flags);
int ctr_config_set_image(ctr_config_t *cfg, const char *ref);
int ctr_config_set_entrypoint(ctr_config_t *cfg, const char *const *argv);
]]

-- net.h (LIBCTR_1.1), likewise on its own.
M.net = [[
typedef struct ctr_network_opts {
	size_t sz;
	const char *subnet;
	const char *gateway;
	unsigned flags;
} ctr_network_opts_t;
int ctr_network_create(ctr_runtime_t *rt, const char *name, const ctr_network_opts_t *opts);
int ctr_network_remove(ctr_runtime_t *rt, const char *name, unsigned flags);
int ctr_network_list(ctr_runtime_t *rt, char ***out_names, size_t *count);
int ctr_network_inspect(ctr_runtime_t *rt, const char *name, char **out_json);
int ctr_config_add_network(ctr_config_t *cfg, const char *name, const char *ip);
int ctr_config_add_port(ctr_config_t *cfg, const char *host_ip, unsigned host_port,
			unsigned container_port, const char *protocol);
]]

-- libc, each piece on its own so that a declaration another module made first wins.
M.libc = {
	"typedef int32_t pid_t;",
	"struct pollfd { int fd; short events; short revents; };",
	"struct timespec { long tv_sec; long tv_nsec; };",
	"typedef struct { unsigned long __val[1024 / (8 * sizeof(unsigned long))]; } sigset_t;",
	"int poll(struct pollfd *fds, unsigned long nfds, int timeout);",
	"int pipe2(int pipefd[2], int flags);",
	"ssize_t read(int fd, void *buf, size_t count);",
	"ssize_t write(int fd, const void *buf, size_t count);",
	"int close(int fd);",
	"int fcntl(int fd, int cmd, ...);",
	"int setenv(const char *name, const char *value, int overwrite);",
	"int unsetenv(const char *name);",
	"char *strerror(int errnum);",
	"char *realpath(const char *path, char *resolved_path);",
	"void free(void *ptr);",
	"int sigemptyset(sigset_t *set);",
	"int sigaddset(sigset_t *set, int signum);",
	"int sigismember(const sigset_t *set, int signum);",
	"int sigpending(sigset_t *set);",
	"int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset);",
	"int sigtimedwait(const sigset_t *set, void *info, const struct timespec *timeout);",
	"int clock_gettime(int clk, struct timespec *tp);",
}

-- pid_t first: the ctr block uses it.
pcall(ffi.cdef, M.libc[1])
if not pcall(ffi.typeof, "ctr_runtime_opts_t") then
	ffi.cdef(M.ctr)
end
if not pcall(ffi.typeof, "ctr_image_import_opts_t") then
	ffi.cdef(M.image)
end
if not pcall(ffi.typeof, "ctr_network_opts_t") then
	ffi.cdef(M.net)
end
for i = 2, #M.libc do
	pcall(ffi.cdef, M.libc[i])
end

return M
