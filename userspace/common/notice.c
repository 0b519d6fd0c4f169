// SPDX-License-Identifier: GPL-2.0
/*
 * Relocation notice messages: parse, check and format (docs/notices.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "crc32c.h"
#include "notice.h"

static void seterr(char *err, size_t errlen, const char *msg, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
}

static int key_ok(const char *k, size_t len)
{
	size_t i;

	if (len == 0 || len >= SMN_KEY_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int val_ok(const char *v, size_t len)
{
	size_t i;

	if (len >= SMN_VAL_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return 0;
	return 1;
}

const char *smn_get(const struct smn_msg *m, const char *key)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->f[i].key, key))
			return m->f[i].val;
	return NULL;
}

int smn_set(struct smn_msg *m, const char *key, const char *val)
{
	unsigned int i;

	if (!key_ok(key, strlen(key)) || !val_ok(val, strlen(val)) ||
	    !strcmp(key, "crc"))
		return -1;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->f[i].key, key))
			break;
	if (i == m->n) {
		if (m->n == SMN_MAX_FIELDS)
			return -1;
		m->n++;
		snprintf(m->f[i].key, sizeof(m->f[i].key), "%s", key);
	}
	snprintf(m->f[i].val, sizeof(m->f[i].val), "%s", val);
	return 0;
}

int smn_set_u64(struct smn_msg *m, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return smn_set(m, key, buf);
}

int smn_format(const struct smn_msg *m, char *out, size_t outlen)
{
	size_t pos;
	unsigned int i;
	int n;

	if (outlen < sizeof(SMN_MAGIC))
		return -1;
	pos = (size_t)snprintf(out, outlen, "%s", SMN_MAGIC);
	for (i = 0; i < m->n; i++) {
		n = snprintf(out + pos, outlen - pos, " %s=%s",
			     m->f[i].key, m->f[i].val);
		if (n < 0 || (size_t)n >= outlen - pos)
			return -1;
		pos += (size_t)n;
	}
	n = snprintf(out + pos, outlen - pos, " crc=%08x",
		     (unsigned int)smw_crc32c(0, out, pos));
	if (n < 0 || (size_t)n >= outlen - pos || pos + (size_t)n > SMN_MAX_LEN)
		return -1;
	return (int)(pos + (size_t)n);
}

int smn_parse(const char *text, size_t len, struct smn_msg *m,
	      char *err, size_t errlen)
{
	const size_t mlen = sizeof(SMN_MAGIC) - 1;
	const char *p, *end, *crcp = NULL;
	unsigned long want;
	char crcbuf[9], *ep;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (len && text[len - 1] == '\n')
		len--;
	if (len > SMN_MAX_LEN) {
		seterr(err, errlen, "message longer than 512 bytes", NULL);
		return -1;
	}
	if (len < mlen || memcmp(text, SMN_MAGIC, mlen) ||
	    (len > mlen && text[mlen] != ' ')) {
		seterr(err, errlen, "not a selfmig/1 message", NULL);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (text[i] < ' ' || text[i] > '~') {
			seterr(err, errlen, "control or non-ASCII byte in message", NULL);
			return -1;
		}
	}
	/* The checksum is the last field, exactly " crc=" and 8 hex digits. */
	if (len < mlen + 14 || memcmp(text + len - 13, " crc=", 5)) {
		seterr(err, errlen, "no crc field at the end", NULL);
		return -1;
	}
	crcp = text + len - 8;
	memcpy(crcbuf, crcp, 8);
	crcbuf[8] = 0;
	for (i = 0; i < 8; i++) {
		if (!((crcbuf[i] >= '0' && crcbuf[i] <= '9') ||
		      (crcbuf[i] >= 'a' && crcbuf[i] <= 'f'))) {
			seterr(err, errlen, "crc is not 8 lower-case hex digits", NULL);
			return -1;
		}
	}
	want = strtoul(crcbuf, &ep, 16);
	if ((uint32_t)want != smw_crc32c(0, text, len - 13)) {
		seterr(err, errlen, "crc mismatch", NULL);
		return -1;
	}
	p = text + mlen;
	end = text + len - 13;
	while (p < end) {
		const char *k, *eq, *v, *fe;
		char key[SMN_KEY_LEN], val[SMN_VAL_LEN];

		if (*p != ' ') {
			seterr(err, errlen, "fields must be separated by one space", NULL);
			return -1;
		}
		k = p + 1;
		fe = memchr(k, ' ', (size_t)(end - k));
		if (!fe)
			fe = end;
		if (fe == k) {
			seterr(err, errlen, "fields must be separated by one space", NULL);
			return -1;
		}
		eq = memchr(k, '=', (size_t)(fe - k));
		if (!eq) {
			seterr(err, errlen, "field without '='", NULL);
			return -1;
		}
		v = eq + 1;
		if (!key_ok(k, (size_t)(eq - k)) || !val_ok(v, (size_t)(fe - v))) {
			seterr(err, errlen, "bad key or value", NULL);
			return -1;
		}
		memcpy(key, k, (size_t)(eq - k));
		key[eq - k] = 0;
		memcpy(val, v, (size_t)(fe - v));
		val[fe - v] = 0;
		if (smn_get(m, key)) {
			seterr(err, errlen, "repeated key", key);
			return -1;
		}
		if (smn_set(m, key, val)) {
			seterr(err, errlen, "too many fields or reserved key", key);
			return -1;
		}
		p = fe;
	}
	return 0;
}

static const char *const phase_names[] = {
	[SMN_PHASE_NOTICE] = "notice",
	[SMN_PHASE_STOP] = "stop",
	[SMN_PHASE_DONE] = "done",
	[SMN_PHASE_ABORT] = "abort",
	[SMN_PHASE_MIGRATE] = "migrate",
	[SMN_PHASE_SAMPLE] = "sample",
};

static const char *const mode_names[] = {
	[SMN_MODE_SELF] = "self",
	[SMN_MODE_ASSISTED] = "assisted",
	[SMN_MODE_TRANSPARENT] = "transparent",
};

const char *smn_phase_name(enum smn_phase p)
{
	return (unsigned int)p < SMN_PHASE_COUNT_ ? phase_names[p] : "?";
}

const char *smn_mode_name(enum smn_mode m)
{
	return (unsigned int)m < SMN_MODE_COUNT_ ? mode_names[m] : "?";
}

int smn_phase_parse(const char *s, enum smn_phase *p)
{
	int i = smc_name_index(s, phase_names, SMN_PHASE_COUNT_);

	if (i >= 0)
		*p = (enum smn_phase)i;
	return i < 0 ? -1 : 0;
}

int smn_mode_parse(const char *s, enum smn_mode *m)
{
	int i = smc_name_index(s, mode_names, SMN_MODE_COUNT_);

	if (i >= 0)
		*m = (enum smn_mode)i;
	return i < 0 ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *ep;
	unsigned long long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &ep, 10);
	if (errno || *ep || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Whether s is HOST:PORT with a non-empty host and a port in 1-65535. */
static int listen_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (!colon || colon == s)
		return 0;
	return !parse_u64(colon + 1, 65535, &port) && port;
}

static int id_ok(const char *s)
{
	size_t i;

	for (i = 0; i < SMN_ID_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/* The fields of phase migrate: the guest connects to listen with id. */
static int parse_migrate(const struct smn_msg *m, struct smn_request *r,
			 char *err, size_t errlen)
{
	const char *s;

	if (r->mode != SMN_MODE_SELF) {
		seterr(err, errlen, "phase migrate in a mode other than self",
		       smn_mode_name(r->mode));
		return -1;
	}
	s = smn_get(m, "listen");
	if (!s || !listen_ok(s)) {
		seterr(err, errlen, "migrate without a listen ADDR:PORT", s);
		return -1;
	}
	snprintf(r->listen, sizeof(r->listen), "%s", s);
	s = smn_get(m, "id");
	if (!s || !id_ok(s)) {
		seterr(err, errlen, "migrate without an id of 32 hex digits", s);
		return -1;
	}
	memcpy(r->id, s, sizeof(r->id));
	s = smn_get(m, "downtime_ms");
	if (s && (parse_u64(s, 60000, &r->downtime_ms) || !r->downtime_ms)) {
		seterr(err, errlen, "bad downtime_ms", s);
		return -1;
	}
	s = smn_get(m, "max_bandwidth");
	if (s && (parse_u64(s, 1000000, &r->bandwidth_mbit) || !r->bandwidth_mbit)) {
		seterr(err, errlen, "bad max_bandwidth", s);
		return -1;
	}
	return 0;
}

/* The fields of phase sample: how long, and how often to scan. */
static int parse_sample(const struct smn_msg *m, struct smn_request *r,
			char *err, size_t errlen)
{
	const char *s = smn_get(m, "seconds");

	if (!s || parse_u64(s, SMN_SAMPLE_MAX_S, &r->seconds) || !r->seconds) {
		seterr(err, errlen, "sample without seconds from 1 to 3600", s);
		return -1;
	}
	s = smn_get(m, "interval_ms");
	if (!s || parse_u64(s, SMN_SAMPLE_MAX_MS, &r->interval_ms) ||
	    r->interval_ms < SMN_SAMPLE_MIN_MS) {
		seterr(err, errlen, "sample without interval_ms from 10 to 60000", s);
		return -1;
	}
	return 0;
}

int smn_request_parse(const char *text, size_t len, struct smn_request *r,
		      char *err, size_t errlen)
{
	struct smn_msg m;
	const char *s;
	uint64_t v;

	memset(r, 0, sizeof(*r));
	if (smn_parse(text, len, &m, err, errlen))
		return -1;
	if (parse_u64(smn_get(&m, "seq"), UINT32_MAX, &v)) {
		seterr(err, errlen, "missing or bad seq", NULL);
		return -1;
	}
	r->seq = (uint32_t)v;
	s = smn_get(&m, "phase");
	if (!s) {
		seterr(err, errlen, "missing phase", NULL);
		return -1;
	}
	if (smn_phase_parse(s, &r->phase)) {
		seterr(err, errlen, "unknown phase", s);
		return -1;
	}
	s = smn_get(&m, "mode");
	r->mode = SMN_MODE_ASSISTED;
	if (s && smn_mode_parse(s, &r->mode)) {
		seterr(err, errlen, "unknown mode", s);
		return -1;
	}
	s = smn_get(&m, "dest");
	if (s)
		snprintf(r->dest, sizeof(r->dest), "%s", s);
	if (r->phase == SMN_PHASE_NOTICE && !r->dest[0]) {
		seterr(err, errlen, "notice without a destination", NULL);
		return -1;
	}
	s = smn_get(&m, "deadline");
	if (s && parse_u64(s, UINT64_MAX / 2, &r->deadline)) {
		seterr(err, errlen, "bad deadline", s);
		return -1;
	}
	if (r->phase == SMN_PHASE_MIGRATE)
		return parse_migrate(&m, r, err, errlen);
	if (r->phase == SMN_PHASE_SAMPLE)
		return parse_sample(&m, r, err, errlen);
	return 0;
}

int smn_request_format(const struct smn_request *r, char *out, size_t outlen)
{
	struct smn_msg m = { 0 };

	if (smn_set_u64(&m, "seq", r->seq) ||
	    smn_set(&m, "phase", smn_phase_name(r->phase)) ||
	    smn_set(&m, "mode", smn_mode_name(r->mode)) ||
	    (r->dest[0] && smn_set(&m, "dest", r->dest)) ||
	    (r->deadline && smn_set_u64(&m, "deadline", r->deadline)))
		return -1;
	if (r->phase == SMN_PHASE_MIGRATE &&
	    (smn_set(&m, "listen", r->listen) || smn_set(&m, "id", r->id) ||
	     (r->downtime_ms && smn_set_u64(&m, "downtime_ms", r->downtime_ms)) ||
	     (r->bandwidth_mbit &&
	      smn_set_u64(&m, "max_bandwidth", r->bandwidth_mbit))))
		return -1;
	if (r->phase == SMN_PHASE_SAMPLE &&
	    (smn_set_u64(&m, "seconds", r->seconds) ||
	     smn_set_u64(&m, "interval_ms", r->interval_ms)))
		return -1;
	return smn_format(&m, out, outlen);
}
