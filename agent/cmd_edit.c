// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpfw add / xdpfw del: edit a rules file for scripts (fail2ban, CrowdSec,
 * cron feeds).  Validate every entry first (exit 1, nothing written), then
 * rewrite the file whole under a lock, so that concurrent callers lose
 * nothing; the daemon applies the change as for any save.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kmaps.h"
#include "ruleedit.h"
#include "rules.h"
#include "safefile.h"

#define EDIT_FILE_MAX (1UL << 30)

struct edit_args {
	const char *config, *file;
	int64_t expires; /* add: --for / --until */
	int wait;
	char **entries;
	int n_entries;
};

#define EDIT_OPT_FILE \
	{ "file", 0, 'f', required_argument, "PATH", "the rules file to edit" }
#define EDIT_OPT_WAIT \
	{ "wait", 0, 'w', no_argument, NULL, \
	  "return once the daemon enforces the change" }
#define EDIT_COMMON \
	"Every entry is validated first (exit 1, nothing written); the file\n" \
	"is rewritten atomically under a lock."

static const struct cli_opt add_opts[] = {
	CLI_OPT_CONFIG,
	{ "for", 0, 'F', required_argument, "DURATION",
	  "expire after DURATION" },
	{ "until", 0, 'U', required_argument, "TIME", "expire at TIME (UTC)" },
	EDIT_OPT_FILE,
	EDIT_OPT_WAIT,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt del_opts[] = {
	CLI_OPT_CONFIG,
	EDIT_OPT_FILE,
	EDIT_OPT_WAIT,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd edit_cmds[2] = {
	{ "add", "[-c CONFIG] [--for DURATION | --until TIME]\n"
		 "                 [--file PATH] [--wait] ENTRY...",
	  "Add entries to a rules file (default: dynamic.txt in rules_dir);\n"
	  "an entry already there gets the new expiry.  Entries that have\n"
	  "expired are pruned from the file.  DURATION: 90s, 10m, 2h, 7d;\n"
	  "TIME: 2026-12-01T00:00:00Z.\n\n" EDIT_COMMON,
	  add_opts, NULL },
	{ "del", "[-c CONFIG] [--file PATH] [--wait] ENTRY...",
	  "Remove entries from a rules file (default: dynamic.txt in\n"
	  "rules_dir).  An entry that is not there is not an error.\n\n"
	  EDIT_COMMON,
	  del_opts, NULL },
};

/* "90s", "10m", "2h", "7d": seconds, or -1. */
static int64_t parse_duration(const char *s)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v <= 0 || v > 3650LL * 86400 || !end[0] || end[1])
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit)
			return v * units[i].secs > 3650LL * 86400 ? -1 :
			       v * units[i].secs;
	return -1;
}

static int parse_args(int argc, char **argv, int del, struct edit_args *a)
{
	const struct cli_cmd *cmd = &edit_cmds[del ? 1 : 0];
	int c, timed = 0;

	memset(a, 0, sizeof(*a));
	while ((c = cli_getopt(argc, argv, cmd)) != -1) {
		int64_t d;

		if (c == 'c') {
			a->config = optarg;
		} else if (c == 'f') {
			a->file = optarg;
		} else if (c == 'w') {
			a->wait = 1;
		} else if ((c == 'F' || c == 'U') && !del && !timed++) {
			d = c == 'F' ? parse_duration(optarg) : 0;
			if (c == 'F' && d > 0) {
				a->expires = (int64_t)time(NULL) + d;
				continue;
			}
			if (c == 'U' && !rules_parse_time(optarg, strlen(optarg),
							  &a->expires))
				continue;
			fprintf(stderr, "xdpfw: --%s: bad value '%s' (%s)\n",
				c == 'F' ? "for" : "until", optarg,
				c == 'F' ? "90s, 10m, 2h or 7d" :
					   "e.g. 2026-12-01T00:00:00Z");
			return EXIT_USAGE;
		} else if (c == 'h') {
			cli_usage(stdout, cmd);
			return -1;
		} else {
			cli_usage(stderr, cmd);
			return EXIT_USAGE;
		}
	}
	a->entries = argv + optind;
	a->n_entries = argc - optind;
	if (!a->n_entries || (a->file && a->file[0] != '/')) {
		cli_usage(stderr, cmd);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Every ENTRY, validated: exit 1 before anything is written. */
static int build_ops(const struct edit_args *a, int del,
		     struct ruleedit_op *ops)
{
	int rc = EXIT_OK;

	for (int i = 0; i < a->n_entries; i++) {
		char msg[320];
		uint32_t col;

		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].del = del;
		ops[i].expires = a->expires;
		if (rule_parse(a->entries[i], strlen(a->entries[i]),
			       &ops[i].rule, msg, sizeof(msg), &col)) {
			fprintf(stderr, "%s:%u: %s\n", a->entries[i], col, msg);
			rc = EXIT_INVALID;
		}
	}
	return rc;
}

/* --file, or dynamic.txt in rules_dir (created when missing). */
static int target_path(const struct edit_args *a,
		       const struct xdpfw_config *cfg, char *buf, size_t len)
{
	if (a->file) {
		snprintf(buf, len, "%s", a->file);
		return EXIT_OK;
	}
	if (!cfg->rules_dir) {
		fprintf(stderr, "xdpfw: no rules_dir is configured; name the file "
				"with --file\n");
		return EXIT_USAGE;
	}
	if (mkdir(cfg->rules_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "xdpfw: cannot create %s: %s\n", cfg->rules_dir,
			strerror(errno));
		return EXIT_RUNTIME;
	}
	if ((size_t)snprintf(buf, len, "%s/dynamic.txt", cfg->rules_dir) >= len)
		return EXIT_USAGE;
	return EXIT_OK;
}

/* An exclusive lock beside the file (a dot name: never a rules file). */
static int lock_beside(const char *path)
{
	char lock[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash || (size_t)snprintf(lock, sizeof(lock), "%.*s/.%s.lock",
				       (int)(slash - path), path,
				       slash + 1) >= sizeof(lock))
		return -ENAMETOOLONG;
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

struct text {
	const char *buf;
	size_t len;
};

static int fill_text(FILE *f, void *ctx)
{
	const struct text *t = ctx;

	return fwrite(t->buf, 1, t->len, f) == t->len ? 0 : -EIO;
}

/* Read, edit and write back path under its lock. */
static int edit_file(const char *path, const struct ruleedit_op *ops,
		     size_t n, int del)
{
	struct safefile_result res;
	char *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	int lock, err, rc = EXIT_OK;

	lock = lock_beside(path);
	if (lock < 0) {
		fprintf(stderr, "xdpfw: cannot lock %s: %s\n", path, strerror(-lock));
		return EXIT_RUNTIME;
	}
	err = safefile_read(path, EDIT_FILE_MAX, &in, &in_len, &res);
	if (err && err != -ENOENT) {
		fprintf(stderr, "%s: %s\n", path, res.why);
		rc = err == -EINVAL ? EXIT_INVALID : EXIT_RUNTIME;
		goto out;
	}
	err = ruleedit_apply(in ? in : "", in_len, ops, n,
			     del ? 0 : (int64_t)time(NULL), &out, &out_len);
	if (!err && (out_len != in_len || memcmp(out, in ? in : "", in_len))) {
		struct text t = { out, out_len };

		err = safefile_write(path, 0644, fill_text, &t);
	}
	if (err) {
		fprintf(stderr, "xdpfw: cannot write %s: %s\n", path, strerror(-err));
		rc = EXIT_RUNTIME;
	}
out:
	free(in);
	free(out);
	close(lock);
	return rc;
}

/* Is every added rule in the kernel's slot table, every deleted one gone? */
static int enforced(const struct kmaps *km, const struct ruleedit_op *ops,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int found = 0;

		for (uint32_t s = 0; s < km->capacity && !found; s++)
			found = !memcmp(&km->table[s], &ops[i].rule,
					sizeof(ops[i].rule));
		if (found == ops[i].del)
			return 0;
	}
	return 1;
}

/* --wait: up to 10 s for the daemon to apply the change. */
static int wait_enforced(const struct xdpfw_config *cfg,
			 const struct ruleedit_op *ops, size_t n)
{
	for (int ms = 0; ms < 10000; ms += 50) {
		struct kmaps km;
		int ok = 0;

		if (!kmaps_open_pinned(&km, cfg->pin_dir, 0)) {
			ok = enforced(&km, ops, n);
			kmaps_close(&km);
		}
		if (ok)
			return EXIT_OK;
		usleep(50000);
	}
	fprintf(stderr, "xdpfw: the change is not enforced after 10 s (is the "
			"daemon running on %s?)\n", cfg->pin_dir);
	return EXIT_RUNTIME;
}

static int cmd_edit(int argc, char **argv, int del)
{
	struct ruleedit_op *ops = NULL;
	struct xdpfw_config cfg;
	struct edit_args a;
	char path[4096];
	int rc = parse_args(argc, argv, del, &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	ops = calloc((size_t)a.n_entries, sizeof(*ops));
	if (!ops)
		return EXIT_RUNTIME;
	rc = build_ops(&a, del, ops);
	if (!rc)
		rc = cli_load_config(a.config, &cfg, 0);
	else
		config_init(&cfg);
	if (!rc)
		rc = target_path(&a, &cfg, path, sizeof(path));
	if (!rc)
		rc = edit_file(path, ops, (size_t)a.n_entries, del);
	if (!rc && a.wait)
		rc = wait_enforced(&cfg, ops, (size_t)a.n_entries);
	config_free(&cfg);
	free(ops);
	return rc;
}

int cmd_add(int argc, char **argv)
{
	return cmd_edit(argc, argv, 0);
}

int cmd_del(int argc, char **argv)
{
	return cmd_edit(argc, argv, 1);
}
