// SPDX-License-Identifier: GPL-2.0-only
#include "metrics_http.h"

#include <errno.h>
#include <microhttpd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "daemon_int.h"
#include "listen_addr.h"
#include "log.h"
#include "metrics_expo.h"
#include "metrics_collect.h"

#define HTTP_MAX_CONN 16
#define HTTP_PER_IP 8
#define HTTP_TIMEOUT_S 10
#define HTTP_MEM_LIMIT (32 * 1024)
#define HTTP_RETRY_S 5.0

struct metrics_http {
	struct daemon *d;
	struct listen_addr addr;
	char addr_text[64];
	struct MHD_Daemon *mhd;
	int fd;              /* the listening socket (MHD closes it) */
	ev_io io;            /* MHD's epoll fd */
	ev_timer tmo;        /* MHD's next timeout */
	ev_timer retry;      /* bind again after a failure */
	ev_idle step;        /* the collection, a piece at a time */
	struct metrics_collect mc;
	int collecting;
	double t0_ms, cpu0_ms; /* when the collection started, wall and CPU */
	unsigned long gen_started, gen_done;
	char *body;          /* exposition of gen_done */
	size_t body_len;
	unsigned status;     /* 200, or 500 when the collection failed */
	struct MHD_Connection *waiting[HTTP_MAX_CONN];
	size_t n_waiting;
	int bind_failed;     /* logged once until it works */
};

struct req {
	unsigned long want; /* the collection it waits for; 0: none yet */
};

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void run_mhd(struct metrics_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(h->mhd);
	ev_timer_stop(h->d->loop, &h->tmo);
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		ev_timer_set(&h->tmo, (double)ms / 1000.0, 0.);
		ev_timer_start(h->d->loop, &h->tmo);
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	run_mhd(container_of(w, struct metrics_http, io));
}

static void on_tmo(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	run_mhd(container_of(w, struct metrics_http, tmo));
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     const char *body, size_t len, int copy)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    copy ? MHD_RESPMEM_MUST_COPY :
						   MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (status == MHD_HTTP_OK)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4; charset=utf-8");
	else
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define REPLY_CONST(conn, status, text) \
	reply(conn, status, text, sizeof(text) - 1, 0)

/* The interfaces the program runs on, with how it is attached. */
static size_t attached_ifaces(struct daemon *d, struct metrics_iface *out)
{
	size_t n = 0;

	for (size_t i = 0; i < d->cfg->n_interfaces; i++) {
		const char *mode = attach_mode_of(d->cfg, &d->km,
						  d->cfg->interfaces[i]);

		if (!d->attached[i] || !mode)
			continue;
		out[n].ifname = d->cfg->interfaces[i];
		out[n].mode = mode;
		n++;
	}
	return n;
}

/* The collection is complete: format it once for every waiting scrape. */
static int render(struct metrics_http *h)
{
	struct metrics_iface ifs[CONFIG_MAX_INTERFACES];
	struct daemon *d = h->d;
	struct metrics_view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = metrics_collect_end(&h->mc, &d->km, d->cfg->metrics_top, &v);
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f) {
		metrics_view_free(&v);
		return -errno;
	}
	metrics_print(f, &v, &d->metrics, ifs, attached_ifaces(d, ifs));
	metrics_view_free(&v);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	free(h->body);
	h->body = buf;
	h->body_len = len;
	return 0;
}

static void on_step(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct metrics_http *h = container_of(w, struct metrics_http, step);
	int r;

	(void)revents;
	r = metrics_collect_step(&h->mc, &h->d->km);
	if (r == 0)
		return;
	ev_idle_stop(loop, w);
	h->collecting = 0;
	if (r > 0)
		r = render(h);
	metrics_collect_abort(&h->mc);
	h->status = r < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK;
	if (r < 0)
		log_error("metrics: cannot read the counters: %s", strerror(-r));
	h->gen_done = h->gen_started;
	log_debug("metrics: collection %lu: %.1f ms (%.1f ms CPU), %zu bytes",
		  h->gen_done, daemon_mono_ms() - h->t0_ms,
		  cpu_ms() - h->cpu0_ms, h->body_len);
	for (size_t i = 0; i < h->n_waiting; i++)
		MHD_resume_connection(h->waiting[i]);
	h->n_waiting = 0;
	run_mhd(h);
}

/* The collection a new scrape waits for: the running one, else a new one.
 * 0 when none can start. */
static unsigned long collection_for_scrape(struct metrics_http *h)
{
	int err;

	if (h->collecting)
		return h->gen_started;
	err = metrics_collect_begin(&h->mc, &h->d->km);
	if (err) {
		log_error("metrics: %s", strerror(-err));
		return 0;
	}
	h->collecting = 1;
	h->t0_ms = daemon_mono_ms();
	h->cpu0_ms = cpu_ms();
	ev_idle_start(h->d->loop, &h->step);
	return ++h->gen_started;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct metrics_http *h = cls;
	struct req *r = *con_cls;

	(void)version;
	(void)upload_data;
	if (!r) { /* headers only, so far: refuse before reading a body */
		if (strcmp(url, "/metrics"))
			return REPLY_CONST(conn, MHD_HTTP_NOT_FOUND,
					   "not found: xdpfw serves GET /metrics only\n");
		if (strcmp(method, MHD_HTTP_METHOD_GET) &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD))
			return REPLY_CONST(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "method not allowed: GET /metrics\n");
		r = calloc(1, sizeof(*r));
		*con_cls = r;
		return r ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size)
		return REPLY_CONST(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				   "a request body is not accepted\n");
	if (!r->want && !(r->want = collection_for_scrape(h)))
		return REPLY_CONST(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "cannot collect the counters\n");
	if (h->gen_done >= r->want)
		return h->status == MHD_HTTP_OK ?
			       reply(conn, MHD_HTTP_OK, h->body, h->body_len, 1) :
			       REPLY_CONST(conn, h->status,
					   "cannot read the counters\n");
	if (h->n_waiting == HTTP_MAX_CONN) /* cannot happen: the limit */
		return REPLY_CONST(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "too many scrapes\n");
	MHD_suspend_connection(conn);
	h->waiting[h->n_waiting++] = conn;
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("metrics: %s", line);
}

/* Our own socket, so that a bind error names the address and the errno. */
static int open_listener(const struct listen_addr *a)
{
	int one = 1, fd;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) ||
	    listen(fd, HTTP_MAX_CONN)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int start_mhd(struct metrics_http *h)
{
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	int fd = open_listener(&h->addr);

	if (fd < 0)
		return fd;
	if (h->addr.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, h,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONN,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEM_LIMIT,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h, MHD_OPTION_END);
	if (!h->mhd) {
		close(fd);
		return -EIO;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		MHD_stop_daemon(h->mhd);
		h->mhd = NULL;
		return -EIO;
	}
	ev_io_init(&h->io, on_io, info->epoll_fd, EV_READ);
	ev_io_start(h->d->loop, &h->io);
	run_mhd(h);
	return 0;
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct metrics_http *h = container_of(w, struct metrics_http, retry);
	int err = start_mhd(h);

	(void)revents;
	if (!err) {
		ev_timer_stop(loop, w);
		log_info("metrics: serving http://%s/metrics", h->addr_text);
		if (h->bind_failed)
			h->bind_failed = 0;
		return;
	}
	if (!h->bind_failed)
		log_error("metrics: cannot listen on %s: %s%s; trying again "
			  "every %.0f s (the firewall runs meanwhile)",
			  h->addr_text, strerror(-err),
			  err == -EAFNOSUPPORT ? " (under systemd: allow AF_INET "
			  "and AF_INET6 in a drop-in, see xdpfw(8))" : "",
			  HTTP_RETRY_S);
	h->bind_failed = 1;
}

void metrics_http_start(struct daemon *d)
{
	struct metrics_http *h;
	char why[256];

	if (!d->cfg->stats_listen)
		return;
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_error("metrics: out of memory");
		return;
	}
	h->d = d;
	if (listen_addr_parse(d->cfg->stats_listen, &h->addr, why, sizeof(why))) {
		log_error("metrics: [stats] listen: %s", why); /* checked at parse */
		free(h);
		return;
	}
	listen_addr_format(&h->addr, h->addr_text, sizeof(h->addr_text));
	ev_init(&h->tmo, on_tmo);
	ev_idle_init(&h->step, on_step);
	ev_timer_init(&h->retry, on_retry, HTTP_RETRY_S, HTTP_RETRY_S);
	if (metrics_collect_open(&h->mc, &d->km))
		log_info("metrics: the pinned counter map predates mmap; scrapes "
			 "read it with batch lookups (slower at a million rules "
			 "until `xdpfw detach` and a start create it anew)");
	d->http = h;
	on_retry(d->loop, &h->retry, 0);
	if (h->bind_failed)
		ev_timer_start(d->loop, &h->retry);
}

void metrics_http_stop(struct daemon *d)
{
	struct metrics_http *h = d->http;

	if (!h)
		return;
	ev_timer_stop(d->loop, &h->retry);
	ev_timer_stop(d->loop, &h->tmo);
	ev_idle_stop(d->loop, &h->step);
	if (h->mhd) {
		ev_io_stop(d->loop, &h->io);
		/* MHD wants every suspended connection resumed before it stops. */
		for (size_t i = 0; i < h->n_waiting; i++)
			MHD_resume_connection(h->waiting[i]);
		MHD_stop_daemon(h->mhd);
	}
	metrics_collect_close(&h->mc);
	free(h->body);
	free(h);
	d->http = NULL;
}
