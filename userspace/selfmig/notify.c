// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig notify: its arguments, the request's seq and text, the guest's
 * acknowledgement and what a rejection means, and --fields.  No I/O; see
 * cli.h.  The subcommand itself is in notify_xen.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"

/* notify's options. */
static const int opts_notify[] = {
	SMC_O_HELP, SMC_O_PHASE, SMC_O_DEST, SMC_O_MODE, SMC_O_DEADLINE_S,
	SMC_O_SEQ, SMC_O_TIMEOUT, SMC_O_NO_WAIT, SMC_O_RAW, SMC_O_FIELDS,
	SMC_O_NO_PREPARE, 0
};

int smg_parse_notify(struct smg_scan *s, struct smg_args *a)
{
	static const char synopsis[] =
		"notify DOMAIN --phase notice|stop|done|abort [--dest D] ...";
	struct smg_notify_opts *o = &a->notify;
	struct smc_optvals ov;
	const char *val;
	int ret, have_fields;
	uint64_t v = 0;

	s->opts = smc_opts(&s->optset, opts_notify);
	if (smg_scan_all(s, &ov))
		return SMG_EXIT_USAGE;
	if ((val = ov.val[SMC_O_PHASE])) {
		if (smn_phase_parse(val, &o->phase))
			return smg_bad_value(s, "--phase", val,
					 "not one of notice, stop, done, abort");
		o->have_phase = 1;
	}
	if ((val = ov.val[SMC_O_DEST]) && !smg_value_ok(val))
		return smg_bad_value(s, "--dest", val,
				 "1 to 127 printable characters without spaces");
	o->dest = val;
	if ((val = ov.val[SMC_O_MODE]) && smg_parse_mode(s, "--mode", val, &o->mode))
		return SMG_EXIT_USAGE;
	if (smg_opt_num(s, &ov, SMC_O_DEADLINE_S, 1, SMG_MAX_DEADLINE_S,
			"seconds from now", &o->deadline_s) ||
	    smg_opt_num(s, &ov, SMC_O_SEQ, 0, UINT32_MAX, "a request number", &v))
		return SMG_EXIT_USAGE;
	o->seq = (uint32_t)v;
	o->have_seq = ov.val[SMC_O_SEQ] != NULL;
	v = o->timeout_s;
	if (smg_opt_num(s, &ov, SMC_O_TIMEOUT, 1, SMG_MAX_TIMEOUT_S, "seconds", &v))
		return SMG_EXIT_USAGE;
	o->timeout_s = (unsigned int)v;
	o->no_wait = ov.val[SMC_O_NO_WAIT] != NULL;
	o->raw = ov.val[SMC_O_RAW];
	o->fields = ov.val[SMC_O_FIELDS];
	o->no_prepare = ov.val[SMC_O_NO_PREPARE] != NULL;
	have_fields = o->have_phase || o->dest || ov.val[SMC_O_MODE] ||
		      ov.val[SMC_O_DEADLINE_S] || o->have_seq;
	ret = smg_scan_domain(s, 1, synopsis, &a->domain);
	if (ret)
		return ret;
	if (o->raw || o->fields) {
		char text[SMN_MAX_LEN + 1];

		if (have_fields || (o->raw && o->fields)) {
			snprintf(s->err, s->errlen,
				 "--raw and --fields send their text as it is: use one, without --phase, --dest, --mode, --deadline-s and --seq");
			return SMG_EXIT_USAGE;
		}
		if (o->fields &&
		    smg_fields_text(o->fields, text, sizeof(text), s->err, s->errlen) < 0)
			return SMG_EXIT_USAGE;
		return 0;
	}
	if (!o->have_phase) {
		snprintf(s->err, s->errlen,
			 "notify needs --phase notice, stop, done or abort");
		return SMG_EXIT_USAGE;
	}
	if (o->phase == SMN_PHASE_NOTICE && !o->dest) {
		snprintf(s->err, s->errlen,
			 "--phase notice needs --dest (where the guest goes); the guest refuses a notice without it");
		return SMG_EXIT_USAGE;
	}
	if (o->phase == SMN_PHASE_MIGRATE) {
		snprintf(s->err, s->errlen,
			 "--phase migrate starts a self-migration, which needs dom0's hook listening: use 'selfmig migrate --mode self'");
		return SMG_EXIT_USAGE;
	}
	return 0;
}


/* ------------------------------------------------------------ requests, acks */

int smg_msg_seq(const char *text, size_t len, uint32_t *seq)
{
	struct smn_msg m;
	uint64_t v;

	if (smn_parse(text, len, &m, NULL, 0) ||
	    smc_parse_u64(NULL, smn_get(&m, "seq"), 0, UINT32_MAX, &v,
			  NULL, 0))
		return -1;
	*seq = (uint32_t)v;
	return 0;
}

static void seq_above(const char *text, size_t len, uint64_t *best)
{
	uint32_t s;

	if (text && len && !smg_msg_seq(text, len, &s) && (uint64_t)s + 1 > *best)
		*best = (uint64_t)s + 1;
}

int smg_next_seq(const char *const vals[], const size_t lens[], unsigned int n,
		 uint64_t now, uint64_t min, uint32_t *seq)
{
	uint64_t best = now & UINT32_MAX;
	unsigned int i;

	if (min > best)
		best = min;
	for (i = 0; i < n; i++)
		seq_above(vals[i], lens[i], &best);
	if (best > UINT32_MAX)
		return -1;
	*seq = (uint32_t)best;
	return 0;
}

int smg_request_text(const struct smg_notify_opts *o, uint32_t seq,
		     uint64_t now, char *out, size_t outlen,
		     char *err, size_t errlen)
{
	struct smn_request r;
	int n;

	if (!o->have_phase) {
		snprintf(err, errlen, "no phase given");
		return -1;
	}
	if (o->phase == SMN_PHASE_NOTICE && !o->dest) {
		snprintf(err, errlen, "a notice needs a destination");
		return -1;
	}
	if (o->dest && !smg_value_ok(o->dest)) {
		snprintf(err, errlen, "destination '%.64s' cannot go in a message",
			 o->dest);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.phase = o->phase;
	r.mode = o->mode;
	if (o->dest)
		snprintf(r.dest, sizeof(r.dest), "%s", o->dest);
	r.deadline = o->deadline_s ? now + o->deadline_s : 0;
	if (o->phase == SMN_PHASE_MIGRATE) {
		if (!o->listen || !o->id || strlen(o->id) != SMN_ID_HEX ||
		    !smg_value_ok(o->listen)) {
			snprintf(err, errlen, "phase migrate needs the hook's address and the migration's id");
			return -1;
		}
		snprintf(r.listen, sizeof(r.listen), "%s", o->listen);
		memcpy(r.id, o->id, sizeof(r.id));
		r.downtime_ms = o->downtime_ms;
		r.bandwidth_mbit = o->bandwidth_mbit;
	}
	n = smn_request_format(&r, out, outlen);
	if (n < 0)
		snprintf(err, errlen, "the request does not fit in a message");
	return n;
}

int smg_ack_parse(const char *text, size_t len, struct smg_ack *ack)
{
	struct smn_msg m;
	const char *st, *reason;
	uint64_t v;

	memset(ack, 0, sizeof(*ack));
	if (smn_parse(text, len, &m, NULL, 0) ||
	    smc_parse_u64(NULL, smn_get(&m, "seq"), 0, UINT32_MAX, &v,
			  NULL, 0))
		return -1;
	st = smn_get(&m, "status");
	if (!st)
		return -1;
	if (!strcmp(st, "ok"))
		ack->ok = 1;
	else if (strcmp(st, "rejected"))
		return -1;
	ack->seq = (uint32_t)v;
	reason = smn_get(&m, "reason");
	if (!ack->ok && reason)
		snprintf(ack->reason, sizeof(ack->reason), "%s", reason);
	return 0;
}

int smg_ack_check(const char *cur, size_t cur_len, const char *before,
		  size_t before_len, int event, int64_t want_seq,
		  struct smg_ack *ack)
{
	struct smg_ack a;
	int fresh;

	if (!cur || smg_ack_parse(cur, cur_len, &a))
		return 0;
	fresh = event || !before || before_len != cur_len ||
		memcmp(before, cur, cur_len);
	if (!fresh || (want_seq >= 0 && (int64_t)a.seq != want_seq))
		return 0;
	*ack = a;
	return 1;
}

int smg_ack_line(const struct smg_ack *ack, char *out, size_t outlen)
{
	if (ack->ok)
		return snprintf(out, outlen, "ack seq=%" PRIu32 " status=ok", ack->seq);
	return snprintf(out, outlen, "ack seq=%" PRIu32 " status=rejected reason=%s",
			ack->seq, ack->reason[0] ? ack->reason : "none");
}

const char *smg_reject_hint(const char *reason)
{
	static const struct {
		const char *reason, *hint;
	} hints[] = {
		{ "bad-message",
		  "the request is not a valid selfmig/1 message; see docs/notices.md" },
		{ "unknown-phase",
		  "use --phase notice, stop, done or abort" },
		{ "no-destination",
		  "a notice needs --dest" },
		{ "bad-field",
		  "a field has a value the guest does not accept; check --mode and --deadline-s" },
		{ "not-from-dom0",
		  "the request key's permissions are wrong; run 'selfmig prepare DOMAIN' to fix them" },
		{ "old-seq",
		  "the guest has acknowledged a larger seq already; pass a larger --seq or leave it out" },
		{ "cannot-migrate",
		  "selfmig.ko in the guest did not start the copy (not loaded, busy, or no secret); its reason is in the guest's selfmigd log and kernel log" },
		{ "cannot-sample",
		  "selfmig.ko in the guest did not start the sampler (not loaded, or a migration or a sampling runs); its reason is in the guest's selfmigd log" },
	};
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcmp(reason, hints[i].reason))
			return hints[i].hint;
	return "see the guest's selfmigd log and docs/notices.md";
}


int smg_fields_text(const char *fields, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	struct smn_msg m = { 0 };
	const char *p = fields;

	while (*p) {
		char key[SMN_KEY_LEN], val[SMN_VAL_LEN];
		const char *e, *eq;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		eq = memchr(p, '=', (size_t)(e - p));
		if (!eq || (size_t)(eq - p) >= sizeof(key) ||
		    (size_t)(e - eq - 1) >= sizeof(val)) {
			snprintf(err, errlen, "--fields takes KEY=VALUE words: '%.*s'",
				 (int)(e - p), p);
			return -1;
		}
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = 0;
		memcpy(val, eq + 1, (size_t)(e - eq - 1));
		val[e - eq - 1] = 0;
		if (smn_set(&m, key, val)) {
			snprintf(err, errlen, "--fields: '%s=%s' is not an allowed field", key, val);
			return -1;
		}
		p = e;
	}
	if (smn_format(&m, out, outlen) < 0) {
		snprintf(err, errlen, "--fields: the message would be over %d bytes", SMN_MAX_LEN);
		return -1;
	}
	return (int)strlen(out);
}
