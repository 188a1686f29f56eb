/* ctr_image_pull against a real registry: Debian's docker-registry, started by the suite on
 * 127.0.0.1 with its own config, storage and htpasswd file in a temporary directory, the
 * test image pushed to it with skopeo. Pulls with credentials, a name, a missing image,
 * without credentials, over TLS against plain HTTP, and with skopeo missing. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_test.h"
#include "itest.h"
#include "util.h"

static char reg_dir[] = "/tmp/ctr-registry-XXXXXX";
static char auth_file[PATH_MAX];
static int reg_port;
static pid_t reg_pid = -1;

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int accepts(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void write_text(const char *path, const char *text)
{
	ck_assert_int_eq(ctri_write_file(path, text, strlen(text), 0600, 0), 0);
}

/* The registry and the image in it, once for the suite (in Check's parent process). */
static void registry_start(void)
{
	char path[PATH_MAX + 32], text[2048], *hash = NULL, src[PATH_MAX + 16], dst[128];

	ck_assert_ptr_nonnull(mkdtemp(reg_dir));
	reg_port = free_port();
	ck_assert_int_gt(reg_port, 0);
	/* a bcrypt htpasswd entry (the registry accepts no other hash) */
	const char *const hasher[] = {
		"/usr/bin/python3", "-W", "ignore", "-c",
		"import crypt; print('user:' + crypt.crypt('secret', "
		"crypt.mksalt(crypt.METHOD_BLOWFISH)), end='')",
		NULL
	};
	ck_assert_int_eq(it_run(hasher, &hash), 0);
	snprintf(path, sizeof(path), "%s/htpasswd", reg_dir);
	write_text(path, hash);
	free(hash);
	snprintf(auth_file, sizeof(auth_file), "%s/auth.json", reg_dir);
	snprintf(text, sizeof(text), "{\"auths\":{\"127.0.0.1:%d\":{\"auth\":\"dXNlcjpzZWNyZXQ=\"}}}",
		 reg_port); /* base64 of user:secret */
	write_text(auth_file, text);
	snprintf(text, sizeof(text),
		 "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
		 "    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:%d\n"
		 "auth:\n  htpasswd:\n    realm: test\n    path: %s/htpasswd\n",
		 reg_dir, reg_port, reg_dir);
	snprintf(path, sizeof(path), "%s/config.yml", reg_dir);
	write_text(path, text);
	char *const argv[] = { "docker-registry", "serve", path, NULL };
	char log[PATH_MAX + 8];
	posix_spawn_file_actions_t fa;
	snprintf(log, sizeof(log), "%s/log", reg_dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	ck_assert_int_eq(posix_spawnp(&reg_pid, "docker-registry", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < IT_GUARD_MS / 20 && !accepts(reg_port); i++)
		usleep(20000);
	ck_assert_msg(accepts(reg_port), "docker-registry did not listen on 127.0.0.1:%d", reg_port);
	snprintf(src, sizeof(src), "oci:%s:1.0", img_fixture("oci"));
	snprintf(dst, sizeof(dst), "docker://127.0.0.1:%d/bb:1", reg_port);
	const char *const push[] = { "skopeo", "copy", "-q", "--dest-tls-verify=false",
				     "--dest-authfile", auth_file, src, dst, NULL };
	char *out = NULL;
	int st = it_run(push, &out);
	ck_assert_msg(st == 0, "skopeo push failed: %s", out);
	free(out);
}

static void registry_stop(void)
{
	if (reg_pid > 0) {
		kill(reg_pid, SIGTERM);
		waitpid(reg_pid, NULL, 0);
		reg_pid = -1;
	}
	ctri_rm_rf(reg_dir);
}

static int pull(const char *tag, const char *name, const char *auth, unsigned flags, char **id)
{
	char src[128];

	snprintf(src, sizeof(src), "docker://127.0.0.1:%d/%s", reg_port, tag);
	CTR_OPTS(ctr_image_pull_opts_t, o, .name = name, .auth_file = auth, .flags = flags);
	return ctr_image_pull(it_rt, src, &o, id);
}

START_TEST(test_a_pull_with_credentials_names_the_image_after_its_source)
{
	char *id = NULL, name[64], *text = NULL;

	IT_OK(pull("bb:1", NULL, auth_file, CTR_PULL_INSECURE, &id));
	snprintf(name, sizeof(name), "127.0.0.1:%d/bb:1", reg_port);
	json_object *o = img_inspect(it_rt, name);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "id")), id);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "layers")), 3);
	json_object_put(o);
	ck_assert_int_eq(img_tmp_entries(), 0);
	/* a container runs from it, as the user the image names */
	const char *const args[] = { "id -u > /shared/uid", NULL };
	char shared[PATH_MAX];
	ctr_config_t *cfg = NULL;
	snprintf(shared, sizeof(shared), "%s/io", it_base());
	ck_assert_int_eq(chmod(shared, 0777), 0); /* for the image's user */
	IT_OK(ctr_config_new(&cfg));
	IT_OK(ctr_config_set_image(cfg, name));
	IT_OK(ctr_config_set_args(cfg, args));
	IT_OK(ctr_config_add_mount(cfg, shared, "/shared", NULL, NULL));
	ctr_container_t *c = it_create(it_rt, cfg);
	IT_OK(ctr_start(c, 0));
	ck_assert_int_eq(it_wait(c, IT_GUARD_MS), 0);
	snprintf(shared, sizeof(shared), "%s/io/uid", it_base());
	size_t len;
	ck_assert_int_eq(ctri_read_file(shared, 64, &text, &len), 0);
	ck_assert_str_eq(text, "1234\n");
	free(text);
	IT_OK(ctr_remove(c, CTR_FORCE));
	ctr_container_free(c);
	free(id);
}
END_TEST

START_TEST(test_a_pull_takes_the_given_name)
{
	char *id = NULL;

	IT_OK(pull("bb:1", "mine", auth_file, CTR_PULL_INSECURE, &id));
	json_object_put(img_inspect(it_rt, "mine:latest"));
	free(id);
}
END_TEST

START_TEST(test_failed_pulls_say_why_and_leave_nothing)
{
	char *id = NULL;

	IT_FAILS(pull("bb:nope", NULL, auth_file, CTR_PULL_INSECURE, &id), CTR_E_RUNTIME);
	IT_SAYS("manifest unknown");
	IT_FAILS(pull("bb:1", NULL, NULL, CTR_PULL_INSECURE, &id), CTR_E_RUNTIME);
	IT_SAYS("authentication required");
	IT_FAILS(pull("bb:1", NULL, auth_file, 0, &id), CTR_E_RUNTIME); /* TLS to plain HTTP */
	IT_SAYS("HTTP");
	IT_FAILS(pull("bb:1", "Not A Name", auth_file, CTR_PULL_INSECURE, &id), CTR_E_INVAL);
	IT_FAILS(pull("bb:1", NULL, auth_file, 0x80, &id), CTR_E_INVAL);
	ck_assert_ptr_null(id);
	ck_assert_int_eq(img_count(it_rt), 0);
	ck_assert_int_eq(img_tmp_entries(), 0);
	ck_assert_int_eq(img_layer_dirs(), 0);
}
END_TEST

START_TEST(test_a_missing_skopeo_is_named)
{
	char *id = NULL;

	setenv("CTR_SKOPEO", "/nonexistent/skopeo", 1);
	int r = pull("bb:1", NULL, auth_file, CTR_PULL_INSECURE, &id);
	unsetenv("CTR_SKOPEO");
	IT_FAILS(r, CTR_E_RUNTIME);
	IT_SAYS("/nonexistent/skopeo");
	IT_SAYS("Debian package skopeo");
	ck_assert_int_eq(img_tmp_entries(), 0);
}
END_TEST

/* A skopeo that hangs is killed at the timeout; nothing is left. */
START_TEST(test_a_hanging_skopeo_is_killed_at_the_timeout)
{
	char script[PATH_MAX], *id = NULL;

	snprintf(script, sizeof(script), "%s/skopeo", it_base());
	ck_assert_int_eq(ctri_write_file(script, "#!/bin/sh\nexec sleep 60\n", 25, 0755, 0), 0);
	setenv("CTR_SKOPEO", script, 1);
	CTR_OPTS(ctr_image_pull_opts_t, o, .timeout_ms = 300);
	int r = ctr_image_pull(it_rt, "docker://127.0.0.1:1/none:1", &o, &id);
	unsetenv("CTR_SKOPEO");
	IT_FAILS(r, CTR_E_TIMEOUT);
	IT_SAYS("killed");
	ck_assert_ptr_null(id);
	ck_assert_int_eq(img_tmp_entries(), 0);
}
END_TEST

Suite *suite_image_pull(void)
{
	Suite *s = suite_create("image_pull");
	TCase *tc = tcase_create("image_pull");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, registry_start, registry_stop);
	tcase_add_checked_fixture(tc, it_setup, it_teardown);
	tcase_add_test(tc, test_a_pull_with_credentials_names_the_image_after_its_source);
	tcase_add_test(tc, test_a_pull_takes_the_given_name);
	tcase_add_test(tc, test_failed_pulls_say_why_and_leave_nothing);
	tcase_add_test(tc, test_a_missing_skopeo_is_named);
	tcase_add_test(tc, test_a_hanging_skopeo_is_killed_at_the_timeout);
	suite_add_tcase(s, tc);
	return s;
}
