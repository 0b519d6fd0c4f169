// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers of selfmig-workload; see wl.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "options.h"
#include "wl.h"

/* ------------------------------------------------------------ random */

uint64_t smwl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

void smwl_rng_seed(struct smwl_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t smwl_rng_next(struct smwl_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return smwl_mix64(r->s);
}

uint64_t smwl_rng_below(struct smwl_rng *r, uint64_t n)
{
	uint64_t x, lim;

	if (n == 0)
		return 0;
	/* Reject the short top slice so every value is equally likely. */
	lim = UINT64_MAX - UINT64_MAX % n;
	do
		x = smwl_rng_next(r);
	while (x >= lim);
	return x % n;
}

/* ------------------------------------------------------------ patterns */

static void st64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void st32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t pattern_base(uint64_t key, uint64_t gen)
{
	return smwl_mix64(key * 0x9e3779b97f4a7c15ull ^ smwl_mix64(gen + 0x632be59bd9b4e019ull));
}

static uint64_t tag_word(uint64_t key, uint64_t gen)
{
	return ((uint64_t)(uint32_t)gen << 32 | (uint32_t)key) ^ SMWL_TAG_SALT;
}

static uint64_t word_at(uint64_t base, uint64_t key, uint64_t gen, uint64_t idx)
{
	if (gen == 0)
		return 0;
	if (idx == 0)
		return tag_word(key, gen);
	return smwl_mix64(base + idx * 0xd1b54a32d192ed03ull);
}

uint64_t smwl_pattern_word(uint64_t key, uint64_t gen, uint64_t idx)
{
	return word_at(pattern_base(key, gen), key, gen, idx);
}

void smwl_pattern_fill(void *buf, size_t len, uint64_t key, uint64_t gen)
{
	uint8_t *p = buf;
	uint64_t base = pattern_base(key, gen);
	size_t i, words = len / 8;

	if (gen == 0) {
		memset(buf, 0, len);
		return;
	}
	for (i = 0; i < words; i++)
		st64(p + 8 * i, word_at(base, key, gen, i));
	if (len % 8) {
		uint8_t tmp[8];

		st64(tmp, word_at(base, key, gen, words));
		memcpy(p + 8 * words, tmp, len % 8);
	}
}

int smwl_pattern_tag(const void *buf, size_t len, uint32_t *key, uint32_t *gen)
{
	const uint8_t *p = buf;
	uint64_t t;
	uint32_t k, g;

	if (len < 8)
		return -1;
	t = ld64(p) ^ SMWL_TAG_SALT;
	k = (uint32_t)t;
	g = (uint32_t)(t >> 32);
	if (g == 0)
		return -1;
	/* The second word must agree, otherwise it is just noise. */
	if (len >= 16 && ld64(p + 8) != smwl_pattern_word(k, g, 1))
		return -1;
	*key = k;
	*gen = g;
	return 0;
}

int smwl_pattern_check(const void *buf, size_t len, uint64_t key, uint64_t gen,
		       struct smwl_mismatch *mm)
{
	const uint8_t *p = buf;
	uint64_t base = pattern_base(key, gen);
	size_t i, words = (len + 7) / 8;

	for (i = 0; i < words; i++) {
		size_t n = len - 8 * i < 8 ? len - 8 * i : 8;
		uint8_t want[8];

		if (n == 8 && ld64(p + 8 * i) == word_at(base, key, gen, i))
			continue;
		st64(want, word_at(base, key, gen, i));
		for (size_t b = 0; b < n; b++) {
			if (p[8 * i + b] == want[b])
				continue;
			if (mm) {
				memset(mm, 0, sizeof(*mm));
				mm->offset = 8 * i + b;
				mm->expected = want[b];
				mm->got = p[8 * i + b];
				mm->tag_valid = smwl_pattern_tag(buf, len, &mm->tag_key,
								 &mm->tag_gen) == 0;
			}
			return -1;
		}
	}
	return 0;
}

static uint64_t stream_word(uint64_t base, uint64_t w)
{
	return smwl_mix64(base + (w + 1) * 0xd1b54a32d192ed03ull);
}

uint8_t smwl_stream_byte(uint64_t key, uint64_t gen, uint64_t off)
{
	return (uint8_t)(stream_word(pattern_base(key, gen), off / 8) >> (8 * (off % 8)));
}

void smwl_stream_fill(void *buf, size_t len, uint64_t key, uint64_t gen, uint64_t off)
{
	uint8_t *p = buf;
	uint64_t base = pattern_base(key, gen);
	size_t i = 0;

	while (i < len && (off + i) % 8) {
		p[i] = (uint8_t)(stream_word(base, (off + i) / 8) >> (8 * ((off + i) % 8)));
		i++;
	}
	for (; i + 8 <= len; i += 8)
		st64(p + i, stream_word(base, (off + i) / 8));
	for (; i < len; i++)
		p[i] = (uint8_t)(stream_word(base, (off + i) / 8) >> (8 * ((off + i) % 8)));
}

int smwl_stream_check(const void *buf, size_t len, uint64_t key, uint64_t gen,
		      uint64_t off, size_t *bad)
{
	const uint8_t *p = buf;
	uint64_t base = pattern_base(key, gen);
	size_t i = 0;

	while (i < len) {
		if ((off + i) % 8 == 0 && i + 8 <= len &&
		    ld64(p + i) == stream_word(base, (off + i) / 8)) {
			i += 8;
			continue;
		}
		if (p[i] != (uint8_t)(stream_word(base, (off + i) / 8) >> (8 * ((off + i) % 8)))) {
			if (bad)
				*bad = i;
			return -1;
		}
		i++;
	}
	return 0;
}

/* ------------------------------------------------------------ messages */

uint32_t smwl_fnv1a(uint32_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	return h;
}

static uint32_t msg_csum(const uint8_t *buf, uint32_t paylen)
{
	uint8_t hdr[SMWL_MSG_HDR];

	memcpy(hdr, buf, SMWL_MSG_HDR);
	st32(hdr + 12, 0);
	return smwl_fnv1a(smwl_fnv1a(SMWL_FNV_INIT, hdr, sizeof(hdr)),
			  buf + SMWL_MSG_HDR, paylen);
}

size_t smwl_msg_encode(void *buf, size_t cap, uint32_t stream, uint64_t seq,
		       uint32_t paylen)
{
	uint8_t *p = buf;

	if (paylen > SMWL_MSG_MAXPAY || cap < (size_t)SMWL_MSG_HDR + paylen)
		return 0;
	st32(p, SMWL_MSG_MAGIC);
	st32(p + 4, paylen);
	st32(p + 8, stream);
	st32(p + 12, 0);
	st64(p + 16, seq);
	smwl_pattern_fill(p + SMWL_MSG_HDR, paylen, stream, seq + 1);
	st32(p + 12, msg_csum(p, paylen));
	return (size_t)SMWL_MSG_HDR + paylen;
}

enum smwl_msg_status smwl_msg_peek(const void *buf, size_t len, struct smwl_msg *m,
				   size_t *total)
{
	const uint8_t *p = buf;

	if (len < SMWL_MSG_HDR)
		return SMWL_MSG_SHORT;
	if (ld32(p) != SMWL_MSG_MAGIC)
		return SMWL_MSG_BAD_MAGIC;
	m->len = ld32(p + 4);
	m->stream = ld32(p + 8);
	m->csum = ld32(p + 12);
	m->seq = ld64(p + 16);
	if (m->len > SMWL_MSG_MAXPAY)
		return SMWL_MSG_BAD_LEN;
	if (total)
		*total = (size_t)SMWL_MSG_HDR + m->len;
	return SMWL_MSG_OK;
}

enum smwl_msg_status smwl_msg_decode(const void *buf, size_t len, struct smwl_msg *m)
{
	const uint8_t *p = buf;
	enum smwl_msg_status st;
	size_t total;

	st = smwl_msg_peek(buf, len, m, &total);
	if (st != SMWL_MSG_OK)
		return st;
	if (len < total)
		return SMWL_MSG_SHORT;
	if (msg_csum(p, m->len) != m->csum)
		return SMWL_MSG_BAD_CSUM;
	if (smwl_pattern_check(p + SMWL_MSG_HDR, m->len, m->stream, m->seq + 1, NULL))
		return SMWL_MSG_BAD_PAYLOAD;
	return SMWL_MSG_OK;
}

const char *smwl_msg_status_str(enum smwl_msg_status st)
{
	switch (st) {
	case SMWL_MSG_OK:		return "ok";
	case SMWL_MSG_SHORT:		return "short";
	case SMWL_MSG_BAD_MAGIC:	return "bad-magic";
	case SMWL_MSG_BAD_LEN:		return "bad-length";
	case SMWL_MSG_BAD_CSUM:		return "bad-checksum";
	case SMWL_MSG_BAD_PAYLOAD:	return "bad-payload";
	}
	return "?";
}

/* ------------------------------------------------------------ rate */

uint64_t smwl_rate_delay_ns(uint64_t rate_bps, uint64_t bytes, uint64_t elapsed_ns)
{
	long double due;

	if (rate_bps == 0)
		return 0;
	due = (long double)bytes * 1e9L / (long double)rate_bps;
	if (due <= (long double)elapsed_ns)
		return 0;
	return (uint64_t)(due - (long double)elapsed_ns);
}

/* ------------------------------------------------------------ options */

static const char *const mode_names[SMWL_MODE_COUNT] = {
	[SMWL_MODE_NONE] = NULL,
	[SMWL_ANON_RANDOM] = "anon-random",
	[SMWL_ANON_SEQ] = "anon-seq",
	[SMWL_FILE_WRITE] = "file-write",
	[SMWL_MMAP_SHARED] = "mmap-shared",
	[SMWL_PIPES] = "pipes",
	[SMWL_FORKSTORM] = "forkstorm",
	[SMWL_CHURN] = "churn",
	[SMWL_NETRECV] = "netrecv",
	[SMWL_NETSEND] = "netsend",
	[SMWL_COMPILE_MIX] = "compile-mix",
	[SMWL_NOOP] = "noop",
};

const char *smwl_mode_name(enum smwl_mode m)
{
	if ((int)m <= 0 || m >= SMWL_MODE_COUNT)
		return "?";
	return mode_names[m];
}

enum smwl_mode smwl_mode_parse(const char *s)
{
	int i = smc_name_index(s, mode_names, SMWL_MODE_COUNT);

	return i > 0 ? (enum smwl_mode)i : SMWL_MODE_NONE;
}

uint64_t smwl_mode_default_mib(enum smwl_mode m)
{
	switch (m) {
	case SMWL_ANON_RANDOM:
	case SMWL_ANON_SEQ:
		return 32;
	case SMWL_FILE_WRITE:
	case SMWL_MMAP_SHARED:
		return 16;
	case SMWL_CHURN:
		return 64;
	case SMWL_FORKSTORM:
		return 4;	/* per allocating child */
	case SMWL_COMPILE_MIX:
		return 8;	/* the source tree */
	default:
		return 0;
	}
}

/* Seconds or MiB/s: decimal, with a fraction or exponent, 0 to 1e9. */
static int parse_nonneg(const char *opt, const char *s, double *out,
			char *err, size_t errlen)
{
	char *end;
	double v;

	if (s && (*s == '.' || (*s >= '0' && *s <= '9')) &&
	    strspn(s, "0123456789.eE+-") == strlen(s)) {
		errno = 0;
		v = strtod(s, &end);
		if (!errno && !*end && isfinite(v) && v <= 1e9) {
			*out = v;
			return 0;
		}
	}
	smc_seterr(err, errlen, "%s '%.64s': not a number from 0 to 1000000000",
	       opt, s ? s : "");
	return -1;
}

/* IPv4 address with an optional ":PORT". */
static int parse_target(const char *s, struct smwl_opts *o, char *err,
			size_t errlen)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	struct in_addr a;
	uint64_t port;

	if (n == 0 || n >= sizeof(o->target))
		goto bad;
	memcpy(o->target, s, n);
	o->target[n] = 0;
	if (inet_pton(AF_INET, o->target, &a) != 1)
		goto bad;
	if (colon) {
		if (smc_parse_u64("--target's port", colon + 1, 1, 65535, &port,
				  err, errlen))
			return -1;
		o->port = (uint16_t)port;
	}
	return 0;
bad:
	smc_seterr(err, errlen, "--target '%.64s': not an IPv4 address with an optional :PORT",
	       s);
	return -1;
}

/* The options (options.h), and the mode in its place (getopt's "-" mode). */
enum { O_POS = 1 };

static const int opt_ids[] = {
	SMC_O_HELP, SMC_O_MIB, SMC_O_SECONDS, SMC_O_RATE_MIB_S, SMC_O_DIR,
	SMC_O_PORT, SMC_O_TARGET, SMC_O_SEED, SMC_O_QUIET, 0
};

static int take_mode(struct smwl_opts *o, const char *a, char *err, size_t errlen)
{
	if (o->mode != SMWL_MODE_NONE) {
		smc_seterr(err, errlen, "unexpected argument '%.64s': one mode only", a);
		return -1;
	}
	o->mode = smwl_mode_parse(a);
	if (o->mode == SMWL_MODE_NONE) {
		smc_seterr(err, errlen, "unknown mode '%.64s'", a);
		return -1;
	}
	return 0;
}

int smwl_parse_args(int argc, char **argv, struct smwl_opts *o, char *err, size_t errlen)
{
	struct smc_opts optset;
	const struct option *long_opts = smc_opts(&optset, opt_ids);
	int mib_set = 0, port_set = 0, c;
	uint16_t keep;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->dir = "/tmp";
	o->port = SMWL_DEFAULT_PORT;
	if (err && errlen)
		err[0] = 0;

	optind = 0;			/* a fresh scan, for every call */
	while ((c = smc_getopt(argc, argv, "-h", long_opts, err, errlen)) != -1) {
		switch (c) {
		case '?':
			return -1;
		case SMC_O_HELP:
			return 1;
		case O_POS:
			if (take_mode(o, optarg, err, errlen))
				return -1;
			break;
		case SMC_O_MIB:
			if (smc_parse_u64("--mib", optarg, 1, 1u << 20, &o->mib,
					  err, errlen))
				return -1;
			mib_set = 1;
			break;
		case SMC_O_SECONDS:
			if (parse_nonneg("--seconds", optarg, &o->seconds, err, errlen))
				return -1;
			break;
		case SMC_O_RATE_MIB_S:
			if (parse_nonneg("--rate-mib-s", optarg, &o->rate_mib_s,
					 err, errlen))
				return -1;
			break;
		case SMC_O_DIR:
			if (!*optarg) {
				smc_seterr(err, errlen, "--dir '': give a directory");
				return -1;
			}
			o->dir = optarg;
			break;
		case SMC_O_PORT:
			if (smc_parse_u64("--port", optarg, 1, 65535, &v, err, errlen))
				return -1;
			o->port = (uint16_t)v;
			port_set = 1;
			break;
		case SMC_O_TARGET:
			keep = o->port;
			if (parse_target(optarg, o, err, errlen))
				return -1;
			/* An explicit --port wins over the default, not over IP:PORT. */
			if (!strchr(optarg, ':') && port_set)
				o->port = keep;
			break;
		case SMC_O_SEED:
			if (smc_parse_u64("--seed", optarg, 0, UINT64_MAX, &o->seed,
					  err, errlen))
				return -1;
			break;
		case SMC_O_QUIET:
			o->quiet = 1;
			break;
		}
	}
	/* after "--" */
	for (; optind < argc; optind++)
		if (take_mode(o, argv[optind], err, errlen))
			return -1;
	if (o->mode == SMWL_MODE_NONE) {
		smc_seterr(err, errlen, "no mode given");
		return -1;
	}
	if (o->mode == SMWL_NETSEND && !o->target[0]) {
		smc_seterr(err, errlen, "netsend needs --target IP[:PORT]");
		return -1;
	}
	if (!mib_set)
		o->mib = smwl_mode_default_mib(o->mode);
	return 0;
}
