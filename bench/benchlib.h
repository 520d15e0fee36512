/* SPDX-License-Identifier: GPL-2.0-only */
/* What the benchmark tools share: dying with a message, an interface's MAC
 * address, medians with min and max, and xdpfw loaded and filled through
 * the agent's own pipeline. */
#ifndef XB_BENCHLIB_H
#define XB_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

struct apply_stats;
struct kmaps;
struct ruleset;
struct xdpfw_bpf;
struct xdpfw_rule;

/* "TOOL: message" on stderr, exit 1. */
__attribute__((format(printf, 1, 2), noreturn))
void xb_die(const char *fmt, ...);

/* Progress on stderr, unless xb_quiet (--quiet). */
extern int xb_quiet;
__attribute__((format(printf, 1, 2)))
void xb_info(const char *fmt, ...);

/* The MAC address of ifname (dies when it cannot be read). */
void xb_get_mac(const char *ifname, uint8_t mac[6]);

/* Median of v[0..n) (n <= max_n, at most 256); NAN when n is 0.  mn, mx
 * may be NULL. */
double xb_median(const double *v, int n, int max_n, double *mn, double *mx);

/* xdpfw's program and maps with max_rules slots (loader_load, then
 * kmaps_from_skel); dies on error. */
void xb_load_xdpfw(struct xdpfw_bpf **skel, struct kmaps *km,
		   uint32_t max_rules);

/* The rules file path into rs (initialised here); dies when it cannot be
 * read or has an invalid line. */
void xb_parse_file(struct ruleset *rs, const char *path);

/* rules[0..n) made the set in force, as the daemon's sync does
 * (sync_apply, incremental); the key writes in *st when st is not NULL.
 * 0, or a negative errno. */
int xb_apply_rules(struct kmaps *km, const struct xdpfw_rule *rules, size_t n,
		   struct apply_stats *st);

#endif
