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

/*
 * Read the whole rule set as the daemon does: list the files, parse them
 * all into rs (set rs->now first to leave expired entries out).  label
 * gets "RULES" or "RULES and N files of DIR".  Returns 0, or a negative
 * errno with why set to "PATH: reason" (the file or the directory that
 * failed; -EBUSY while a writer has a file open, -EINVAL for a file or
 * directory that is refused); nothing more is parsed then.
 */
int rules_read_set(struct ruleset *rs, const char *rules, const char *dir,
		   char *label, size_t label_len, char *why, size_t why_len);

#endif
