// SPDX-License-Identifier: GPL-2.0
/*
 * Pure logic of the UDP echo prober; see probe.h.
 */
#include "probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ packets */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void smp_packet_encode(const struct smp_packet *p, uint8_t buf[SMP_PKT_LEN])
{
	put_be32(buf, SMP_MAGIC);
	put_be32(buf + 4, p->run_id);
	put_be64(buf + 8, p->seq);
	put_be64(buf + 16, p->send_ns);
}

enum smp_decode_result smp_packet_decode(const void *buf, size_t len,
					 struct smp_packet *out)
{
	const uint8_t *b = buf;

	if (!buf || len < SMP_PKT_LEN)
		return SMP_DECODE_SHORT;
	if (get_be32(b) != SMP_MAGIC)
		return SMP_DECODE_BAD_MAGIC;
	out->magic = SMP_MAGIC;
	out->run_id = get_be32(b + 4);
	out->seq = get_be64(b + 8);
	out->send_ns = get_be64(b + 16);
	return SMP_DECODE_OK;
}

/* ------------------------------------------------------------ answer tracking */

int smp_tracker_init(struct smp_tracker *t, uint32_t run_id, uint64_t start_ns)
{
	memset(t, 0, sizeof(*t));
	t->run_id = run_id;
	t->start_ns = start_ns;
	return 0;
}

void smp_tracker_free(struct smp_tracker *t)
{
	free(t->seen);
	free(t->rtt_ns);
	t->seen = NULL;
	t->rtt_ns = NULL;
	t->seen_bytes = 0;
	t->rtt_len = t->rtt_cap = 0;
}

uint64_t smp_tracker_next_seq(struct smp_tracker *t)
{
	return t->next_seq++;
}

/* Make sure the answered-bitmap covers sequence number seq. */
static int seen_reserve(struct smp_tracker *t, uint64_t seq)
{
	size_t need = (size_t)(seq / 8) + 1, n;
	uint8_t *p;

	if (need <= t->seen_bytes)
		return 0;
	n = t->seen_bytes ? t->seen_bytes : 1024;
	while (n < need)
		n *= 2;
	p = realloc(t->seen, n);
	if (!p)
		return -1;
	memset(p + t->seen_bytes, 0, n - t->seen_bytes);
	t->seen = p;
	t->seen_bytes = n;
	return 0;
}

static int rtt_push(struct smp_tracker *t, uint64_t v)
{
	if (t->rtt_len == t->rtt_cap) {
		size_t n = t->rtt_cap ? t->rtt_cap * 2 : 4096;
		uint64_t *p = realloc(t->rtt_ns, n * sizeof(*p));

		if (!p)
			return -1;
		t->rtt_ns = p;
		t->rtt_cap = n;
	}
	t->rtt_ns[t->rtt_len++] = v;
	return 0;
}

enum smp_answer_result smp_tracker_answer(struct smp_tracker *t,
					  const struct smp_packet *p,
					  uint64_t recv_ns)
{
	enum smp_answer_result res = SMP_ANS_OK;
	uint64_t at, prev, gap;
	uint8_t bit;

	if (p->magic != SMP_MAGIC || p->run_id != t->run_id ||
	    p->seq >= t->next_seq || p->send_ns < t->start_ns ||
	    p->send_ns > recv_ns) {
		t->foreign++;
		return SMP_ANS_FOREIGN;
	}
	if (seen_reserve(t, p->seq))
		return SMP_ANS_NOMEM;
	bit = (uint8_t)(1u << (p->seq % 8));
	if (t->seen[p->seq / 8] & bit) {
		t->duplicates++;
		return SMP_ANS_DUPLICATE;
	}
	if (rtt_push(t, recv_ns - p->send_ns))
		return SMP_ANS_NOMEM;
	t->seen[p->seq / 8] |= bit;
	t->answered++;
	if (t->any_answer && p->seq < t->highest_seq) {
		t->reordered++;
		res = SMP_ANS_REORDERED;
	}
	if (!t->any_answer || p->seq > t->highest_seq)
		t->highest_seq = p->seq;

	/* Gap bookkeeping on receive times, clamped to the probing window. */
	at = recv_ns;
	if (t->end_ns && at > t->end_ns)
		at = t->end_ns;
	if (at < t->start_ns)
		at = t->start_ns;
	prev = t->any_answer ? t->last_ns : t->start_ns;
	if (at > prev) {
		gap = at - prev;
		if (gap > t->max_gap_ns) {
			t->max_gap_ns = gap;
			t->max_gap_start_ns = prev;
		}
		t->last_ns = at;
	} else if (!t->any_answer) {
		t->last_ns = prev;
	}
	t->any_answer = true;
	return res;
}

void smp_tracker_stop(struct smp_tracker *t, uint64_t end_ns)
{
	if (end_ns < t->start_ns)
		end_ns = t->start_ns;
	t->end_ns = end_ns;
}

static double ns_to_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int smp_rtt_stats(const uint64_t *v, size_t n, uint64_t *min, double *med,
		  uint64_t *max)
{
	uint64_t *s;

	if (n == 0)
		return -1;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	*min = s[0];
	*max = s[n - 1];
	if (n % 2)
		*med = (double)s[n / 2];
	else
		*med = ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2.0;
	free(s);
	return 0;
}

int smp_tracker_result(const struct smp_tracker *t, uint64_t end_ns,
		       struct smp_result *r)
{
	uint64_t end = t->end_ns ? t->end_ns : end_ns;
	uint64_t gap = t->max_gap_ns, gap_start = t->max_gap_start_ns;
	uint64_t last = t->any_answer ? t->last_ns : t->start_ns;
	uint64_t mn, mx;
	double md;

	if (end < t->start_ns)
		end = t->start_ns;
	memset(r, 0, sizeof(*r));
	r->sent = t->next_seq;
	r->answered = t->answered;
	r->lost = t->next_seq > t->answered ? t->next_seq - t->answered : 0;
	r->duplicates = t->duplicates;
	r->foreign = t->foreign;
	r->reordered = t->reordered;
	r->duration_ms = ns_to_ms(end - t->start_ns);

	/* Trailing edge: from the last answer (or the start) to the end. */
	if (end > last && end - last > gap) {
		gap = end - last;
		gap_start = last;
	}
	r->max_gap_ms = ns_to_ms(gap);
	r->max_gap_at_ms = gap ? ns_to_ms(gap_start - t->start_ns) : 0.0;

	if (smp_rtt_stats(t->rtt_ns, t->rtt_len, &mn, &md, &mx) == 0) {
		r->have_rtt = true;
		r->rtt_min_ms = ns_to_ms(mn);
		r->rtt_med_ms = md / 1e6;
		r->rtt_max_ms = ns_to_ms(mx);
	} else if (t->rtt_len) {
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ formatting */

/* Append to buf at *pos like snprintf, tracking the would-be length. */
static void appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

int smp_format_summary(const struct smp_result *r, char *buf, size_t len)
{
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	appendf(buf, len, &pos,
		"probe: sent %llu answered %llu lost %llu max_gap_ms %.1f at_ms %.1f",
		(unsigned long long)r->sent, (unsigned long long)r->answered,
		(unsigned long long)r->lost, r->max_gap_ms, r->max_gap_at_ms);
	if (r->have_rtt)
		appendf(buf, len, &pos, " rtt_ms min %.3f med %.3f max %.3f",
			r->rtt_min_ms, r->rtt_med_ms, r->rtt_max_ms);
	else
		appendf(buf, len, &pos, " rtt_ms min - med - max -");
	if (r->tcp)
		appendf(buf, len, &pos,
			" tcp_bytes_verified %llu tcp_mismatch %d tcp_reset %d",
			(unsigned long long)r->tcp_bytes_verified,
			r->tcp_mismatch ? 1 : 0, r->tcp_reset ? 1 : 0);
	return (int)pos;
}

static void append_ms(char *buf, size_t len, size_t *pos, const char *key,
		      bool valid, double v)
{
	if (valid)
		appendf(buf, len, pos, ", \"%s\": %.3f", key, v);
	else
		appendf(buf, len, pos, ", \"%s\": null", key);
}

static void append_count(char *buf, size_t len, size_t *pos, const char *key,
			 uint64_t v)
{
	appendf(buf, len, pos, ", \"%s\": %llu", key, (unsigned long long)v);
}

int smp_format_json(const struct smp_result *r, char *buf, size_t len)
{
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	appendf(buf, len, &pos, "{\"sent\": %llu", (unsigned long long)r->sent);
	append_count(buf, len, &pos, "answered", r->answered);
	append_count(buf, len, &pos, "lost", r->lost);
	append_ms(buf, len, &pos, "max_gap_ms", true, r->max_gap_ms);
	append_ms(buf, len, &pos, "max_gap_at_ms", true, r->max_gap_at_ms);
	append_ms(buf, len, &pos, "rtt_min_ms", r->have_rtt, r->rtt_min_ms);
	append_ms(buf, len, &pos, "rtt_med_ms", r->have_rtt, r->rtt_med_ms);
	append_ms(buf, len, &pos, "rtt_max_ms", r->have_rtt, r->rtt_max_ms);
	append_ms(buf, len, &pos, "duration_ms", true, r->duration_ms);
	append_count(buf, len, &pos, "duplicates", r->duplicates);
	append_count(buf, len, &pos, "foreign", r->foreign);
	append_count(buf, len, &pos, "reordered", r->reordered);
	if (r->tcp)
		appendf(buf, len, &pos,
			", \"tcp_connected\": %s, \"tcp_bytes_sent\": %llu"
			", \"tcp_bytes_verified\": %llu"
			", \"tcp_mismatch\": %s, \"tcp_reset\": %s",
			r->tcp_connected ? "true" : "false",
			(unsigned long long)r->tcp_bytes_sent,
			(unsigned long long)r->tcp_bytes_verified,
			r->tcp_mismatch ? "true" : "false",
			r->tcp_reset ? "true" : "false");
	appendf(buf, len, &pos, "}\n");
	return (int)pos;
}

/* ------------------------------------------------------------ byte stream */

/* A 64-bit mixing function (splitmix-style finaliser) over block numbers. */
static uint64_t stream_word(uint64_t seed, uint64_t block)
{
	uint64_t z = seed + (block + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint8_t smp_stream_byte(uint64_t seed, uint64_t off)
{
	return (uint8_t)(stream_word(seed, off / 8) >> ((off % 8) * 8));
}

void smp_stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t o = off + i, w = stream_word(seed, o / 8);
		unsigned int k;

		for (k = (unsigned int)(o % 8); k < 8 && i < len; k++, i++)
			buf[i] = (uint8_t)(w >> (k * 8));
	}
}

size_t smp_stream_check(uint64_t seed, uint64_t off, const uint8_t *buf,
			size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t o = off + i, w = stream_word(seed, o / 8);
		unsigned int k;

		for (k = (unsigned int)(o % 8); k < 8 && i < len; k++, i++)
			if (buf[i] != (uint8_t)(w >> (k * 8)))
				return i;
	}
	return len;
}

void smp_verifier_init(struct smp_verifier *v, uint64_t seed)
{
	memset(v, 0, sizeof(*v));
	v->seed = seed;
}

bool smp_verifier_feed(struct smp_verifier *v, const uint8_t *buf, size_t len,
		       uint64_t sent)
{
	size_t ok;

	if (v->mismatch) {
		v->offset += len;
		return false;
	}
	ok = smp_stream_check(v->seed, v->offset, buf, len);
	/* Bytes beyond what was sent cannot be a faithful echo. */
	if (v->offset + ok > sent)
		ok = sent > v->offset ? (size_t)(sent - v->offset) : 0;
	v->verified += ok;
	if (ok < len) {
		v->mismatch = true;
		v->mismatch_at = v->offset + ok;
	}
	v->offset += len;
	return !v->mismatch;
}
