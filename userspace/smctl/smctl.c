// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's client of selfmig.ko's generic netlink family, over
 * libnl-genl (smctl.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "selfmig_genl.h"
#include "smctl.h"

const char *const smctl_result_names[SMCTL_RESULT_COUNTS] = {
	"guest_pages", "used_pages", "used_peak", "round0_pages", "pages_sent",
	"bytes_sent", "final_set_pages", "final_free_pages", "final_discarded",
	"final_unchanged", "final_busy_mms", "final_tables", "final_from_before",
	"final_from_users", "final_from_own", "final_from_kernel",
};

static const int result_attrs[SMCTL_RESULT_COUNTS] = {
	SELFMIG_R_GUEST_PAGES, SELFMIG_R_USED_PAGES, SELFMIG_R_USED_PEAK,
	SELFMIG_R_ROUND0_PAGES, SELFMIG_R_PAGES_SENT, SELFMIG_R_BYTES_SENT,
	SELFMIG_R_FINAL_SET_PAGES, SELFMIG_R_FINAL_FREE_PAGES,
	SELFMIG_R_FINAL_DISCARDED, SELFMIG_R_FINAL_UNCHANGED,
	SELFMIG_R_FINAL_BUSY_MMS, SELFMIG_R_FINAL_TABLES,
	SELFMIG_R_FINAL_FROM_BEFORE, SELFMIG_R_FINAL_FROM_USERS,
	SELFMIG_R_FINAL_FROM_OWN, SELFMIG_R_FINAL_FROM_KERNEL,
};

const char *const smctl_round_names[SMCTL_ROUND_COUNTS] = {
	"scanned", "dirty", "sent", "zero", "bytes_raw", "bytes_wire",
	"duration_ms", "rate_mbit",
};

static const int round_attrs[SMCTL_ROUND_COUNTS] = {
	SELFMIG_RD_SCANNED, SELFMIG_RD_DIRTY, SELFMIG_RD_SENT, SELFMIG_RD_ZERO,
	SELFMIG_RD_BYTES_RAW, SELFMIG_RD_BYTES_WIRE, SELFMIG_RD_DURATION_MS,
	SELFMIG_RD_RATE_MBIT,
};

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct smctl *c = arg;

	(void)who;
	c->err = e->error;
	return NL_STOP;
}

int smctl_open(struct smctl *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (genl_connect(c->sk)) {
		snprintf(err, errlen, "cannot open a generic netlink socket");
		goto fail;
	}
	c->family = genl_ctrl_resolve(c->sk, SELFMIG_GENL_NAME);
	if (c->family < 0) {
		snprintf(err, errlen, "no netlink family \"%s\": is selfmig.ko loaded?",
			 SELFMIG_GENL_NAME);
		goto fail;
	}
	nl_socket_disable_auto_ack(c->sk);
	nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM, on_error, c);
	return 0;
fail:
	nl_socket_free(c->sk);
	c->sk = NULL;
	return -1;
}

void smctl_close(struct smctl *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

static struct nl_msg *new_msg(struct smctl *c, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags,
			      cmd, SELFMIG_GENL_VERSION)) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

/* Send m (freed here) and take the answer: an ack, or replies to the end. */
static int run(struct smctl *c, struct nl_msg *m, int ack)
{
	int r;

	c->err = 0;
	r = nl_send_auto(c->sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = ack ? nl_wait_for_ack(c->sk) : nl_recvmsgs_default(c->sk);
	if (c->err)
		return c->err;
	return r < 0 ? -EIO : 0;
}

int smctl_migrate(struct smctl *c, const struct smctl_settings *s)
{
	struct nl_msg *m = new_msg(c, SELFMIG_CMD_MIGRATE, NLM_F_ACK);

	if (!m)
		return -ENOMEM;
	if (nla_put_u32(m, SELFMIG_A_DEST_ADDR, s->addr) ||
	    nla_put_u16(m, SELFMIG_A_DEST_PORT, s->port) ||
	    nla_put(m, SELFMIG_A_ID, sizeof(s->id), s->id) ||
	    (s->start_rate_mbit >= 0 &&
	     nla_put_u64(m, SELFMIG_A_START_RATE_MBIT, (uint64_t)s->start_rate_mbit)) ||
	    (s->max_bandwidth_mbit >= 0 &&
	     nla_put_u64(m, SELFMIG_A_MAX_BANDWIDTH_MBIT, (uint64_t)s->max_bandwidth_mbit)) ||
	    (s->downtime_ms >= 0 &&
	     nla_put_u32(m, SELFMIG_A_DOWNTIME_MS, (uint32_t)s->downtime_ms)) ||
	    (s->max_rounds >= 0 &&
	     nla_put_u32(m, SELFMIG_A_MAX_ROUNDS, (uint32_t)s->max_rounds)) ||
	    (s->max_bytes_factor >= 0 &&
	     nla_put_u32(m, SELFMIG_A_MAX_BYTES_FACTOR, (uint32_t)s->max_bytes_factor)) ||
	    (s->compress && nla_put_u8(m, SELFMIG_A_COMPRESS, 1)) ||
	    (s->freeze && nla_put_u8(m, SELFMIG_A_FREEZE, 1))) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	return run(c, m, 1);
}

int smctl_abort(struct smctl *c)
{
	struct nl_msg *m = new_msg(c, SELFMIG_CMD_ABORT, NLM_F_ACK);

	return m ? run(c, m, 1) : -ENOMEM;
}

static void copy_string(char *dst, size_t len, struct nlattr *a, const char *none)
{
	snprintf(dst, len, "%s", a ? nla_get_string(a) : none);
}

static int on_result(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *r[SELFMIG_R_MAX + 1];
	struct smctl_result *res = arg;
	size_t i;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL))
		return NL_SKIP;
	copy_string(res->state, sizeof(res->state), tb[SELFMIG_A_STATE], "?");
	if (!tb[SELFMIG_A_RESULT] ||
	    nla_parse_nested(r, SELFMIG_R_MAX, tb[SELFMIG_A_RESULT], NULL))
		return NL_OK;
	res->have = 1;
	res->error = r[SELFMIG_R_ERROR] ? (int32_t)nla_get_u32(r[SELFMIG_R_ERROR]) : 0;
	copy_string(res->message, sizeof(res->message), r[SELFMIG_R_MESSAGE], "");
	copy_string(res->stop, sizeof(res->stop), r[SELFMIG_R_STOP], "-");
	res->rounds = r[SELFMIG_R_ROUNDS] ? nla_get_u32(r[SELFMIG_R_ROUNDS]) : 0;
	for (i = 0; i < SMCTL_RESULT_COUNTS; i++)
		res->counts[i] = r[result_attrs[i]] ? nla_get_u64(r[result_attrs[i]]) : 0;
	res->cancelled = r[SELFMIG_R_CANCELLED] ? nla_get_u8(r[SELFMIG_R_CANCELLED]) : 0;
	res->total_ms = r[SELFMIG_R_TOTAL_MS] ? nla_get_u64(r[SELFMIG_R_TOTAL_MS]) : 0;
	return NL_OK;
}

int smctl_result(struct smctl *c, struct smctl_result *r)
{
	struct nl_msg *m = new_msg(c, SELFMIG_CMD_GET_RESULT, 0);

	memset(r, 0, sizeof(*r));
	if (!m)
		return -ENOMEM;
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, on_result, r);
	return run(c, m, 0);
}

struct dump {
	void (*round)(const struct smctl_round *, void *);
	void (*proc)(const struct smctl_proc *, void *);
	void (*sample)(const struct smctl_sample *, void *);
	struct smctl_sampling *sg;
	void *arg;
};

static int on_round(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *r[SELFMIG_RD_MAX + 1];
	struct dump *d = arg;
	struct smctl_round rd;
	size_t i;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL) ||
	    !tb[SELFMIG_A_ROUND] ||
	    nla_parse_nested(r, SELFMIG_RD_MAX, tb[SELFMIG_A_ROUND], NULL))
		return NL_SKIP;
	rd.index = r[SELFMIG_RD_INDEX] ? nla_get_u32(r[SELFMIG_RD_INDEX]) : 0;
	for (i = 0; i < SMCTL_ROUND_COUNTS; i++)
		rd.counts[i] = r[round_attrs[i]] ? nla_get_u64(r[round_attrs[i]]) : 0;
	d->round(&rd, d->arg);
	return NL_OK;
}

static int on_proc(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *p[SELFMIG_P_MAX + 1];
	struct dump *d = arg;
	struct smctl_proc pr;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL) ||
	    !tb[SELFMIG_A_PROC] ||
	    nla_parse_nested(p, SELFMIG_P_MAX, tb[SELFMIG_A_PROC], NULL))
		return NL_SKIP;
	pr.pid = p[SELFMIG_P_PID] ? nla_get_u32(p[SELFMIG_P_PID]) : 0;
	copy_string(pr.comm, sizeof(pr.comm), p[SELFMIG_P_COMM], "?");
	pr.pages = p[SELFMIG_P_PAGES] ? nla_get_u32(p[SELFMIG_P_PAGES]) : 0;
	d->proc(&pr, d->arg);
	return NL_OK;
}

static int dump(struct smctl *c, uint8_t cmd, nl_recvmsg_msg_cb_t cb, struct dump *d)
{
	struct nl_msg *m = new_msg(c, cmd, NLM_F_DUMP);

	if (!m)
		return -ENOMEM;
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, cb, d);
	return run(c, m, 0);
}

int smctl_rounds(struct smctl *c, void (*fn)(const struct smctl_round *, void *),
		 void *arg)
{
	struct dump d = { .round = fn, .arg = arg };

	return dump(c, SELFMIG_CMD_GET_ROUNDS, on_round, &d);
}

int smctl_procs(struct smctl *c, void (*fn)(const struct smctl_proc *, void *),
		void *arg)
{
	struct dump d = { .proc = fn, .arg = arg };

	return dump(c, SELFMIG_CMD_GET_PROCS, on_proc, &d);
}

int smctl_sample(struct smctl *c, uint32_t seconds, uint32_t interval_ms)
{
	struct nl_msg *m = new_msg(c, SELFMIG_CMD_SAMPLE, NLM_F_ACK);

	if (!m)
		return -ENOMEM;
	if (nla_put_u32(m, SELFMIG_A_SECONDS, seconds) ||
	    nla_put_u32(m, SELFMIG_A_INTERVAL_MS, interval_ms)) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	return run(c, m, 1);
}

static uint32_t get_u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static int on_sample(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *x[SELFMIG_SG_MAX + 1];
	struct dump *d = arg;
	struct smctl_sample s;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL))
		return NL_SKIP;
	if (tb[SELFMIG_A_SAMPLING] &&
	    !nla_parse_nested(x, SELFMIG_SG_MAX, tb[SELFMIG_A_SAMPLING], NULL)) {
		d->sg->running = x[SELFMIG_SG_RUNNING] ? nla_get_u8(x[SELFMIG_SG_RUNNING]) : 0;
		d->sg->error = (int32_t)get_u32(x[SELFMIG_SG_ERROR]);
		d->sg->seconds = get_u32(x[SELFMIG_SG_SECONDS]);
		d->sg->interval_ms = get_u32(x[SELFMIG_SG_INTERVAL_MS]);
		d->sg->samples = get_u32(x[SELFMIG_SG_SAMPLES]);
		d->sg->guest_pages = x[SELFMIG_SG_GUEST_PAGES] ?
				     nla_get_u64(x[SELFMIG_SG_GUEST_PAGES]) : 0;
		return NL_OK;
	}
	_Static_assert(SELFMIG_S_MAX <= SELFMIG_SG_MAX, "x holds a sample's attributes too");
	if (!tb[SELFMIG_A_SAMPLE] ||
	    nla_parse_nested(x, SELFMIG_S_MAX, tb[SELFMIG_A_SAMPLE], NULL))
		return NL_SKIP;
	s.t_ms = get_u32(x[SELFMIG_S_T_MS]);
	s.frames = get_u32(x[SELFMIG_S_FRAMES]);
	if (d->sample)
		d->sample(&s, d->arg);
	return NL_OK;
}

int smctl_samples(struct smctl *c, struct smctl_sampling *sg,
		  void (*fn)(const struct smctl_sample *, void *), void *arg)
{
	struct dump d = { .sample = fn, .sg = sg, .arg = arg };

	memset(sg, 0, sizeof(*sg));
	return dump(c, SELFMIG_CMD_GET_SAMPLES, on_sample, &d);
}
