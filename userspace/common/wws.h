/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writable working set report: what the guest's sampler found
 * (selfmig.ko's SELFMIG_CMD_SAMPLE), as selfmigd writes it to
 * control/selfmig/wws for `selfmig wws` in dom0, and what dom0 makes of it.
 *
 * The report is one line of at most SWW_MAX_LEN bytes (docs/notices.md):
 *
 *   selfmig-wws/1 seq=N interval_ms=I guest_pages=G error=E n=K
 *                 samples=T:F,T:F,... crc=XXXXXXXX
 *
 * "selfmig-wws/1" is the magic and version; seq is the request's; each
 * sample is the time in ms since the sampling began and the frames found
 * written in the interval before it; n counts them (at most SWW_MAX_SAMPLES);
 * crc is the CRC32C, 8 lower-case hex digits, of every byte before " crc=".
 * Fields come in this order, each once.
 */
#ifndef SELFMIG_COMMON_WWS_H
#define SELFMIG_COMMON_WWS_H

#include <stddef.h>
#include <stdint.h>

#define SWW_MAGIC	"selfmig-wws/1"
#define SWW_MAX_LEN	4000		/* under xenstore's 4096-byte value */
#define SWW_MAX_SAMPLES	200

struct sww_sample {
	uint32_t t_ms, frames;
};

struct sww_report {
	uint32_t seq;
	uint32_t interval_ms;
	uint64_t guest_pages;
	int32_t error;			/* 0, or the sampler's negative errno */
	uint32_t n;
	struct sww_sample s[SWW_MAX_SAMPLES];
};

/* Format r into out (NUL-terminated); returns its length or -1. */
int sww_format(const struct sww_report *r, char *out, size_t outlen);
/* Parse and check len bytes; 0, or -1 with a one-line reason in err. */
int sww_parse(const char *text, size_t len, struct sww_report *r,
	      char *err, size_t errlen);

/*
 * What the samples say, at a link of bandwidth_mbit.  The frames one
 * interval dirties are what a pre-copy round that long leaves for the
 * next; sent at that bandwidth they take pred_ms.
 */
struct sww_summary {
	uint32_t n;
	uint64_t median, p90, max;	/* frames per interval */
	double rate_pages_s;		/* mean frames dirtied per second */
	double median_ms, p90_ms, max_ms;	/* their time on the link */
};

void sww_summarise(const struct sww_report *r, uint64_t bandwidth_mbit,
		   struct sww_summary *out);
/* ms to send frames 4 KiB pages at bandwidth_mbit. */
double sww_send_ms(uint64_t frames, uint64_t bandwidth_mbit);

#endif /* SELFMIG_COMMON_WWS_H */
