// SPDX-License-Identifier: GPL-2.0-only
#include "cli_opts.h"

#include <string.h>

#define CLI_MAX_OPTS 16
#define CLI_HELP_COL 21 /* where the option lines' text starts */

const struct cli_opt cli_opts_config[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_opt cli_opts_config_json[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_JSON("one JSON object"),
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static void print_opt(FILE *f, const struct cli_opt *o)
{
	const char *h = o->help, *nl;
	int n;

	if (o->letter)
		n = fprintf(f, "  -%c, --%s", o->letter, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (o->arg)
		n += o->has_arg == optional_argument ? fprintf(f, " [%s]", o->arg) :
						       fprintf(f, " %s", o->arg);
	fprintf(f, "%*s", n < CLI_HELP_COL ? CLI_HELP_COL - n : 1, "");
	while ((nl = strchr(h, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - h), h, CLI_HELP_COL, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

void cli_usage(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "Usage: xdpfw %s %s\n\n%s\n\n", c->name, c->synopsis,
		c->about);
	for (const struct cli_opt *o = c->opts; o->name; o++)
		print_opt(f, o);
	if (c->after)
		fprintf(f, "\n%s\n", c->after);
}

int cli_getopt(int argc, char **argv, const struct cli_cmd *c)
{
	struct option lo[CLI_MAX_OPTS + 1];
	char so[3 * CLI_MAX_OPTS + 1];
	size_t n = 0, s = 0;

	for (const struct cli_opt *o = c->opts; o->name && n < CLI_MAX_OPTS;
	     o++, n++) {
		lo[n] = (struct option){ o->name, o->has_arg, NULL, o->key };
		if (!o->letter)
			continue;
		so[s++] = o->letter;
		if (o->has_arg != no_argument)
			so[s++] = ':';
		if (o->has_arg == optional_argument)
			so[s++] = ':';
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	so[s] = '\0';
	return getopt_long(argc, argv, so, lo, NULL);
}
