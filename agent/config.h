/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The INI configuration file (README.md "Configuration"), parsed with
 * inih (config.c).  Every key is described once in a table (section, key,
 * parser, range; config_keys.c, with the defaults); unknown sections or
 * keys and bad values are errors naming the line.
 */
#ifndef XDPFW_CONFIG_H
#define XDPFW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "protect.h"

enum xdp_mode {
	XDP_MODE_AUTO,
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

/* attach = link | libxdp */
enum attach_method {
	ATTACH_LINK,   /* own the XDP hook through a pinned bpf_link */
	ATTACH_LIBXDP, /* one of the programs of libxdp's dispatcher */
};

enum on_invalid {
	ON_INVALID_REJECT,
	ON_INVALID_SKIP,
};

#define CONFIG_MAX_INTERFACES 64
#define CONFIG_MAX_RULES_LIMIT (1u << 26) /* 67M entries */

struct xdpfw_config {
	char *path;                 /* file it came from, or NULL: defaults */
	char *interfaces[CONFIG_MAX_INTERFACES];
	size_t n_interfaces;
	enum xdp_mode xdp_mode;
	enum attach_method attach;  /* default link */
	uint32_t libxdp_priority;   /* run priority in the dispatcher: 20 */
	char *rules_path;           /* default /etc/xdpfw/rules.txt */
	char *rules_dir;            /* default /etc/xdpfw/rules.d; NULL: none */
	struct protect_conf protect; /* default ssh-peers resolvers gateways */
	char *pin_dir;              /* default /sys/fs/bpf/xdpfw */
	uint32_t max_rules;         /* default 1048576; 1..CONFIG_MAX_RULES_LIMIT */
	enum on_invalid on_invalid; /* default reject */
	uint32_t reload_delay_ms;   /* default 100; 0..60000 */
	enum log_level log_level;   /* default info */
	uint32_t audit_interval;    /* seconds, default 60; 0 = off; <= 86400 */
	uint32_t stats_interval;    /* seconds, default 10; 0 = off; <= 86400 */
	uint32_t stats_log_top;     /* default 5; <= 1000 */
	char *prometheus_textfile;  /* default NULL (empty value) */
	char *stats_listen;         /* [stats] listen: ADDRESS:PORT, NULL = off */
	uint32_t metrics_top;       /* per-rule series served: default 50 */
};

/* Called once per problem: "PATH:LINE: message". */
typedef void (*config_diag_fn)(void *ctx, const char *path, unsigned line,
			       const char *msg);

void config_init(struct xdpfw_config *cfg); /* defaults */
void config_free(struct xdpfw_config *cfg); /* NULL-safe */

/*
 * Parse INI text on top of the defaults already in cfg.  Every problem is
 * reported through diag (it may be NULL).  Returns 0, -EINVAL when there was
 * at least one problem, -ENOMEM.  name is used in messages.
 */
int config_load_string(struct xdpfw_config *cfg, const char *name,
		       const char *text, config_diag_fn diag, void *ctx);

/* Same for a file; -errno when it cannot be opened (no diag then). */
int config_load_file(struct xdpfw_config *cfg, const char *path,
		     config_diag_fn diag, void *ctx);

/* Checks needing the whole file (interfaces given, ...).  Reports through
 * diag with line 0.  Returns 0 or -EINVAL. */
int config_validate_for_run(const struct xdpfw_config *cfg, config_diag_fn diag,
			    void *ctx);

const char *xdp_mode_name(enum xdp_mode mode);
const char *attach_method_name(enum attach_method a);

#endif
