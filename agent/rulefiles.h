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

#include "filediff.h"
#include "rules.h"
#include "safefile.h"

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

/*
 * The rule set kept between the daemon's reloads, with what each file was
 * when it was read (safefile_id), so that a reload parses only from the
 * first file that changed (in the list or on disk): a one-line `xdpfw add`
 * into rules_dir/dynamic.txt beside a million-line rules file parses one
 * small file; in a file that changed, only the lines that changed are
 * parsed (filediff.h, ruleset_splice), when that file is 64 KiB or more.
 * The kept files' entries are used only while none of them has expired.
 */
#define RULES_SPLICE_MIN (64 * 1024)

struct rules_cache {
	struct ruleset rs;          /* the set last read, files then extras */
	struct safefile_id *ids;    /* of rs's first n_ids files */
	struct filediff_sum *sums;  /* of their text (filediff.h) */
	struct filediff_sum spare;  /* the last one replaced: its memory is
				     * used for the next (filediff_sum_reuse) */
	size_t n_ids;
	struct ruleset_mark end;    /* rs just after its files */
	int valid;
	/* A file changed less than this many seconds before it was read is
	 * parsed again next time (its id may not show a change made within
	 * the same clock tick); 1 by default, -1: off (tests). */
	int racy_s;
	int spliced; /* windows of changed lines the last read spliced */
	/* The next read compares the text of every file of 64 KiB or more
	 * with what was parsed (filediff.h) instead of trusting the ids, and
	 * parses again only what differs; smaller files are parsed again.
	 * For a full sync (SIGHUP, repair): a change the ids do not show is
	 * caught, and an unchanged million-line file is hashed, not parsed.
	 * Cleared by the read. */
	int recheck;
	/* The set was read moments ago (the start's read beside the maps'
	 * creation, startup.c): the next full sync trusts the ids, as an
	 * incremental one does (a file changed within racy_s is read again
	 * all the same), instead of hashing every file once more.  Cleared
	 * by that sync. */
	int read_now;
	/*
	 * The caller's number for each entry (sync: its slot in the kernel's
	 * table), kept as entries move: tags[i] for entry i of rs (tag_n of
	 * them), RULES_TAG_NONE for one that arrived since the caller set
	 * them (tags_ok).  Since then, the entries that left with their tags
	 * (gone) and the positions of those that arrived (ascending).  A read
	 * that cannot follow (a file parsed whole) clears tags_ok.
	 */
	uint32_t *tags;
	size_t tag_n, tag_cap;
	int tags_ok;
	struct xdpfw_rule *gone;
	uint32_t *gone_tags;
	size_t n_gone, cap_gone;
	uint32_t *arrived;
	size_t n_arrived, cap_arrived;
	/* The caller's, freed with the cache: which tags are taken (a bit
	 * each), and what they number (sync: the table, its size). */
	uint64_t *busy;
	size_t flag_n[32]; /* sync: rules with each XDPFW_F_* bit */
	uint64_t tag_space;
	size_t tag_space_n;
	const char *splice_why; /* why the last read did not splice */
	/* Smaller files are parsed whole (it costs less than a millisecond);
	 * RULES_SPLICE_MIN by default. */
	size_t splice_min;
};

#define RULES_TAG_NONE UINT32_MAX

void rules_cache_init(struct rules_cache *c);

/* After ruleset_finish(): the entries it added arrived (tags, above). */
void rules_cache_tags_extend(struct rules_cache *c);

/* Room for a tag for each entry of rs, to set them all anew (tags_ok is
 * cleared until then).  0 or -ENOMEM. */
int rules_cache_tags_reserve(struct rules_cache *c);

/* The caller set tags[0, rs.n) (and busy) for the set it applied: nothing
 * left or arrived since. */
void rules_cache_tags_settled(struct rules_cache *c);
void rules_cache_free(struct rules_cache *c); /* NULL-safe */
/* While the daemon idles: the spare summary's room, for the largest file
 * a reload may splice (filediff_sum_reserve), when there is none. */
void rules_cache_warm(struct rules_cache *c);

/*
 * rules_read_set() into c->rs (with now for the expiry), re-using the
 * leading files that are as they were (and when only one file changed,
 * parsing only its lines that changed: ruleset_splice); anything appended to c->rs after the
 * last read (protected addresses, set warnings) is dropped first.
 * *parsed: how many files were parsed.  Same returns as rules_read_set();
 * on failure the cache is emptied (the next read parses everything).
 */
int rules_read_set_cached(struct rules_cache *c, const char *rules,
			  const char *dir, int64_t now, char *label,
			  size_t label_len, char *why, size_t why_len,
			  size_t *parsed);

#endif
