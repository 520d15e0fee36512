// SPDX-License-Identifier: GPL-2.0-only
/* The commands that act on a running or pinned firewall: reload, detach. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "pidfile.h"
#include "pins.h"

/* A pidfd of the daemon running on this pin_dir (*pid set), or -1 when
 * none runs (said on stderr when the answer is not "none"). */
static int daemon_pidfd(const struct xdpfw_config *cfg, pid_t *pid)
{
	int fd = pidfile_open_daemon(cfg->pin_dir, pid);

	if (fd < 0 && fd != -ESRCH)
		fprintf(stderr, "xdpfw: cannot tell whether a daemon runs for "
				"%s: %s\n", cfg->pin_dir, strerror(-fd));
	return fd < 0 ? -1 : fd;
}

static const struct cli_cmd reload_cmd = {
	"reload", "[-c CONFIG]",
	"Ask the running daemon for a forced re-sync of the rules file with\n"
	"the kernel (it sends SIGHUP; `systemctl reload xdpfw` does the same).",
	cli_opts_config, NULL,
};

int cmd_reload(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	pid_t pid;
	int rc = cli_parse_common(argc, argv, &reload_cmd, &config, NULL, 0, 0);
	int fd, err;

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out;
	fd = daemon_pidfd(&cfg, &pid);
	if (fd < 0) {
		fprintf(stderr, "xdpfw: no daemon is running for %s\n", cfg.pin_dir);
		rc = EXIT_RUNTIME;
	} else if ((err = pidfile_signal(fd, SIGHUP))) {
		fprintf(stderr, "xdpfw: cannot signal the daemon (pid %d): %s\n",
			(int)pid, strerror(-err));
		rc = EXIT_RUNTIME;
	} else {
		printf("asked xdpfw (pid %d) to re-sync\n", (int)pid);
	}
	if (fd >= 0)
		close(fd);
out:
	config_free(&cfg);
	return rc;
}

static const struct cli_cmd detach_cmd = {
	"detach", "[-c CONFIG]",
	"Turn the firewall off: remove the XDP program from every interface\n"
	"it is attached to, empty the maps in batches, and remove the pins\n"
	"under pin_dir (rules and counters are gone).  A daemon running on\n"
	"this pin_dir is stopped first (SIGTERM); under systemd, `systemctl\n"
	"stop xdpfw` before.",
	cli_opts_config, NULL,
};

/* With the program detached, empty the maps before their pins go: the
 * kernel frees a full map of millions of entries in one piece of work
 * that holds a CPU (kmaps_drain). */
static void drain_maps(const struct xdpfw_config *cfg)
{
	struct kmaps km;
	size_t n = 0;
	int err = kmaps_open_pinned(&km, cfg->pin_dir, 1);

	if (err == -ENOENT)
		return;
	if (!err) {
		err = kmaps_drain(&km, &n);
		kmaps_close(&km);
	}
	if (err == -EEXIST)
		fprintf(stderr, "xdpfw: warning: a map pinned under %s is not "
				"xdpfw's own: no map emptied before the pins go\n",
			cfg->pin_dir);
	else if (err)
		fprintf(stderr, "xdpfw: warning: cannot empty the maps before "
				"they are freed: %s\n", strerror(-err));
	else if (n)
		printf("emptied the maps (%zu keys)\n", n);
}

int cmd_detach(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	struct stat st;
	pid_t pid;
	int rc = cli_parse_common(argc, argv, &detach_cmd, &config, NULL, 0, 0);
	int fd, err, rc2;

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out;
	fd = daemon_pidfd(&cfg, &pid);
	if (fd >= 0) {
		/* Detaching under a running daemon would leave it writing to
		 * maps nothing reads: stop it first (it exits 0 on SIGTERM, so
		 * systemd does not restart it). */
		printf("stopping the daemon (pid %d) first\n", (int)pid);
		err = pidfile_signal(fd, SIGTERM);
		if (!err)
			err = pidfile_wait_exit(fd, 10000);
		close(fd);
		if (err == -ETIMEDOUT) {
			fprintf(stderr, "xdpfw: the daemon (pid %d) does not stop; "
					"stop it (systemctl stop xdpfw), then detach\n",
				(int)pid);
			rc = EXIT_RUNTIME;
			goto out;
		}
		if (err) {
			fprintf(stderr, "xdpfw: cannot stop the daemon (pid %d): %s%s\n",
				(int)pid, strerror(-err),
				err == -EPERM ? " (detach needs root)" : "");
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	if (stat(cfg.pin_dir, &st)) {
		printf("nothing to detach: %s does not exist\n", cfg.pin_dir);
		goto out;
	}
	if (cfg.attach == ATTACH_LIBXDP)
		attach_libxdp_detach_all(&cfg); /* before the maps' pins go */
	err = loader_detach_links(cfg.pin_dir);
	drain_maps(&cfg);
	rc2 = pins_remove_all(cfg.pin_dir);
	if (!err)
		err = rc2;
	if (err) {
		fprintf(stderr, "xdpfw: detach incomplete: %s\n", strerror(-err));
		rc = EXIT_RUNTIME;
	} else {
		printf("detached; removed the pins under %s\n", cfg.pin_dir);
	}
out:
	config_free(&cfg);
	return rc;
}
