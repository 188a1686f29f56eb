/* The layer store (runner/layer_store.c): a layer blob (plain, gzip, zstd) unpacked once
 * into layers/<diff>/ with what a root filesystem keeps, OCI whiteouts made overlay ones,
 * both digests verified; hostile layers, digest mismatches and a full disk leave nothing;
 * two unpacks of one layer at once; delete, list, size. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <archive.h>
#include <archive_entry.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "digest.h"
#include "layer_store.h"
#include "tar_fixture.h"
#include "tests.h"
#include "testutil.h"
#include "util.h"

/* The number of names in a directory besides . and .. (-1: it does not exist). */
static int count_in(const char *rel)
{
	DIR *d = opendir(at(rel));
	int n = 0;

	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* ---- layers made here ------------------------------------------------------------------ */

struct ent {
	const char *name;
	mode_t type; /* AE_IFREG (0), AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFBLK */
	mode_t perm; /* 0: 0644 (0755 for a directory) */
	const char *link;
	int hard;
	const char *data;
	size_t len; /* of data; 0: strlen */
	unsigned major, minor;
	int uid, gid;
	const char *xname; /* an extended attribute */
	const void *xval;
	size_t xlen;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A plain tar of ents at rel, in 10 KiB blocks, the last one padded (past the
 * end-of-archive blocks: the diff digest covers the padding). */
static void make_tar(const char *rel, const struct ent *ents, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_set_bytes_in_last_block(a, 10240), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, at(rel)), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct ent *x = &ents[i];
		mode_t type = x->type ? x->type : AE_IFREG;
		size_t len = x->data ? (x->len ? x->len : strlen(x->data)) : 0;
		archive_entry_clear(e);
		archive_entry_set_pathname(e, x->name);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, x->perm ? x->perm : type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_uid(e, x->uid);
		archive_entry_set_gid(e, x->gid);
		archive_entry_set_mtime(e, 1000000000, 0);
		if (x->hard)
			archive_entry_set_hardlink(e, x->link);
		else if (x->link)
			archive_entry_set_symlink(e, x->link);
		archive_entry_set_rdevmajor(e, x->major);
		archive_entry_set_rdevminor(e, x->minor);
		if (x->xname)
			archive_entry_xattr_add_entry(e, x->xname, x->xval, x->xlen);
		archive_entry_set_size(e, (la_int64_t)len);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			ck_assert_int_eq(archive_write_data(a, x->data, len), (la_ssize_t)len);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
}

/* The file at rel compressed into out: 'g' gzip, 'z' zstd (libarchive's raw writer). */
static void compress(const char *rel, const char *out, char how)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char *data = NULL;
	size_t len;

	OK(ctri_read_file(at(rel), 64 << 20, &data, &len));
	ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
	ck_assert_int_eq(how == 'g' ? archive_write_add_filter_gzip(a)
				    : archive_write_add_filter_zstd(a),
			 ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, at(out)), ARCHIVE_OK);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	free(data);
}

/* sha256 of the file at rel, in hex. */
static void hex_of(const char *rel, char out[65])
{
	struct ctri_sha256 h;
	char *data = NULL;
	size_t len;

	OK(ctri_read_file(at(rel), 64 << 20, &data, &len));
	ctri_sha256_init(&h);
	ctri_sha256_update(&h, data, len);
	ctri_sha256_hex(&h, out);
	free(data);
}

/* A layer of ents: base/<name>.tar, and its diff digest in diff. */
static void layer(const char *name, const struct ent *ents, size_t n, char diff[65])
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%s.tar", name);
	make_tar(rel, ents, n);
	hex_of(rel, diff);
}

/* ctri_layer_unpack of base/blob into base/layers with base/tmp; *created, if wanted. */
static int unpack(const char *blob, const char *blob_hex, const char *diff, int *created)
{
	int c = -1, r;

	ck_assert_int_eq(ctri_mkdir_p(at("tmp"), 0700), 0);
	r = ctri_layer_unpack(at("layers"), at("tmp"), at(blob), blob_hex, diff, &c);
	if (created)
		*created = c;
	return r;
}

/* "layers/<diff>/<rel>" */
static const char *in_layer(const char *diff, const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "layers/%s/%s", diff, rel);
	return buf[i];
}

/* ---- tests ------------------------------------------------------------------------------ */

static const struct ent simple[] = {
	{ .name = "etc/", .type = AE_IFDIR },
	{ .name = "etc/hello", .data = "hello\n" },
};

START_TEST(test_a_plain_gzip_or_zstd_layer_unpacks_once_under_its_diff_id)
{
	TU_NEEDS_ROOT("extract files owned by root");
	char diff[65], blob[65];
	int created;

	layer("l", simple, N(simple), diff);
	OK(unpack("l.tar", diff, diff, &created)); /* plain: the blob is the tar */
	ck_assert_int_eq(created, 1);
	ck_assert_str_eq(text_of(in_layer(diff, "etc/hello")), "hello\n");
	ck_assert_int_eq(lstat_of("layers").st_mode, S_IFDIR | 0700);
	ck_assert_int_eq(lstat_of(in_layer(diff, "")).st_mode, S_IFDIR | 0755);
	ck_assert_int_eq(count_in("tmp"), 0);
	OK(unpack("l.tar", diff, diff, &created)); /* there already: nothing read */
	ck_assert_int_eq(created, 0);
	OK(unpack("nowhere.tar", "", diff, &created));
	ck_assert_int_eq(created, 0);

	for (const char *how = "gz"; *how; how++) {
		compress("l.tar", "l.tar.c", *how);
		hex_of("l.tar.c", blob);
		tu_rm_rf(at("layers"));
		OK(unpack("l.tar.c", blob, diff, &created));
		ck_assert_int_eq(created, 1);
		ck_assert_str_eq(text_of(in_layer(diff, "etc/hello")), "hello\n");
		OK(unpack("l.tar.c", "", diff, &created)); /* no blob digest: fine too */
		ck_assert_int_eq(created, 0);
	}
	ck_assert_int_eq(count_in("tmp"), 0);
}
END_TEST

START_TEST(test_oci_whiteouts_become_overlay_whiteouts_and_opaque_directories)
{
	TU_NEEDS_ROOT("make whiteouts and trusted.* attributes");
	static const struct ent ents[] = {
		{ .name = "a/", .type = AE_IFDIR },
		{ .name = "a/.wh.gone", .data = "" },
		{ .name = ".wh.top" },
		{ .name = "new/deep/.wh.x" }, /* its directories come from no entry */
		{ .name = "o/", .type = AE_IFDIR, .perm = 0700 },
		{ .name = "o/.wh..wh..opq" },
		{ .name = "o/kept", .data = "k" },
		{ .name = "p/.wh..wh..opq" }, /* before its directory's entry */
		{ .name = "p/", .type = AE_IFDIR, .perm = 0750, .uid = 7 },
		{ .name = "q/r/.wh..wh..opq" },			/* a directory no entry makes */
		{ .name = ".wh..wh..plnk/", .type = AE_IFDIR }, /* aufs metadata */
	};
	char diff[65], buf[8];

	layer("l", ents, N(ents), diff);
	OK(unpack("l.tar", "", diff, NULL));
	static const char *const gone[] = { "a/gone", "top", "new/deep/x" };
	for (size_t i = 0; i < N(gone); i++) {
		struct stat st = lstat_of(in_layer(diff, gone[i]));
		ck_assert_msg(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0), "%s: %o %lx",
			      gone[i], st.st_mode, (unsigned long)st.st_rdev);
	}
	ck_assert(!exists(in_layer(diff, "a/.wh.gone")));
	ck_assert(!exists(in_layer(diff, ".wh.top")));
	ck_assert(!exists(in_layer(diff, ".wh..wh..plnk")));
	static const char *const opaque[] = { "o", "p", "q/r" };
	for (size_t i = 0; i < N(opaque); i++) {
		ssize_t n = lgetxattr(at(in_layer(diff, opaque[i])), "trusted.overlay.opaque", buf,
				      sizeof(buf));
		ck_assert_msg(n == 1 && buf[0] == 'y', "%s: %zd", opaque[i], n);
		ck_assert(!exists(in_layer(diff, "o/.wh..wh..opq")));
	}
	ck_assert_int_eq(
	    lgetxattr(at(in_layer(diff, "a")), "trusted.overlay.opaque", buf, sizeof(buf)), -1);
	ck_assert_str_eq(text_of(in_layer(diff, "o/kept")), "k");
	ck_assert_int_eq(lstat_of(in_layer(diff, "o")).st_mode, S_IFDIR | 0700);
	ck_assert_int_eq(lstat_of(in_layer(diff, "p")).st_mode, S_IFDIR | 0750);
	ck_assert_int_eq(lstat_of(in_layer(diff, "p")).st_uid, 7);
}
END_TEST

START_TEST(test_links_devices_xattrs_modes_and_owners_are_kept)
{
	TU_NEEDS_ROOT("make device nodes and files of other owners");
	/* cap_net_bind_service, permitted and effective (struct vfs_cap_data, revision 2) */
	static const uint32_t cap[5] = { VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
					 1u << CAP_NET_BIND_SERVICE, 0, 0, 0 };
	static const struct ent ents[] = {
		{ .name = "bin/", .type = AE_IFDIR, .perm = 0751 },
		{ .name = "bin/su", .data = "su", .perm = 04755 },
		{ .name = "bin/ping",
		  .data = "ping",
		  .perm = 0755,
		  .xname = "security.capability",
		  .xval = cap,
		  .xlen = sizeof(cap) },
		{ .name = "bin/sudo", .hard = 1, .link = "bin/su" },
		{ .name = "sh", .type = AE_IFLNK, .link = "bin/su" },
		{ .name = "null", .type = AE_IFCHR, .perm = 0666, .major = 1, .minor = 3 },
		{ .name = "sda", .type = AE_IFBLK, .perm = 0660, .major = 8 },
		{ .name = "owned", .data = "o", .uid = 1234, .gid = 5678 },
		{ .name = "u", .data = "u", .xname = "user.test", .xval = "v", .xlen = 1 },
		{ .name = "t", .data = "t", .xname = "trusted.test", .xval = "w", .xlen = 1 },
	};
	char diff[65], buf[64];

	layer("l", ents, N(ents), diff);
	OK(unpack("l.tar", "", diff, NULL));
	ck_assert_int_eq(lstat_of(in_layer(diff, "bin")).st_mode, S_IFDIR | 0751);
	ck_assert_int_eq(lstat_of(in_layer(diff, "bin/su")).st_mode, S_IFREG | 04755);
	ck_assert_int_eq(lstat_of(in_layer(diff, "bin/sudo")).st_ino,
			 lstat_of(in_layer(diff, "bin/su")).st_ino);
	ck_assert_int_eq(lstat_of(in_layer(diff, "bin/su")).st_mtim.tv_sec, 1000000000);
	ck_assert_int_eq(readlink(at(in_layer(diff, "sh")), buf, sizeof(buf)), 6);
	struct stat null = lstat_of(in_layer(diff, "null")), sda = lstat_of(in_layer(diff, "sda"));
	ck_assert(S_ISCHR(null.st_mode) && null.st_rdev == makedev(1, 3));
	ck_assert(S_ISBLK(sda.st_mode) && sda.st_rdev == makedev(8, 0));
	ck_assert_int_eq(lstat_of(in_layer(diff, "owned")).st_uid, 1234);
	ck_assert_int_eq(lstat_of(in_layer(diff, "owned")).st_gid, 5678);
	ck_assert_int_eq(lgetxattr(at(in_layer(diff, "t")), "trusted.test", buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], 'w');
	ssize_t n = lgetxattr(at(in_layer(diff, "u")), "user.test", buf, sizeof(buf));
	if (n < 0 && errno == ENOTSUP)
		printf("%s: no user xattrs on this file system\n", __func__);
	else
		ck_assert(n == 1 && buf[0] == 'v');
	/* restored after the owner, whose change would have dropped it */
	n = lgetxattr(at(in_layer(diff, "bin/ping")), "security.capability", buf, sizeof(buf));
	ck_assert_int_eq(n, sizeof(cap));
	ck_assert(!memcmp(buf, cap, sizeof(cap)));
}
END_TEST

/* Unpacking ents is CTR_E_INVAL naming want; no layer, no temporary directory, nothing
 * outside (base lists the same names, /tmp/ctr-layer-abs-PID never appears). */
static void assert_refused(const struct ent *ents, size_t n, const char *want)
{
	char diff[65], *outside = at("outside");

	layer("bad", ents, n, diff);
	ck_assert_int_eq(ctri_write_file(outside, "outside", 7, 0644, 0), 0);
	ck_assert_int_eq(ctri_mkdir_p(at("layers"), 0700), 0);
	ck_assert_int_eq(ctri_mkdir_p(at("tmp"), 0700), 0);
	int before = count_in("");
	int r = unpack("bad.tar", "", diff, NULL);
	ck_assert_msg(r == CTR_E_INVAL, "%d: %s", r, ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), want), "want \"%s\" in: %s", want, ctr_last_error());
	ck_assert_msg(strstr(ctr_last_error(), "cannot unpack layer sha256:"), "%s",
		      ctr_last_error());
	ck_assert_int_eq(count_in("layers"), 0);
	ck_assert_int_eq(count_in("tmp"), 0);
	ck_assert_int_eq(count_in(""), before);
	ck_assert_str_eq(text_of("outside"), "outside");
}

#define REFUSED(want, ...)                                                                         \
	do {                                                                                       \
		const struct ent ents_[] = { __VA_ARGS__ };                                        \
		assert_refused(ents_, N(ents_), want);                                             \
	} while (0)

START_TEST(test_hostile_layers_are_inval_and_leave_nothing)
{
	TU_NEEDS_ROOT("extract files owned by root");
	char abs[64];

	snprintf(abs, sizeof(abs), "/tmp/ctr-layer-abs-%d", (int)getpid());
	REFUSED("\"../x\"", { .name = "ok", .data = "fine" }, { .name = "../x", .data = "x" });
	REFUSED(abs, { .name = abs, .data = "x" });
	ck_assert_int_ne(access(abs, F_OK), 0);
	REFUSED("\"d/x\"", { .name = "sub/", .type = AE_IFDIR },
		{ .name = "d", .type = AE_IFLNK, .link = "sub" }, { .name = "d/x", .data = "x" });
	REFUSED("\"l\" is a symbolic link out", { .name = "l", .type = AE_IFLNK, .link = "../.." },
		{ .name = "l/x", .data = "x" });
	REFUSED("\"h\" is a hard link outside",
		{ .name = "h", .hard = 1, .link = "../../etc/passwd" });
	/* whiteouts through a symbolic link, even one that stays inside */
	REFUSED("\"d/.wh..wh..opq\"", { .name = "sub/", .type = AE_IFDIR },
		{ .name = "d", .type = AE_IFLNK, .link = "sub" }, { .name = "d/.wh..wh..opq" });
	REFUSED("\"d/x\"", { .name = "sub/", .type = AE_IFDIR },
		{ .name = "d", .type = AE_IFLNK, .link = "sub" }, { .name = "d/.wh.x" });
	REFUSED("\"../.wh.x\"", { .name = "../.wh.x" });
	REFUSED("\".wh.\" is a whiteout of no name", { .name = ".wh." });
}
END_TEST

START_TEST(test_digest_mismatches_are_inval_naming_the_digest_and_leave_nothing)
{
	TU_NEEDS_ROOT("extract files owned by root");
	char diff[65], blob[65], other[65];

	layer("l", simple, N(simple), diff);
	compress("l.tar", "l.tgz", 'g');
	hex_of("l.tgz", blob);
	memcpy(other, diff, sizeof(other));
	other[0] = other[0] == '0' ? '1' : '0';

	ck_assert_int_eq(unpack("l.tgz", other, diff, NULL), CTR_E_INVAL);
	char *want = ctri_strdupf("layer sha256:%s: content does not match its digest (got "
				  "sha256:%s)",
				  other, blob);
	ck_assert_msg(strstr(ctr_last_error(), want), "%s", ctr_last_error());
	free(want);
	ck_assert_int_eq(count_in("layers"), 0);
	ck_assert_int_eq(count_in("tmp"), 0);

	ck_assert_int_eq(unpack("l.tgz", blob, other, NULL), CTR_E_INVAL);
	want = ctri_strdupf("layer sha256:%s: content does not match its digest (got sha256:%s)",
			    other, diff);
	ck_assert_msg(strstr(ctr_last_error(), want), "%s", ctr_last_error());
	free(want);
	ck_assert_int_eq(count_in("layers"), 0);
	ck_assert_int_eq(count_in("tmp"), 0);

	ck_assert_int_eq(unpack("l.tgz", "", "xyz", NULL), CTR_E_INVAL);
	ck_assert_int_eq(unpack("l.tgz", "ABC", diff, NULL), CTR_E_INVAL);
	ck_assert_int_eq(count_in("layers"), 0);
}
END_TEST

START_TEST(test_a_blob_cut_short_is_inval_even_compressed)
{
	TU_NEEDS_ROOT("extract files owned by root");
	char diff[65];

	/* the tar without its end-of-archive blocks, gzip'd whole: only the length tells */
	layer("l", simple, N(simple), diff);
	ck_assert_int_eq(truncate(at("l.tar"), 1536), 0); /* two headers and one data block */
	hex_of("l.tar", diff);
	compress("l.tar", "l.tgz", 'g');
	ck_assert_int_eq(unpack("l.tgz", "", diff, NULL), CTR_E_INVAL);
	ck_assert_msg(strstr(ctr_last_error(), "truncated"), "%s", ctr_last_error());
	ck_assert_int_eq(count_in("layers"), 0);
	ck_assert_int_eq(count_in("tmp"), 0);
}
END_TEST

struct racer {
	const char *layers, *tmp, *blob, *diff;
	int r, created;
	char msg[256];
};

static void *race(void *p)
{
	struct racer *x = p;

	x->r = ctri_layer_unpack(x->layers, x->tmp, x->blob, "", x->diff, &x->created);
	snprintf(x->msg, sizeof(x->msg), "%s", ctr_last_error());
	return NULL;
}

START_TEST(test_two_unpacks_of_one_layer_at_once_both_succeed_and_one_makes_it)
{
	TU_NEEDS_ROOT("extract files owned by root");
	struct ent ents[64];
	char names[64][16], diff[65];

	for (int i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		ents[i] = (struct ent){ .name = names[i], .data = names[i] };
	}
	layer("l", ents, 64, diff);
	ck_assert_int_eq(ctri_mkdir_p(at("tmp"), 0700), 0);
	for (int round = 0; round < 5; round++) {
		struct racer x[2];
		pthread_t t[2];
		tu_rm_rf(at("layers"));
		for (int i = 0; i < 2; i++) {
			x[i] = (struct racer){ .layers = at("layers"),
					       .tmp = at("tmp"),
					       .blob = at("l.tar"),
					       .diff = diff };
			ck_assert_int_eq(pthread_create(&t[i], NULL, race, &x[i]), 0);
		}
		for (int i = 0; i < 2; i++) {
			pthread_join(t[i], NULL);
			ck_assert_msg(x[i].r == 0, "%d: %s", x[i].r, x[i].msg);
		}
		ck_assert_int_eq(x[0].created + x[1].created, 1);
		ck_assert_int_eq(count_in(in_layer(diff, "")), 64);
		ck_assert_int_eq(count_in("layers"), 1);
		ck_assert_int_eq(count_in("tmp"), 0);
	}
}
END_TEST

START_TEST(test_a_full_disk_is_io_and_leaves_nothing)
{
	TU_NEEDS_ROOT("mount a tmpfs");
	static char big[1 << 20];
	const struct ent ents[] = { { .name = "small", .data = "s" },
				    { .name = "big", .data = big, .len = sizeof(big) } };
	char diff[65], *small = at("small");

	memset(big, 'b', sizeof(big));
	layer("l", ents, N(ents), diff);
	ck_assert_int_eq(mkdir(small, 0700), 0);
	if (mount("tmpfs", small, "tmpfs", 0, "size=256k") < 0) {
		printf("skipped %s: cannot mount a tmpfs: %s\n", __func__, strerror(errno));
		return;
	}
	ck_assert_int_eq(mkdir(at("small/tmp"), 0700), 0);
	int created = -1;
	int r =
	    ctri_layer_unpack(at("small/layers"), at("small/tmp"), at("l.tar"), "", diff, &created);
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", ctr_last_error());
	int layers = count_in("small/layers"), tmp = count_in("small/tmp");
	umount2(small, MNT_DETACH);
	ck_assert_msg(r == CTR_E_IO, "%d: %s", r, msg);
	ck_assert_msg(strstr(msg, strerror(ENOSPC)), "%s", msg);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(layers, 0);
	ck_assert_int_eq(tmp, 0);
}
END_TEST

START_TEST(test_layers_are_listed_sized_and_deleted)
{
	TU_NEEDS_ROOT("extract files owned by root");
	static char data[100000];
	const struct ent one[] = { { .name = "data", .data = data, .len = sizeof(data) } };
	const struct ent two[] = { { .name = "data", .data = data, .len = sizeof(data) },
				   { .name = "again", .hard = 1, .link = "data" },
				   { .name = "dir/", .type = AE_IFDIR } };
	char d1[65], d2[65], **v = NULL;
	long long s1 = 0, s2 = 0;

	memset(data, 'd', sizeof(data));
	data[0] = '1';
	layer("one", one, 1, d1);
	data[0] = '2';
	layer("two", two, N(two), d2);
	OK(ctri_layer_list(at("layers"), &v)); /* none yet */
	ck_assert_ptr_null(v[0]);
	ctri_strv_free(v);
	OK(unpack("one.tar", "", d1, NULL));
	OK(unpack("two.tar", "", d2, NULL));
	ck_assert_int_eq(mkdir(at("layers/junk"), 0700), 0);
	char file[128];
	snprintf(file, sizeof(file), "layers/%.63sx", d1); /* not a digest */
	ck_assert_int_eq(mkdir(at(file), 0700), 0);
	memset(file, 'b', sizeof(file)); /* a digest, but a file */
	memcpy(file, "layers/", 7);
	file[7 + 64] = '\0';
	ck_assert_int_eq(ctri_write_file(at(file), "", 0, 0600, 0), 0);

	OK(ctri_layer_list(at("layers"), &v));
	ck_assert_uint_eq(ctri_strv_len((const char *const *)v), 2);
	ck_assert_str_eq(v[0], strcmp(d1, d2) < 0 ? d1 : d2);
	ck_assert_str_eq(v[1], strcmp(d1, d2) < 0 ? d2 : d1);
	ctri_strv_free(v);

	OK(ctri_layer_size(at("layers"), d1, &s1));
	OK(ctri_layer_size(at("layers"), d2, &s2));
	ck_assert_int_ge(s1, (long long)sizeof(data));
	ck_assert_int_lt(s2, s1 + (long long)sizeof(data)); /* the hard link counted once */
	ck_assert_int_eq(ctri_layer_size(at("layers"), "0123", &s1), CTR_E_INVAL);
	char missing[65];
	memset(missing, 'a', 64);
	missing[64] = '\0';
	ck_assert_int_eq(ctri_layer_size(at("layers"), missing, &s1), CTR_E_NOENT);

	OK(ctri_layer_delete(at("layers"), at("tmp"), d1));
	ck_assert(!exists(in_layer(d1, "")));
	ck_assert_int_eq(count_in("tmp"), 0);
	OK(ctri_layer_delete(at("layers"), at("tmp"), d1)); /* missing: fine */
	ck_assert_int_eq(count_in("tmp"), 0);
	OK(ctri_layer_list(at("layers"), &v));
	ck_assert_uint_eq(ctri_strv_len((const char *const *)v), 1);
	ck_assert_str_eq(v[0], d2);
	ctri_strv_free(v);
	ck_assert_int_eq(ctri_layer_delete(at("layers"), at("tmp"), "../x"), CTR_E_INVAL);
}
END_TEST

Suite *suite_layer_store(void)
{
	Suite *s = suite_create("layer_store");
	TCase *tc = tcase_create("layer_store");

	tu_add_fixtures(tc, archive_teardown);
	tcase_add_test(tc, test_a_plain_gzip_or_zstd_layer_unpacks_once_under_its_diff_id);
	tcase_add_test(tc, test_oci_whiteouts_become_overlay_whiteouts_and_opaque_directories);
	tcase_add_test(tc, test_links_devices_xattrs_modes_and_owners_are_kept);
	tcase_add_test(tc, test_hostile_layers_are_inval_and_leave_nothing);
	tcase_add_test(tc, test_digest_mismatches_are_inval_naming_the_digest_and_leave_nothing);
	tcase_add_test(tc, test_a_blob_cut_short_is_inval_even_compressed);
	tcase_add_test(tc, test_two_unpacks_of_one_layer_at_once_both_succeed_and_one_makes_it);
	tcase_add_test(tc, test_a_full_disk_is_io_and_leaves_nothing);
	tcase_add_test(tc, test_layers_are_listed_sized_and_deleted);
	suite_add_tcase(s, tc);
	return s;
}
