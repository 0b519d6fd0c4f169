// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig status: the guest's keys as text or JSON, messages shown as their
 * fields.  No I/O but to the FILE a caller passes; see cli.h.  The
 * subcommand itself is in cmd_xen.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"

/*
 * A xenstore value as a C string with every byte that is not printable
 * ASCII replaced by '?', so that text and JSON output stay clean.  The
 * caller frees it; NULL when out of memory.
 */
static char *clean_copy(const char *v, size_t len)
{
	char *c = malloc(len + 1);
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < len; i++)
		c[i] = (v[i] < ' ' || v[i] > '~') ? '?' : v[i];
	c[len] = 0;
	return c;
}

void smg_status_text(FILE *f, const struct smg_status *s)
{
	char err[96];
	struct smn_msg m;
	unsigned int k, i;
	char *c;

	fprintf(f, "domain: %s (domid %u)\n", s->name, s->domid);
	for (k = 0; k < SMG_NKEYS; k++) {
		fprintf(f, "%s: ", smg_keys[k].name);
		if (!s->val[k]) {
			fputs("(missing)\n", f);
			continue;
		}
		if (!s->len[k]) {
			fputs("(empty)\n", f);
			continue;
		}
		c = clean_copy(s->val[k], s->len[k]);
		if (!c) {
			fputs("(out of memory)\n", f);
			continue;
		}
		if (!smg_keys[k].message) {
			fprintf(f, "%s\n", c);
		} else if (smn_parse(s->val[k], s->len[k], &m, err, sizeof(err))) {
			fprintf(f, "'%s' (not a message: %s)\n", c, err);
		} else {
			for (i = 0; i < m.n; i++)
				fprintf(f, "%s%s=%s", i ? " " : "", m.f[i].key,
					m.f[i].val);
			fputc('\n', f);
		}
		free(c);
	}
}

void smg_status_json(FILE *f, const struct smg_status *s)
{
	char err[96];
	struct smn_msg m;
	unsigned int k, i;
	char *c;

	fputs("{\"domain\":", f);
	smc_json_str(f, s->name);
	fprintf(f, ",\"domid\":%u", s->domid);
	for (k = 0; k < SMG_NKEYS; k++) {
		fputc(',', f);
		smc_json_str(f, smg_keys[k].name);
		fputc(':', f);
		c = s->val[k] ? clean_copy(s->val[k], s->len[k]) : NULL;
		if (!c) {
			fputs("null", f);
			continue;
		}
		fputs("{\"value\":", f);
		smc_json_str(f, c);
		if (smg_keys[k].message && s->len[k]) {
			if (smn_parse(s->val[k], s->len[k], &m, err, sizeof(err))) {
				fputs(",\"error\":", f);
				smc_json_str(f, err);
			} else {
				fputs(",\"fields\":{", f);
				for (i = 0; i < m.n; i++) {
					if (i)
						fputc(',', f);
					smc_json_str(f, m.f[i].key);
					fputc(':', f);
					smc_json_str(f, m.f[i].val);
				}
				fputc('}', f);
			}
		}
		fputc('}', f);
		free(c);
	}
	fputs("}\n", f);
}
