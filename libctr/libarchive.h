/* libarchive's own headers. Include this as <libarchive.h>, never <archive.h>: with
 * -Ilibctr in the search path, <archive.h> finds libctr/archive.h (the tar module's
 * interface) before the system's. #include_next goes on searching after libctr/, where
 * libarchive's header is. */
#ifndef LIBCTR_LIBARCHIVE_H
#define LIBCTR_LIBARCHIVE_H

#include_next <archive.h>
#include <archive_entry.h>

#endif
