// SPDX-License-Identifier: GPL-2.0-only
#include "rulenotes.h"

#include <string.h>
#include <time.h>

#include "protect.h"
#include "rulefiles.h"
#include "ruleidx.h"

void rule_notes_load(struct rule_notes *rn, const struct xdpfw_config *cfg)
{
	char label[4096 + 64], why[4096 + 320];

	ruleset_init(&rn->rs);
	rn->rs.now = (int64_t)time(NULL);
	rn->loaded = !rules_read_set(&rn->rs, cfg->rules_path, cfg->rules_dir,
				     label, sizeof(label), why, sizeof(why));
}

void rule_notes_free(struct rule_notes *rn)
{
	if (!rn)
		return;
	ruleset_free(&rn->rs);
	rn->loaded = 0;
}

int rule_notes_get(const struct rule_notes *rn, const struct xdpfw_rule *r,
		   char *src, size_t srclen, int64_t *expires)
{
	unsigned kind = protect_kind_of(r);
	uint32_t i;

	src[0] = '\0';
	*expires = 0;
	if (kind) {
		snprintf(src, srclen, "protect:%s", protect_kind_name(kind));
		return 1;
	}
	if (!rn || !rn->loaded || !rn->rs.ix.tab)
		return 0;
	i = ruleidx_find(&rn->rs.ix, rn->rs.rules, r);
	if (i == RULEIDX_NONE)
		return 0;
	snprintf(src, srclen, "%s:%u", rn->rs.files[rn->rs.file_of[i]],
		 rn->rs.lines[i]);
	if (rn->rs.expires)
		*expires = rn->rs.expires[i];
	return 1;
}

void json_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void rule_notes_json(FILE *f, const struct rule_notes *rn,
		     const struct xdpfw_rule *r)
{
	char src[4096 + 16], t[RULES_TIME_LEN + 1];
	int64_t expires;

	if (!rule_notes_get(rn, r, src, sizeof(src), &expires))
		return;
	fputs(", \"source\": ", f);
	json_put_string(f, src);
	if (expires) {
		rules_format_time(expires, t);
		fprintf(f, ", \"expires\": \"%s\"", t);
	}
}
