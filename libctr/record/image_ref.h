/* Image references: "NAME[:TAG]" by the docker reference grammar (no digest form), and
 * image id prefixes. */
#ifndef LIBCTR_IMAGE_REF_H
#define LIBCTR_IMAGE_REF_H

/* Check the reference in ("NAME[:TAG]": an optional registry host[:port] first, when the
 * first of several '/'-separated components has a '.' or a ':' or is "localhost"; path
 * components of [a-z0-9]+ joined by '.', '_', "__" or runs of '-'; a tag
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; NAME at most 255 characters) and hand back
 * "NAME:TAG" in *out (malloc'd), TAG "latest" when absent. No registry host is added.
 * Returns 0; CTR_E_INVAL naming the reference and what is wrong with it (a digest "@..."
 * is refused as unsupported); CTR_E_NOMEM. */
int ctri_image_ref_normalize(const char *in, char **out);

/* 1 if s is a whole reference rather than a bare tag: it normalizes and has a '/' or a
 * ':' ("localhost/bb", "bb:1"; not "latest", "1.0" or "bb"). Sets no message. Used for
 * the OCI "org.opencontainers.image.ref.name" annotation, which may be either. */
int ctri_image_ref_is_whole(const char *s);

/* 1 if s is 12 to 64 lowercase hex digits (an image id or a prefix of one). */
int ctri_image_is_id_prefix(const char *s);

#endif
