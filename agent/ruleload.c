// SPDX-License-Identifier: GPL-2.0-only
#include "ruleload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protect.h"
#include "rulefiles.h"
#include "ruleidx.h"

/* A file that already excepts the address owns its key: the protected
 * copy would be a second rule with the same kernel key. */
static int excepted_by_file(const struct ruleset *rs, const struct xdpfw_rule *p)
{
	struct xdpfw_rule r = *p;

	r.flags = XDPFW_RULE_EXCEPT;
	return rs->ix.tab && ruleidx_find(&rs->ix, rs->rules, &r) != RULEIDX_NONE;
}

/* The warning that entry i covers (or is covered by) protected address
 * ps->v[j]. */
static int warn_one(struct ruleset *rs, size_t i, const struct protect_set *ps,
		    size_t j)
{
	char msg[320], entry[RULE_FMT_MAX], addr[RULE_FMT_MAX];
	struct xdpfw_rule p = ps->v[j];

	p.flags = 0;
	rule_format(&rs->rules[i], entry, sizeof(entry));
	rule_format(&p, addr, sizeof(addr));
	snprintf(msg, sizeof(msg),
		 "%s covers protected address %s (protect: %s); "
		 "packets from it still pass",
		 entry, addr, protect_kind_name(protect_kind_of(&ps->v[j])));
	return ruleset_diag_entry(rs, i, RULES_WARNING, msg);
}

struct covered {
	uint32_t entry, addr;
};

static int by_entry(const void *a, const void *b)
{
	const struct covered *x = a, *y = b;

	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Protected hosts only: the blocking address entries that cover one are
 * the host itself and its prefixes, found in the index (a look-up per
 * prefix length, not a walk over a million entries); in entry order. */
static int warn_covered_hosts(struct ruleset *rs, const struct protect_set *ps,
			      size_t n)
{
	struct covered *v = NULL;
	size_t nv = 0, cap = 0;
	int err = 0;

	for (size_t j = 0; !err && j < ps->n; j++) {
		unsigned max = ps->v[j].family == XDPFW_FAMILY_V4 ? 32 : 128;

		for (unsigned len = 0; !err && len <= max; len++) {
			struct xdpfw_rule r = { .family = ps->v[j].family,
						.prefixlen = (uint8_t)len };
			uint32_t pos;

			for (unsigned b = 0; b < len; b++)
				if (ps->v[j].addr[b / 8] & (0x80 >> (b % 8)))
					r.addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			pos = rs->ix.tab ? ruleidx_find(&rs->ix, rs->rules, &r) :
					   RULEIDX_NONE;
			if (pos == RULEIDX_NONE || pos >= n)
				continue;
			if (nv == cap) {
				struct covered *nvv;

				cap = cap ? 2 * cap : 16;
				nvv = realloc(v, cap * sizeof(*v));
				if (!nvv) {
					err = -ENOMEM;
					break;
				}
				v = nvv;
			}
			v[nv++] = (struct covered){ pos, (uint32_t)j };
		}
	}
	if (nv)
		qsort(v, nv, sizeof(*v), by_entry);
	for (size_t k = 0; !err && k < nv; k++)
		err = warn_one(rs, v[k].entry, ps, v[k].addr);
	free(v);
	return err;
}

/* Each blocking address entry (no port: a port entry cuts off one service,
 * not the host) that overlaps a protected address: a warning on the
 * entry's line naming the address (the exception keeps it reachable). */
static int warn_covered(struct ruleset *rs, const struct protect_set *ps)
{
	size_t n = ps->n ? rs->n - rs->n_protected : 0; /* none: no walk */
	int err = 0, hosts = 1;

	for (size_t j = 0; j < ps->n; j++)
		hosts &= ps->v[j].prefixlen ==
			 (ps->v[j].family == XDPFW_FAMILY_V4 ? 32 : 128);
	if (n && hosts)
		return warn_covered_hosts(rs, ps, n);
	for (size_t i = 0; !err && i < n; i++) {
		const struct xdpfw_rule *r = &rs->rules[i];

		if ((r->flags & XDPFW_RULE_EXCEPT) || r->port)
			continue;
		for (size_t j = 0; !err && j < ps->n; j++)
			if (protect_covers(r, &ps->v[j]) ||
			    protect_covers(&ps->v[j], r))
				err = warn_one(rs, i, ps, j);
	}
	return err;
}

static int add_protected(struct ruleset *rs, const struct protect_set *ps)
{
	char source[64];

	for (size_t i = 0; i < ps->n; i++) {
		int err;

		if (excepted_by_file(rs, &ps->v[i]))
			continue;
		snprintf(source, sizeof(source), "protect:%s",
			 protect_kind_name(protect_kind_of(&ps->v[i])));
		err = ruleset_add(rs, source, &ps->v[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

static int warn_capacity(struct ruleset *rs, const struct xdpfw_config *cfg)
{
	char msg[320];

	if ((uint64_t)rs->n * 10 < (uint64_t)cfg->max_rules * 9 ||
	    rs->n > cfg->max_rules)
		return 0;
	snprintf(msg, sizeof(msg),
		 "%zu entries fill %zu%% of the capacity of %u; raise [agent] "
		 "max_rules in %s before the next entries are refused",
		 rs->n, (size_t)((uint64_t)rs->n * 100 / cfg->max_rules),
		 cfg->max_rules, cfg->path ? cfg->path : "the config file");
	return ruleset_diag_set(rs, RULES_WARNING, msg);
}

int ruleset_finish(struct ruleset *rs, const struct xdpfw_config *cfg,
		   const char *root)
{
	struct protect_set ps;
	int err = protect_resolve(&cfg->protect, root, &ps);

	if (err)
		return err;
	err = warn_covered(rs, &ps);
	if (!err)
		err = add_protected(rs, &ps);
	protect_set_free(&ps);
	if (!err)
		err = warn_capacity(rs, cfg);
	return err;
}

int ruleset_load(struct ruleset *rs, const struct xdpfw_config *cfg,
		 char *label, size_t label_len, char *why, size_t why_len)
{
	int err = rules_read_set(rs, cfg->rules_path, cfg->rules_dir, label,
				 label_len, why, why_len);

	if (!err) {
		err = ruleset_finish(rs, cfg, NULL);
		if (err)
			snprintf(why, why_len, "%s: %s", label, strerror(-err));
	}
	return err;
}

int ruleset_load_cached(struct rules_cache *c, const struct xdpfw_config *cfg,
			int64_t now, char *label, size_t label_len, char *why,
			size_t why_len, size_t *parsed)
{
	int err = rules_read_set_cached(c, cfg->rules_path, cfg->rules_dir, now,
					label, label_len, why, why_len, parsed);

	if (!err) {
		err = ruleset_finish(&c->rs, cfg, NULL);
		if (err) {
			snprintf(why, why_len, "%s: %s", label, strerror(-err));
			c->valid = 0;
			c->tags_ok = 0;
		}
	}
	if (!err)
		rules_cache_tags_extend(c);
	return err;
}
