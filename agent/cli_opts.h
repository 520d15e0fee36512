/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command line's one option table (as xdp-tools' params.c): each
 * command describes itself once, in a struct cli_cmd, and both getopt's
 * tables and the --help text are made from it.  The options every command
 * shares (-c and its default, -h, --json) are written here once.
 */
#ifndef XDPFW_CLI_OPTS_H
#define XDPFW_CLI_OPTS_H

#include <getopt.h>
#include <stdio.h>

#include "build_config.h"

struct cli_opt {
	const char *name;    /* the long name, without "--" */
	char letter;         /* the short form, or 0 */
	int key;             /* what cli_getopt returns for it */
	int has_arg;         /* no_, required_ or optional_argument */
	const char *arg;     /* its argument in --help ("PATH"), or NULL */
	const char *help;    /* --help text; a '\n' continues it aligned */
};

#define CLI_OPT_END { 0 }
#define CLI_OPT_CONFIG                                                   \
	{ "config", 'c', 'c', required_argument, "PATH",                 \
	  "config file (default " XDPFW_DEFAULT_CONFIG_PATH ")" }
#define CLI_OPT_HELP { "help", 'h', 'h', no_argument, NULL, "this help" }
#define CLI_OPT_JSON(help) { "json", 0, 'j', no_argument, NULL, help }

/* The option tables of the commands that take only -c and -h, and those
 * that also take --json (one JSON object). */
extern const struct cli_opt cli_opts_config[];
extern const struct cli_opt cli_opts_config_json[];

struct cli_cmd {
	const char *name;     /* xdpfw NAME */
	const char *synopsis; /* what follows "Usage: xdpfw NAME " */
	const char *about;    /* what it does, before the options */
	const struct cli_opt *opts; /* ends with CLI_OPT_END */
	const char *after;    /* after the options (exit status), or NULL */
};

/* The --help text of c. */
void cli_usage(FILE *f, const struct cli_cmd *c);

/* getopt_long over c's options: the key of the next option, '?' (after
 * getopt's message) for one that is not c's or lacks its argument, -1 at
 * the end. */
int cli_getopt(int argc, char **argv, const struct cli_cmd *c);

#endif
