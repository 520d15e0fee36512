/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Counters of "never silently off" (docs/DESIGN.md, "Never silently off"): tamper events the daemon
 * detected and repairs it made, by kind.  The daemon exports them in its
 * Prometheus exposition and in a small state file beside its PID file, from
 * which `xdpfw stats` reads them without talking to it.
 */
#ifndef XDPFW_TAMPER_H
#define XDPFW_TAMPER_H

#include <stdio.h>

enum tamper_kind {
	TAMPER_ATTACH, /* program detached or replaced on an interface */
	TAMPER_PIN,    /* a pin removed */
	TAMPER_MAP,    /* a map written by another process, or keys drifted */
	TAMPER_LINK,   /* bpf() on one of the daemon's links by another process */
	TAMPER_KIND_N
};

extern const char *const tamper_kind_name[TAMPER_KIND_N];

struct tamper_counts {
	unsigned long events[TAMPER_KIND_N];
	unsigned long repairs[TAMPER_KIND_N];
};

void tamper_print_prometheus(FILE *f, const struct tamper_counts *c);
/* "\"tamper_events\": {...}, \"repairs\": {...}" */
void tamper_print_json(FILE *f, const struct tamper_counts *c);

/* The state file of the daemon of pin_dir (beside its PID file). */
int tamper_state_path(char *buf, size_t len, const char *pid_path);
/* Written atomically (temp file, rename).  0 or -errno. */
int tamper_save(const char *path, const struct tamper_counts *c);
/* -ENOENT when no daemon ever wrote one. */
int tamper_load(const char *path, struct tamper_counts *c);

#endif
