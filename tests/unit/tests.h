/* The unit test suites; main.c runs them all. */
#ifndef CTR_TESTS_H
#define CTR_TESTS_H

#include <check.h>

/* The suites, one CTR_SUITE(name) per `Suite *suite_name(void)` defined in a test file: the
 * build generates suites.h from the sources (tests/fixtures/suites.sh). */
#define CTR_SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef CTR_SUITE

#endif
