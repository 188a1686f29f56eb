/* Error reporting inside libctr: every failure sets the thread's message once, where it
 * happens, and returns a CTR_E_* code. */
#ifndef LIBCTR_ERROR_H
#define LIBCTR_ERROR_H

#include "ctr/ctr.h"

/* Set the calling thread's message (printf format; %m is errno at the time of the call)
 * and return code. */
int ctri_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, with the prefix "container NAME: cannot OP: " (name may be NULL). */
int ctri_cerr(const char *name, const char *op, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix the thread's current message with "container NAME: cannot OP: " and return
 * code: for errors raised by a lower layer that does not know the container. */
int ctri_cwrap(const char *name, const char *op, int code);

/* The CTR_E_* code for an errno value: ENOMEM -> CTR_E_NOMEM, EEXIST -> CTR_E_EXISTS...,
 * anything without a public meaning -> CTR_E_IO. */
int ctri_errno_code(int e);

/* Report a NULL argument: CTR_E_INVAL "OP: argument NAME is NULL". */
#define CTRI_CHECK_ARG(op, arg)                                                     \
	do {                                                                        \
		if (!(arg))                                                         \
			return ctri_err(CTR_E_INVAL, "%s: argument %s is NULL", op, #arg); \
	} while (0)

#endif
