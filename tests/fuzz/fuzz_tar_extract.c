/* libFuzzer target: ctri_tar_extract() of the input as an archive into a fresh directory,
 * then ctri_tar_extract_opts() in the image layer mode (devices, whiteouts, both streams
 * handed to callbacks) into another, must each succeed or fail with a message, and write
 * nothing outside that directory: a sentinel directory beside it stays empty, the
 * directory holding both gains nothing, and the caller's working directory does not move.
 * In the layer mode the callbacks must see the whole file. The directory is removed after
 * each run. Run with -max_len=65536 (tests/fuzz/run.sh does). */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/ctr.h"
#include "tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[PATH_MAX], archive[PATH_MAX], run_dir[PATH_MAX], target[PATH_MAX],
    sentinel[PATH_MAX], cwd[PATH_MAX];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)f;
	if (flag == FTW_DP)
		chmod(path, 0700);
	remove(path); /* a failure shows: the run checks that the directory is gone */
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	if (base[0])
		rm_rf(base);
}

/* Names in dir other than ., .. and the two allowed (NULL: none), each reported. */
static size_t entries(const char *dir, const char *allowed1, const char *allowed2)
{
	DIR *d = opendir(dir);
	size_t n = 0;

	if (!d)
		abort();
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((allowed1 && !strcmp(de->d_name, allowed1)) ||
		    (allowed2 && !strcmp(de->d_name, allowed2)))
			continue;
		fprintf(stderr, "unexpected entry %s/%s\n", dir, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (base[0])
		return;
	snprintf(base, sizeof(base), "%s/ctr-fuzz-tar.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		abort();
	atexit(cleanup);
	snprintf(archive, sizeof(archive), "%s/in.tar", base);
	snprintf(run_dir, sizeof(run_dir), "%s/run", base);
	snprintf(target, sizeof(target), "%s/run/target", base);
	snprintf(sentinel, sizeof(sentinel), "%s/run/sentinel", base);
	if (!getcwd(cwd, sizeof(cwd)))
		abort();
}

/* The layer mode's callbacks count what they see. */
struct seen {
	size_t raw, tar;
};

static void seen_raw(void *ud, const void *buf, size_t len)
{
	(void)buf;
	((struct seen *)ud)->raw += len;
}

static void seen_tar(void *ud, const void *buf, size_t len)
{
	(void)buf;
	((struct seen *)ud)->tar += len;
}

/* One extraction of the archive into the target, plain or in the layer mode. */
static void run(int layer, size_t size)
{
	struct seen seen = { 0, 0 };
	struct ctri_tar_extract_opts o = { .flags = CTRI_TAR_DEVICES | CTRI_TAR_WHITEOUTS,
					   .raw = seen_raw,
					   .tar = seen_tar,
					   .ud = &seen };
	char now[PATH_MAX];

	if (mkdir(run_dir, 0700) < 0 || mkdir(sentinel, 0700) < 0)
		abort();
	/* The target is created by the extraction (with its parents). */
	int r = layer ? ctri_tar_extract_opts(archive, target, &o, "fuzz", "import", NULL)
		      : ctri_tar_extract(archive, target, "fuzz", "import");
	if (layer && r == 0 && seen.raw != size)
		abort(); /* a success that did not hash the whole file */
	if (r < 0 && !ctr_last_error()[0])
		abort(); /* a failure without a message */
	if (r > 0)
		abort();
	if (entries(sentinel, NULL, NULL) || entries(run_dir, "target", "sentinel") ||
	    entries(base, "in.tar", "run"))
		abort(); /* something was written outside the target */
	if (!getcwd(now, sizeof(now)) || strcmp(now, cwd))
		abort(); /* the working directory moved */
	rm_rf(run_dir);
	struct stat st;
	if (lstat(run_dir, &st) == 0)
		abort(); /* could not clean up: the next run would be confused */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	FILE *f = fopen(archive, "we");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	run(0, size);
	run(1, size);
	return 0;
}
