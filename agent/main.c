// SPDX-License-Identifier: GPL-2.0-only
/* xdpfw: the entry point, dispatching to sub-commands. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "build_config.h"
#include "cli.h"
#include "config.h"
#include "log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run the daemon in the foreground" },
	{ "check", cmd_check, "validate the config and a rules file; touch nothing" },
	{ "stats", cmd_stats, "per-rule drop counters and totals" },
	{ "list", cmd_list, "the entries enforced in the kernel now" },
	{ "verify", cmd_verify, "compare the kernel with the rules; exit 1 on a difference" },
	{ "explain", cmd_explain, "why a packet from an address is dropped or passed" },
	{ "reload", cmd_reload, "ask the running daemon for a re-sync (SIGHUP)" },
	{ "detach", cmd_detach, "remove the program from the interfaces and the pins" },
	{ "add", cmd_add, "add entries to a rules file (for fail2ban, cron feeds)" },
	{ "del", cmd_del, "remove entries from a rules file" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: xdpfw COMMAND [OPTIONS]\n\n"
		   "An XDP firewall that drops ingress packets from the remote\n"
		   "endpoints listed in a rules file.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'xdpfw COMMAND --help' for a command's options.\n"
		   "Default config: %s\n"
		   "Exit status: 0 success, 1 invalid config or rules, 2 usage error,\n"
		   "3 runtime failure (kernel refused, interface missing, no permission).\n",
		XDPFW_DEFAULT_CONFIG_PATH);
}

/*
 * The daemon's signals are held from its first instruction: a SIGHUP or
 * SIGTERM that arrives while it loads a million rules or migrates maps
 * (the default action would kill it half-way) waits, pending, until the
 * event loop takes it (libev reads them from a signalfd).
 */
static void hold_daemon_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "run"))
		hold_daemon_signals();
	/* A read lease (safefile.c) is broken with SIGIO when a writer opens
	 * the file: the writer waits for our read to end, we need no signal. */
	signal(SIGIO, SIG_IGN);
	log_init();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("xdpfw %s\n", XDPFW_VERSION_STRING);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xdpfw: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
