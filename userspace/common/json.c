// SPDX-License-Identifier: GPL-2.0
/* JSON strings and counters for the programs' reports: see json.h. */
#include "json.h"

void smc_json_str(FILE *f, const char *s)
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

void smc_json_counts(FILE *f, const struct smc_json_count *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "  \"%s\": %llu,\n", c[i].name,
			(unsigned long long)c[i].v);
}
