/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "Never silently off" (docs/DESIGN.md, "Never silently off") in the daemon: the attachment and pin
 * watch (attachwatch.c, every second), the bpf() tamper guard (guard.c,
 * as reports arrive) and the periodic audit (audit.c, every
 * audit_interval, a piece at a time).  Whatever they find is restored and
 * logged as one warning; counts go to the daemon's metrics.
 */
#ifndef XDPFW_INTEGRITY_H
#define XDPFW_INTEGRITY_H

#include <ev.h>
#include <stdint.h>

#include "attachwatch.h"
#include "audit.h"
#include "guard.h"
#include "kmaps.h"

/* A process whose bpf() calls on the daemon's objects were seen. */
struct tamper_writer {
	uint32_t pid;
	char comm[16];
	uint32_t cmd;
	char target[32];      /* map name, link-IFACE, or "?" */
	unsigned long count;  /* events since the last line */
	double last_log_ms;   /* rate limit: one line per second per writer */
};

#define INTEGRITY_WRITERS 16

struct integrity {
	int started;            /* integrity_start ran: there is state to free */
	struct attachwatch aw;
	struct guard guard;
	int guard_on;
	uint32_t map_id[XMAP_N];
	ev_timer check_timer;   /* attachments and pins, every second */
	ev_timer repair_timer;  /* a short delay after a guard report */
	ev_io guard_io;
	ev_timer audit_timer;
	ev_idle audit_idle;
	struct audit audit;
	int auditing;
	int audit_urgent;       /* the running audit serves a guard report */
	double audit_t0, audit_longest_ms;
	uint32_t want_maps;     /* lookup maps to re-check (bit per kmap) */
	int want_table;         /* the slot table itself was written */
	int want_full;          /* a filter or the flags were written */
	int want_unresolved;    /* a writer exited before it was resolved */
	struct tamper_writer w[INTEGRITY_WRITERS];
	int attach_restored;    /* since the last repair's line */
	char outcome[128];      /* of the last repair, for delayed lines */
	char state_path[4096];  /* counters for `xdpfw stats` */
};

struct daemon;

/* Once the daemon is up: hold the links, load the guard, start the
 * timers.  Never fails the daemon: what is unavailable is logged. */
void integrity_start(struct daemon *d);
void integrity_stop(struct daemon *d);
/* An rtnetlink link notification arrived: check the attachments soon. */
void integrity_link_event(struct daemon *d);

#endif
