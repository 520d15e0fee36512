// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpfw verify: compare the kernel with the rules, without the daemon:
 * the rules files with the slot table, the slot table with the lookup maps
 * (every key of every rule present and leading to it, no foreign key), the
 * program on every configured interface that exists, the pins.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "drift.h"
#include "kmaps.h"
#include "kstate.h"
#include "pins.h"
#include "plan.h"
#include "ruleload.h"
#include "rules.h"
#include "sync.h"

/* Differences beyond this are counted, not printed. */
#define VERIFY_MAX_LINES 1000

struct vout {
	int json;
	size_t n;
};

static void diff(struct vout *o, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diff(struct vout *o, const char *kind, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (o->n++ >= VERIFY_MAX_LINES)
		return;
	if (o->json)
		printf("%s{\"kind\": \"%s\", \"difference\": \"%s\"}",
		       o->n > 1 ? ", " : "", kind, line);
	else
		printf("%s\n", line);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void verify_pins(struct vout *o, const struct xdpfw_config *cfg)
{
	char path[4096];

	for (int m = 0; m < XMAP_N; m++)
		if (!pins_map_path(path, sizeof(path), cfg->pin_dir, xmap_name[m]) &&
		    !exists(path))
			diff(o, "pin", "pin %s: missing", path);
	if (!pins_prog_path(path, sizeof(path), cfg->pin_dir) && !exists(path))
		diff(o, "pin", "pin %s: missing", path);
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		if (!if_nametoindex(cfg->interfaces[i]) ||
		    pins_link_path(path, sizeof(path), cfg->pin_dir,
				     cfg->interfaces[i]))
			continue;
		if (!exists(path))
			diff(o, "pin", "pin %s: missing", path);
	}
}

static void verify_interfaces(struct vout *o, const struct xdpfw_config *cfg)
{
	uint32_t want = kstate_prog_id(cfg);

	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const char *ifname = cfg->interfaces[i];
		int ifindex = (int)if_nametoindex(ifname);
		__u32 cur = 0;

		if (!ifindex)
			continue; /* attached when it appears */
		if (cfg->attach == ATTACH_LIBXDP) {
			if (attach_libxdp_pinned_present(cfg, ifname) != 1)
				diff(o, "interface", "interface %s: xdpfw's program "
				     "is not among the libxdp dispatcher's", ifname);
			continue;
		}
		if (bpf_xdp_query_id(ifindex, 0, &cur))
			cur = 0;
		if (!want)
			diff(o, "interface", "interface %s: xdpfw's program cannot be "
			     "found (no pin of it or of a link)", ifname);
		else if (!cur)
			diff(o, "interface", "interface %s: no XDP program attached "
			     "(xdpfw's is id %u)", ifname, want);
		else if (cur != want)
			diff(o, "interface", "interface %s: XDP program id %u attached, "
			     "not xdpfw's (id %u)", ifname, cur, want);
	}
}

/* The rule files (the rules file and rules_dir's, as the daemon reads
 * them, expired entries left out) into rs.  0 or -errno, said. */
static int read_rule_files(struct ruleset *rs, const struct xdpfw_config *cfg)
{
	char label[4096 + 64], why[4096 + 320];
	int err;

	rs->now = (int64_t)time(NULL);
	err = ruleset_load(rs, cfg, label, sizeof(label), why, sizeof(why));
	if (err)
		fprintf(stderr, "xdpfw: cannot read %s\n", why);
	return err;
}

/* The rules files against the slot table. */
static int verify_rules(struct vout *o, const struct xdpfw_config *cfg,
			struct kmaps *km)
{
	struct kview old = { km->table, km->capacity };
	char rule[RULE_FMT_MAX], why[512];
	struct ruleset rs;
	struct plan p;
	int err;

	ruleset_init(&rs);
	plan_init(&p);
	err = read_rule_files(&rs, cfg);
	if (err)
		goto out;
	if (sync_validate(&rs, cfg, km->capacity, why, sizeof(why))) {
		diff(o, "rules", "rules %s: not applicable (%s); the kernel keeps "
		     "the rules it has", cfg->rules_path, why);
		goto out;
	}
	err = plan_build(&p, &old, rs.rules, rs.n, &rs.ix);
	if (err)
		goto out;
	for (size_t i = 0; i < p.n_added; i++) {
		uint32_t r = p.added[i];

		rule_format(&rs.rules[r], rule, sizeof(rule));
		diff(o, "rule", "rule %s (%s:%u): in the rules, not in the kernel's "
		     "slot table", rule, rs.files[rs.file_of[r]], rs.lines[r]);
	}
	for (size_t i = 0; i < p.n_removed; i++) {
		rule_format(&km->table[p.removed[i]], rule, sizeof(rule));
		diff(o, "rule", "rule %s: in the kernel's slot table (slot %u), not "
		     "in the rules", rule, p.removed[i]);
	}
out:
	plan_free(&p);
	ruleset_free(&rs);
	return err;
}

/* The slot table against the lookup maps. */
static int verify_keys(struct vout *o, struct kmaps *km)
{
	char rule[RULE_FMT_MAX], key[RULE_FMT_MAX];
	struct drift dr;
	int err = drift_compute(&dr, km);

	if (err)
		return err;
	for (size_t i = 0; i < dr.missing.n; i++) {
		const struct kop *op = &dr.missing.v[i];
		uint32_t now = i < VERIFY_MAX_LINES ?
				       drift_actual_slot(&dr, &op->key) : UINT32_MAX;

		rule_format(&km->table[op->slot], rule, sizeof(rule));
		kkey_format(&op->key, key, sizeof(key));
		if (now == UINT32_MAX)
			diff(o, "key", "rule %s: key %s missing from %s", rule, key,
			     xmap_name[op->key.map]);
		else
			diff(o, "key", "rule %s: key %s in %s leads to slot %u, not "
			     "%u", rule, key, xmap_name[op->key.map], now, op->slot);
	}
	for (size_t i = 0; i < dr.foreign.n; i++) {
		const struct kop *op = &dr.foreign.v[i];

		kkey_format(&op->key, key, sizeof(key));
		if (i >= VERIFY_MAX_LINES) {
			o->n++;
			continue;
		}
		diff(o, "key", "foreign key %s in %s (slot %u): no rule in force "
		     "has it", key, xmap_name[op->key.map],
		     drift_actual_slot(&dr, &op->key));
	}
	drift_free(&dr);
	return 0;
}

static void v4tbl_bad(void *ctx, uint32_t idx, uint32_t got, uint32_t want)
{
	if ((got & (XDPFW_V4T_L2 | XDPFW_V4T_TRIE)) == XDPFW_V4T_L2)
		diff(ctx, "v4tbl", "%s block %u of %u.%u.%u.0/24 (word 0x%08x) "
		     "differs from what the rules in force give",
		     xmap_name[XMAP_V4_L2], got & XDPFW_V4T_L2_BLK, idx >> 16,
		     (idx >> 8) & 255, idx & 255, got);
	else
		diff(ctx, "v4tbl", "%s word of %u.%u.%u.0/24 is 0x%08x, the "
		     "rules in force make it 0x%08x", xmap_name[XMAP_V4_TBL],
		     idx >> 16, (idx >> 8) & 255, idx & 255, got, want);
}

/* The IPv4 /24 table against its recomputation from the slot table. */
static int verify_v4tbl(struct vout *o, struct kmaps *km)
{
	struct v4tbl_ix ix;
	size_t bad;
	int err = v4tbl_ix_build(&ix, km->table, NULL, km->capacity);

	if (!err)
		err = kmaps_v4tbl_compare(km, &ix, v4tbl_bad, o, &bad);
	v4tbl_ix_free(&ix);
	return err;
}

static void filters_bad(void *ctx, int m, uint32_t word, uint64_t got,
			uint64_t want)
{
	if (m == FMAP_N)
		diff(ctx, "filters", "%s flags are 0x%08llx, the rules in force "
		     "need 0x%08llx", xmap_name[XMAP_CFG],
		     (unsigned long long)got, (unsigned long long)want);
	else
		diff(ctx, "filters", "%s word %u is 0x%016llx, the rules in "
		     "force need the bits 0x%016llx",
		     xmap_name[XMAP_FILTER + m], word, (unsigned long long)got,
		     (unsigned long long)want);
}

/* The filters (IPv6 flags, bitmaps, port bits) and the kinds-present
 * flags against their recomputation from the slot table: a missing bit
 * hides a rule from the program; a stale one only costs a lookup. */
static int verify_filters(struct vout *o, struct kmaps *km)
{
	struct filters f;
	size_t bad;
	int err = filters_alloc(&f);

	if (err)
		return err;
	filters_from_table(&f, km->table, km->capacity);
	err = kmaps_filters_compare(km, &f, filters_bad, o, &bad);
	filters_free(&f);
	return err;
}

static const struct cli_opt verify_opts[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_JSON("one JSON object: {\"in_sync\": ..., \"differences\": [...]}"),
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd verify_cmd = {
	"verify", "[-c CONFIG] [--json]",
	"Compare the kernel with the rules, with or without the daemon:\n"
	"the rules files with the slot table, the slot table with the\n"
	"lookup maps (every key of every rule present, no foreign key)\n"
	"the IPv4 /24 table and the filters (recomputed from the slot table),\n"
	"xdpfw's program on every configured interface that exists, the\n"
	"pins.  Prints one line per difference.",
	verify_opts,
	"Exit status: 0 in sync, 1 differences found (or invalid config),\n"
	"3 the state cannot be read (nothing pinned, no permission).",
};

int cmd_verify(int argc, char **argv)
{
	struct vout o = { 0 };
	const char *config = NULL;
	struct xdpfw_config cfg;
	char how[4200];
	struct kmaps km;
	int rc, err;

	rc = cli_parse_common(argc, argv, &verify_cmd, &config, &o.json, 0, 0);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out_cfg;
	err = kstate_open(&km, &cfg, how, sizeof(how));
	if (err) {
		fprintf(stderr, "xdpfw: no xdpfw state found under %s or on the "
				"configured interfaces: %s\n", cfg.pin_dir,
			strerror(-err));
		rc = EXIT_RUNTIME;
		goto out_cfg;
	}
	if (o.json)
		fputs("{\"differences\": [", stdout);
	err = verify_rules(&o, &cfg, &km);
	if (!err)
		err = verify_keys(&o, &km);
	if (!err)
		err = verify_v4tbl(&o, &km);
	if (!err)
		err = verify_filters(&o, &km);
	if (!err) {
		verify_interfaces(&o, &cfg);
		verify_pins(&o, &cfg);
	}
	if (o.json)
		printf("], \"in_sync\": %s, \"count\": %zu}\n",
		       !err && !o.n ? "true" : "false", o.n);
	else if (o.n > VERIFY_MAX_LINES)
		printf("... and %zu more differences\n", o.n - VERIFY_MAX_LINES);
	if (err) {
		fprintf(stderr, "xdpfw: cannot read the kernel's state: %s\n",
			strerror(-err));
		rc = EXIT_RUNTIME;
	} else if (o.n) {
		rc = EXIT_INVALID;
	} else if (!o.json) {
		fprintf(stderr, "xdpfw: in sync: %zu rules in force, read from %s\n",
			sync_count_in_force(&km), how);
	}
	kmaps_close(&km);
out_cfg:
	config_free(&cfg);
	return rc;
}
