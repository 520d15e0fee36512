/* SPDX-License-Identifier: GPL-2.0-only */
/* The `xdpfw` command line (docs/man/xdpfw.8.scd): one function per
 * sub-command. */
#ifndef XDPFW_CLI_H
#define XDPFW_CLI_H

#include <stdio.h>

#include "build_config.h"
#include "cli_opts.h"
#include "config.h"
#include "exitcode.h"

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

/* The options of a command c whose options are among -c CONFIG, --json
 * (json may be NULL when c has none) and --help, and min..max operands,
 * left at argv[optind].  Returns EXIT_OK, -1 after printing --help (exit
 * 0), or EXIT_USAGE after printing the usage to stderr. */
int cli_parse_common(int argc, char **argv, const struct cli_cmd *c,
		     const char **config, int *json, int min, int max);

#endif
