// SPDX-License-Identifier: GPL-2.0-only
/* The BPF tests' shared prologue (testlib.h). */
#include "testlib.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "xdpfw.skel.h"

int tl_bpf_load(const char *name, int log_level, unsigned int max_rules,
		struct xdpfw_bpf **skel, struct kmaps *km)
{
	int err;

	if (geteuid() != 0) {
		printf("%s: not root, skipping\n", name);
		return TL_SKIP;
	}
	log_init();
	log_set_level((enum log_level)log_level);
	log_bridge_libbpf();
	err = loader_load(skel, NULL, max_rules);
	if (err == -EPERM) {
		printf("%s: loading BPF refused (EPERM), skipping\n", name);
		return TL_SKIP;
	}
	if (err) {
		fprintf(stderr, "%s: loader_load: %s\n", name, strerror(-err));
		return 1;
	}
	err = kmaps_from_skel(km, *skel);
	if (err) {
		fprintf(stderr, "%s: kmaps_from_skel: %s\n", name, strerror(-err));
		xdpfw_bpf__destroy(*skel);
		*skel = NULL;
		return 1;
	}
	return 0;
}
