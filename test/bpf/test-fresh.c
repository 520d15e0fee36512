// SPDX-License-Identifier: GPL-2.0-only
/*
 * A first load into maps just created (a start, or a migration's new
 * maps), large enough for the kernel writer (KMAPS_KW_LOAD_MIN entries):
 * the /24 table's words and second-level blocks are written on the build's
 * thread while this one writes the keys (sync.c, kmaps_v4tbl_widen_early),
 * and the narrowing half is handed over to kmaps_apply.  Then every key,
 * word and block is as a recomputation finds them (the audit, as `xdpfw
 * verify`), frames from each kind of entry get the oracle's verdict, and
 * the blocks' state that thread left serves the next reload: an edit
 * that brings /25-/31 prefixes into new /24s gives them blocks on the
 * incremental path.  A re-sync then changes nothing.  Both with the kernel
 * writer and without it (its words through mmap).  Under ThreadSanitizer
 * (scripts/test.sh) the two threads' shared kernel writer too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "kmaps.h"
#include "testlib.h"
#include "xdprun.h"

/* At least PARALLEL_MIN (kmaps_write.c) keys in tables and in tries: the
 * tries' writes on a thread of their own too. */
#define HOSTS 4200
#define NARROW 400 /* /24s with a /25-/31 (blocks: one per 32 slots) */
#define WIDE 40    /* /16s */
#define MID 4200   /* /24s */
#define MOVED 50   /* /25-/31 moved to new /24s by the edit */

/* The /24 of narrow prefix i (172.16.0.0 + its number): the edit
 * (moved) puts the first MOVED in /24s the set did not have. */
static int narrow_24(int moved, int i)
{
	return moved && i < MOVED ? NARROW + MOVED + i : i;
}

/* The rule set; moved: MOVED of the narrow prefixes in other /24s. */
static char *rules_text(int moved, size_t *n)
{
	size_t cap = 64 * (HOSTS + NARROW + WIDE + MID + 16), at = 0;
	char *t = malloc(cap);

	*n = 0;
	if (!t)
		return NULL;
	for (int i = 0; i < HOSTS; i++, (*n)++)
		at += (size_t)snprintf(t + at, cap - at, "10.%d.%d.%d\n",
				       i / 1000, i / 4 % 250, i % 4 * 60 + 1);
	for (int i = 0; i < NARROW; i++, (*n)++) {
		int b = narrow_24(moved, i);

		at += (size_t)snprintf(t + at, cap - at, "172.%d.%d.%d/%d\n",
				       16 + b / 256, b % 256, i % 2 * 128,
				       25 + i % 7);
	}
	for (int i = 0; i < WIDE; i++, (*n)++)
		at += (size_t)snprintf(t + at, cap - at, "100.%d.0.0/16\n",
				       64 + i);
	for (int i = 0; i < MID; i++, (*n)++)
		at += (size_t)snprintf(t + at, cap - at, "50.%d.%d.0/24\n",
				       i / 256, i % 256);
	for (int i = 0; i < 8; i++, (*n)++)
		at += (size_t)snprintf(t + at, cap - at, "10.200.%d.1:53/udp\n",
				       i);
	return t;
}

static const char *const probes[] = {
	"10.0.0.1", "10.0.0.2", "10.2.249.181", "172.16.0.1",
	"172.16.0.127", "172.16.1.129", "172.16.1.1", "172.16.6.0",
	"172.16.6.2", "172.17.143.129", "100.64.3.3", "100.103.255.255",
	"100.104.0.1", "10.200.3.1", "11.1.1.1", "172.16.99.1",
	"172.16.100.1", "50.0.0.9", "50.16.103.1", "50.17.0.1",
	"172.17.194.1", "172.17.195.129", "172.17.243.1",
};

static void probe_all(const char *what)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		probe_v4(what, probes[i]);
}

/* The /24s of narrow prefixes [from, to) (moved or not) with a block. */
static int with_block(int moved, int from, int to)
{
	int n = 0;

	for (int i = from; i < to; i++) {
		int b = narrow_24(moved, i);
		char a[32];

		snprintf(a, sizeof(a), "172.%d.%d.1", 16 + b / 256, b % 256);
		n += !!(v4t_word_of(a) & XDPFW_V4T_L2);
	}
	return n;
}

static char *text, *edit;
static size_t n, n2;

/* "how: step", for the messages. */
static const char *step(const char *how, const char *what)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s: %s", how, what);
	return buf;
}

/* The first load into maps emptied and taken as just created, checked;
 * the incremental edit right after it; a re-sync. */
static void scenario(const char *how)
{
	struct applied ap;
	struct audit au;
	int r;

	apply_or_die(step(how, "emptied"), "", 1, NULL);
	km.counters_fresh = 1; /* as a start that created the maps */
	apply_or_die(step(how, "first load"), text, 1, &ap);
	xr_checks++;
	if (ap.added != n || ap.removed || ap.unchanged || n < KMAPS_KW_LOAD_MIN)
		fail("%s: first load: %zu added of %zu (%zu removed, %zu "
		     "unchanged)", how, ap.added, n, ap.removed, ap.unchanged);
	check_v4t_table(step(how, "first load"));
	r = audit_all(&au);
	xr_checks++;
	if (r != 1 || au.missing || au.foreign || au.needs_full || au.v4_bad ||
	    au.filter_bad)
		fail("%s: first load: audit %d, %zu missing, %zu foreign, %zu "
		     "/24 words, %zu filter words", how, r, au.missing,
		     au.foreign, au.v4_bad, au.filter_bad);
	audit_free(&au);
	xr_checks++;
	if (with_block(0, 0, NARROW) != NARROW)
		fail("%s: first load: %d of %d /24s with a /25-/31 have a "
		     "block", how, with_block(0, 0, NARROW), NARROW);
	probe_all(step(how, "first load"));

	/* Incremental, right after: blocks for the new /24s only from what
	 * the first load's thread recorded as in use. */
	apply_or_die(step(how, "prefixes moved"), edit, 0, &ap);
	xr_checks++;
	if (ap.added != MOVED || ap.removed != MOVED)
		fail("%s: prefixes moved: %zu added, %zu removed", how,
		     ap.added, ap.removed);
	check_v4t_table(step(how, "prefixes moved"));
	xr_checks++;
	if (with_block(1, 0, MOVED) != MOVED)
		fail("%s: prefixes moved: %d of %d new /24s have a block", how,
		     with_block(1, 0, MOVED), MOVED);
	probe_all(step(how, "prefixes moved"));

	apply_or_die(step(how, "re-sync"), edit, 1, &ap);
	xr_checks++;
	if (ap.added || ap.removed || ap.unchanged != n2)
		fail("%s: re-sync: %zu added, %zu removed, %zu unchanged of %zu",
		     how, ap.added, ap.removed, ap.unchanged, n2);
	check_v4t_table(step(how, "re-sync"));
}

int main(int argc, char **argv)
{
	int rc;

	xr_max_rules = 32768;
	rc = xr_setup("test-fresh", argc, argv);
	if (rc >= 0)
		return rc;
	text = rules_text(0, &n);
	edit = rules_text(1, &n2);
	if (!text || !edit) {
		fail("out of memory");
		return xr_finish();
	}
	/* Where the kernel writer does not load (before Linux 5.17, or not
	 * x86-64): the build's thread writes the /24 table through mmap. */
	km.kw_off = 1;
	scenario("through mmap");
	xr_checks++;
	if (km.kw)
		fail("the kernel writer was loaded while off");
	km.kw_off = 0;
	scenario("kernel writer");
	xr_checks++;
	if (!km.kw)
		fail("the kernel writer did not load");
	free(text);
	free(edit);
	return xr_finish();
}
