/* Small helpers shared by the subsystems. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor_proto.h"
#include "util.h"

size_t ctri_strv_len(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char **ctri_strv_dup(const char *const *v)
{
	size_t n = ctri_strv_len(v);
	char **out = calloc(n + 1, sizeof(*out));

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			ctri_strv_free(out);
			return NULL;
		}
	}
	return out;
}

void ctri_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int ctri_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (saved == '\0')
			break;
	}
	return 0;
}

static int rm_at(int parent, const char *name)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;

	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	int r = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = rm_at(dirfd(d), de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int ctri_rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path);
}

static int fsync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (slash && n == 0)
		n = 1;
	memcpy(dir, slash ? path : ".", n);
	dir[n] = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int ctri_write_file(const char *path, const void *data, size_t len, mode_t mode, int do_sync)
{
	char tmp[4096];
	int r;

	/* per thread, not per process: two threads writing one path must not share it */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)gettid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((r = ctrp_write_replace(AT_FDCWD, tmp, path, data, len, mode, do_sync)) < 0)
		return r;
	return do_sync ? fsync_parent(path) : 0;
}

/* st_size only sizes the first buffer: files of /proc and /sys report 0 (or 4096) whatever
 * they hold, so every file is read until EOF. */
int ctri_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	size_t cap, n = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	/* Room for the NUL and one byte more, so that the read of a file as long as stat
	 * says ends with a read of 0 instead of a larger buffer; a buffer never exceeds
	 * max + 2, and filling it means the file is larger than max. */
	cap = (st.st_size ? (size_t)st.st_size : 254) + 2;
	if (cap > max + 2)
		cap = max + 2;
	if (!(buf = malloc(cap))) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (n == cap - 1) {
			if (cap == max + 2) {
				r = -EFBIG;
				goto out;
			}
			size_t more = cap > (max + 2) / 2 ? max + 2 : cap * 2;
			char *p = realloc(buf, more);
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			buf = p;
			cap = more;
		}
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
out:
	free(buf);
	close(fd);
	return r;
}

int ctri_random_hex(char *buf, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];

	if (n > sizeof(raw))
		return -EINVAL;
	for (size_t got = 0; got < n;) {
		ssize_t k = getrandom(raw + got, n - got, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[raw[i] >> 4];
		buf[2 * i + 1] = digits[raw[i] & 15];
	}
	buf[2 * n] = '\0';
	return 0;
}

int ctri_is_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == CTRI_ID_LEN;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int ctri_is_name(const char *s)
{
	size_t i;

	if (!is_alnum(s[0]))
		return 0;
	for (i = 1; s[i]; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return i <= 253;
}

char *ctri_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

long long ctri_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- RFC 3339 times ---- */

static int digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

const char *ctri_parse_time(const char *p, const char *end, long long *ns)
{
	if (end - p < 20)
		return NULL;
	int y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
	int h = digits(p + 11, 2), mi = digits(p + 14, 2), s = digits(p + 17, 2);
	if (y < 0 || p[4] != '-' || mo < 1 || mo > 12 || p[7] != '-' || d < 1 || d > 31 ||
	    (p[10] != 'T' && p[10] != 't') || h < 0 || h > 23 || p[13] != ':' || mi < 0 ||
	    mi > 59 || p[16] != ':' || s < 0 || s > 60)
		return NULL;
	p += 19;
	long long frac = 0, scale = 1000000000LL, off = 0;
	if (p < end && *p == '.') {
		const char *q = ++p;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		if (p == q)
			return NULL;
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (end - p >= 6 && (*p == '+' || *p == '-') && p[3] == ':') {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return NULL;
		off = (*p == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
		p += 6;
	} else {
		return NULL;
	}
	long long secs = days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + s - off;
	if (secs < -9223372035LL || secs > 9223372035LL) /* ns would not fit */
		return NULL;
	*ns = secs * 1000000000LL + frac;
	return p;
}

void ctri_format_time(long long ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lldZ", base, ns % 1000000000LL);
}

char *ctri_find_program(const char *name)
{
	const char *path = getenv("PATH");
	char *full = NULL, *dirs = ctri_strdupf("%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin",
						 path ? path : "");

	if (!dirs)
		return NULL;
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !full;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = *d == '/' ? ctri_strdupf("%s/%s", d, name) : NULL;
		if (p && access(p, X_OK) == 0)
			full = p;
		else
			free(p);
	}
	free(dirs);
	return full ? full : strdup(name);
}
