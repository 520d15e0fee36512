/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What /proc/PID/fdinfo/FD says of a descriptor of a BPF map or link: the
 * one reader of it for the guard (whose object a foreign bpf() call named)
 * and the tests (a map's memlock).
 */
#ifndef XDPFW_FDINFO_H
#define XDPFW_FDINFO_H

#include <stdint.h>

struct fdinfo_bpf {
	uint32_t map_id;  /* 0: not said (not a map) */
	uint32_t link_id; /* 0: not said (not a link) */
	uint64_t memlock; /* bytes; 0: not said */
};

/* fdinfo of descriptor fd of process pid (0: this one) into out.  0, or
 * -errno when it cannot be read (the process or descriptor is gone). */
int fdinfo_bpf_read(uint32_t pid, int fd, struct fdinfo_bpf *out);

#endif
