// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig notify: one request to the guest, and its acknowledgement
 * (docs/notices.md).  The texts and checks are in notify.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_xen.h"
#include "store_xen.h"

int smg_cmd_notify(const struct smg_args *a)
{
	const struct smg_notify_opts *o = &a->notify;
	char err[SMG_ERRLEN], name[SMG_NAMELEN], text[SMN_MAX_LEN + 1], line[256];
	char feature[96];
	enum smg_send_result res;
	struct smg_prep prep;
	struct smg_ack ack;
	struct smg_xs *x;
	unsigned int domid;
	long long ms = 0;
	int64_t want;
	uint32_t seq;
	size_t len;
	int n, rc = SMG_EXIT_ERROR;

	smg_catch_signals();
	x = smg_open_domain(a->domain, &domid, name, sizeof(name));
	if (!x)
		return SMG_EXIT_ERROR;
	if (!o->no_prepare && smg_prepare_keys(x, domid, &prep))
		goto out;
	if (o->raw) {
		want = -1;
		len = strlen(o->raw);
	} else if (o->fields) {
		n = smg_fields_text(o->fields, text, sizeof(text), err, sizeof(err));
		if (n < 0) {
			smg_error("%s", err);
			goto out;
		}
		want = -1;
		len = (size_t)n;
	} else {
		seq = o->seq;
		if (!o->have_seq &&
		    smg_xs_next_seq(x, domid, 0, &seq, err, sizeof(err))) {
			smg_error("%s", err);
			goto out;
		}
		n = smg_request_text(o, seq, (uint64_t)time(NULL), text,
				     sizeof(text), err, sizeof(err));
		if (n < 0) {
			smg_error("%s", err);
			goto out;
		}
		want = seq;
		len = (size_t)n;
	}
	res = smg_xs_send(x, domid, o->raw ? o->raw : text, len, want,
			  o->no_wait ? 0 : (long long)o->timeout_s * 1000,
			  &smg_stop_flag, &ack, &ms, err, sizeof(err));
	switch (res) {
	case SMG_SEND_ERROR:
		smg_error("%s", err);
		break;
	case SMG_SEND_WRITTEN:
		if (o->raw || o->fields)
			printf("request written\n");
		else
			printf("request seq=%u written\n", (unsigned int)want);
		rc = SMG_EXIT_OK;
		break;
	case SMG_SEND_TIMEOUT:
		smg_describe_feature(x, domid, feature, sizeof(feature));
		smg_error("no acknowledgement from domain %s within %u s: is selfmigd running in the guest? (%s)",
		      a->domain, o->timeout_s, feature);
		rc = SMG_EXIT_TIMEOUT;
		break;
	case SMG_SEND_INTERRUPTED:
		smg_error("interrupted while waiting; the request is written and the guest may still act on it");
		break;
	case SMG_SEND_ACKED:
		smg_ack_line(&ack, line, sizeof(line));
		printf("%s\n", line);
		if (ack.ok) {
			smg_say("acknowledged in %lld ms", ms);
			rc = SMG_EXIT_OK;
		} else {
			smg_error("domain %s rejected the request (%s): %s", a->domain,
			      ack.reason[0] ? ack.reason : "no reason given",
			      smg_reject_hint(ack.reason));
			rc = SMG_EXIT_REJECTED;
		}
		break;
	}
out:
	smg_xs_close(x);
	return rc;
}
