// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plan over the changed rules only (plan_build_delta) against the
 * plan over the whole table (plan_build): after random changes of the
 * kind a reload makes (several windows of rules replaced, rules moved
 * from one window to another, the
 * protected addresses at the end dropped and added again; the table
 * nearly full, full, over-full), both give the same slots, the same
 * added and removed, the same delete_first and the same key writes in
 * the same order; and the busy bitmap kept by plan_mark_busy follows the
 * table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "plan.h"
#include "test-kwin.h"
#include "ruleidx.h"
#include "testlib.h"

#define CAPD 96
#define UNI 160

static struct xdpfw_rule uni[UNI];

static void make_universe(void)
{
	for (int i = 0; i < UNI; i++) {
		struct xdpfw_rule *r = &uni[i];
		char a[64];

		memset(r, 0, sizeof(*r));
		switch (i % 5) {
		case 0: /* X:53, X:53/udp, X:53/tcp twins share keys */
			snprintf(a, sizeof(a), "192.0.2.%d", i / 15);
			r->family = XDPFW_FAMILY_V4;
			inet_pton(AF_INET, a, r->addr);
			r->prefixlen = 32;
			r->port = 53;
			r->proto = (uint8_t)((i / 5) % 3 == 0 ? 0 :
					     (i / 5) % 3 == 1 ? IPPROTO_UDP : IPPROTO_TCP);
			break;
		case 1:
			snprintf(a, sizeof(a), "198.51.%d.0", i);
			r->family = XDPFW_FAMILY_V4;
			inet_pton(AF_INET, a, r->addr);
			r->prefixlen = 24;
			break;
		case 2:
			snprintf(a, sizeof(a), "2001:db8:%x::", i);
			r->family = XDPFW_FAMILY_V6;
			inet_pton(AF_INET6, a, r->addr);
			r->prefixlen = 48;
			r->port = (uint16_t)(i % 3 ? 0 : 443);
			break;
		case 3:
			snprintf(a, sizeof(a), "203.0.113.%d", i);
			r->family = XDPFW_FAMILY_V4;
			inet_pton(AF_INET, a, r->addr);
			r->prefixlen = 32;
			r->flags = (uint8_t)(i % 2 ? XDPFW_RULE_EXCEPT : 0);
			break;
		default:
			snprintf(a, sizeof(a), "10.%d.0.0", i);
			r->family = XDPFW_FAMILY_V4;
			inet_pton(AF_INET, a, r->addr);
			r->prefixlen = 16;
			r->port = (uint16_t)(1000 + i % 4);
			r->proto = (uint8_t)(i % 2 ? IPPROTO_UDP : 0);
			break;
		}
	}
}

struct state {
	struct xdpfw_rule table[CAPD];
	struct xdpfw_rule set[CAPD + 8];
	uint32_t tags[CAPD + 8];
	size_t n;
	uint64_t busy[(CAPD + 63) / 64];
};

static int in_set(const struct xdpfw_rule *v, size_t n,
		  const struct xdpfw_rule *r)
{
	for (size_t i = 0; i < n; i++)
		if (rule_equal(&v[i], r))
			return 1;
	return 0;
}

static void index_set(struct ruleidx *ix, const struct xdpfw_rule *v, size_t n)
{
	ruleidx_init(ix, n);
	for (size_t i = 0; i < n; i++)
		ruleidx_add(ix, v, (uint32_t)i);
}

static void apply(struct state *st, const struct plan *p,
		  const struct xdpfw_rule *v)
{
	if (p->delete_first)
		for (size_t i = 0; i < p->n_removed; i++)
			memset(&st->table[p->removed[i]], 0, sizeof(st->table[0]));
	for (size_t i = 0; i < p->n_added; i++)
		st->table[p->slots[p->added[i]]] = v[p->added[i]];
	if (!p->delete_first)
		for (size_t i = 0; i < p->n_removed; i++)
			memset(&st->table[p->removed[i]], 0, sizeof(st->table[0]));
}

static int same_kops(const struct kop_list *a, const struct kop_list *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (kkey_cmp(&a->v[i].key, &b->v[i].key) ||
		    a->v[i].slot != b->v[i].slot)
			return 0;
	return 1;
}

static void compare_plans(const struct plan *a, const struct plan *b, size_t n,
			  int round)
{
	int ok = a->n_added == b->n_added && a->n_removed == b->n_removed &&
		 a->delete_first == b->delete_first &&
		 a->n_unchanged == b->n_unchanged;

	for (size_t i = 0; ok && i < n; i++)
		ok = a->slots[i] == b->slots[i];
	for (size_t i = 0; ok && i < a->n_added; i++)
		ok = a->added[i] == b->added[i];
	for (size_t i = 0; ok && i < a->n_removed; i++)
		ok = a->removed[i] == b->removed[i];
	CHECK_MSG(ok, "round %d: slots, added or removed differ (added %zu/%zu, "
		  "removed %zu/%zu, delete_first %d/%d)", round, a->n_added,
		  b->n_added, a->n_removed, b->n_removed, a->delete_first,
		  b->delete_first);
	CHECK_MSG(same_kops(&a->upserts, &b->upserts), "round %d: upserts differ",
		  round);
	CHECK_MSG(same_kops(&a->deletes, &b->deletes), "round %d: deletes differ",
		  round);
}

static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	return a < b ? -1 : a > b;
}

/* Is r kept from st->set after window t (cut: the windows' bounds)? */
static int kept_after(const struct state *st, const size_t *cut, size_t nw,
		      size_t t, size_t body, const struct xdpfw_rule *r)
{
	for (size_t u = t; u < nw; u++) {
		size_t to = u + 1 < nw ? cut[2 * (u + 1)] : body;

		if (in_set(st->set + cut[2 * u + 1], to - cut[2 * u + 1], r))
			return 1;
	}
	return 0;
}

/* The next set: up to four windows of st->set replaced (as a reload
 * splicing several windows of a file makes it; a rule that left one
 * window may arrive in another: a line moved), the tail (protected
 * addresses) dropped and some added again.  Fills the delta. */
static size_t next_set(struct state *st, unsigned *seed, size_t want,
		       struct xdpfw_rule *v, uint32_t *tags, uint32_t *arrived,
		       size_t *n_arrived, struct xdpfw_rule *gone,
		       uint32_t *gone_slots, size_t *n_gone)
{
	size_t tail = st->n ? (size_t)rand_r(seed) % 4 : 0, body, n = 0, prev = 0;
	size_t nw = 1 + (size_t)rand_r(seed) % 4, cut[8];

	tail = tail > st->n ? st->n : tail;
	body = st->n - tail;
	for (size_t i = 0; i < 2 * nw; i++)
		cut[i] = body ? (size_t)rand_r(seed) % (body + 1) : 0;
	qsort(cut, 2 * nw, sizeof(*cut), cmp_size);
	for (size_t t = 0; t < nw; t++) /* windows of at most 5 */
		if (cut[2 * t + 1] > cut[2 * t] + 5)
			cut[2 * t + 1] = cut[2 * t] + 5;
	*n_arrived = 0;
	*n_gone = 0;
	for (size_t t = 0; t < nw; t++)
		for (size_t i = cut[2 * t]; i < cut[2 * t + 1]; i++) {
			gone[*n_gone] = st->set[i];
			gone_slots[(*n_gone)++] = st->tags[i];
		}
	for (size_t i = body; i < st->n; i++) {
		gone[*n_gone] = st->set[i];
		gone_slots[(*n_gone)++] = st->tags[i];
	}
	for (size_t t = 0; t < nw; t++) {
		for (size_t i = prev; i < cut[2 * t]; i++) {
			v[n] = st->set[i];
			tags[n++] = st->tags[i];
		}
		/* new rules in the window, maybe ones that left elsewhere */
		for (size_t k = (size_t)rand_r(seed) % 12; k > 0 && n < want; k--) {
			const struct xdpfw_rule *r = *n_gone && rand_r(seed) % 3 == 0 ?
				&gone[(size_t)rand_r(seed) % *n_gone] :
				&uni[(size_t)rand_r(seed) % UNI];

			if (in_set(v, n, r) || kept_after(st, cut, nw, t, body, r))
				continue;
			v[n] = *r;
			tags[n] = RULEIDX_NONE;
			arrived[(*n_arrived)++] = (uint32_t)n++;
		}
		prev = cut[2 * t + 1];
	}
	for (size_t i = prev; i < body; i++) {
		v[n] = st->set[i];
		tags[n++] = st->tags[i];
	}
	/* the protected addresses again, some of them */
	for (size_t i = body; i < st->n && n < want + 4; i++) {
		if (rand_r(seed) % 4 == 0 || in_set(v, n, &st->set[i]))
			continue;
		v[n] = st->set[i];
		tags[n] = RULEIDX_NONE;
		arrived[(*n_arrived)++] = (uint32_t)n++;
	}
	return n;
}

static void round_trip(struct state *st, unsigned *seed, int round)
{
	struct xdpfw_rule v[CAPD + 32], gone[CAPD + 32];
	uint32_t tags[CAPD + 32], arrived[CAPD + 32], gone_slots[CAPD + 32];
	size_t n_arrived, n_gone, n;
	struct kview kv = { st->table, CAPD };
	struct plan_delta d = { 0 };
	struct plan p1, p2, p3;
	struct ruleidx ix;
	struct kwin w2, w3;
	/* The delta, and plan_build a second time, read the table a run at
	 * a time (the daemon's way): the same plans as from the whole. */
	struct kview kv2 = kwin_view(&w2, st->table, CAPD);
	struct kview kv3 = kwin_view(&w3, st->table, CAPD);
	int e1, e2, e3;

	n = next_set(st, seed, CAPD + 4, v, tags, arrived, &n_arrived, gone,
		     gone_slots, &n_gone);
	index_set(&ix, v, n);
	d = (struct plan_delta){ tags, arrived, n_arrived, gone, gone_slots,
				 n_gone, st->busy };
	plan_init(&p1);
	plan_init(&p2);
	plan_init(&p3);
	e1 = plan_build(&p1, &kv, v, n, &ix);
	e2 = plan_build_delta(&p2, &kv2, v, n, &ix, &d);
	e3 = plan_build(&p3, &kv3, v, n, &ix);
	CHECK_MSG(e1 == e2, "round %d: plan_build %d, plan_build_delta %d", round,
		  e1, e2);
	CHECK_MSG(e1 == e3, "round %d: plan_build %d, in runs %d", round, e1, e3);
	if (!e1 && !e3)
		compare_plans(&p1, &p3, n, round);
	if (!e1 && !e2) {
		compare_plans(&p1, &p2, n, round);
		apply(st, &p1, v);
		plan_mark_busy(&p2, st->busy);
		memcpy(st->set, v, n * sizeof(*v));
		memcpy(st->tags, p1.slots, n * sizeof(*tags));
		st->n = n;
	}
	for (uint32_t s = 0; s < CAPD; s++)
		CHECK_MSG(!!(st->busy[s / 64] & (1ULL << (s % 64))) ==
			  !!st->table[s].family, "round %d: busy bit of slot %u",
			  round, s);
	plan_free(&p1);
	plan_free(&p2);
	plan_free(&p3);
	ruleidx_free(&ix);
}

int main(void)
{
	static struct state st;
	unsigned seed = 4242;
	int full = 0;

	make_universe();
	for (int round = 0; round < 4000; round++) {
		round_trip(&st, &seed, round);
		full += st.n + 6 >= CAPD;
	}
	printf("%d of 4000 rounds with the table nearly full\n", full);
	return tl_finish("test-plandelta");
}
