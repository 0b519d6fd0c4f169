// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig wws: ask the guest's selfmigd to run selfmig.ko's sampler
 * (request phase sample, docs/notices.md), wait for its report in
 * control/selfmig/wws, and print it (wws.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_xen.h"
#include "store_xen.h"
#include "wws.h"

#define WWS_POLL_MS	500

/*
 * The report for seq, once the guest has written it: 1 with *r filled, or
 * 0.  A value that is no report is remembered in why, and waited past: the
 * key may hold an older one of another form.
 */
static int take_report(struct smg_xs *x, unsigned int domid, uint32_t seq,
		       struct sww_report *r, char *why, size_t whylen)
{
	size_t len;
	char *v = smg_xs_read(x, domid, SMG_KEY_WWS, &len);
	int ret = 0;

	if (!v)
		return 0;
	if (!sww_parse(v, len, r, why, whylen))
		ret = r->seq == seq;
	free(v);
	return ret;
}

int smg_cmd_wws(const struct smg_args *a)
{
	const struct smg_wws_opts *o = &a->wws;
	static struct sww_report r;
	char err[SMG_ERRLEN], name[SMG_NAMELEN], text[SMN_MAX_LEN + 1], why[160];
	enum smg_send_result res;
	struct smg_prep prep;
	struct smg_ack ack;
	struct smg_xs *x;
	unsigned int domid;
	long long ms = 0, end;
	FILE *jf = NULL;
	uint32_t seq;
	int n, got = 0, rc = SMG_EXIT_ERROR;

	smg_catch_signals();
	if (o->json && !(jf = smg_open_report(o->json)))
		return SMG_EXIT_ERROR;
	x = smg_open_domain(a->domain, &domid, name, sizeof(name));
	if (!x)
		goto out_json;
	if (smg_prepare_keys(x, domid, &prep))
		goto out;
	if (prep.touched & (1U << SMG_KEY_FEATURE))
		smg_wait_feature(x, domid);
	if (!smg_feature_on(x, domid)) {
		smg_error("domain %s runs no selfmigd (control/feature-selfmig is not 1): it cannot sample itself",
			  a->domain);
		goto out;
	}
	if (smg_xs_next_seq(x, domid, 0, &seq, err, sizeof(err))) {
		smg_error("%s", err);
		goto out;
	}
	n = smg_wws_request_text(o, seq, text, sizeof(text), err, sizeof(err));
	if (n < 0) {
		smg_error("%s", err);
		goto out;
	}
	res = smg_xs_send(x, domid, text, (size_t)n, seq, SMG_ACK_MS, &smg_stop_flag,
			  &ack, &ms, err, sizeof(err));
	if (res == SMG_SEND_ERROR) {
		smg_error("%s", err);
		goto out;
	}
	if (res != SMG_SEND_ACKED) {
		smg_error("no acknowledgement from domain %s within %d s: is selfmigd running in the guest?",
			  a->domain, SMG_ACK_MS / 1000);
		rc = SMG_EXIT_TIMEOUT;
		goto out;
	}
	if (!ack.ok) {
		smg_error("domain %s rejected the request (%s): %s", a->domain,
			  ack.reason[0] ? ack.reason : "no reason given", smg_reject_hint(ack.reason));
		rc = SMG_EXIT_REJECTED;
		goto out;
	}
	fprintf(stderr, "selfmig wws: domain %s samples for %llu s, a scan every %llu ms\n",
		a->domain, (unsigned long long)o->seconds, (unsigned long long)o->interval_ms);
	end = smg_mono_ms() + (long long)o->seconds * 1000 + SMG_WWS_GRACE_MS;
	why[0] = 0;
	while (!got && !smg_stop_flag && smg_mono_ms() < end) {
		smg_sleep_ms(WWS_POLL_MS);
		got = take_report(x, domid, seq, &r, why, sizeof(why));
	}
	if (!got && smg_stop_flag) {
		smg_error("interrupted; the guest samples on and then writes its report to control/selfmig/wws");
		goto out;
	}
	if (!got) {
		smg_error("no report from domain %s's sampler %d s after it should have ended%s%s",
			  a->domain, SMG_WWS_GRACE_MS / 1000, why[0] ? "; the key holds no valid report: " : "",
			  why);
		goto out;
	}
	smg_wws_text(stdout, name, &r, o);
	if (jf)
		smg_wws_json(jf, name, &r, o);
	rc = r.error ? SMG_EXIT_ERROR : SMG_EXIT_OK;
	if (r.error)
		smg_error("the guest's sampler failed (error %d); the guest's kernel log says why", r.error);
out:
	smg_xs_close(x);
out_json:
	if (jf && fclose(jf) && rc == SMG_EXIT_OK) {
		smg_error("cannot write the report to %s: %s", o->json, strerror(errno));
		rc = SMG_EXIT_ERROR;
	}
	return rc;
}
