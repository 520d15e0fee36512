// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for agent/config.c: the INI config file (SPEC §3). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"

/* ------------------------------------------------------------------------ */
/* Diagnostics recorder */

#define MAX_DIAGS 32

struct diag_rec {
	char path[64];
	unsigned line;
	char msg[1024];
};

struct diags {
	size_t n;   /* recorded */
	size_t all; /* reported, including those beyond MAX_DIAGS */
	struct diag_rec r[MAX_DIAGS];
};

static void record(void *ctx, const char *path, unsigned line, const char *msg)
{
	struct diags *d = ctx;

	d->all++;
	if (d->n == MAX_DIAGS)
		return;
	snprintf(d->r[d->n].path, sizeof(d->r[d->n].path), "%s", path);
	d->r[d->n].line = line;
	snprintf(d->r[d->n].msg, sizeof(d->r[d->n].msg), "%s", msg);
	d->n++;
}

static void dump_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "    diag %zu: %s:%u: %s\n", i, d->r[i].path,
			d->r[i].line, d->r[i].msg);
}

/* config_init + config_load_string as "test.conf". */
static int load(struct xdpfw_config *cfg, struct diags *d, const char *text)
{
	memset(d, 0, sizeof(*d));
	config_init(cfg);
	return config_load_string(cfg, "test.conf", text, record, d);
}

static int has_diag(const struct diags *d, unsigned line, const char *substr)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->r[i].line == line && strstr(d->r[i].msg, substr))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Field access for the tables */

enum field {
	F_XDP_MODE,
	F_RULES,
	F_RULES_DIR,
	F_PIN_DIR,
	F_MAX_RULES,
	F_ON_INVALID,
	F_RELOAD_DELAY,
	F_LOG_LEVEL,
	F_INTERVAL,
	F_AUDIT,
	F_LOG_TOP,
	F_PROMETHEUS,
	F_N_IFACES,
};

static long long get_int(const struct xdpfw_config *c, enum field f)
{
	switch (f) {
	case F_XDP_MODE:
		return c->xdp_mode;
	case F_MAX_RULES:
		return c->max_rules;
	case F_ON_INVALID:
		return c->on_invalid;
	case F_RELOAD_DELAY:
		return c->reload_delay_ms;
	case F_LOG_LEVEL:
		return c->log_level;
	case F_INTERVAL:
		return c->stats_interval;
	case F_AUDIT:
		return c->audit_interval;
	case F_LOG_TOP:
		return c->stats_log_top;
	case F_N_IFACES:
		return (long long)c->n_interfaces;
	default:
		return -1;
	}
}

static const char *get_str(const struct xdpfw_config *c, enum field f)
{
	switch (f) {
	case F_RULES:
		return c->rules_path;
	case F_RULES_DIR:
		return c->rules_dir;
	case F_PIN_DIR:
		return c->pin_dir;
	case F_PROMETHEUS:
		return c->prometheus_textfile;
	default:
		return "?";
	}
}

static int is_str_field(enum field f)
{
	return f == F_RULES || f == F_RULES_DIR || f == F_PIN_DIR ||
	       f == F_PROMETHEUS;
}

/* ------------------------------------------------------------------------ */

static void test_defaults(void)
{
	struct xdpfw_config c;

	config_init(&c);
	CHECK(c.path == NULL);
	CHECK_INT(c.n_interfaces, 0);
	CHECK_INT(c.xdp_mode, XDP_MODE_AUTO);
	CHECK_STR(c.rules_path, "/etc/xdpfw/rules.txt");
	CHECK_STR(c.rules_dir, "/etc/xdpfw/rules.d");
	CHECK_STR(c.pin_dir, "/sys/fs/bpf/xdpfw");
	CHECK_INT(c.max_rules, 1048576);
	CHECK_INT(c.on_invalid, ON_INVALID_REJECT);
	CHECK_INT(c.reload_delay_ms, 100);
	CHECK_INT(c.log_level, LOG_LVL_INFO);
	CHECK_INT(c.stats_interval, 10);
	CHECK_INT(c.audit_interval, 60);
	CHECK_INT(c.stats_log_top, 5);
	CHECK(c.prometheus_textfile == NULL);
	config_free(&c);
	CHECK(c.rules_path == NULL && c.rules_dir == NULL && c.pin_dir == NULL);
	config_free(&c); /* idempotent */
	config_free(NULL);

	/* An empty file, and one with only comments, keep the defaults. */
	{
		struct diags d;

		CHECK_INT(load(&c, &d, ""), 0);
		CHECK_STR(c.path, "test.conf");
		CHECK_INT(c.max_rules, 1048576);
		config_free(&c);
		CHECK_INT(load(&c, &d, "# c\n; c\n\n   \n[agent]\n[stats]\n"),
			  0);
		CHECK_INT(d.all, 0);
		config_free(&c);
	}

	CHECK_STR(xdp_mode_name(XDP_MODE_AUTO), "auto");
	CHECK_STR(xdp_mode_name(XDP_MODE_NATIVE), "native");
	CHECK_STR(xdp_mode_name(XDP_MODE_GENERIC), "generic");
}

struct good_case {
	const char *text;
	enum field field;
	long long ival;
	const char *sval; /* for string fields; NULL: expect NULL */
};

#define PAD50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct good_case good_cases[] = {
	{ "[agent]\nxdp_mode = auto\n", F_XDP_MODE, XDP_MODE_AUTO, 0 },
	{ "[agent]\nxdp_mode = native\n", F_XDP_MODE, XDP_MODE_NATIVE, 0 },
	{ "[agent]\nxdp_mode = generic\n", F_XDP_MODE, XDP_MODE_GENERIC, 0 },
	{ "[agent]\nrules = /tmp/r.txt\n", F_RULES, 0, "/tmp/r.txt" },
	{ "[agent]\nrules_dir = /srv/feeds\n", F_RULES_DIR, 0, "/srv/feeds" },
	{ "[agent]\nrules_dir =\n", F_RULES_DIR, 0, NULL },
	{ "[agent]\nrules = /a b/c#d;e\n", F_RULES, 0, "/a b/c#d;e" },
	{ "[agent]\npin_dir = /sys/fs/bpf/other\n", F_PIN_DIR, 0,
	  "/sys/fs/bpf/other" },
	{ "[agent]\nmax_rules = 1\n", F_MAX_RULES, 1, 0 },
	{ "[agent]\nmax_rules = 67108864\n", F_MAX_RULES, 67108864, 0 },
	{ "[agent]\nmax_rules=7\n", F_MAX_RULES, 7, 0 },
	{ "[agent]\n\tmax_rules\t=\t8\t\n", F_MAX_RULES, 8, 0 },
	{ "[agent]\nmax_rules = 42 # hash comment\n", F_MAX_RULES, 42, 0 },
	{ "[agent]\nmax_rules = 43\t; tab comment\n", F_MAX_RULES, 43, 0 },
	{ "[agent]\nmax_rules = 44\n", F_MAX_RULES, 44, 0 },
	{ "[agent]\non_invalid = reject\n", F_ON_INVALID, ON_INVALID_REJECT, 0 },
	{ "[agent]\non_invalid = skip\n", F_ON_INVALID, ON_INVALID_SKIP, 0 },
	{ "[agent]\nreload_delay_ms = 0\n", F_RELOAD_DELAY, 0, 0 },
	{ "[agent]\nreload_delay_ms = 60000\n", F_RELOAD_DELAY, 60000, 0 },
	{ "[agent]\nlog_level = error\n", F_LOG_LEVEL, LOG_LVL_ERROR, 0 },
	{ "[agent]\nlog_level = warning\n", F_LOG_LEVEL, LOG_LVL_WARNING, 0 },
	{ "[agent]\nlog_level = info\n", F_LOG_LEVEL, LOG_LVL_INFO, 0 },
	{ "[agent]\nlog_level = debug\n", F_LOG_LEVEL, LOG_LVL_DEBUG, 0 },
	{ "[stats]\ninterval = 0\n", F_INTERVAL, 0, 0 },
	{ "[agent]\naudit_interval = 0\n", F_AUDIT, 0, 0 },
	{ "[agent]\naudit_interval = 86400\n", F_AUDIT, 86400, 0 },
	{ "[stats]\ninterval = 86400\n", F_INTERVAL, 86400, 0 },
	{ "[stats]\nlog_top = 0\n", F_LOG_TOP, 0, 0 },
	{ "[stats]\nlog_top = 1000\n", F_LOG_TOP, 1000, 0 },
	{ "[stats]\nprometheus_textfile = /var/lib/ne/xdpfw.prom\n",
	  F_PROMETHEUS, 0, "/var/lib/ne/xdpfw.prom" },
	{ "[stats]\nprometheus_textfile =\n", F_PROMETHEUS, 0, NULL },
	{ "[stats]\nprometheus_textfile =        ; off\n", F_PROMETHEUS, 0,
	  NULL },
	/* Section headers with blanks and a comment. */
	{ "[ stats ]   ; the stats\nlog_top = 9\n", F_LOG_TOP, 9, 0 },
	/* Indented keys are keys, not continuations of the previous value. */
	{ "[agent]\n  interfaces = eth0\n  max_rules = 12\n", F_MAX_RULES, 12,
	  0 },
	/* UTF-8 byte order mark. */
	{ "\xEF\xBB\xBF[agent]\nmax_rules = 13\n", F_MAX_RULES, 13, 0 },
	/* No newline at the end. */
	{ "[agent]\nmax_rules = 14", F_MAX_RULES, 14, 0 },
	/* A comment longer than inih's line buffer is fine. */
	{ "[agent]\n# " PAD50 PAD50 PAD50 PAD50 PAD50 "\nmax_rules = 15 ; "
	  PAD50 PAD50 PAD50 PAD50 PAD50 "\n",
	  F_MAX_RULES, 15, 0 },
	/* 198 significant characters: the longest line inih can take. */
	{ "[agent]\nrules = /" PAD50 PAD50 PAD50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  F_RULES, 0,
	  "/" PAD50 PAD50 PAD50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
};

static void test_good_values(void)
{
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *t = &good_cases[i];
		struct xdpfw_config c;
		struct diags d;
		int rc = load(&c, &d, t->text);

		CHECK_MSG(rc == 0 && d.all == 0, "good case %zu: rc %d", i, rc);
		if (d.n)
			dump_diags(&d);
		if (is_str_field(t->field)) {
			const char *got = get_str(&c, t->field);

			if (t->sval)
				CHECK_STR(got, t->sval);
			else
				CHECK_MSG(got == NULL, "good case %zu: %s", i,
					  got);
		} else {
			CHECK_MSG(get_int(&c, t->field) == t->ival,
				  "good case %zu: got %lld, expected %lld", i,
				  get_int(&c, t->field), t->ival);
		}
		config_free(&c);
	}
}

struct bad_case {
	const char *text;
	unsigned line;
	const char *substr;
};

#define INT_MAX_RULES "expected an integer 1..67108864"
#define SIXTY_FIVE \
	"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z," \
	"A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q,R,S,T,U,V,W,X,Y,Z," \
	"0,1,2,3,4,5,6,7,8,9,-,_,@"

static const struct bad_case bad_cases[] = {
	/* Values */
	{ "[agent]\nxdp_mode = fast\n", 2,
	  "bad value \"fast\" for xdp_mode: expected auto, native or generic" },
	{ "[agent]\nxdp_mode = Native\n", 2, "for xdp_mode" },
	{ "[agent]\nrules =\n", 2,
	  "bad value \"\" for rules: expected an absolute path" },
	/* check and the daemon run in different directories */
	{ "[agent]\nrules = rel/r.txt\n", 2,
	  "for rules: expected an absolute path" },
	{ "[stats]\nprometheus_textfile = m.prom\n", 2,
	  "for prometheus_textfile: expected an absolute path, or nothing" },
	{ "[agent]\nrules_dir = rules.d\n", 2,
	  "for rules_dir: expected an absolute path, or nothing" },
	/* 0010: ten or eight? */
	{ "[agent]\nmax_rules = 0010\n", 2, INT_MAX_RULES },
	{ "[stats]\ninterval = 00\n", 2, "for interval" },
	/* a second [agent] is a mistake, not a merge */
	{ "[agent]\nmax_rules = 5\n[stats]\n[agent]\nlog_level = info\n", 4,
	  "duplicate section [agent]; first on line 1" },
	{ "[agent]\npin_dir = bpf/xdpfw\n", 2,
	  "for pin_dir: expected an absolute path" },
	{ "[agent]\npin_dir =\n", 2, "for pin_dir: expected an absolute path" },
	{ "[agent]\nmax_rules = abc\n", 2,
	  "bad value \"abc\" for max_rules: " INT_MAX_RULES },
	{ "[agent]\nmax_rules = 0\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = 67108865\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = -1\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = +5\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = 0x10\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = 10k\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = 1 2\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules =\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = 18446744073709551617\n", 2, INT_MAX_RULES },
	{ "[agent]\nmax_rules = 4294967297\n", 2, INT_MAX_RULES },
	{ "[agent]\non_invalid = drop\n", 2,
	  "bad value \"drop\" for on_invalid: expected reject or skip" },
	{ "[agent]\nreload_delay_ms = 60001\n", 2,
	  "for reload_delay_ms: expected an integer 0..60000" },
	{ "[agent]\nlog_level = verbose\n", 2,
	  "for log_level: expected error, warning, info or debug" },
	{ "[agent]\nlog_level = warn\n", 2, "for log_level" },
	{ "[stats]\ninterval = 86401\n", 2,
	  "for interval: expected an integer 0..86400" },
	{ "[stats]\ninterval = -1\n", 2, "expected an integer 0..86400" },
	{ "[agent]\naudit_interval = 86401\n", 2,
	  "for audit_interval: expected an integer 0..86400" },
	{ "[agent]\naudit_interval = x\n", 2, "bad value \"x\" for audit_interval" },
	{ "[stats]\nlog_top = 1001\n", 2,
	  "for log_top: expected an integer 0..1000" },
	{ "[agent]\ninterfaces =\n", 2,
	  "for interfaces: expected one or more interface names" },
	{ "[agent]\ninterfaces = , ,\n", 2, "expected one or more interface" },
	{ "[agent]\ninterfaces = eth0 a/b\n", 2,
	  "\"a/b\" is not a valid interface name" },
	{ "[agent]\ninterfaces = 0123456789abcdef\n", 2,
	  "\"0123456789abcdef\" is not a valid interface name" },
	{ "[agent]\ninterfaces = .\n", 2, "\".\" is not a valid interface" },
	{ "[agent]\ninterfaces = eth0 ..\n", 2, "\"..\" is not a valid" },
	{ "[agent]\ninterfaces = eth0:1\n", 2, "\"eth0:1\" is not a valid" },
	{ "[agent]\ninterfaces = eth0 eth1,eth0\n", 2,
	  "\"eth0\" is listed twice" },
	{ "[agent]\ninterfaces = " SIXTY_FIVE "\n", 2, "more than 64 interfaces" },
	/* Sections and keys */
	{ "[foo]\nx = 1\n", 1,
	  "unknown section [foo]; expected [agent] or [stats]" },
	{ "[Agent]\n", 1, "unknown section [Agent]" },
	{ "[]\n", 1, "unknown section []" },
	{ "[agent\nmax_rules = 5\n", 1, "missing ']'" },
	{ "[agent] junk\n", 1, "unexpected text after [agent]" },
	{ "[agent]\nmax_rule = 5\n", 2,
	  "unknown key \"max_rule\" in [agent]; did you mean \"max_rules\"?" },
	{ "[agent]\nMax_Rules = 5\n", 2, "did you mean \"max_rules\"?" },
	{ "[agent]\ninterface = eth0\n", 2, "did you mean \"interfaces\"?" },
	{ "[stats]\nlogtop = 3\n", 2,
	  "unknown key \"logtop\" in [stats]; did you mean \"log_top\"?" },
	{ "[agent]\nfoo = 1\n", 2, "unknown key \"foo\" in [agent]" },
	{ "[agent]\ninterval = 5\n", 2,
	  "unknown key \"interval\" in [agent]; it belongs in [stats]" },
	{ "max_rules = 5\n[agent]\n", 1,
	  "key \"max_rules\" is outside any section; put it under [agent]" },
	{ "foo = 5\n", 1, "key \"foo\" is outside any section" },
	/* Repeats */
	{ "[agent]\nmax_rules = 5\nxdp_mode = auto\nmax_rules = 6\n", 4,
	  "duplicate key \"max_rules\" in [agent]; first set on line 2" },
	{ "[stats]\ninterval = 1\n[agent]\n[stats]\ninterval = 2\n", 4,
	  "duplicate section [stats]; first on line 1" },
	/* Syntax */
	{ "[agent]\njunk line\n", 2, "syntax error: expected KEY = VALUE" },
	{ "[agent]\n= 5\n", 2, "syntax error: missing key" },
	{ "[agent]\nrules: /x\n", 2, "syntax error" },
	{ "[agent]\ninterfaces = eth0\n  eth1\n", 3, "syntax error" },
	/* 199 significant characters: one too many. */
	{ "[agent]\nrules = /" PAD50 PAD50 PAD50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  2, "line too long (199 characters" },
	{ "[agent]\n\nrules = /" PAD50 PAD50 PAD50 PAD50 PAD50 " ; c\n", 3,
	  "line too long" },
};

static void test_bad_values(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *t = &bad_cases[i];
		struct xdpfw_config c;
		struct diags d;
		int rc = load(&c, &d, t->text);

		CHECK_MSG(rc == -EINVAL && d.all == 1 && d.r[0].line == t->line &&
				  strstr(d.r[0].msg, t->substr) &&
				  strcmp(d.r[0].path, "test.conf") == 0,
			  "bad case %zu: rc %d, %zu diags, want line %u \"%s\"",
			  i, rc, d.all, t->line, t->substr);
		if (rc != -EINVAL || d.all != 1 || d.r[0].line != t->line ||
		    !strstr(d.r[0].msg, t->substr))
			dump_diags(&d);
		config_free(&c);
	}

	/* No suggestion when nothing is close. */
	{
		struct xdpfw_config c;
		struct diags d;

		load(&c, &d, "[agent]\nfoo = 1\n");
		CHECK(d.n == 1 && !strstr(d.r[0].msg, "did you mean"));
		config_free(&c);
	}
}

static void test_interfaces(void)
{
	static const struct {
		const char *value;
		size_t n;
		const char *names[4];
	} cases[] = {
		{ "eth0", 1, { "eth0" } },
		{ "  eth0  ", 1, { "eth0" } },
		{ "eth0 eth1", 2, { "eth0", "eth1" } },
		{ "eth0,eth1", 2, { "eth0", "eth1" } },
		{ "eth0, eth1 ,eth2", 3, { "eth0", "eth1", "eth2" } },
		{ "eth0\tens3,,  veth-a.10", 3, { "eth0", "ens3", "veth-a.10" } },
		{ "123456789012345", 1, { "123456789012345" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct xdpfw_config c;
		struct diags d;
		int rc;

		snprintf(text, sizeof(text), "[agent]\ninterfaces = %s\n",
			 cases[i].value);
		rc = load(&c, &d, text);
		CHECK_MSG(rc == 0 && c.n_interfaces == cases[i].n,
			  "interfaces case %zu: rc %d n %zu", i, rc,
			  c.n_interfaces);
		for (size_t j = 0; j < cases[i].n && j < c.n_interfaces; j++)
			CHECK_STR(c.interfaces[j], cases[i].names[j]);
		config_free(&c);
	}

	/* Exactly 64 fits. */
	{
		struct xdpfw_config c;
		struct diags d;

		CHECK_INT(load(&c, &d,
			       "[agent]\ninterfaces = a,b,c,d,e,f,g,h,i,j,k,l,"
			       "m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,E,F,G,H,I,"
			       "J,K,L,M,N,O,P,Q,R,S,T,U,V,W,X,Y,Z,0,1,2,3,4,5,"
			       "6,7,8,9,-,_\n"),
			  0);
		CHECK_INT(c.n_interfaces, 64);
		CHECK_STR(c.interfaces[63], "_");
		config_free(&c);
	}
}

/* SPEC §3, verbatim (its indentation removed, then kept). */
#define SPEC_EXAMPLE_LINES(I)                                                                   \
	I "[agent]\n"                                                                           \
	I "interfaces = eth0            ; one or more names, space or comma separated [none: required]\n" \
	I "xdp_mode = auto              ; auto | native | generic  [auto: native, else generic, logged]\n" \
	I "rules = /etc/xdpfw/rules.txt\n"                                                      \
	I "pin_dir = /sys/fs/bpf/xdpfw\n"                                                       \
	I "max_rules = 1048576          ; capacity of the rule maps\n"                          \
	I "on_invalid = reject          ; reject | skip\n"                                      \
	I "reload_delay_ms = 100        ; quiet period after the last file event before re-reading\n" \
	I "log_level = info             ; error | warning | info | debug\n"                     \
	I "audit_interval = 60          ; seconds between full checks of kernel state vs rules (0: off)\n" \
	"\n"                                                                                    \
	I "[stats]\n"                                                                           \
	I "interval = 10                ; seconds between collections; 0 turns the pipeline off\n" \
	I "log_top = 5                  ; each interval, log the N rules with most new drops (0: none)\n" \
	I "prometheus_textfile =        ; if set, write metrics there atomically each interval\n"

static void check_spec_values(const struct xdpfw_config *c)
{
	CHECK_INT(c->n_interfaces, 1);
	CHECK_STR(c->interfaces[0], "eth0");
	CHECK_INT(c->xdp_mode, XDP_MODE_AUTO);
	CHECK_STR(c->rules_path, "/etc/xdpfw/rules.txt");
	CHECK_STR(c->pin_dir, "/sys/fs/bpf/xdpfw");
	CHECK_INT(c->max_rules, 1048576);
	CHECK_INT(c->on_invalid, ON_INVALID_REJECT);
	CHECK_INT(c->reload_delay_ms, 100);
	CHECK_INT(c->log_level, LOG_LVL_INFO);
	CHECK_INT(c->stats_interval, 10);
	CHECK_INT(c->audit_interval, 60);
	CHECK_INT(c->stats_log_top, 5);
	CHECK(c->prometheus_textfile == NULL);
}

static void test_spec_example(void)
{
	static const char *const texts[] = {
		SPEC_EXAMPLE_LINES(""),
		SPEC_EXAMPLE_LINES("    "),
	};

	for (size_t i = 0; i < 2; i++) {
		struct xdpfw_config c;
		struct diags d;

		CHECK_INT(load(&c, &d, texts[i]), 0);
		CHECK_INT(d.all, 0);
		dump_diags(&d);
		check_spec_values(&c);
		config_free(&c);
	}

	/* Non-default values, with the same kind of comments. */
	{
		struct xdpfw_config c;
		struct diags d;

		CHECK_INT(load(&c, &d,
			       "[agent]\n"
			       "interfaces = eth0, eth1 ; two\n"
			       "xdp_mode = native       ; fast\n"
			       "max_rules = 2048        # small\n"
			       "on_invalid = skip       ; lenient\n"
			       "[stats]\n"
			       "prometheus_textfile = /run/x.prom   ; on\n"),
			  0);
		CHECK_INT(c.n_interfaces, 2);
		CHECK_STR(c.interfaces[1], "eth1");
		CHECK_INT(c.xdp_mode, XDP_MODE_NATIVE);
		CHECK_INT(c.max_rules, 2048);
		CHECK_INT(c.on_invalid, ON_INVALID_SKIP);
		CHECK_STR(c.prometheus_textfile, "/run/x.prom");
		config_free(&c);
	}
}

static void test_multiple_errors(void)
{
	static const struct {
		unsigned line;
		const char *substr;
	} want[] = {
		{ 2, "bad value \"fast\" for xdp_mode" },
		{ 4, "unknown key \"max_rule\"" },
		{ 5, "syntax error" },
		{ 6, "unknown section [agnet]" },
		{ 9, "bad value \"x\" for interval" },
		{ 10, "duplicate key \"interval\" in [stats]; first set on line 9" },
		{ 11, "unknown key \"foo\" in [stats]" },
	};
	struct xdpfw_config c;
	struct diags d;
	int rc;

	rc = load(&c, &d,
		  "[agent]\n"                  /* 1 */
		  "xdp_mode = fast\n"          /* 2 */
		  "max_rules = 77\n"           /* 3 */
		  "max_rule = 5\n"             /* 4 */
		  "what is this\n"             /* 5 */
		  "[agnet]\n"                  /* 6: keys below ignored */
		  "nonsense = 1\n"             /* 7 */
		  "[stats]\n"                  /* 8 */
		  "interval = x\n"             /* 9 */
		  "interval = 5\n"             /* 10 */
		  "foo = bar\n"                /* 11 */
		  "log_top = 3\n");            /* 12 */
	CHECK_INT(rc, -EINVAL);
	CHECK_INT(d.all, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]) && i < d.n; i++)
		CHECK_MSG(d.r[i].line == want[i].line &&
				  strstr(d.r[i].msg, want[i].substr),
			  "error %zu: got %u: %s", i, d.r[i].line,
			  d.r[i].msg);
	/* Good keys around the errors were still read. */
	CHECK_INT(c.max_rules, 77);
	CHECK_INT(c.stats_log_top, 3);
	config_free(&c);
}

static void test_crlf(void)
{
	struct xdpfw_config c;
	struct diags d;

	CHECK_INT(load(&c, &d,
		       "[agent]\r\n"
		       "interfaces = eth0, eth1\r\n"
		       "rules = /etc/r.txt   ; comment\r\n"
		       "max_rules = 10\r\n"
		       "\r\n"
		       "[stats]\r\n"
		       "interval = 0\r\n"
		       "prometheus_textfile =\r\n"),
		  0);
	CHECK_INT(c.n_interfaces, 2);
	CHECK_STR(c.interfaces[1], "eth1");
	CHECK_STR(c.rules_path, "/etc/r.txt");
	CHECK_INT(c.max_rules, 10);
	CHECK_INT(c.stats_interval, 0);
	CHECK(c.prometheus_textfile == NULL);
	config_free(&c);

	CHECK_INT(load(&c, &d, "[agent]\r\n\r\nmax_rules = x\r\n"), -EINVAL);
	CHECK(d.n == 1 && has_diag(&d, 3, "bad value \"x\" for max_rules"));
	config_free(&c);
}

static void test_validate(void)
{
	struct xdpfw_config c;
	struct diags d;

	CHECK_INT(load(&c, &d, "[agent]\nmax_rules = 5\n"), 0);
	memset(&d, 0, sizeof(d));
	CHECK_INT(config_validate_for_run(&c, record, &d), -EINVAL);
	CHECK(d.n == 1 && d.r[0].line == 0 &&
	      strcmp(d.r[0].msg, "no interfaces: set [agent] interfaces = "
				 "IFACE [IFACE...]") == 0 &&
	      strcmp(d.r[0].path, "test.conf") == 0);
	CHECK_INT(config_validate_for_run(&c, NULL, NULL), -EINVAL);
	config_free(&c);

	CHECK_INT(load(&c, &d, "[agent]\ninterfaces = eth0\n"), 0);
	memset(&d, 0, sizeof(d));
	CHECK_INT(config_validate_for_run(&c, record, &d), 0);
	CHECK_INT(d.all, 0);
	config_free(&c);

	/* A later load replaces the interface list. */
	config_init(&c);
	CHECK_INT(config_load_string(&c, "a", "[agent]\ninterfaces = x y\n",
				     NULL, NULL),
		  0);
	CHECK_INT(config_load_string(&c, "b", "[agent]\ninterfaces = z\n",
				     NULL, NULL),
		  0);
	CHECK_INT(c.n_interfaces, 1);
	CHECK_STR(c.interfaces[0], "z");
	CHECK_STR(c.path, "b");
	config_free(&c);
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_files(void)
{
	char dir[] = "/tmp/xdpfw-test-config.XXXXXX";
	char path[128];
	struct xdpfw_config c;
	struct diags d;
	static const char spec[] = SPEC_EXAMPLE_LINES("");
	static const char nul[] = "[stats]\nlog_top = 5\x00junk\ninterval = 1\n";

	memset(&d, 0, sizeof(d));
	config_init(&c);
	CHECK_INT(config_load_file(&c, "/nonexistent/xdpfw.conf", record, &d),
		  -ENOENT);
	CHECK_INT(d.all, 0);
	config_free(&c);

	if (!mkdtemp(dir)) {
		CHECK_MSG(0, "mkdtemp: %s", strerror(errno));
		return;
	}

	config_init(&c);
	CHECK_INT(config_load_file(&c, dir, record, &d), -EINVAL);
	CHECK(d.n == 1 && strstr(d.r[0].msg, "not a regular file (a directory)"));
	config_free(&c);

	snprintf(path, sizeof(path), "%s/xdpfw.conf", dir);
	CHECK_INT(write_file(path, spec, sizeof(spec) - 1), 0);
	config_init(&c);
	CHECK_INT(config_load_file(&c, path, record, &d), 0);
	CHECK_STR(c.path, path);
	check_spec_values(&c);
	config_free(&c);

	/* An embedded NUL byte is an error at its line; parsing goes on. */
	CHECK_INT(write_file(path, nul, sizeof(nul) - 1), 0);
	memset(&d, 0, sizeof(d));
	config_init(&c);
	CHECK_INT(config_load_file(&c, path, record, &d), -EINVAL);
	CHECK(d.n == 1 && d.r[0].line == 2 && strstr(d.r[0].msg, "NUL") &&
	      strcmp(d.r[0].path, path) == 0);
	CHECK_INT(c.stats_log_top, 5); /* the bad line was not applied */
	CHECK_INT(c.stats_interval, 1);
	config_free(&c);

	/* Empty file. */
	CHECK_INT(write_file(path, "", 0), 0);
	config_init(&c);
	CHECK_INT(config_load_file(&c, path, record, &d), 0);
	config_free(&c);

	/* Whoever can write it controls the firewall: refused, named. */
	CHECK_INT(write_file(path, spec, sizeof(spec) - 1), 0);
	CHECK_INT(chmod(path, 0666), 0);
	memset(&d, 0, sizeof(d));
	config_init(&c);
	CHECK_INT(config_load_file(&c, path, record, &d), -EINVAL);
	CHECK(d.n == 1 && strstr(d.r[0].msg, "writable by others (mode 0666)") &&
	      strstr(d.r[0].msg, "chmod go-w") && d.r[0].line == 0);
	CHECK(c.n_interfaces == 0); /* nothing of it was parsed */
	config_free(&c);

	unlink(path);
	rmdir(dir);
}

/* conf/xdpfw.conf, the installed default, parses and holds the defaults.
 * Its text is parsed (config_load_string): the file's owner and mode in a
 * developer's checkout are not what is under test. */
static void test_installed_conf(void)
{
	static const char path[] = XDPFW_SOURCE_ROOT "/conf/xdpfw.conf";
	struct xdpfw_config c, def;
	struct diags d;
	char text[16384];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
	if (!f)
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	CHECK(n > 0 && n < sizeof(text) - 1);
	text[n] = '\0';
	memset(&d, 0, sizeof(d));
	config_init(&c);
	config_init(&def);
	CHECK_INT(config_load_string(&c, path, text, record, &d), 0);
	dump_diags(&d);
	CHECK_INT(c.n_interfaces, 0);
	CHECK_INT(c.xdp_mode, def.xdp_mode);
	CHECK_STR(c.rules_path, def.rules_path);
	CHECK_STR(c.rules_dir, def.rules_dir);
	CHECK_STR(c.pin_dir, def.pin_dir);
	CHECK(c.max_rules == def.max_rules && c.on_invalid == def.on_invalid &&
	      c.reload_delay_ms == def.reload_delay_ms &&
	      c.log_level == def.log_level &&
	      c.stats_interval == def.stats_interval &&
	      c.stats_log_top == def.stats_log_top &&
	      c.prometheus_textfile == NULL);
	config_free(&c);
	config_free(&def);
}

int main(void)
{
	test_defaults();
	test_good_values();
	test_bad_values();
	test_interfaces();
	test_spec_example();
	test_multiple_errors();
	test_crlf();
	test_validate();
	test_files();
	test_installed_conf();
	return tl_finish("test-config");
}
