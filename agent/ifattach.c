// SPDX-License-Identifier: GPL-2.0-only
/*
 * The configured interfaces, as they come and go: attach every one that
 * exists at start-up (a missing one is never a reason to exit), and
 * follow rtnetlink link notifications to attach one that appears and
 * note one that disappears.
 */
#include "ifattach.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "attach.h"
#include "integrity.h"
#include "log.h"

static void on_link(void *ctx, enum ifmon_event ev, const char *ifname,
		    int ifindex)
{
	struct daemon *d = ctx;

	for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
		if (strcmp(d->cfg->interfaces[i], ifname))
			continue;
		if (ev == IFMON_DEL && d->attached[i]) {
			d->attached[i] = 0;
			log_warn("%s: interface disappeared (ifindex %d); it is "
				 "attached again when it returns", ifname, ifindex);
		} else if (ev == IFMON_NEW && !d->attached[i]) {
			int err = attach_iface(d->cfg, d->skel, ifname);

			if (!err)
				d->attached[i] = 1;
			else if (err != -ENODEV)
				log_error("%s: cannot attach: %s", ifname,
					  strerror(-err));
		}
	}
}

void ifattach_on_event(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = container_of(w, struct daemon, ifmon_io);
	int err = ifmon_read(d->ifmon_fd, on_link, d);

	(void)loop;
	(void)revents;
	if (err == -ENOBUFS) {
		/* Events were lost: look at every configured interface. */
		for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
			int idx = (int)if_nametoindex(d->cfg->interfaces[i]);

			on_link(d, idx ? IFMON_NEW : IFMON_DEL,
				d->cfg->interfaces[i], idx);
		}
	} else if (err) {
		log_error("reading link notifications failed: %s", strerror(-err));
	}
	integrity_link_event(d);
}

int ifattach_all(struct daemon *d, size_t *attached)
{
	*attached = 0;
	for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
		const char *ifname = d->cfg->interfaces[i];
		int err = attach_iface(d->cfg, d->skel, ifname);

		if (err == -ENODEV) {
			/* Boot order varies: never a reason to exit (systemd
			 * would restart us into its start limit). */
			log_warn("%s: interface not found; it is attached as soon "
				 "as it appears (if the name is wrong, fix [agent] "
				 "interfaces in %s)", ifname, d->cfg->path);
			continue;
		}
		if (err)
			return err;
		d->attached[i] = 1;
		(*attached)++;
	}
	if (!*attached)
		log_warn("none of the configured interfaces exists yet; the rules "
			 "are loaded and wait for them");
	return 0;
}
