// SPDX-License-Identifier: GPL-2.0
/*
 * The writable working set report, its text form and its summary (wws.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "crc32c.h"
#include "wws.h"

int sww_format(const struct sww_report *r, char *out, size_t outlen)
{
	size_t pos;
	uint32_t i;
	int n;

	if (r->n > SWW_MAX_SAMPLES || outlen < 32)
		return -1;
	n = snprintf(out, outlen, "%s seq=%u interval_ms=%u guest_pages=%llu error=%d n=%u samples=",
		     SWW_MAGIC, r->seq, r->interval_ms, (unsigned long long)r->guest_pages,
		     r->error, r->n);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	pos = (size_t)n;
	for (i = 0; i < r->n; i++) {
		n = snprintf(out + pos, outlen - pos, "%s%u:%u", i ? "," : "",
			     r->s[i].t_ms, r->s[i].frames);
		if (n < 0 || (size_t)n >= outlen - pos)
			return -1;
		pos += (size_t)n;
	}
	if (!r->n) {
		if (pos + 1 >= outlen)
			return -1;
		out[pos++] = '-';	/* no sample: a value is never empty */
	}
	n = snprintf(out + pos, outlen - pos, " crc=%08x",
		     (unsigned int)smw_crc32c(0, out, pos));
	if (n < 0 || (size_t)n >= outlen - pos || pos + (size_t)n > SWW_MAX_LEN)
		return -1;
	return (int)(pos + (size_t)n);
}

/* A decimal number of at most 20 digits ending at a char in stop. */
static int num(const char **p, const char *end, const char *stop, uint64_t max,
	       uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (x > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (s >= end || !strchr(stop, *s))
		return -1;
	*p = s;
	*v = x;
	return 0;
}

/* "key=" at *p, then a number up to a space. */
static int field(const char **p, const char *end, const char *key, uint64_t max,
		 uint64_t *v)
{
	size_t k = strlen(key);

	if ((size_t)(end - *p) < k + 1 || memcmp(*p, key, k) || (*p)[k] != '=')
		return -1;
	*p += k + 1;
	if (num(p, end, " ", max, v))
		return -1;
	(*p)++;
	return 0;
}

int sww_parse(const char *text, size_t len, struct sww_report *r,
	      char *err, size_t errlen)
{
	static const char *const keys[] = { "seq", "interval_ms", "guest_pages", "error", "n" };
	const uint64_t max[] = { UINT32_MAX, UINT32_MAX, UINT64_MAX, 0x7fffffff, SWW_MAX_SAMPLES };
	uint64_t v[5];
	const char *p, *end;
	char crcbuf[9], *ep;
	unsigned long want;
	size_t mlen = strlen(SWW_MAGIC), i;

	memset(r, 0, sizeof(*r));
	if (len && text[len - 1] == '\n')
		len--;
	if (len > SWW_MAX_LEN) {
		smc_seterr(err, errlen, "longer than %d bytes", SWW_MAX_LEN);
		return -1;
	}
	if (len < mlen + 1 || memcmp(text, SWW_MAGIC, mlen) || text[mlen] != ' ') {
		smc_seterr(err, errlen, "not a %s report (wrong magic or version)", SWW_MAGIC);
		return -1;
	}
	if (len < mlen + 14 || memcmp(text + len - 13, " crc=", 5)) {
		smc_seterr(err, errlen, "no crc field at the end");
		return -1;
	}
	memcpy(crcbuf, text + len - 8, 8);
	crcbuf[8] = 0;
	for (i = 0; i < 8; i++)
		if (!((crcbuf[i] >= '0' && crcbuf[i] <= '9') ||
		      (crcbuf[i] >= 'a' && crcbuf[i] <= 'f'))) {
			smc_seterr(err, errlen, "crc is not 8 lower-case hex digits");
			return -1;
		}
	want = strtoul(crcbuf, &ep, 16);
	if ((uint32_t)want != smw_crc32c(0, text, len - 13)) {
		smc_seterr(err, errlen, "crc mismatch");
		return -1;
	}
	p = text + mlen + 1;
	end = text + len - 13;
	for (i = 0; i < 5; i++) {
		/* error is a negated errno: an optional minus sign. */
		int neg = i == 3 && p + 6 < end && !memcmp(p, "error=-", 7);
		const char *q = p;

		if (neg) {
			q = p + 7;
			if (num(&q, end, " ", max[i], &v[i])) {
				smc_seterr(err, errlen, "bad field %s", keys[i]);
				return -1;
			}
			p = q + 1;
			v[i] = (uint64_t)-(int64_t)v[i];
			continue;
		}
		if (field(&p, end, keys[i], max[i], &v[i])) {
			smc_seterr(err, errlen, "missing or bad field %s", keys[i]);
			return -1;
		}
	}
	r->seq = (uint32_t)v[0];
	r->interval_ms = (uint32_t)v[1];
	r->guest_pages = v[2];
	r->error = (int32_t)(int64_t)v[3];
	r->n = (uint32_t)v[4];
	if ((size_t)(end - p) < 8 || memcmp(p, "samples=", 8)) {
		smc_seterr(err, errlen, "missing field samples");
		return -1;
	}
	p += 8;
	if (!r->n) {
		if (end - p != 1 || *p != '-') {
			smc_seterr(err, errlen, "n=0 but samples are given");
			return -1;
		}
		return 0;
	}
	/* The end of the samples is the end of the text before " crc=". */
	for (i = 0; i < r->n; i++) {
		uint64_t t, f;

		if (num(&p, end + 1, ":", UINT32_MAX, &t)) {
			smc_seterr(err, errlen, "sample %zu: bad time", i);
			return -1;
		}
		p++;
		if (num(&p, end + 1, i + 1 < r->n ? "," : " ", UINT32_MAX, &f)) {
			smc_seterr(err, errlen, "sample %zu: bad frames, or not %u samples", i, r->n);
			return -1;
		}
		if (i + 1 < r->n)
			p++;
		if (i && t < r->s[i - 1].t_ms) {
			smc_seterr(err, errlen, "sample %zu goes back in time", i);
			return -1;
		}
		r->s[i].t_ms = (uint32_t)t;
		r->s[i].frames = (uint32_t)f;
	}
	if (p != end) {
		smc_seterr(err, errlen, "more than n=%u samples", r->n);
		return -1;
	}
	return 0;
}

double sww_send_ms(uint64_t frames, uint64_t bandwidth_mbit)
{
	if (!bandwidth_mbit)
		return 0;
	return (double)frames * 4096.0 * 8.0 / ((double)bandwidth_mbit * 1000.0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void sww_summarise(const struct sww_report *r, uint64_t bandwidth_mbit,
		   struct sww_summary *out)
{
	uint64_t v[SWW_MAX_SAMPLES], total = 0;
	uint32_t i, n = r->n > SWW_MAX_SAMPLES ? SWW_MAX_SAMPLES : r->n;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		v[i] = r->s[i].frames;
		total += v[i];
	}
	qsort(v, n, sizeof(v[0]), cmp_u64);
	out->median = v[(n - 1) / 2];
	out->p90 = v[(n * 9 + 9) / 10 - 1];
	out->max = v[n - 1];
	if (r->s[n - 1].t_ms)
		out->rate_pages_s = (double)total * 1000.0 / r->s[n - 1].t_ms;
	out->median_ms = sww_send_ms(out->median, bandwidth_mbit);
	out->p90_ms = sww_send_ms(out->p90, bandwidth_mbit);
	out->max_ms = sww_send_ms(out->max, bandwidth_mbit);
}
