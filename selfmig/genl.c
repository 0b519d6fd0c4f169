// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "selfmig": start and abort a migration, and
 * read its outcome, its rounds and the processes that dirty the most.  The
 * commands and attributes are specified in uapi/selfmig_genl.h; the values
 * are those of /sys/kernel/selfmig/ (docs/interface.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/capability.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <net/genetlink.h>

#include "selfmig.h"
#include "selfmig_genl.h"
#include "wire.h"
#include "rate.h"
#include "migrate.h"

static struct genl_family selfmig_genl_family;

/*
 * A plain NLA_POLICY_RANGE keeps its bounds in s16, so a bound above 32767
 * (the interval's 60000 ms) needs the range by pointer (not const: the
 * policy's field is not, in 6.1).
 */
static struct netlink_range_validation selfmig_interval_range = {
	.min = 10,
	.max = 60000,
};

static const struct nla_policy selfmig_genl_policy[SELFMIG_A_MAX + 1] = {
	[SELFMIG_A_DEST_ADDR]		= { .type = NLA_U32 },
	[SELFMIG_A_DEST_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[SELFMIG_A_ID]			= NLA_POLICY_EXACT_LEN(16),
	[SELFMIG_A_START_RATE_MBIT]	= { .type = NLA_U64 },
	[SELFMIG_A_MAX_BANDWIDTH_MBIT]	= { .type = NLA_U64 },
	[SELFMIG_A_DOWNTIME_MS]		= { .type = NLA_U32 },
	[SELFMIG_A_MAX_ROUNDS]		= { .type = NLA_U32 },
	[SELFMIG_A_MAX_BYTES_FACTOR]	= { .type = NLA_U32 },
	[SELFMIG_A_COMPRESS]		= NLA_POLICY_MAX(NLA_U8, 1),
	[SELFMIG_A_FREEZE]		= NLA_POLICY_MAX(NLA_U8, 1),
	[SELFMIG_A_SECONDS]		= NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[SELFMIG_A_INTERVAL_MS]		= NLA_POLICY_FULL_RANGE(NLA_U32,
							      &selfmig_interval_range),
};

static int selfmig_nl_migrate(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct selfmig_config cfg;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, SELFMIG_A_DEST_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, SELFMIG_A_DEST_PORT) ||
	    GENL_REQ_ATTR_CHECK(info, SELFMIG_A_ID))
		return -EINVAL;

	selfmig_config_params(&cfg);
	cfg.dest_addr = nla_get_in_addr(a[SELFMIG_A_DEST_ADDR]);
	cfg.dest_port = nla_get_u16(a[SELFMIG_A_DEST_PORT]);
	nla_memcpy(cfg.id, a[SELFMIG_A_ID], sizeof(cfg.id));
	if (a[SELFMIG_A_START_RATE_MBIT])
		cfg.start_rate_mbit = nla_get_u64(a[SELFMIG_A_START_RATE_MBIT]);
	if (a[SELFMIG_A_MAX_BANDWIDTH_MBIT])
		cfg.max_bandwidth_mbit = nla_get_u64(a[SELFMIG_A_MAX_BANDWIDTH_MBIT]);
	if (a[SELFMIG_A_DOWNTIME_MS])
		cfg.downtime_ms = nla_get_u32(a[SELFMIG_A_DOWNTIME_MS]);
	if (a[SELFMIG_A_MAX_ROUNDS])
		cfg.max_rounds = nla_get_u32(a[SELFMIG_A_MAX_ROUNDS]);
	if (a[SELFMIG_A_MAX_BYTES_FACTOR])
		cfg.max_bytes_factor = nla_get_u32(a[SELFMIG_A_MAX_BYTES_FACTOR]);
	if (a[SELFMIG_A_COMPRESS])
		cfg.compress = nla_get_u8(a[SELFMIG_A_COMPRESS]);
	if (a[SELFMIG_A_FREEZE])
		cfg.verify = nla_get_u8(a[SELFMIG_A_FREEZE]);
	return selfmig_control_start(&cfg);
}

static int selfmig_nl_abort(struct sk_buff *skb, struct genl_info *info)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return selfmig_migrate_abort();
}

/* A u64 attribute of a nest and its value, for put_counts(). */
struct nl_count {
	int type;
	u64 v;
};

static int put_counts(struct sk_buff *msg, const struct nl_count *c, size_t n,
		      int pad)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(msg, c[i].type, c[i].v, pad))
			return -EMSGSIZE;
	return 0;
}

/* The result nest of @m; under selfmig_mig_lock. */
static int put_result(struct sk_buff *msg, const struct selfmig_mig *m)
{
	const struct nl_count counts[] = {
		{ SELFMIG_R_GUEST_PAGES, m->nr_pfns },
		{ SELFMIG_R_USED_PAGES, m->used_pages },
		{ SELFMIG_R_USED_PEAK, m->used_peak },
		{ SELFMIG_R_ROUND0_PAGES, m->round0_pages },
		{ SELFMIG_R_PAGES_SENT, m->pages_total },
		{ SELFMIG_R_BYTES_SENT, m->bytes_total },
		{ SELFMIG_R_FINAL_SET_PAGES, m->final_set_pages },
		{ SELFMIG_R_FINAL_FREE_PAGES, m->final_free_pages },
		{ SELFMIG_R_FINAL_DISCARDED, m->final_discarded },
		{ SELFMIG_R_FINAL_UNCHANGED, m->final_unchanged },
		{ SELFMIG_R_FINAL_BUSY_MMS, m->final_busy_mms },
		{ SELFMIG_R_FINAL_TABLES, m->final_tables },
		{ SELFMIG_R_FINAL_FROM_BEFORE, m->final_from[SELFMIG_FINAL_BEFORE] },
		{ SELFMIG_R_FINAL_FROM_USERS, m->final_from[SELFMIG_FINAL_USERS] },
		{ SELFMIG_R_FINAL_FROM_OWN, m->final_from[SELFMIG_FINAL_OWN] },
		{ SELFMIG_R_FINAL_FROM_KERNEL, m->final_from[SELFMIG_FINAL_KERNEL] },
		{ SELFMIG_R_TOTAL_MS, div_u64(m->total_ns, NSEC_PER_MSEC) },
	};
	struct nlattr *nest;

	nest = nla_nest_start(msg, SELFMIG_A_RESULT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_s32(msg, SELFMIG_R_ERROR, m->error) ||
	    nla_put_string(msg, SELFMIG_R_MESSAGE, m->errmsg) ||
	    nla_put_string(msg, SELFMIG_R_STOP, smrate_stop_name(m->stop)) ||
	    nla_put_u32(msg, SELFMIG_R_ROUNDS, m->nr_rounds) ||
	    nla_put_u8(msg, SELFMIG_R_CANCELLED, !!m->cancelled))
		goto cancel;
	if (put_counts(msg, counts, ARRAY_SIZE(counts), SELFMIG_R_PAD))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;
cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

static int selfmig_nl_get_result(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret = -EMSGSIZE;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &selfmig_genl_family, 0,
				SELFMIG_CMD_GET_RESULT);
	if (!hdr)
		goto fail;
	mutex_lock(&selfmig_mig_lock);
	if (!nla_put_string(msg, SELFMIG_A_STATE,
			    selfmig_state_name(selfmig_state_get())))
		ret = selfmig_cur ? put_result(msg, selfmig_cur) : 0;
	mutex_unlock(&selfmig_mig_lock);
	if (ret)
		goto fail;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
fail:
	nlmsg_free(msg);
	return ret;
}

static int put_round(struct sk_buff *msg, u32 r, const struct smw_round_stats *s)
{
	const struct nl_count counts[] = {
		{ SELFMIG_RD_SCANNED, s->pages_scanned },
		{ SELFMIG_RD_DIRTY, s->pages_dirty },
		{ SELFMIG_RD_SENT, s->pages_sent },
		{ SELFMIG_RD_ZERO, s->pages_zero },
		{ SELFMIG_RD_BYTES_RAW, s->bytes_uncompressed },
		{ SELFMIG_RD_BYTES_WIRE, s->bytes_compressed },
		{ SELFMIG_RD_DURATION_MS, div_u64(s->duration_ns, NSEC_PER_MSEC) },
		{ SELFMIG_RD_RATE_MBIT, div_u64(s->rate, 1000000) },
	};
	struct nlattr *nest;

	nest = nla_nest_start(msg, SELFMIG_A_ROUND);
	if (!nest || nla_put_u32(msg, SELFMIG_RD_INDEX, r) ||
	    put_counts(msg, counts, ARRAY_SIZE(counts), SELFMIG_RD_PAD))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;
cancel:
	if (nest)
		nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/* One dump message; NULL when @skb is full. */
static void *dump_msg(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &selfmig_genl_family, NLM_F_MULTI, cmd);
}

/* cb->args[0]: the next round to send. */
static int selfmig_nl_get_rounds(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 r = cb->args[0];
	void *hdr;

	mutex_lock(&selfmig_mig_lock);
	for (; selfmig_cur && r < selfmig_cur->nr_rounds; r++) {
		hdr = dump_msg(skb, cb, SELFMIG_CMD_GET_ROUNDS);
		if (!hdr)
			break;
		if (put_round(skb, r, &selfmig_cur->rounds[r])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&selfmig_mig_lock);
	cb->args[0] = r;
	return skb->len;
}

/* cb->args[0]: the next process to send. */
static int selfmig_nl_get_procs(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct selfmig_tracker *t;
	struct nlattr *nest;
	u32 i = cb->args[0], nr;
	void *hdr;

	mutex_lock(&selfmig_mig_lock);
	/* The thread clears selfmig_cur->t under the lock before freeing it. */
	t = selfmig_cur ? selfmig_cur->t : NULL;
	nr = t ? min_t(u32, READ_ONCE(t->nr_cur), SELFMIG_MAX_PROCS) : 0;
	for (; i < nr; i++) {
		hdr = dump_msg(skb, cb, SELFMIG_CMD_GET_PROCS);
		if (!hdr)
			break;
		nest = nla_nest_start(skb, SELFMIG_A_PROC);
		if (!nest || nla_put_u32(skb, SELFMIG_P_PID, t->cur[i].pid) ||
		    nla_put_string(skb, SELFMIG_P_COMM, t->cur[i].comm) ||
		    nla_put_u32(skb, SELFMIG_P_PAGES, t->cur[i].pages)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		nla_nest_end(skb, nest);
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&selfmig_mig_lock);
	cb->args[0] = i;
	return skb->len;
}

static int selfmig_nl_sample(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u32 interval = 1000;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, SELFMIG_A_SECONDS))
		return -EINVAL;
	if (a[SELFMIG_A_INTERVAL_MS])
		interval = nla_get_u32(a[SELFMIG_A_INTERVAL_MS]);
	return selfmig_sample_start(nla_get_u32(a[SELFMIG_A_SECONDS]), interval);
}

static int put_sampling(struct sk_buff *msg, const struct selfmig_sampling *s)
{
	struct nlattr *nest = nla_nest_start(msg, SELFMIG_A_SAMPLING);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, SELFMIG_SG_RUNNING, s->running) ||
	    nla_put_s32(msg, SELFMIG_SG_ERROR, s->error) ||
	    nla_put_u32(msg, SELFMIG_SG_SECONDS, s->seconds) ||
	    nla_put_u32(msg, SELFMIG_SG_INTERVAL_MS, s->interval_ms) ||
	    nla_put_u64_64bit(msg, SELFMIG_SG_GUEST_PAGES, s->guest_pages, SELFMIG_SG_PAD) ||
	    nla_put_u32(msg, SELFMIG_SG_SAMPLES, s->nr)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * cb->args[0]: 0 before the first message (the sampling's state), then
 * 1 + the next scan to send.  Scans are only appended, so a copy taken at
 * each call agrees with the earlier ones.
 */
static int selfmig_nl_get_samples(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct selfmig_sampling *s;
	struct nlattr *nest;
	long pos = cb->args[0];
	void *hdr;
	int ret;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	ret = selfmig_sample_read(s);
	if (ret)
		goto out;
	if (pos == 0) {
		hdr = dump_msg(skb, cb, SELFMIG_CMD_GET_SAMPLES);
		if (!hdr || put_sampling(skb, s)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			ret = -EMSGSIZE;
			goto out;
		}
		genlmsg_end(skb, hdr);
		pos = 1;
	}
	for (; pos - 1 < s->nr; pos++) {
		hdr = dump_msg(skb, cb, SELFMIG_CMD_GET_SAMPLES);
		if (!hdr)
			break;
		nest = nla_nest_start(skb, SELFMIG_A_SAMPLE);
		if (!nest || nla_put_u32(skb, SELFMIG_S_T_MS, s->sample[pos - 1].t_ms) ||
		    nla_put_u32(skb, SELFMIG_S_FRAMES, s->sample[pos - 1].frames)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		nla_nest_end(skb, nest);
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = pos;
	ret = skb->len;
out:
	kfree(s);
	return ret;
}

static const struct genl_small_ops selfmig_genl_ops[] = {
	{ .cmd = SELFMIG_CMD_MIGRATE, .doit = selfmig_nl_migrate },
	{ .cmd = SELFMIG_CMD_ABORT, .doit = selfmig_nl_abort },
	{ .cmd = SELFMIG_CMD_GET_RESULT, .doit = selfmig_nl_get_result },
	{ .cmd = SELFMIG_CMD_GET_ROUNDS, .dumpit = selfmig_nl_get_rounds },
	{ .cmd = SELFMIG_CMD_GET_PROCS, .dumpit = selfmig_nl_get_procs },
	{ .cmd = SELFMIG_CMD_SAMPLE, .doit = selfmig_nl_sample },
	{ .cmd = SELFMIG_CMD_GET_SAMPLES, .dumpit = selfmig_nl_get_samples },
};

static struct genl_family selfmig_genl_family __ro_after_init = {
	.name		= SELFMIG_GENL_NAME,
	.version	= SELFMIG_GENL_VERSION,
	.maxattr	= SELFMIG_A_MAX,
	.policy		= selfmig_genl_policy,
	.module		= THIS_MODULE,
	.parallel_ops	= true,	/* the migration code takes its own locks */
	.small_ops	= selfmig_genl_ops,
	.n_small_ops	= ARRAY_SIZE(selfmig_genl_ops),
};

int __init selfmig_genl_init(void)
{
	return genl_register_family(&selfmig_genl_family);
}

void selfmig_genl_exit(void)
{
	genl_unregister_family(&selfmig_genl_family);
}
