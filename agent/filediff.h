/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What changed in a file since it was last read, from a summary of the old
 * text (a 64-bit hash of each line, 8 bytes a line, and of each piece of
 * about 8 lines) instead of the text itself: the windows of lines of the
 * new text that differ.  Pieces are runs of lines cut after a line whose
 * hash says so (content-defined, as in rsync's and backup tools'
 * chunking), so that after a line inserted or deleted the pieces of both
 * texts line up again; the pieces that differ are then narrowed to the
 * lines that differ.  10,000 edits spread over a file give about as many
 * windows of a line or two, not one spanning the file.  Pure; no I/O.
 *
 * Lines are those of the rules parser: separated by '\n', a last line
 * without one counts, a UTF-8 byte order mark before line 1 is not part
 * of it.
 */
#ifndef XDPFW_FILEDIFF_H
#define XDPFW_FILEDIFF_H

#include <stddef.h>
#include <stdint.h>

#define FILEDIFF_FIXED 1024  /* bytes of a chunk */
#define FILEDIFF_MAX 64       /* lines a piece has at most */
#define FILEDIFF_CUT_BITS 3   /* 1 line in 8 ends a piece */

struct filediff_sum {
	size_t len;          /* bytes of the text */
	uint32_t lines;      /* the parser's lines */
	uint64_t *line;      /* hash of each line */
	size_t n_chunks;     /* pieces */
	uint64_t *hash;      /* of piece i: of the hashes of its lines */
	uint32_t *first;     /* first line of piece i (n_chunks + 1 of them) */
	size_t n_fixed;      /* chunks of FILEDIFF_FIXED bytes */
	uint64_t *fixed;     /* their hashes */
	uint32_t *fixed_nl;  /* '\n' before each (n_fixed + 1 of them) */
	int bom;             /* the text starts with a byte order mark */
};

/* A reader told that bytes [from, upto) of the text were read through:
 * it may let their pages go (they may still be read again). */
typedef void (*filediff_done_fn)(void *ctx, size_t from, size_t upto);

/* Texts of this many bytes or more are hashed in two halves on two
 * threads (4 MiB; a test may change it). */
extern size_t filediff_thread_min;

/* The summary of buf.  0 or -ENOMEM (s is then empty). */
int filediff_sum_of(struct filediff_sum *s, const char *buf, size_t len);
void filediff_sum_free(struct filediff_sum *s); /* NULL-safe */

/* An empty s (a spare) gets room for the line hashes of a text of this
 * many lines, faulted in, for filediff_sum_update to fill: made while the
 * daemon idles, not by the first edit after a start or a SIGHUP (8 MB at
 * 1M lines, ~2,000 page faults).  0 (also when s is not empty) or
 * -ENOMEM. */
int filediff_sum_reserve(struct filediff_sum *s, size_t lines);

/*
 * The same, from the summary of the text buf replaced (old, or NULL):
 * the lines in the 1 KiB chunks both texts start and end with keep their
 * hashes, only those between are hashed (an edit costs a hash of each
 * KiB, not of each line).  In the memory of spare (a summary no longer
 * needed, or NULL: taken, emptied), already faulted in.  1 when every
 * chunk is old's: old is the summary (s is left empty, spare as it was;
 * at 1M lines that spares copying 8 MB of line hashes into fresh pages).
 */
int filediff_sum_update(struct filediff_sum *s, const char *buf, size_t len,
			const struct filediff_sum *old,
			struct filediff_sum *spare);

/* The same, calling done() each time about 4 MiB of buf were read
 * through (hashed; twice over in an edit all over the text, and from the
 * end back as far as both texts end alike), from two
 * threads at once for a text of filediff_thread_min bytes or more: a
 * reader of a mapped file may let their pages go (they may still be read
 * again, at the ends and around what changed). */
int filediff_sum_update_cb(struct filediff_sum *s, const char *buf,
			   size_t len, const struct filediff_sum *old,
			   struct filediff_sum *spare, filediff_done_fn done,
			   void *ctx);

/* Where line n (0-based; n == lines: the end) of the text s summarises
 * starts. */
size_t filediff_line_start(const struct filediff_sum *s, const char *buf,
			   size_t n);

struct filediff_win {
	size_t begin, end;   /* the new text's window, bytes (whole lines,
			      * never a byte order mark) */
	uint32_t first_line; /* lines before it in the new text */
	uint32_t new_lines;  /* lines it has */
	uint32_t old_first;  /* lines before it in the old text */
	uint32_t old_lines;  /* lines it had there */
};

struct filediff {
	struct filediff_win *win; /* ascending, disjoint, not adjacent */
	size_t n;
	int same;                 /* the texts are equal (no window) */
};

/*
 * The windows of buf (summary now: filediff_sum_of(buf)) that differ from
 * the text old summarises, which had old_lines lines.  0, -ENOMEM, or
 * -EAGAIN when no windows can be told (a text too short to be worth it,
 * a byte order mark that could move, a summary of another text).
 */
int filediff_windows(const struct filediff_sum *old, size_t old_lines,
		     const struct filediff_sum *now, const char *buf,
		     struct filediff *d);
/* The same, calling done(ctx, 0, upto) as the windows found pass each
 * 4 MiB of buf (they are found in order; the text is read around each). */
int filediff_windows_cb(const struct filediff_sum *old, size_t old_lines,
			const struct filediff_sum *now, const char *buf,
			struct filediff *d, filediff_done_fn done, void *ctx);
void filediff_free(struct filediff *d); /* NULL-safe */

#endif
