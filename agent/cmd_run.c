// SPDX-License-Identifier: GPL-2.0-only
/* xdpfw run [-c CONFIG]: the daemon, in the foreground. */
#include <stdio.h>

#include "cli.h"
#include "daemon.h"

static const struct cli_cmd run_cmd = {
	"run", "[-c CONFIG]",
	"Run the firewall daemon in the foreground: load the XDP program,\n"
	"attach it to [agent] interfaces, keep the kernel's maps in step\n"
	"with the rules file (re-read on every save; SIGHUP forces a full\n"
	"re-sync) and log to stderr.  SIGTERM/SIGINT stop the daemon and\n"
	"leave the firewall enforcing; `xdpfw detach` turns it off.\n"
	"Never silently off: when something else detaches or replaces the\n"
	"program, removes a pin or writes to the maps (bpf() by another\n"
	"process, seen by a tracepoint), it restores the state within 2 s\n"
	"and logs a warning naming it; [agent] audit_interval runs a full\n"
	"comparison as a backstop.",
	cli_opts_config, NULL,
};

int cmd_run(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	int rc = cli_parse_common(argc, argv, &run_cmd, &config, NULL, 0, 0);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 1);
	if (!rc)
		rc = daemon_run(&cfg);
	config_free(&cfg);
	return rc;
}
