// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig wws: its arguments, its request, and what it prints of the
 * guest's report (userspace/common/wws.h).  The running half is wws_xen.c.
 *
 * The 2005 live-migration work measured how many pages a guest writes
 * within an interval (its writable working set) to decide when pre-copy
 * should stop: what one interval dirties is what a round that long leaves
 * for the next, and at the link's bandwidth that is the stop it would cost.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "scan.h"
#include "wws.h"

static const int opts_wws[] = {
	SMC_O_SECONDS, SMC_O_INTERVAL_MS, SMC_O_BANDWIDTH, SMC_O_JSON, SMC_O_HELP, 0
};

int smg_parse_wws(struct smg_scan *s, struct smg_args *a)
{
	struct smg_wws_opts *o = &a->wws;
	struct smc_optvals ov;

	o->seconds = SMG_WWS_SECONDS;
	o->interval_ms = SMG_WWS_INTERVAL_MS;
	o->bandwidth_mbit = SMG_WWS_BANDWIDTH;
	s->opts = smc_opts(&s->optset, opts_wws);
	if (smg_scan_all(s, &ov))
		return SMG_EXIT_USAGE;
	if (smg_opt_num(s, &ov, SMC_O_SECONDS, 1, SMN_SAMPLE_MAX_S, "seconds", &o->seconds) ||
	    smg_opt_num(s, &ov, SMC_O_INTERVAL_MS, SMN_SAMPLE_MIN_MS, SMN_SAMPLE_MAX_MS,
			"milliseconds", &o->interval_ms) ||
	    smg_opt_num(s, &ov, SMC_O_BANDWIDTH, 1, 1000000, "Mbit/s", &o->bandwidth_mbit))
		return SMG_EXIT_USAGE;
	o->json = ov.val[SMC_O_JSON];
	if (o->seconds * 1000 / o->interval_ms > SWW_MAX_SAMPLES) {
		snprintf(s->err, s->errlen,
			 "%llu s every %llu ms is %llu scans, over the %d the guest reports: raise --interval-ms to at least %llu or lower --seconds",
			 (unsigned long long)o->seconds, (unsigned long long)o->interval_ms,
			 (unsigned long long)(o->seconds * 1000 / o->interval_ms),
			 SWW_MAX_SAMPLES,
			 (unsigned long long)((o->seconds * 1000 + SWW_MAX_SAMPLES - 1) / SWW_MAX_SAMPLES));
		return SMG_EXIT_USAGE;
	}
	return smg_scan_domain(s, 1, "wws DOMAIN [--seconds S] [--interval-ms MS] [--bandwidth MBIT] [--json FILE]",
			       &a->domain);
}

int smg_wws_request_text(const struct smg_wws_opts *o, uint32_t seq, char *out,
			 size_t outlen, char *err, size_t errlen)
{
	struct smn_request r = {
		.seq = seq, .phase = SMN_PHASE_SAMPLE, .mode = SMN_MODE_SELF,
		.seconds = o->seconds, .interval_ms = o->interval_ms,
	};
	int n = smn_request_format(&r, out, outlen);

	if (n < 0)
		snprintf(err, errlen, "cannot format the sample request");
	return n;
}

static double mib(uint64_t pages)
{
	return (double)pages * 4096.0 / (1024.0 * 1024.0);
}

void smg_wws_text(FILE *f, const char *domain, const struct sww_report *r,
		  const struct smg_wws_opts *o)
{
	struct sww_summary s;
	uint32_t i, prev = 0;

	sww_summarise(r, o->bandwidth_mbit, &s);
	fprintf(f, "selfmig wws: domain %s: %u scans, one every %u ms, over %.1f s; %llu guest pages\n",
		domain, r->n, r->interval_ms, r->n ? r->s[r->n - 1].t_ms / 1000.0 : 0.0,
		(unsigned long long)r->guest_pages);
	if (r->error)
		fprintf(f, "the guest's sampler ended with error %d%s\n", r->error,
			r->n ? "; its scans so far follow" : "");
	if (!r->n)
		return;
	fprintf(f, "%8s %10s %9s %10s %14s\n", "t_s", "written", "MiB", "pages/s",
		"send_ms");
	for (i = 0; i < r->n; i++) {
		uint32_t dt = r->s[i].t_ms - prev;

		fprintf(f, "%8.1f %10u %9.1f %10.0f %14.0f\n", r->s[i].t_ms / 1000.0,
			r->s[i].frames, mib(r->s[i].frames),
			dt ? r->s[i].frames * 1000.0 / dt : 0.0,
			sww_send_ms(r->s[i].frames, o->bandwidth_mbit));
		prev = r->s[i].t_ms;
	}
	fprintf(f, "writable working set per %u ms: median %llu pages (%.1f MiB), 90th percentile %llu, largest %llu\n",
		r->interval_ms, (unsigned long long)s.median, mib(s.median),
		(unsigned long long)s.p90, (unsigned long long)s.max);
	fprintf(f, "dirtying rate: %.0f pages/s (%.1f MiB/s)\n", s.rate_pages_s,
		s.rate_pages_s * 4096.0 / (1024.0 * 1024.0));
	fprintf(f, "at %llu Mbit/s, the stop after a round of %u ms: median %.0f ms, 90th percentile %.0f ms, largest %.0f ms\n",
		(unsigned long long)o->bandwidth_mbit, r->interval_ms, s.median_ms, s.p90_ms,
		s.max_ms);
}

void smg_wws_json(FILE *f, const char *domain, const struct sww_report *r,
		  const struct smg_wws_opts *o)
{
	struct sww_summary s;
	uint32_t i;

	sww_summarise(r, o->bandwidth_mbit, &s);
	fputs("{\"domain\":", f);
	smc_json_str(f, domain);
	fprintf(f, ",\"interval_ms\":%u,\"guest_pages\":%llu,\"error\":%d,\"bandwidth_mbit\":%llu,"
		"\"median_pages\":%llu,\"p90_pages\":%llu,\"max_pages\":%llu,\"rate_pages_s\":%.1f,"
		"\"median_stop_ms\":%.1f,\"p90_stop_ms\":%.1f,\"max_stop_ms\":%.1f,\"samples\":[",
		r->interval_ms, (unsigned long long)r->guest_pages, r->error,
		(unsigned long long)o->bandwidth_mbit, (unsigned long long)s.median,
		(unsigned long long)s.p90, (unsigned long long)s.max, s.rate_pages_s,
		s.median_ms, s.p90_ms, s.max_ms);
	for (i = 0; i < r->n; i++)
		fprintf(f, "%s[%u,%u]", i ? "," : "", r->s[i].t_ms, r->s[i].frames);
	fputs("]}\n", f);
}
