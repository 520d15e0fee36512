/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness of the BPF_PROG_TEST_RUN tests (test-xdp, test-except): the
 * real XDP program loaded with private maps, rules applied through the
 * daemon's own pipeline (rules text -> ruleset -> ruleidx -> plan ->
 * filters -> kmaps_apply), crafted frames run one at a time, and for each
 * the verdict, the one rule counter that moved and the totals checked
 * against the case's expectation, which is itself checked against the
 * frame model of test/oracle.c.
 *
 * An expectation names the rule that COUNTS the frame (oracle_decide()):
 * a blocking entry (the frame is dropped), an exception "!ENTRY" (the frame
 * passes, saved), or none (NULL: the frame passes, no rule counts).
 *
 * Checks count in xr_checks / xr_failures (not testlib.h's, which are
 * private to each file); xr_finish() prints the summary line.
 */
#ifndef XDPFW_TEST_XDPRUN_H
#define XDPFW_TEST_XDPRUN_H

#include <stddef.h>
#include <stdint.h>

#include "kmaps.h"
#include "pkt.h"
#include "rules.h"
#include "xdpfw_shared.h"

#define MAX_RULES 64
#define FRAME_MAX 512
#define DESC_MAX 256

struct xdpfw_bpf;

extern struct xdpfw_bpf *skel;
extern struct kmaps km;
extern int prog_fd;
extern struct ruleset cur; /* the rule set in force, for the oracle */
extern int n_cases;        /* frames run */
extern int verbose;        /* -v: print passing cases too */
extern int xr_checks, xr_failures;
/* Set while a case departs on purpose from the rules in force (a key
 * removed behind the daemon's back): the frame model does not apply. */
extern int off_model;

struct snap {
	struct xdpfw_counter *slots;
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX];
};
extern struct snap before, after;

/* The slots xr_setup loads the maps with: MAX_RULES unless set before. */
extern uint32_t xr_max_rules;

/*
 * Load the program and its maps (xr_max_rules slots).  Returns -1 when ready,
 * else the exit status main() must return: TL_SKIP (testlib.h) when not
 * root or when loading is refused with EPERM, 1 on another error.  name:
 * the program's name in messages.
 */
int xr_setup(const char *name, int argc, char **argv);
/* Free everything; the exit status (1 when a check failed). */
int xr_finish(void);

/* A failed check that is not a frame case (set-up, plan, maps). */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- rules through the daemon's pipeline ---- */

struct applied {
	size_t added, removed, unchanged;
	size_t key_writes;
	size_t slot_writes; /* table entries and counters */
};

/*
 * What sync_rules() does after validation, minus the file and the log:
 * index the kernel's slot table, index the new rules, plan the diff (with
 * full = 1 also against every key the maps hold, as SIGHUP does), compute
 * the filters, apply.  On success the rules become the oracle's set.
 */
int apply_rules(const char *text, int full, struct applied *res);
/* apply_rules(), and exit with a failure when it fails. */
void apply_or_die(const char *what, const char *text, int full,
		  struct applied *res);
int parse_rule(const char *text, struct xdpfw_rule *out);
/* Slot of rule r (or of the rule text) in the kernel's table, or -1. */
int slot_of(const struct xdpfw_rule *r);
int slot_of_text(const char *text);
const char *fmt_slot(uint32_t s, char *buf, size_t len);

/* The rule in force that counts a packet from src (oracle_decide() over
 * cur); has_l4: the packet carries its whole TCP/UDP header. */
const struct xdpfw_rule *oracle(int family, const uint8_t *src, int has_l4,
				uint8_t proto, uint16_t sport);

/* A UDP frame and an ICMP one from the IPv4 address src: oracle, program
 * and kverdict (`xdpfw explain`) agree. */
void probe_v4(const char *what, const char *src);
/* The IPv4 /24 table's word of the /24 of addr (a failed check if it
 * cannot be read). */
uint32_t v4t_word_of(const char *addr);
/* The words of the table that a recomputation from the slot table finds
 * wrong into *bad (as `xdpfw verify`); 0 or -errno.  check_v4t_table: a
 * failed check unless none is. */
int v4t_words_wrong(size_t *bad);
void check_v4t_table(const char *what);

/* The daemon's audit of every map of km, run to its end (one pass, as
 * the periodic audit's steps): 1 when it finished, or audit_begin's or
 * audit_step's error.  Read a's counts, then audit_free(a). */
struct audit;
int audit_all(struct audit *a);

/* ---- running frames ---- */

int snapshot(struct snap *sn);

/*
 * Run frame[0..len) and check: the verdict (DROP when want is a blocking
 * entry, else PASS); exactly want's slot counted {1, len} (none when want
 * is NULL); DROPPED or PASSED counted {1, len}; on a pass the reason
 * counter (0: none) counted {1, len}; nothing else.  Frames shorter than an
 * Ethernet header are refused by the kernel's test run (EINVAL): then
 * nothing may count.  Unless off_model, the expectation must also be the
 * frame model's.
 */
void run_frame(const char *desc, const uint8_t *frame, size_t len,
	       const struct xdpfw_rule *want, int reason);
/* Build s and run it whole; want_text: the rule that must count, or NULL. */
void run_spec(const char *desc, const struct pkt_spec *s,
	      const char *want_text, int reason);
/* run_frame() with the expected rule as text (NULL: none). */
void run_bytes(const char *desc, const uint8_t *frame, size_t len,
	       const char *want_text, int reason);
/* pkt_build() into a FRAME_MAX buffer; exits on a test bug. */
int build(const struct pkt_spec *s, uint8_t *frame);

/* A frame from src of proto with source port sport, 5 bytes of payload. */
struct pkt_spec spec(int family, const char *src, uint8_t proto,
		     uint16_t sport);
const char *proto_name(uint8_t p);
/* One line about s (and extra) for the messages. */
void describe(char *buf, size_t len, const struct pkt_spec *s,
	      const char *extra);

/* ---- targets: a source and the rule that counts each kind of packet ---- */

struct target {
	int family;
	const char *src;
	uint16_t sport;
	const char *r_tcp, *r_udp; /* with the whole L4 header */
	const char *r_addr;        /* ICMP, non-first fragment, no L4 */
};

/* The hand-written expectations agree with the oracle (a test of the
 * test): otherwise a matrix would prove nothing. */
void check_targets_against_oracle(const struct target *t, size_t n);
/* Every target x TCP/UDP/ICMP x VLAN tags x (IPv4 options x fragments |
 * IPv6 extension headers), and three tags (not parsed). */
void test_matrix(const struct target *tg, size_t n);
/* Each target, plain and behind one tag, TCP/UDP/ICMP, whole and as a
 * non-first fragment. */
void test_targets_light(const struct target *tg, size_t n);
/* s truncated at every length, against the documented reasons. */
void sweep(const struct pkt_spec *s);

/* ---- the kernel's keys behind the daemon's back ---- */

/* Remove key k from the kernel as a foreign writer would (an open
 * addressing entry made a tombstone, else a map delete); 0 or -errno
 * (-ENOENT: not there). */
int xr_drop_key(const struct kkey *k);
/* Index of k's entry in its open addressing table, or -1. */
long xr_oa_index(const struct kkey *k);
/* The state word of entry i of table t (enum oa). */
uint32_t *xr_oa_state(int t, uint32_t i);

/* ---- the plan, the slot table, the flags ---- */

void check_plan(const char *what, const struct applied *a, size_t added,
		size_t removed, size_t unchanged);
size_t table_count(void);
void check_in_force(const char *what, size_t n);
void check_flags(const char *what, uint32_t want);
/* A rule that was just added counts from zero, whatever its slot counted
 * for an earlier rule. */
void check_fresh_counters(const char *what, const char *rule);

#endif
