/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `[stats] listen`: GET /metrics over HTTP (libmicrohttpd), driven by the
 * daemon's libev loop through MHD's epoll fd (no thread).  A scrape starts
 * a collection of the counters a piece per loop iteration (like the stats
 * pipeline), its connection suspended until the collection is done;
 * scrapes that arrive meanwhile share it.  Served: metrics_expo.h.
 *
 * Bounded: at most HTTP_MAX_CONN connections (HTTP_PER_IP per client
 * address), 10 s per connection, 32 KiB of request memory; only GET and
 * HEAD of /metrics (404 for another path, 405 for another method, 413 for
 * a request body).
 */
#ifndef XDPFW_METRICS_HTTP_H
#define XDPFW_METRICS_HTTP_H

struct daemon;

/* Nothing when [stats] listen is unset.  A bind that fails is logged and
 * retried every few seconds: the firewall runs without its endpoint
 * meanwhile (the rules do not depend on it). */
void metrics_http_start(struct daemon *d);
void metrics_http_stop(struct daemon *d); /* NULL-safe state */

#endif
