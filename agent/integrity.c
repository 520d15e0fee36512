// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's side of "never silently off": timers and the guard's ring
 * buffer in the event loop, what to restore, and one warning per finding.
 */
#include "integrity.h"

#include <bpf/bpf.h>
#include <ev.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "attach.h"
#include "attachwatch.h"
#include "audit.h"
#include "daemon_int.h"
#include "exitcode.h"
#include "fdinfo.h"
#include "guard.h"
#include "kmaps.h"
#include "log.h"
#include "pidfile.h"
#include "skel.h"
#include "tamper.h"

#define CHECK_PERIOD_S 1.0
#define REPAIR_DELAY_S 0.1 /* the tracepoint fires before the write lands */
#define AUDIT_STEP_SLOTS 16384
#define WRITER_LOG_MS 1000

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
	struct daemon *d;       /* whose integrity this is */
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

static struct tamper_counts *counts(struct daemon *d)
{
	return &d->metrics.tamper;
}

static void save_counts(struct daemon *d)
{
	struct integrity *in = d->integ;

	if (in->state_path[0] && tamper_save(in->state_path, counts(d)))
		log_debug("cannot write %s: %s", in->state_path, strerror(errno));
}

static void register_link(struct integrity *in, size_t i)
{
	if (in->guard_on && in->aw.link_id[i])
		guard_set_id(&in->guard, in->aw.link_id[i], XDPFW_GUARD_LINK);
}

/* attach = libxdp: ours must be among the dispatcher's programs. */
static void check_libxdp(struct daemon *d, const char *ifname)
{
	int r = attach_libxdp_present(ifname, &d->km);

	if (r != 0)
		return; /* present, or the interface is gone (ifmon's) */
	counts(d)->events[TAMPER_ATTACH]++;
	r = attach_iface(d->cfg, d->skel, ifname);
	if (r) {
		log_error("%s: xdpfw's program is not in the libxdp dispatcher and "
			  "adding it again failed: %s; retrying every second",
			  ifname, strerror(-r));
		return;
	}
	counts(d)->repairs[TAMPER_ATTACH]++;
	d->integ->attach_restored++;
	log_warn("%s: xdpfw's program had been removed from the libxdp "
		 "dispatcher; added again", ifname);
	save_counts(d);
}

static void check_attachment(struct daemon *d, size_t i)
{
	struct integrity *in = d->integ;
	const char *ifname = d->cfg->interfaces[i];
	uint32_t foreign = 0;
	int r;

	if (d->cfg->attach == ATTACH_LIBXDP)
		return check_libxdp(d, ifname);
	r = attachwatch_check(&in->aw, d->cfg, d->skel, i, &foreign);
	if (r == AW_OK)
		return;
	counts(d)->events[TAMPER_ATTACH]++;
	if (r < 0) {
		log_error("%s: xdpfw's program is not attached as it should be and "
			  "restoring it failed: %s; retrying every second",
			  ifname, strerror(-r));
		return;
	}
	counts(d)->repairs[TAMPER_ATTACH]++;
	in->attach_restored++;
	register_link(in, i);
	if (r == AW_DETACHED)
		log_warn("%s: xdpfw's XDP program had been detached (its link "
			 "was detached); attached again with a new link (id %u)",
			 ifname, in->aw.link_id[i]);
	else if (r == AW_FOREIGN)
		log_warn("%s: another XDP program (id %u) had replaced xdpfw's; "
			 "removed it and attached xdpfw again (link id %u)",
			 ifname, foreign, in->aw.link_id[i]);
	else
		log_warn("%s: xdpfw's XDP link had been switched to another "
			 "program (id %u); switched it back", ifname, foreign);
	save_counts(d);
}

static void check_attachments(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
		if (!d->attached[i])
			attachwatch_drop(&d->integ->aw, i);
		else
			check_attachment(d, i);
	}
}

static void check_pins(struct daemon *d)
{
	char what[1024];
	int n = attachwatch_pins(&d->integ->aw, d->cfg, d->skel, &d->km,
				 what, sizeof(what));

	if (n == 0)
		return;
	if (n < 0) {
		log_error("pins under %s are missing and pinning them again failed: "
			  "%s", d->cfg->pin_dir, strerror(-n));
		return;
	}
	counts(d)->events[TAMPER_PIN] += (unsigned long)n;
	counts(d)->repairs[TAMPER_PIN] += (unsigned long)n;
	log_warn("pins under %s had been removed (%s); pinned again",
		 d->cfg->pin_dir, what);
	save_counts(d);
}

/* Make the lookup maps and filters match the slot table (or, when the
 * table itself was written, the rules file).  Returns the writes (key
 * writes; with filters, also the filter words and flags rewritten) or
 * -errno. */
static long repair_rules(struct daemon *d, int from_file, int filters)
{
	struct sync_result res = { 0 };
	struct xdpfw_rule *rules;
	size_t n = 0, max;
	int err;

	if (from_file) {
		err = sync_rules(&d->km, d->cfg, &d->rcache, "repair", SYNC_FULL, &res);
		daemon_record_reload(d, &res, err);
		if (err)
			return err;
		if (res.applied) {
			/* as after a reload: the next one is not the slower */
			daemon_prepare_next(d, &d->rcache);
			return (long)(res.writes.key_writes + res.writes.slot_writes +
				      (filters ? res.writes.filter_writes : 0));
		}
	}
	/* The table's rules a window at a time (never mapped whole); no more
	 * than counted, should another process write it meanwhile. */
	max = sync_count_in_force(&d->km) + 1;
	rules = malloc(max * sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (uint32_t s = 0, rn; s < d->km.capacity; s += rn) {
		const struct xdpfw_rule *t = kmaps_slot_run(&d->km, s, &rn);

		if (!t) {
			err = -errno;
			free(rules);
			return err;
		}
		for (uint32_t i = 0; i < rn && n < max; i++)
			if (t[i].family)
				rules[n++] = t[i];
	}
	memset(&res, 0, sizeof(res));
	err = sync_apply(&d->km, rules, n, NULL, SYNC_FULL, &res);
	free(rules);
	if (err)
		return err;
	/* the set in force is the table's: no prefix index from the file */
	daemon_prepare_next(d, NULL);
	return (long)(res.writes.key_writes +
		      (filters ? res.writes.filter_writes : 0));
}

static void schedule_repair(struct daemon *d);

static struct tamper_writer *writer_slot(struct integrity *in, uint32_t pid)
{
	struct tamper_writer *old = &in->w[0];

	for (size_t i = 0; i < INTEGRITY_WRITERS; i++) {
		if (in->w[i].pid == pid)
			return &in->w[i];
		if (in->w[i].last_log_ms < old->last_log_ms && !in->w[i].count)
			old = &in->w[i];
	}
	memset(old, 0, sizeof(*old));
	old->pid = pid;
	return old;
}

/* One line per writer, at most one a second each; the calls in between
 * are counted into the next line. */
static void flush_writers(struct daemon *d, int force)
{
	struct integrity *in = d->integ;
	const char *outcome = in->outcome;
	double now = daemon_mono_ms();
	char cmd[32];

	for (size_t i = 0; i < INTEGRITY_WRITERS; i++) {
		struct tamper_writer *w = &in->w[i];

		if (!w->count || (!force && now - w->last_log_ms < WRITER_LOG_MS))
			continue;
		log_warn("tamper: %s (pid %u) called %s on %s%s (%lu call%s); %s "
			 "(tamper events %lu, repairs %lu)", w->comm, w->pid,
			 guard_cmd_name(w->cmd, cmd, sizeof(cmd)),
			 w->target[0] == '?' ? "an object it closed before xdpfw "
					       "could look" : w->target,
			 w->target[0] == '?' ? ", the check found drift" : "",
			 w->count, w->count == 1 ? "" : "s", outcome,
			 counts(d)->events[TAMPER_MAP] + counts(d)->events[TAMPER_LINK] +
				 counts(d)->events[TAMPER_ATTACH],
			 counts(d)->repairs[TAMPER_MAP] +
				 counts(d)->repairs[TAMPER_ATTACH]);
		w->count = 0;
		w->last_log_ms = now;
	}
}

/* The end of a repair a guard report asked for: one line per writer. */
static void finish_repair(struct daemon *d, long writes)
{
	struct integrity *in = d->integ;
	char *outcome = in->outcome;

	if (writes < 0)
		snprintf(outcome, sizeof(in->outcome), "repairing failed: %s",
			 strerror((int)-writes));
	else if (writes)
		snprintf(outcome, sizeof(in->outcome), "repaired with %ld %s"
			 "write%s", writes, in->want_full ? "" : "key ",
			 writes == 1 ? "" : "s");
	else if (in->attach_restored)
		snprintf(outcome, sizeof(in->outcome), "the program was attached "
			 "again");
	else
		snprintf(outcome, sizeof(in->outcome), "nothing needed repair");
	in->attach_restored = 0;
	if (writes > 0) {
		counts(d)->repairs[TAMPER_MAP]++;
		if (in->want_unresolved && !in->want_maps && !in->want_table &&
		    !in->want_full)
			counts(d)->events[TAMPER_MAP]++;
	}
	/* A writer that could not be resolved is only worth a line when the
	 * check found something. */
	if (writes <= 0)
		for (size_t i = 0; i < INTEGRITY_WRITERS; i++)
			if (in->w[i].target[0] == '?')
				in->w[i].count = 0;
	in->want_maps = 0;
	in->want_table = in->want_full = in->want_unresolved = 0;
	flush_writers(d, 0);
	save_counts(d);
}

static void start_audit(struct daemon *d, uint32_t maps, int urgent);

static void on_repair(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct daemon *d = container_of(t, struct integrity, repair_timer)->d;
	struct integrity *in = d->integ;

	(void)loop;
	(void)revents;
	check_attachments(d);
	check_pins(d);
	if (in->want_table || in->want_full) {
		/* The slot table itself was written: the file is the truth.
		 * A filter or the flags: the full sync rebuilds them. */
		finish_repair(d, repair_rules(d, in->want_table, in->want_full));
	} else if (in->want_maps || in->want_unresolved) {
		/* The audit finds exactly what changed, a piece at a time, and
		 * its key writes undo it: no full sync, no long stall. */
		start_audit(d, in->want_unresolved ? AUDIT_ALL_MAPS :
				       in->want_maps, 1);
	} else {
		finish_repair(d, 0);
	}
}

/* Which of the daemon's objects a report names: sets what to re-check and
 * the writer's target.  0 when it is none of the daemon's. */
static int classify(struct daemon *d, uint32_t kind, uint32_t id,
		    char *target, size_t len)
{
	struct integrity *in = d->integ;

	if (kind == XDPFW_GUARD_MAP) {
		for (int m = 0; m < XMAP_N; m++) {
			if (in->map_id[m] != id)
				continue;
			snprintf(target, len, "%s", xmap_name[m]);
			if (m == XMAP_RULES)
				in->want_table = 1;
			else if (m < KMAP_N)
				in->want_maps |= 1u << m;
			else if (m >= XMAP_OA && m < XMAP_OA + OA_N)
				in->want_maps |= 1u << kmaps_oa_kmap(m - XMAP_OA);
			else if (m < XMAP_RSTATS || m > XMAP_TBASE)
				in->want_full = 1; /* filters, cfg: rebuilt */
			/* counters cannot be repaired */
			counts(d)->events[TAMPER_MAP]++;
			return 1;
		}
		return 0;
	}
	for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
		if (in->aw.link_id[i] != id)
			continue;
		snprintf(target, len, "link-%s", d->cfg->interfaces[i]);
		counts(d)->events[TAMPER_LINK]++;
		return 1;
	}
	return 0;
}

/* An XDP link created on one of the configured interfaces. */
static int classify_iface(struct daemon *d, int ifindex, char *target,
			  size_t len)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname((unsigned)ifindex, name))
		return 0;
	for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
		if (strcmp(name, d->cfg->interfaces[i]))
			continue;
		snprintf(target, len, "interface %s", name);
		return 1;
	}
	return 0;
}

static void schedule_repair(struct daemon *d)
{
	struct integrity *in = d->integ;

	if (ev_is_active(&in->repair_timer))
		return;
	ev_timer_set(&in->repair_timer, REPAIR_DELAY_S, 0.);
	ev_timer_start(d->loop, &in->repair_timer);
}

static void on_guard_event(void *ctx, const struct xdpfw_guard_event *e)
{
	struct daemon *d = ctx;
	struct integrity *in = d->integ;
	uint32_t kind = e->kind, id = e->obj_id;
	struct tamper_writer *w;
	char target[32];
	int ours;

	if (kind == XDPFW_GUARD_NONE) {
		struct fdinfo_bpf fi;

		if (fdinfo_bpf_read(e->pid, e->fd, &fi)) {
			/* Gone before we looked: check everything. */
			in->want_unresolved = 1;
			snprintf(target, sizeof(target), "?");
			ours = 1;
		} else {
			kind = fi.map_id ? XDPFW_GUARD_MAP : XDPFW_GUARD_LINK;
			id = fi.map_id ? fi.map_id : fi.link_id;
			ours = id && classify(d, kind, id, target, sizeof(target));
		}
	} else if (kind == XDPFW_GUARD_IFACE) {
		/* ifindex numbers are per network namespace: only look. */
		ours = 0;
		if (classify_iface(d, e->fd, target, sizeof(target)))
			schedule_repair(d);
	} else {
		ours = classify(d, kind, id, target, sizeof(target));
	}
	if (!ours)
		return;
	w = writer_slot(in, e->pid);
	memcpy(w->comm, e->comm, sizeof(w->comm));
	w->comm[sizeof(w->comm) - 1] = '\0';
	w->cmd = e->cmd;
	snprintf(w->target, sizeof(w->target), "%s", target);
	w->count++;
	schedule_repair(d);
}

static void on_guard_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = container_of(w, struct integrity, guard_io)->d;
	int err = guard_consume(&d->integ->guard);

	(void)loop;
	(void)revents;
	if (err)
		log_error("reading the tamper guard's reports failed: %s",
			  strerror(-err));
}

static void on_check(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct daemon *d = container_of(t, struct integrity, check_timer)->d;

	(void)loop;
	(void)revents;
	check_attachments(d);
	check_pins(d);
	if (ev_is_active(&d->integ->repair_timer) || d->integ->audit_urgent)
		return;
	d->integ->attach_restored = 0;
	/* Lines held back by the rate limit go out after a fresh look. */
	for (size_t i = 0; i < INTEGRITY_WRITERS; i++)
		if (d->integ->w[i].count)
			schedule_repair(d);
}

/* Undo the drift an audit collected with its key writes, or by the full
 * sync when it could not tell which rule owns a missing shared key.  Key
 * writes, or -errno. */
static long repair_from_audit(struct daemon *d, struct audit *a)
{
	struct kchange c = { 0 };
	struct apply_stats st;
	struct filters f;
	int err;

	if (a->needs_full)
		return repair_rules(d, 0, a->v4_bad > 0 || a->filter_bad > 0);
	if (!a->upserts.n && !a->deletes.n)
		return 0;
	/* The filters stay as they are (a rule's bits are still set). */
	filters_in_place(&f, d->km.filter);
	f.widen_only = 1;
	err = kmaps_flags(&d->km, &f.flags);
	if (err)
		return err;
	c.upserts = a->upserts;
	c.deletes = a->deletes;
	err = kmaps_apply(&d->km, &c, &f, &st);
	return err ? err : (long)st.key_writes;
}

/* A periodic audit's end: repair and say so. */
static void audit_report(struct daemon *d, struct audit *a)
{
	long writes = repair_from_audit(d, a);

	if (writes <= 0) {
		if (writes < 0)
			log_error("audit: repairing the maps failed: %s",
				  strerror((int)-writes));
		return;
	}
	counts(d)->events[TAMPER_MAP]++;
	counts(d)->repairs[TAMPER_MAP]++;
	log_warn("audit: the lookup maps had drifted from the rules in force "
		 "(%zu keys missing or wrong, %zu foreign keys, %zu /24 table "
		 "words, %zu filter words); repaired with %ld map write%s (keys, "
		 "table and filter words)",
		 a->missing, a->foreign, a->v4_bad, a->filter_bad, writes,
		 writes == 1 ? "" : "s");
	save_counts(d);
}

static void on_audit_step(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct daemon *d = container_of(w, struct integrity, audit_idle)->d;
	struct integrity *in = d->integ;
	double t0 = daemon_mono_ms(), step;
	struct audit *a = &in->audit;
	int r, urgent;

	(void)revents;
	r = audit_step(a, &d->km, AUDIT_STEP_SLOTS);
	step = daemon_mono_ms() - t0;
	if (step > in->audit_longest_ms)
		in->audit_longest_ms = step;
	if (r == 0)
		return;
	ev_idle_stop(loop, w);
	in->auditing = 0;
	urgent = in->audit_urgent;
	in->audit_urgent = 0;
	if (r < 0) {
		log_error("audit: reading the maps failed: %s", strerror(-r));
	} else {
		log_debug("audit: %zu rules, %zu keys compared in %.1f ms (longest "
			  "step %.1f ms): %zu missing, %zu foreign%s", a->rules,
			  a->keys, daemon_mono_ms() - in->audit_t0,
			  in->audit_longest_ms, a->missing, a->foreign,
			  a->void_run ? "; a reload ran meanwhile" : "");
	}
	if (r > 0 && a->void_run && urgent) {
		start_audit(d, a->maps, 1); /* look again */
		return;
	}
	if (urgent)
		finish_repair(d, r < 0 ? r : a->void_run ? 0 :
				 repair_from_audit(d, a));
	else if (r > 0 && !a->void_run &&
		 (a->missing || a->foreign || a->v4_bad || a->filter_bad))
		audit_report(d, a);
	audit_free(a);
}

/* urgent: a guard report asked for it; restarts a running audit (the
 * write may have landed behind its cursor). */
static void start_audit(struct daemon *d, uint32_t maps, int urgent)
{
	struct integrity *in = d->integ;
	int err;

	if (in->auditing && !urgent)
		return;
	if (in->auditing)
		ev_idle_stop(d->loop, &in->audit_idle);
	audit_free(&in->audit);
	in->auditing = 0;
	err = audit_begin(&in->audit, &d->km, maps, 1);
	if (err) {
		audit_free(&in->audit);
		log_error("audit: cannot start: %s", strerror(-err));
		if (urgent)
			finish_repair(d, repair_rules(d, 0, 0));
		return;
	}
	in->auditing = 1;
	in->audit_urgent = urgent;
	in->audit_t0 = daemon_mono_ms();
	in->audit_longest_ms = 0;
	ev_idle_start(d->loop, &in->audit_idle);
}

static void on_audit(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct daemon *d = container_of(t, struct integrity, audit_timer)->d;

	(void)loop;
	(void)revents;
	check_attachments(d);
	check_pins(d);
	start_audit(d, AUDIT_ALL_MAPS, 0);
}

/* libbpf finds tracepoints through tracefs; systemd mounts it, a minimal
 * system may not have. */
static void ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return;
	if (!mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		log_info("mounted tracefs on /sys/kernel/tracing (for the bpf() "
			 "tamper guard)");
}

static void start_guard(struct daemon *d)
{
	struct integrity *in = d->integ;
	int err;

	if (getenv("XDPFW_NO_GUARD")) {
		log_warn("the bpf() tamper guard is off (XDPFW_NO_GUARD is set); "
			 "writes by other processes are found by the audit only");
		return;
	}
	ensure_tracefs();
	err = guard_open(&in->guard, on_guard_event, d);
	if (err) {
		log_warn("the bpf() tamper guard is unavailable (tracepoint "
			 "syscalls/sys_enter_bpf: %s); writes by other processes "
			 "to xdpfw's maps are found by the audit%s", strerror(-err),
			 d->cfg->audit_interval ? "" : ", which is off "
			 "(audit_interval = 0): they go unnoticed");
		return;
	}
	in->guard_on = 1;
	for (int m = 0; m < XMAP_N; m++)
		if (in->map_id[m])
			guard_set_id(&in->guard, in->map_id[m], XDPFW_GUARD_MAP);
	for (size_t i = 0; i < d->cfg->n_interfaces; i++)
		register_link(in, i);
	ev_io_init(&in->guard_io, on_guard_io, guard_fd(&in->guard), EV_READ);
	ev_io_start(d->loop, &in->guard_io);
	log_info("bpf() tamper guard on: writes by other processes to xdpfw's "
		 "maps and links are repaired and logged");
}

void integrity_start(struct daemon *d)
{
	struct integrity *in = calloc(1, sizeof(*in));
	char pid_path[4096];

	if (!in) {
		log_error("out of memory: the attachments, pins and maps are not "
			  "watched");
		return;
	}
	d->integ = in;
	in->d = d;
	attachwatch_init(&in->aw);
	for (int m = 0; m < XMAP_N; m++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(d->km.fd[m], &info, &len))
			in->map_id[m] = info.id;
		/* So that `list` and `stats` find every map through the
		 * program (its map_ids) when the pins are gone. */
		bpf_prog_bind_map(bpf_program__fd(d->skel->progs.xdpfw_xdp),
				  d->km.fd[m], NULL);
	}
	if (!pidfile_path(pid_path, sizeof(pid_path), d->cfg->pin_dir))
		tamper_state_path(in->state_path, sizeof(in->state_path),
				  pid_path);
	save_counts(d);
	/* Hold every link now: from here on, removing a pin detaches
	 * nothing. */
	check_attachments(d);
	start_guard(d);
	ev_init(&in->repair_timer, on_repair);
	ev_timer_init(&in->check_timer, on_check, CHECK_PERIOD_S, CHECK_PERIOD_S);
	ev_timer_start(d->loop, &in->check_timer);
	ev_idle_init(&in->audit_idle, on_audit_step);
	if (d->cfg->audit_interval) {
		ev_timer_init(&in->audit_timer, on_audit, d->cfg->audit_interval,
			      d->cfg->audit_interval);
		ev_timer_start(d->loop, &in->audit_timer);
	}
}

void integrity_link_event(struct daemon *d)
{
	/* rtnetlink says an interface changed (an XDP attach by netlink is
	 * one): look at the attachments in 100 ms rather than at the next
	 * second. */
	if (d->integ)
		schedule_repair(d);
}

void integrity_stop(struct daemon *d)
{
	struct integrity *in = d->integ;

	if (!in)
		return; /* the daemon never got that far */
	audit_free(&in->audit);
	if (in->guard_on)
		guard_close(&in->guard);
	in->guard_on = 0;
	attachwatch_close(&in->aw);
	if (in->state_path[0])
		unlink(in->state_path);
	free(in);
	d->integ = NULL;
}
