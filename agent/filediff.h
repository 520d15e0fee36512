/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What changed in a file since it was last read, from a summary of the old
 * text (a hash of each 1 KiB piece) instead of the text itself: the lines
 * of the new text that differ, as one window between an unchanged prefix
 * and an unchanged suffix (both whole lines).  Pure; no I/O.
 *
 * Lines are those of the rules parser: separated by '\n', a last line
 * without one counts, a UTF-8 byte order mark before line 1 is not part
 * of it.
 */
#ifndef XDPFW_FILEDIFF_H
#define XDPFW_FILEDIFF_H

#include <stddef.h>
#include <stdint.h>

#define FILEDIFF_CHUNK 1024

struct filediff_sum {
	size_t len;       /* bytes of the text */
	size_t n_chunks;
	uint64_t *hash;   /* of bytes [i * FILEDIFF_CHUNK, ...) */
	uint32_t *nl;     /* '\n' before chunk i (n_chunks + 1 of them) */
};

/* The summary of buf.  0 or -ENOMEM (s is then empty). */
int filediff_sum_of(struct filediff_sum *s, const char *buf, size_t len);
void filediff_sum_free(struct filediff_sum *s); /* NULL-safe */

struct filediff_win {
	size_t begin, end;   /* the new text's window, bytes (whole lines,
			      * without a byte order mark) */
	uint32_t first_line; /* lines before it */
	uint32_t old_lines;  /* lines it had in the old text */
	int same;            /* the texts are equal (an empty window) */
};

/*
 * The window of buf (summary now: filediff_sum_of(buf)) that differs from
 * the text old summarises, which had old_lines lines.  0, or -EAGAIN when
 * no window can be told (a text too short to be worth it).
 */
int filediff_window(const struct filediff_sum *old, size_t old_lines,
		    const struct filediff_sum *now, const char *buf,
		    struct filediff_win *w);

#endif
