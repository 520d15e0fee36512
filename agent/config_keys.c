// SPDX-License-Identifier: GPL-2.0-only
/*
 * The keys of the config file: one table (section, key, value parser,
 * range), the value parsers, and the defaults (config_init).  Reading the
 * file and reporting its problems is config.c's job.
 */
#include "config_keys.h"
#include "listen_addr.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

const char *const config_section_names[] = {
	[SEC_AGENT] = "agent",
	[SEC_STATS] = "stats",
};

static int parse_interfaces(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen);
static int parse_xdp_mode(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen);
static int parse_on_invalid(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen);
static int parse_attach(struct xdpfw_config *cfg, const struct key_desc *k,
			const char *value, char *why, size_t whylen);
static int parse_log_level(struct xdpfw_config *cfg, const struct key_desc *k,
			   const char *value, char *why, size_t whylen);
static int parse_abs_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen);
static int parse_opt_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen);
static int parse_u32(struct xdpfw_config *cfg, const struct key_desc *k,
		     const char *value, char *why, size_t whylen);
static int parse_protect(struct xdpfw_config *cfg, const struct key_desc *k,
			 const char *value, char *why, size_t whylen);
static int parse_listen(struct xdpfw_config *cfg, const struct key_desc *k,
			const char *value, char *why, size_t whylen);

#define FIELD(f) offsetof(struct xdpfw_config, f)

/* Every key, once.  Defaults live in config_init(). */
const struct key_desc config_keys[] = {
	{ SEC_AGENT, "interfaces", parse_interfaces, 0, 0, 0,
	  "one or more interface names separated by spaces or commas" },
	{ SEC_AGENT, "xdp_mode", parse_xdp_mode, FIELD(xdp_mode), 0, 0,
	  "auto, native or generic" },
	{ SEC_AGENT, "attach", parse_attach, FIELD(attach), 0, 0,
	  "link or libxdp" },
	{ SEC_AGENT, "libxdp_priority", parse_u32, FIELD(libxdp_priority),
	  0, 1000, NULL },
	{ SEC_AGENT, "rules", parse_abs_path, FIELD(rules_path), 0, 0,
	  "an absolute path" },
	{ SEC_AGENT, "rules_dir", parse_opt_path, FIELD(rules_dir), 0, 0,
	  "an absolute path, or nothing" },
	{ SEC_AGENT, "protect", parse_protect, 0, 0, 0,
	  "ssh-peers, resolvers, gateways, addresses or prefixes, or none" },
	{ SEC_AGENT, "pin_dir", parse_abs_path, FIELD(pin_dir), 0, 0,
	  "an absolute path" },
	{ SEC_AGENT, "max_rules", parse_u32, FIELD(max_rules),
	  1, CONFIG_MAX_RULES_LIMIT, NULL },
	{ SEC_AGENT, "on_invalid", parse_on_invalid, FIELD(on_invalid), 0, 0,
	  "reject or skip" },
	{ SEC_AGENT, "reload_delay_ms", parse_u32, FIELD(reload_delay_ms),
	  0, 60000, NULL },
	{ SEC_AGENT, "log_level", parse_log_level, FIELD(log_level), 0, 0,
	  "error, warning, info or debug" },
	{ SEC_AGENT, "audit_interval", parse_u32, FIELD(audit_interval),
	  0, 86400, NULL },
	{ SEC_STATS, "interval", parse_u32, FIELD(stats_interval),
	  0, 86400, NULL },
	{ SEC_STATS, "log_top", parse_u32, FIELD(stats_log_top),
	  0, 1000, NULL },
	{ SEC_STATS, "prometheus_textfile", parse_opt_path,
	  FIELD(prometheus_textfile), 0, 0, "an absolute path, or nothing" },
	{ SEC_STATS, "listen", parse_listen, FIELD(stats_listen), 0, 0,
	  "ADDRESS:PORT or [IPv6]:PORT, or nothing" },
	{ SEC_STATS, "metrics_top", parse_u32, FIELD(metrics_top),
	  0, 100000, NULL },
};

const size_t config_n_keys = sizeof(config_keys) / sizeof(config_keys[0]);
_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <=
		       CONFIG_N_KEYS_MAX,
	       "raise CONFIG_N_KEYS_MAX");

/* ------------------------------------------------------------------------ */
/* Value parsers */

static char **str_field(struct xdpfw_config *cfg, const struct key_desc *k)
{
	return (char **)((char *)cfg + k->offset);
}

int config_set_str(char **field, const char *value)
{
	char *s = NULL;

	if (value) {
		s = strdup(value);
		if (!s)
			return -ENOMEM;
	}
	free(*field);
	*field = s;
	return 0;
}

static int parse_abs_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	if (value[0] != '/')
		return -EINVAL;
	return config_set_str(str_field(cfg, k), value);
}

static int parse_protect(struct xdpfw_config *cfg, const struct key_desc *k,
			 const char *value, char *why, size_t whylen)
{
	(void)k;
	return protect_parse(value, &cfg->protect, why, whylen);
}

/* Empty value: off (NULL). */
static int parse_opt_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen)
{
	if (!*value)
		return config_set_str(str_field(cfg, k), NULL);
	return parse_abs_path(cfg, k, value, why, whylen);
}

/* Decimal only: no sign, no base prefix, no leading zero (is 0010 ten or
 * eight?), no junk; overflow checked. */
static int parse_uint_range(const char *s, uint32_t min, uint32_t max,
			    uint32_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	if (v < min)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_u32(struct xdpfw_config *cfg, const struct key_desc *k,
		     const char *value, char *why, size_t whylen)
{
	uint32_t v;

	if (parse_uint_range(value, k->min, k->max, &v) < 0) {
		snprintf(why, whylen, "expected an integer %u..%u", k->min,
			 k->max);
		return -EINVAL;
	}
	*(uint32_t *)((char *)cfg + k->offset) = v;
	return 0;
}

/* Empty value: off.  Checked here so that a bad address names its line;
 * the daemon parses the same text again when it binds. */
static int parse_listen(struct xdpfw_config *cfg, const struct key_desc *k,
			const char *value, char *why, size_t whylen)
{
	struct listen_addr a;

	if (!*value)
		return config_set_str(str_field(cfg, k), NULL);
	if (listen_addr_parse(value, &a, why, whylen))
		return -EINVAL;
	return config_set_str(str_field(cfg, k), value);
}

static int parse_xdp_mode(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen)
{
	static const enum xdp_mode modes[] = { XDP_MODE_AUTO, XDP_MODE_NATIVE,
					       XDP_MODE_GENERIC };

	(void)k;
	(void)why;
	(void)whylen;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(value, xdp_mode_name(modes[i])) == 0) {
			cfg->xdp_mode = modes[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_on_invalid(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen)
{
	(void)k;
	(void)why;
	(void)whylen;
	if (strcmp(value, "reject") == 0)
		cfg->on_invalid = ON_INVALID_REJECT;
	else if (strcmp(value, "skip") == 0)
		cfg->on_invalid = ON_INVALID_SKIP;
	else
		return -EINVAL;
	return 0;
}

static int parse_attach(struct xdpfw_config *cfg, const struct key_desc *k,
			const char *value, char *why, size_t whylen)
{
	(void)k;
	(void)why;
	(void)whylen;
	if (strcmp(value, "link") == 0)
		cfg->attach = ATTACH_LINK;
	else if (strcmp(value, "libxdp") == 0)
		cfg->attach = ATTACH_LIBXDP;
	else
		return -EINVAL;
	return 0;
}

static int parse_log_level(struct xdpfw_config *cfg, const struct key_desc *k,
			   const char *value, char *why, size_t whylen)
{
	enum log_level level;

	(void)k;
	(void)why;
	(void)whylen;
	if (log_level_parse(value, &level) < 0)
		return -EINVAL;
	cfg->log_level = level;
	return 0;
}

/* The kernel's dev_valid_name(). */
static bool ifname_valid(const char *name, size_t len)
{
	if (len == 0 || len > IFNAME_MAX)
		return false;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    isspace((unsigned char)name[i]))
			return false;
	return true;
}

static bool is_ifsep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

static int parse_interfaces(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen)
{
	char *names[CONFIG_MAX_INTERFACES];
	size_t n = 0;
	const char *p = value;
	int err = 0;

	(void)k;
	for (;;) {
		const char *start;
		size_t len;

		while (is_ifsep(*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_ifsep(*p))
			p++;
		len = (size_t)(p - start);

		if (!ifname_valid(start, len)) {
			snprintf(why, whylen,
				 "\"%.*s\" is not a valid interface name "
				 "(1..%d characters, no '/', ':' or "
				 "whitespace, not \".\" or \"..\")",
				 (int)len, start, IFNAME_MAX);
			err = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (strlen(names[i]) == len &&
			    memcmp(names[i], start, len) == 0) {
				snprintf(why, whylen,
					 "\"%.*s\" is listed twice", (int)len,
					 start);
				err = -EINVAL;
				goto out;
			}
		}
		if (n == CONFIG_MAX_INTERFACES) {
			snprintf(why, whylen, "more than %d interfaces",
				 CONFIG_MAX_INTERFACES);
			err = -EINVAL;
			goto out;
		}
		names[n] = strndup(start, len);
		if (!names[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n == 0) {
		err = -EINVAL; /* "expected one or more interface names ..." */
		goto out;
	}

	/* Replace the previous list. */
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		free(cfg->interfaces[i]);
		cfg->interfaces[i] = NULL;
	}
	memcpy(cfg->interfaces, names, n * sizeof(names[0]));
	cfg->n_interfaces = n;
	n = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Defaults */

void config_init(struct xdpfw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->xdp_mode = XDP_MODE_AUTO;
	cfg->attach = ATTACH_LINK;
	cfg->libxdp_priority = 20;
	/* On ENOMEM these stay NULL and config_load_*() return -ENOMEM. */
	cfg->rules_path = strdup("/etc/xdpfw/rules.txt");
	cfg->rules_dir = strdup("/etc/xdpfw/rules.d");
	cfg->pin_dir = strdup("/sys/fs/bpf/xdpfw");
	protect_conf_default(&cfg->protect);
	cfg->max_rules = 1048576;
	cfg->on_invalid = ON_INVALID_REJECT;
	cfg->reload_delay_ms = 100;
	cfg->log_level = LOG_LVL_INFO;
	cfg->audit_interval = 60;
	cfg->stats_interval = 10;
	cfg->stats_log_top = 5;
	cfg->prometheus_textfile = NULL;
	cfg->stats_listen = NULL;
	cfg->metrics_top = 50;
}

void config_free(struct xdpfw_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	cfg->path = NULL;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		free(cfg->interfaces[i]);
		cfg->interfaces[i] = NULL;
	}
	cfg->n_interfaces = 0;
	free(cfg->rules_path);
	cfg->rules_path = NULL;
	free(cfg->rules_dir);
	cfg->rules_dir = NULL;
	protect_conf_free(&cfg->protect);
	free(cfg->pin_dir);
	cfg->pin_dir = NULL;
	free(cfg->prometheus_textfile);
	cfg->prometheus_textfile = NULL;
	free(cfg->stats_listen);
	cfg->stats_listen = NULL;
}

const char *xdp_mode_name(enum xdp_mode mode)
{
	switch (mode) {
	case XDP_MODE_AUTO:
		return "auto";
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_GENERIC:
		return "generic";
	}
	return "?";
}

const char *attach_method_name(enum attach_method a)
{
	return a == ATTACH_LIBXDP ? "libxdp" : "link";
}
