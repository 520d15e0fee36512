// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the INI config parser (config_load_string) on arbitrary
 * text.
 *
 * For every input: no crash, leak or undefined behaviour (ASan, UBSan), and
 * the contract of agent/config.h: the result is 0, -EINVAL or -ENOMEM;
 * -EINVAL exactly when at least one problem was reported; every report
 * names the file and a line of the text; an accepted config holds values in
 * their documented ranges (absolute paths, at most CONFIG_MAX_INTERFACES
 * valid interface names, bounded numbers).  config_free() always runs.
 * Any breach aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz.conf"

struct diag_ctx {
	unsigned reports;
	unsigned max_line; /* lines in the text */
};

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-config: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

static void on_diag(void *ctx, const char *path, unsigned line,
		    const char *msg)
{
	struct diag_ctx *dc = ctx;

	dc->reports++;
	if (!path || strcmp(path, FUZZ_NAME))
		die("a report names another file", path);
	if (!msg || !*msg)
		die("a report without a message", NULL);
	if (line < 1 || line > dc->max_line)
		die("a report names no line of the text", msg);
}

static void check_path(const char *what, const char *p, int optional)
{
	if (!p) {
		if (!optional)
			die("no value for", what);
		return;
	}
	if (p[0] != '/')
		die("accepted a relative path for", what);
}

static void check_accepted(const struct xdpfw_config *cfg)
{
	if (!cfg->path || strcmp(cfg->path, FUZZ_NAME))
		die("cfg->path is not the name given", cfg->path);
	if (cfg->n_interfaces > CONFIG_MAX_INTERFACES)
		die("too many interfaces", NULL);
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const char *n = cfg->interfaces[i];

		if (!n || !*n || strlen(n) > 15 || !strcmp(n, ".") ||
		    !strcmp(n, "..") || strpbrk(n, "/: \t\n\r\v\f,"))
			die("accepted an invalid interface name", n);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(n, cfg->interfaces[j]))
				die("accepted an interface twice", n);
	}
	if (cfg->xdp_mode != XDP_MODE_AUTO && cfg->xdp_mode != XDP_MODE_NATIVE &&
	    cfg->xdp_mode != XDP_MODE_GENERIC)
		die("xdp_mode out of range", NULL);
	if (cfg->on_invalid != ON_INVALID_REJECT &&
	    cfg->on_invalid != ON_INVALID_SKIP)
		die("on_invalid out of range", NULL);
	if (cfg->log_level != LOG_LVL_ERROR &&
	    cfg->log_level != LOG_LVL_WARNING &&
	    cfg->log_level != LOG_LVL_INFO && cfg->log_level != LOG_LVL_DEBUG)
		die("log_level out of range", NULL);
	check_path("rules", cfg->rules_path, 0);
	check_path("pin_dir", cfg->pin_dir, 0);
	check_path("prometheus_textfile", cfg->prometheus_textfile, 1);
	if (cfg->max_rules < 1 || cfg->max_rules > CONFIG_MAX_RULES_LIMIT)
		die("max_rules out of range", NULL);
	if (cfg->reload_delay_ms > 60000 || cfg->stats_interval > 86400 ||
	    cfg->stats_log_top > 1000)
		die("a number out of range", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_ctx dc = { 0, 1 };
	struct xdpfw_config cfg;
	char *text;
	int err;

	/* The API takes a C string: the text ends at the first NUL. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		dc.max_line++;

	config_init(&cfg);
	err = config_load_string(&cfg, FUZZ_NAME, text, on_diag, &dc);
	if (err && err != -EINVAL && err != -ENOMEM)
		die("config_load_string returned", strerror(-err));
	if (err == -EINVAL && !dc.reports)
		die("-EINVAL without a report", NULL);
	if (err != -EINVAL && err != -ENOMEM && dc.reports)
		die("a problem was reported but the text accepted", NULL);
	if (!err) {
		check_accepted(&cfg);
		if (config_validate_for_run(&cfg, NULL, NULL) !=
		    (cfg.n_interfaces ? 0 : -EINVAL))
			die("config_validate_for_run disagrees with interfaces",
			    NULL);
	}
	config_free(&cfg);
	/* NULL-safe, and safe twice. */
	config_free(&cfg);
	config_free(NULL);
	free(text);
	return 0;
}
