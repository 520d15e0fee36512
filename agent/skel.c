// SPDX-License-Identifier: GPL-2.0-only
#include "skel.h"

#include <errno.h>
#include <stdlib.h>

static const void *(*object_bytes)(size_t *sz);

void skel_use_object(const void *(*elf_bytes)(size_t *sz))
{
	object_bytes = elf_bytes;
}

struct xdpfw_bpf *skel_open(void)
{
	struct xdpfw_bpf *obj;
	int err;

	if (!object_bytes)
		return xdpfw_bpf__open();
	/* As xdpfw_bpf__open does, with the other bytes. */
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	err = xdpfw_bpf__create_skeleton(obj);
	if (!err) {
		obj->skeleton->data = (void *)object_bytes(&obj->skeleton->data_sz);
		err = bpf_object__open_skeleton(obj->skeleton, NULL);
	}
	if (err) {
		xdpfw_bpf__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}
