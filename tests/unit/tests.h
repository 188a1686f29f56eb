/* The unit test suites; main.c runs them all. */
#ifndef CTR_TESTS_H
#define CTR_TESTS_H

#include <check.h>

Suite *suite_error(void);
Suite *suite_config(void);
Suite *suite_spec(void);
Suite *suite_seccomp(void);
Suite *suite_runtime(void);
Suite *suite_store(void);
Suite *suite_lock(void);
Suite *suite_container(void);
Suite *suite_container_remove(void);
Suite *suite_concurrency(void);
Suite *suite_reboot(void);
Suite *suite_attach(void);
Suite *suite_attach_wire(void);
Suite *suite_logs(void);
Suite *suite_mount(void);
Suite *suite_archive(void);
Suite *suite_runc_start(void);
Suite *suite_proc(void);
Suite *suite_cleanup_ctx(void);
Suite *suite_events(void);
Suite *suite_exec_spec(void);
Suite *suite_monitor_proto(void);
Suite *suite_op(void);

#endif
