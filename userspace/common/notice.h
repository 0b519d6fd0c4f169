/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Relocation notices: the text messages dom0 and the guest exchange under
 * control/selfmig/ in xenstore.  The format is specified in docs/notices.md.
 *
 * A message is one line of at most SMN_MAX_LEN bytes:
 *
 *     selfmig/1 key=value key=value ... crc=XXXXXXXX
 *
 * "selfmig/1" is the magic and version, keys are [a-z0-9_-], values are
 * printable ASCII without spaces, and crc is the CRC32C, in 8 lower-case hex
 * digits, of every byte before " crc=".
 */
#ifndef SELFMIG_COMMON_NOTICE_H
#define SELFMIG_COMMON_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#define SMN_MAGIC	"selfmig/1"
#define SMN_MAX_LEN	512
#define SMN_MAX_FIELDS	16
#define SMN_KEY_LEN	24
#define SMN_VAL_LEN	128

struct smn_field {
	char key[SMN_KEY_LEN];
	char val[SMN_VAL_LEN];
};

struct smn_msg {
	unsigned int n;
	struct smn_field f[SMN_MAX_FIELDS];
};

/*
 * Parse len bytes of text (no terminator needed; one trailing newline is
 * allowed).  Returns 0, or -1 with a one-line reason in err.
 */
int smn_parse(const char *text, size_t len, struct smn_msg *m,
	      char *err, size_t errlen);

/* Format m with magic and checksum into out.  Returns the length or -1. */
int smn_format(const struct smn_msg *m, char *out, size_t outlen);

/* The value of key, or NULL. */
const char *smn_get(const struct smn_msg *m, const char *key);

/* Add or replace key.  Returns 0, or -1 if the key or value is not allowed. */
int smn_set(struct smn_msg *m, const char *key, const char *val);
int smn_set_u64(struct smn_msg *m, const char *key, uint64_t v);

/* ---- requests, written by dom0 to control/selfmig/request ---- */

enum smn_phase {
	SMN_PHASE_NOTICE,	/* a migration is coming: prepare */
	SMN_PHASE_STOP,		/* the final stop is near: last measures */
	SMN_PHASE_DONE,		/* the migration completed: restore */
	SMN_PHASE_ABORT,	/* the migration failed or was cancelled: restore */
	SMN_PHASE_MIGRATE,	/* self mode: copy yourself to listen, now */
	SMN_PHASE_SAMPLE,	/* measure the writable working set (selfmig wws) */
	SMN_PHASE_COUNT_
};

enum smn_mode {
	SMN_MODE_SELF,
	SMN_MODE_ASSISTED,
	SMN_MODE_TRANSPARENT,
	SMN_MODE_COUNT_
};

#define SMN_ID_HEX	32	/* a migration's id: 16 bytes in lower-case hex */

struct smn_request {
	uint32_t seq;			/* increases with every request */
	enum smn_phase phase;
	enum smn_mode mode;
	char dest[SMN_VAL_LEN];		/* required for notice */
	uint64_t deadline;		/* Unix seconds; 0 = none */
	/* phase migrate (mode self only): */
	char listen[SMN_VAL_LEN];	/* ADDR:PORT of dom0's hook */
	char id[SMN_ID_HEX + 1];	/* the migration's id */
	uint64_t downtime_ms;		/* 0: the guest's default */
	uint64_t bandwidth_mbit;	/* 0: the guest's default */
	/* phase sample: the sampler's length and interval (docs/notices.md) */
	uint64_t seconds;		/* 1-3600 */
	uint64_t interval_ms;		/* 10-60000 */
};

/* The sampler's bounds, as selfmig.ko takes them. */
#define SMN_SAMPLE_MAX_S	3600
#define SMN_SAMPLE_MIN_MS	10
#define SMN_SAMPLE_MAX_MS	60000

const char *smn_phase_name(enum smn_phase p);
const char *smn_mode_name(enum smn_mode m);
int smn_phase_parse(const char *s, enum smn_phase *p);
int smn_mode_parse(const char *s, enum smn_mode *m);

/* Parse and check a request; the reason for a refusal goes to err. */
int smn_request_parse(const char *text, size_t len, struct smn_request *r,
		      char *err, size_t errlen);
int smn_request_format(const struct smn_request *r, char *out, size_t outlen);

#endif /* SELFMIG_COMMON_NOTICE_H */
