/* A container's cgroup directories, after the runtime's delete. */
#ifndef LIBCTR_CGROUP_H
#define LIBCTR_CGROUP_H

#include "container.h"

/* rmdir what is left of c's cgroup (the spec's absolute linux.cgroupsPath) in every
 * cgroup v1 hierarchy and the v2 mount, directories below it first: only empty ones go,
 * never a file; a cgroup that still has processes stays. Best effort: runc deletes them
 * itself and only leaves some behind now and then. */
void ctri_cgroup_prune(ctr_container_t *c);

#endif
