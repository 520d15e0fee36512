/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The files a rule set is read from: the `rules` file, then every regular
 * file named *.txt in `rules_dir`, in name order (byte order, so that
 * "10-feed.txt" < "20-local.txt" whatever the locale).  Names starting
 * with '.' are skipped (editors' temp files, a ConfigMap's ..data).  A
 * missing rules_dir is an empty one; a rules_dir that others may write is
 * refused, since whoever can add or remove a file there steers the
 * firewall.
 */
#ifndef XDPFW_RULEFILES_H
#define XDPFW_RULEFILES_H

#include <stddef.h>

#include "rules.h"
#include "safefile.h"

struct rule_files {
	char **paths;
	size_t n;
};

/*
 * List the files (rules first).  Returns 0, or -errno with why set (the
 * directory cannot be read, or is insecure: -EINVAL).  dir may be NULL.
 */
int rule_files_list(const char *rules, const char *dir, struct rule_files *out,
		    char *why, size_t whylen);
void rule_files_free(struct rule_files *f); /* NULL-safe */

/*
 * Read and parse every file into rs.  Returns 0, -ENOMEM, or the error of
 * the first file that could not be read (*bad names it, res says why;
 * nothing more is parsed).
 */
int rules_parse_files(struct ruleset *rs, const struct rule_files *f,
		      struct safefile_result *res, const char **bad);

#endif
