// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: final summary, as a text line and as JSON.
 */
#include "json.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "receiver.h"

static double smr_elapsed(const struct smr_receiver *r)
{
	return r->t_end > r->t_start ? r->t_end - r->t_start : 0.0;
}

void smr_print_summary(const struct smr_receiver *r, FILE *f)
{
	fprintf(f,
		"summary: %s, %llu rounds, %llu pages (%llu raw, %llu zero), %llu page bytes, %llu stream bytes, %llu records, %.3f s\n",
		r->complete && !r->err ? "complete" : "incomplete",
		(unsigned long long)r->st.rounds,
		(unsigned long long)r->st.pages,
		(unsigned long long)r->st.raw_pages,
		(unsigned long long)r->st.zero_pages,
		(unsigned long long)r->st.page_bytes,
		(unsigned long long)r->st.stream_bytes,
		(unsigned long long)r->st.records, smr_elapsed(r));
}

int smr_write_json(const struct smr_receiver *r, const char *path)
{
	/* The counters, in the order the report lists them. */
	const struct smc_json_count fig[] = {
		{ "page_count", r->page_count },
		{ "rounds", r->st.rounds },
		{ "records", r->st.records },
		{ "pages", r->st.pages },
		{ "raw_pages", r->st.raw_pages },
		{ "zero_pages", r->st.zero_pages },
		{ "compressed_batches", r->st.compressed_batches },
		{ "page_bytes", r->st.page_bytes },
		{ "stream_bytes", r->st.stream_bytes },
	};
	char line[512];
	FILE *f;
	int ok;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "{\n  \"status\": \"%s\",\n",
		r->complete && !r->err ? "ok" : "error");
	if (r->err) {
		smr_error_line(r, line, sizeof(line));
		fprintf(f, "  \"error\": {\"code\": %d, \"name\": ",
			r->err < 0 ? -r->err : r->err);
		smc_json_str(f, smr_errname(r->err));
		fprintf(f, ", \"seq\": %lld, \"offset\": %llu, \"message\": ",
			(long long)r->err_seq, (unsigned long long)r->err_offset);
		smc_json_str(f, line);
		fprintf(f, "},\n");
	} else {
		fprintf(f, "  \"error\": null,\n");
	}
	smc_json_counts(f, fig, sizeof(fig) / sizeof(fig[0]));
	fprintf(f, "  \"elapsed_s\": %.6f\n}\n", smr_elapsed(r));
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok)
		return -EIO;
	return 0;
}
