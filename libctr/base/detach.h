/* Detach keys: the specification of ctr_attach_opts_t.detach_keys and the matcher that
 * watches the input stream for it. */
#ifndef LIBCTR_DETACH_H
#define LIBCTR_DETACH_H

#include <stddef.h>

#define CTRI_DETACH_DEFAULT "ctrl-p,ctrl-q"
#define CTRI_DETACH_MAX	    32 /* keys in a sequence */

struct ctri_detach {
	unsigned char keys[CTRI_DETACH_MAX];
	size_t len;	/* 0: never detach */
	size_t matched; /* input bytes held back: keys[0..matched) */
};

/* Parse spec (NULL: CTRI_DETACH_DEFAULT; "": no detaching) into d, ready to match.
 * 0 or CTR_E_INVAL naming the bad key (message "detach keys SPEC: ..."). */
int ctri_detach_parse(const char *spec, struct ctri_detach *d);

/* Feed n input bytes. The bytes to pass on go to out (room for n + CTRI_DETACH_MAX bytes),
 * their count to *out_len: a partial match is held back until a later byte completes or
 * breaks it. Returns 1 when the whole sequence has been typed (out holds what came before
 * it; the bytes after it are dropped), else 0. */
int ctri_detach_feed(struct ctri_detach *d, const unsigned char *in, size_t n, unsigned char *out,
		     size_t *out_len);

/* At the end of the input: hand back the bytes held as a partial match (to out, room for
 * CTRI_DETACH_MAX) and return their count. */
size_t ctri_detach_flush(struct ctri_detach *d, unsigned char *out);

#endif
