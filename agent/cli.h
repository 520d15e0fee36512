/* SPDX-License-Identifier: GPL-2.0-only */
/* The `xdpfw` command line (docs/man/xdpfw.8.scd): one function per sub-command. */
#ifndef XDPFW_CLI_H
#define XDPFW_CLI_H

#include <stdio.h>

#include "build_config.h"
#include "config.h"
#include "exitcode.h"

/* The option lines every command's --help shares: one place for -c and
 * its default, and for -h. */
#define CLI_HELP_CONFIG \
	"  -c, --config PATH  config file (default " XDPFW_DEFAULT_CONFIG_PATH ")\n"
#define CLI_HELP_HELP "  -h, --help         this help\n"

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/*
 * Load the config: path from -c, or the default.  A missing default file
 * means defaults (except for `run`).  Problems are printed as PATH:LINE:
 * message.  Returns EXIT_OK or the exit code to use.
 */
int cli_load_config(const char *path, struct xdpfw_config *cfg, int for_run);

/* Options of a command that takes only -c CONFIG and --help.  Returns
 * EXIT_OK, -1 after printing --help (exit 0), or EXIT_USAGE. */
int cli_parse_config_only(int argc, char **argv, const char **config,
			  void (*usage)(FILE *f));
/* The same, with --json too (list, verify). */
int cli_parse_config_json(int argc, char **argv, const char **config,
			  int *json, void (*usage)(FILE *f));
/* The same with min..max operands, left at argv[optind] (explain). */
int cli_parse_config_json_operands(int argc, char **argv, const char **config,
				   int *json, void (*usage)(FILE *f), int min,
				   int max);

#endif
