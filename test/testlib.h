/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal test helpers shared by the C test programs.  A failed check prints
 * file:line and the expression, and makes the program exit 1 at the end;
 * tests that lack a privilege exit 77 (meson: skipped).
 */
#ifndef XDPFW_TESTLIB_H
#define XDPFW_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tl_failures;
static int tl_checks;

#define CHECK(cond)                                                        \
	do {                                                               \
		tl_checks++;                                               \
		if (!(cond)) {                                             \
			tl_failures++;                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
		}                                                          \
	} while (0)

#define CHECK_MSG(cond, ...)                                               \
	do {                                                               \
		tl_checks++;                                               \
		if (!(cond)) {                                             \
			tl_failures++;                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ",       \
				__FILE__, __LINE__, #cond);                \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *tl_a = (a), *tl_b = (b);                       \
		tl_checks++;                                               \
		if (!tl_a || !tl_b || strcmp(tl_a, tl_b) != 0) {           \
			tl_failures++;                                     \
			fprintf(stderr,                                    \
				"%s:%d: expected \"%s\", got \"%s\"\n",    \
				__FILE__, __LINE__, tl_b ? tl_b : "(null)", \
				tl_a ? tl_a : "(null)");                   \
		}                                                          \
	} while (0)

#define CHECK_INT(a, b)                                                    \
	do {                                                               \
		long long tl_a = (long long)(a), tl_b = (long long)(b);    \
		tl_checks++;                                               \
		if (tl_a != tl_b) {                                        \
			tl_failures++;                                     \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, tl_a, tl_b);       \
		}                                                          \
	} while (0)

static inline int tl_finish(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tl_checks, tl_failures);
	return tl_failures ? 1 : 0;
}

#define TL_SKIP 77

struct kmaps;
struct xdpfw_bpf;

/*
 * The prologue of the tests that run the real XDP program (testlib.c):
 * not root -> "NAME: not root, skipping", TL_SKIP; logging at log_level
 * (an enum log_level) with libbpf's messages bridged; xdpfw's program
 * loaded with max_rules slots, its maps opened into *km.  Returns 0 when
 * ready, TL_SKIP when loading is refused with EPERM, 1 on another error
 * (printed).
 */
int tl_bpf_load(const char *name, int log_level, unsigned int max_rules,
		struct xdpfw_bpf **skel, struct kmaps *km);

#endif
