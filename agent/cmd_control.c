// SPDX-License-Identifier: GPL-2.0-only
/* The commands that act on a running or pinned firewall: reload, detach. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "loader.h"
#include "log.h"

/* PID of the daemon running on this pin_dir, or 0. */
static pid_t daemon_pid(const struct xdpfw_config *cfg)
{
	char path[4096];
	long pid = 0;
	FILE *f;

	if (cli_pidfile_path(path, sizeof(path), cfg->pin_dir))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || (kill((pid_t)pid, 0) && errno == ESRCH))
		return 0;
	return (pid_t)pid;
}

static void reload_usage(FILE *f)
{
	fprintf(f, "Usage: xdpfw reload [-c CONFIG]\n\n"
		   "Ask the running daemon for a forced re-sync of the rules file with\n"
		   "the kernel (it sends SIGHUP; `systemctl reload xdpfw` does the same).\n\n"
		   "  -c, --config PATH  config file (default /etc/xdpfw/xdpfw.conf)\n"
		   "  -h, --help         this help\n");
}

int cmd_reload(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	pid_t pid;
	int rc = cli_parse_config_only(argc, argv, &config, reload_usage);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out;
	pid = daemon_pid(&cfg);
	if (!pid) {
		fprintf(stderr, "xdpfw: no daemon is running for %s\n", cfg.pin_dir);
		rc = EXIT_RUNTIME;
	} else if (kill(pid, SIGHUP)) {
		fprintf(stderr, "xdpfw: cannot signal pid %d: %s\n", (int)pid,
			strerror(errno));
		rc = EXIT_RUNTIME;
	} else {
		printf("asked xdpfw (pid %d) to re-sync\n", (int)pid);
	}
out:
	config_free(&cfg);
	return rc;
}

/* 0 once pid is gone, -ETIMEDOUT after ms milliseconds. */
/* Gone, or a zombie its parent has not reaped yet (it exited). */
static int pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	if (kill(pid, 0) && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

static int wait_gone(pid_t pid, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		if (pid_gone(pid))
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static void detach_usage(FILE *f)
{
	fprintf(f, "Usage: xdpfw detach [-c CONFIG]\n\n"
		   "Turn the firewall off: remove the XDP program from every interface\n"
		   "it is attached to and remove the pins under pin_dir (rules and\n"
		   "counters are gone).  A daemon running on this pin_dir is stopped\n"
		   "first (SIGTERM); under systemd, `systemctl stop xdpfw` before.\n\n"
		   "  -c, --config PATH  config file (default /etc/xdpfw/xdpfw.conf)\n"
		   "  -h, --help         this help\n");
}

int cmd_detach(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	struct stat st;
	pid_t pid;
	int rc = cli_parse_config_only(argc, argv, &config, detach_usage);
	int err;

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out;
	pid = daemon_pid(&cfg);
	if (pid) {
		/* Detaching under a running daemon would leave it writing to
		 * maps nothing reads: stop it first (it exits 0 on SIGTERM, so
		 * systemd does not restart it). */
		printf("stopping the daemon (pid %d) first\n", (int)pid);
		if (kill(pid, SIGTERM) || wait_gone(pid, 10000)) {
			fprintf(stderr, "xdpfw: the daemon (pid %d) does not stop; "
					"stop it (systemctl stop xdpfw), then detach\n",
				(int)pid);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	if (stat(cfg.pin_dir, &st)) {
		printf("nothing to detach: %s does not exist\n", cfg.pin_dir);
		goto out;
	}
	err = loader_detach_all(cfg.pin_dir);
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
