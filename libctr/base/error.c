/* Error codes and the thread-local last-error message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

_Static_assert(CTR_E_INVAL == -EINVAL && CTR_E_NOENT == -ENOENT && CTR_E_EXISTS == -EEXIST &&
		       CTR_E_TIMEOUT == -ETIMEDOUT && CTR_E_NOTSUP == -EOPNOTSUPP &&
		       CTR_E_IO == -EIO && CTR_E_NOMEM == -ENOMEM && CTR_E_BUSY == -EBUSY,
	       "public error codes must be -errno");

static __thread char last_error[1024];

static const struct {
	int code;
	const char *text;
} error_texts[] = {
	{ 0, "success" },
	{ CTR_E_INVAL, "invalid argument" },
	{ CTR_E_NOENT, "no such container" },
	{ CTR_E_EXISTS, "name already in use" },
	{ CTR_E_TIMEOUT, "timed out" },
	{ CTR_E_NOTSUP, "not supported" },
	{ CTR_E_IO, "input/output error" },
	{ CTR_E_NOMEM, "out of memory" },
	{ CTR_E_BUSY, "resource busy" },
	{ CTR_E_STATE, "operation not allowed in the container's state" },
	{ CTR_E_STOPPED, "container already stopped" },
	{ CTR_E_REMOVED, "container was removed" },
	{ CTR_E_RUNTIME, "OCI runtime failed" },
	{ CTR_E_STORE, "state database error" },
	{ CTR_E_DEPEND, "dependency error" },
	{ CTR_E_MONITOR, "container monitor failed" },
	{ CTR_E_INTERNAL, "internal error" },
};

CTR_API const char *ctr_strerror(int err)
{
	for (size_t i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (error_texts[i].code == err)
			return error_texts[i].text;
	return "unknown error";
}

CTR_API const char *ctr_last_error(void)
{
	return last_error;
}

static void vset(const char *prefix, const char *fmt, va_list ap, int saved_errno)
{
	size_t n = 0;

	if (prefix) {
		int r = snprintf(last_error, sizeof(last_error), "%s", prefix);
		n = r < 0 ? 0 : (size_t)r;
		if (n >= sizeof(last_error))
			return;
	}
	errno = saved_errno; /* for %m */
	vsnprintf(last_error + n, sizeof(last_error) - n, fmt, ap);
}

int ctri_err(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vset(NULL, fmt, ap, saved);
	va_end(ap);
	errno = saved;
	return code;
}

int ctri_cerr(const char *name, const char *op, int code, const char *fmt, ...)
{
	int saved = errno;
	char prefix[320];
	va_list ap;

	if (name)
		snprintf(prefix, sizeof(prefix), "container %s: cannot %s: ", name, op);
	else
		snprintf(prefix, sizeof(prefix), "cannot %s: ", op);
	va_start(ap, fmt);
	vset(prefix, fmt, ap, saved);
	va_end(ap);
	errno = saved;
	return code;
}

int ctri_cwrap(const char *name, const char *op, int code)
{
	char saved[sizeof(last_error)];

	memcpy(saved, last_error, sizeof(saved));
	return ctri_cerr(name, op, code, "%s", saved);
}

int ctri_errno_code(int e)
{
	switch (e) {
	case ENOMEM:
		return CTR_E_NOMEM;
	case EEXIST:
		return CTR_E_EXISTS;
	case ENOENT:
		return CTR_E_NOENT;
	case EINVAL:
		return CTR_E_INVAL;
	case ETIMEDOUT:
		return CTR_E_TIMEOUT;
	case EBUSY:
		return CTR_E_BUSY;
	case EOPNOTSUPP:
		return CTR_E_NOTSUP;
	default:
		return CTR_E_IO;
	}
}

CTR_API void ctr_free(void *p)
{
	free(p);
}
