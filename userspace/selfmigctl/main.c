// SPDX-License-Identifier: GPL-2.0
/*
 * selfmigctl: the guest's command for selfmig.ko's generic netlink family
 * (selfmig/uapi/selfmig_genl.h), through libnl-genl.
 *
 *   selfmigctl migrate --dest A.B.C.D:PORT --id HEX32 [settings]
 *   selfmigctl abort
 *   selfmigctl result | rounds | procs
 *
 * result, rounds and procs print what /sys/kernel/selfmig/ printed as
 * tables: "key value" lines, and a header line then a row per round or
 * process (docs/interface.md).  Exit status: 0, 1 when the module refuses
 * or cannot be reached (the errno is printed), 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "args.h"
#include "selfmig_genl.h"

#define PROG "selfmigctl"

struct ctl {
	struct nl_sock *sk;
	int family;
	int err;		/* the kernel's errno, negative; 0 if none */
	int rows;		/* rows printed by a dump */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " migrate --dest A.B.C.D:PORT --id HEX32 [--start-rate MBIT]\n"
		"           [--max-bandwidth MBIT] [--downtime-ms MS] [--max-rounds N]\n"
		"           [--max-bytes-factor N] [--compress] [--freeze]\n"
		"       " PROG " abort\n"
		"       " PROG " result | rounds | procs\n"
		"Starts or aborts a migration through selfmig.ko's netlink family, or prints\n"
		"the current or last migration's outcome, rounds or busiest processes.\n"
		"Settings left out take the module parameters' values (docs/interface.md).\n"
		"-h, --help shows this.\n");
}

static int usage_error(const char *msg)
{
	fprintf(stderr, PROG ": %s\n", msg);
	usage(stderr);
	return SMC_EXIT_USAGE;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct ctl *c = arg;

	(void)who;
	c->err = e->error;
	return NL_STOP;
}

static int ctl_open(struct ctl *c)
{
	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	if (genl_connect(c->sk)) {
		fprintf(stderr, PROG ": cannot open a generic netlink socket\n");
		return -1;
	}
	c->family = genl_ctrl_resolve(c->sk, SELFMIG_GENL_NAME);
	if (c->family < 0) {
		fprintf(stderr, PROG ": no netlink family \"%s\": is selfmig.ko loaded?\n",
			SELFMIG_GENL_NAME);
		return -1;
	}
	nl_socket_disable_auto_ack(c->sk);
	nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM, on_error, c);
	return 0;
}

static struct nl_msg *ctl_msg(struct ctl *c, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags,
			      cmd, SELFMIG_GENL_VERSION)) {
		nlmsg_free(m);
		m = NULL;
	}
	if (!m)
		fprintf(stderr, PROG ": out of memory\n");
	return m;
}

/* Send m (freed here) and take the answer; 0, or 1 after the message. */
static int ctl_run(struct ctl *c, struct nl_msg *m, const char *what, int ack)
{
	int r;

	c->err = 0;
	r = nl_send_auto(c->sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = ack ? nl_wait_for_ack(c->sk) : nl_recvmsgs_default(c->sk);
	if (c->err) {
		fprintf(stderr, PROG ": %s: %s (errno %d); the guest's kernel log says more\n",
			what, strerror(-c->err), -c->err);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": %s: %s\n", what, nl_geterror(r));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ migrate */

static int parse_dest(const char *s, struct in_addr *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	uint64_t p;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1 ||
	    smc_parse_u64(NULL, colon + 1, 1, 65535, &p, NULL, 0))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int cmd_migrate(int argc, char **argv)
{
	enum { O_DEST = 1, O_ID, O_RATE, O_BW, O_DOWNTIME, O_ROUNDS, O_FACTOR,
	       O_COMPRESS, O_FREEZE };
	static const struct option opts[] = {
		{ "dest", required_argument, NULL, O_DEST },
		{ "id", required_argument, NULL, O_ID },
		{ "start-rate", required_argument, NULL, O_RATE },
		{ "max-bandwidth", required_argument, NULL, O_BW },
		{ "downtime-ms", required_argument, NULL, O_DOWNTIME },
		{ "max-rounds", required_argument, NULL, O_ROUNDS },
		{ "max-bytes-factor", required_argument, NULL, O_FACTOR },
		{ "compress", no_argument, NULL, O_COMPRESS },
		{ "freeze", no_argument, NULL, O_FREEZE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int have_dest = 0, have_id = 0, compress = 0, freeze = 0, o;
	int64_t val[O_FREEZE + 1];
	uint8_t id[SMC_ID_LEN];
	struct in_addr addr;
	struct nl_msg *m;
	struct ctl c;
	uint16_t port = 0;
	uint64_t v;
	char err[160];

	for (o = 0; o <= O_FREEZE; o++)
		val[o] = -1;
	optind = 0;
	while ((o = smc_getopt(argc, argv, "h", opts, err, sizeof(err))) != -1) {
		switch (o) {
		case O_DEST:
			if (parse_dest(optarg, &addr, &port))
				return usage_error("--dest takes A.B.C.D:PORT, PORT 1-65535");
			have_dest = 1;
			break;
		case O_ID:
			if (smc_parse_id(optarg, id))
				return usage_error("--id takes 32 hex digits");
			have_id = 1;
			break;
		case O_RATE:
		case O_BW:
			if (smc_parse_u64(o == O_RATE ? "--start-rate" : "--max-bandwidth",
					  optarg, o == O_RATE, 1000000,
					  &v, err, sizeof(err)))
				return usage_error(err);
			val[o] = (int64_t)v;
			break;
		case O_DOWNTIME:
		case O_ROUNDS:
		case O_FACTOR:
			if (smc_parse_u64(o == O_DOWNTIME ? "--downtime-ms" :
					  o == O_ROUNDS ? "--max-rounds" : "--max-bytes-factor",
					  optarg, o == O_FACTOR ? 0 : 1, UINT32_MAX, &v,
					  err, sizeof(err)))
				return usage_error(err);
			val[o] = (int64_t)v;
			break;
		case O_COMPRESS:
			compress = 1;
			break;
		case O_FREEZE:
			freeze = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return usage_error(err);
		}
	}
	if (optind != argc)
		return usage_error("migrate takes options only");
	if (!have_dest || !have_id)
		return usage_error("migrate needs --dest and --id");
	if (ctl_open(&c))
		return 1;
	m = ctl_msg(&c, SELFMIG_CMD_MIGRATE, NLM_F_ACK);
	if (!m)
		return 1;
	if (nla_put_u32(m, SELFMIG_A_DEST_ADDR, addr.s_addr) ||
	    nla_put_u16(m, SELFMIG_A_DEST_PORT, port) ||
	    nla_put(m, SELFMIG_A_ID, sizeof(id), id) ||
	    (val[O_RATE] >= 0 &&
	     nla_put_u64(m, SELFMIG_A_START_RATE_MBIT, (uint64_t)val[O_RATE])) ||
	    (val[O_BW] >= 0 &&
	     nla_put_u64(m, SELFMIG_A_MAX_BANDWIDTH_MBIT, (uint64_t)val[O_BW])) ||
	    (val[O_DOWNTIME] >= 0 &&
	     nla_put_u32(m, SELFMIG_A_DOWNTIME_MS, (uint32_t)val[O_DOWNTIME])) ||
	    (val[O_ROUNDS] >= 0 &&
	     nla_put_u32(m, SELFMIG_A_MAX_ROUNDS, (uint32_t)val[O_ROUNDS])) ||
	    (val[O_FACTOR] >= 0 &&
	     nla_put_u32(m, SELFMIG_A_MAX_BYTES_FACTOR, (uint32_t)val[O_FACTOR])) ||
	    (compress && nla_put_u8(m, SELFMIG_A_COMPRESS, 1)) ||
	    (freeze && nla_put_u8(m, SELFMIG_A_FREEZE, 1))) {
		nlmsg_free(m);
		fprintf(stderr, PROG ": the request does not fit a message\n");
		return 1;
	}
	return ctl_run(&c, m, "migrate", 1);
}

/* ------------------------------------------------------------ reports */

static const struct {
	int attr;
	const char *name;
} result_counts[] = {
	{ SELFMIG_R_GUEST_PAGES, "guest_pages" },
	{ SELFMIG_R_USED_PAGES, "used_pages" },
	{ SELFMIG_R_USED_PEAK, "used_peak" },
	{ SELFMIG_R_ROUND0_PAGES, "round0_pages" },
	{ SELFMIG_R_PAGES_SENT, "pages_sent" },
	{ SELFMIG_R_BYTES_SENT, "bytes_sent" },
	{ SELFMIG_R_FINAL_SET_PAGES, "final_set_pages" },
	{ SELFMIG_R_FINAL_FREE_PAGES, "final_free_pages" },
	{ SELFMIG_R_FINAL_DISCARDED, "final_discarded" },
	{ SELFMIG_R_FINAL_UNCHANGED, "final_unchanged" },
	{ SELFMIG_R_FINAL_BUSY_MMS, "final_busy_mms" },
	{ SELFMIG_R_FINAL_TABLES, "final_tables" },
	{ SELFMIG_R_FINAL_FROM_BEFORE, "final_from_before" },
	{ SELFMIG_R_FINAL_FROM_USERS, "final_from_users" },
	{ SELFMIG_R_FINAL_FROM_OWN, "final_from_own" },
	{ SELFMIG_R_FINAL_FROM_KERNEL, "final_from_kernel" },
};

static const struct {
	int attr;
	const char *name;
} round_counts[] = {
	{ SELFMIG_RD_SCANNED, "scanned" },
	{ SELFMIG_RD_DIRTY, "dirty" },
	{ SELFMIG_RD_SENT, "sent" },
	{ SELFMIG_RD_ZERO, "zero" },
	{ SELFMIG_RD_BYTES_RAW, "bytes_raw" },
	{ SELFMIG_RD_BYTES_WIRE, "bytes_wire" },
	{ SELFMIG_RD_DURATION_MS, "duration_ms" },
	{ SELFMIG_RD_RATE_MBIT, "rate_mbit" },
};

static uint64_t u64_or_0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static int on_result(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *r[SELFMIG_R_MAX + 1];
	const char *msg;
	size_t i;

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL))
		return NL_SKIP;
	printf("state %s\n", tb[SELFMIG_A_STATE] ? nla_get_string(tb[SELFMIG_A_STATE]) : "?");
	if (!tb[SELFMIG_A_RESULT] ||
	    nla_parse_nested(r, SELFMIG_R_MAX, tb[SELFMIG_A_RESULT], NULL))
		return NL_OK;
	msg = r[SELFMIG_R_MESSAGE] ? nla_get_string(r[SELFMIG_R_MESSAGE]) : "";
	printf("error %d\nmessage %s\nstop %s\nrounds %u\n",
	       r[SELFMIG_R_ERROR] ? (int32_t)nla_get_u32(r[SELFMIG_R_ERROR]) : 0,
	       *msg ? msg : "-",
	       r[SELFMIG_R_STOP] ? nla_get_string(r[SELFMIG_R_STOP]) : "-",
	       r[SELFMIG_R_ROUNDS] ? nla_get_u32(r[SELFMIG_R_ROUNDS]) : 0);
	for (i = 0; i < sizeof(result_counts) / sizeof(result_counts[0]); i++)
		printf("%s %" PRIu64 "\n", result_counts[i].name,
		       u64_or_0(r[result_counts[i].attr]));
	printf("cancelled %u\ntotal_ms %" PRIu64 "\n",
	       r[SELFMIG_R_CANCELLED] ? nla_get_u8(r[SELFMIG_R_CANCELLED]) : 0,
	       u64_or_0(r[SELFMIG_R_TOTAL_MS]));
	return NL_OK;
}

static int on_round(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *r[SELFMIG_RD_MAX + 1];
	struct ctl *c = arg;
	size_t i;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL) ||
	    !tb[SELFMIG_A_ROUND] ||
	    nla_parse_nested(r, SELFMIG_RD_MAX, tb[SELFMIG_A_ROUND], NULL))
		return NL_SKIP;
	printf("%u", r[SELFMIG_RD_INDEX] ? nla_get_u32(r[SELFMIG_RD_INDEX]) : 0);
	for (i = 0; i < sizeof(round_counts) / sizeof(round_counts[0]); i++)
		printf(" %" PRIu64, u64_or_0(r[round_counts[i].attr]));
	putchar('\n');
	c->rows++;
	return NL_OK;
}

static int on_proc(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[SELFMIG_A_MAX + 1], *p[SELFMIG_P_MAX + 1];
	struct ctl *c = arg;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, SELFMIG_A_MAX, NULL) ||
	    !tb[SELFMIG_A_PROC] ||
	    nla_parse_nested(p, SELFMIG_P_MAX, tb[SELFMIG_A_PROC], NULL))
		return NL_SKIP;
	printf("%u %.16s %u\n", p[SELFMIG_P_PID] ? nla_get_u32(p[SELFMIG_P_PID]) : 0,
	       p[SELFMIG_P_COMM] ? nla_get_string(p[SELFMIG_P_COMM]) : "?",
	       p[SELFMIG_P_PAGES] ? nla_get_u32(p[SELFMIG_P_PAGES]) : 0);
	c->rows++;
	return NL_OK;
}

static int cmd_get(uint8_t cmd, const char *what, nl_recvmsg_msg_cb_t cb)
{
	struct nl_msg *m;
	struct ctl c;
	size_t i;

	if (ctl_open(&c))
		return 1;
	nl_socket_modify_cb(c.sk, NL_CB_VALID, NL_CB_CUSTOM, cb, &c);
	if (cmd == SELFMIG_CMD_GET_ROUNDS) {
		printf("round");
		for (i = 0; i < sizeof(round_counts) / sizeof(round_counts[0]); i++)
			printf(" %s", round_counts[i].name);
		putchar('\n');
	} else if (cmd == SELFMIG_CMD_GET_PROCS) {
		printf("pid comm pages_last_round\n");
	}
	m = ctl_msg(&c, cmd, cmd == SELFMIG_CMD_GET_RESULT ? 0 : NLM_F_DUMP);
	if (!m)
		return 1;
	return ctl_run(&c, m, what, 0);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	struct nl_msg *m;
	struct ctl c;

	if (!cmd)
		return usage_error("no command");
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate(argc - 1, argv + 1);
	if (argc > 2) {
		if (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")) {
			usage(stdout);
			return 0;
		}
		return usage_error("only migrate takes options");
	}
	if (!strcmp(cmd, "abort")) {
		if (ctl_open(&c))
			return 1;
		m = ctl_msg(&c, SELFMIG_CMD_ABORT, NLM_F_ACK);
		return m ? ctl_run(&c, m, "abort", 1) : 1;
	}
	if (!strcmp(cmd, "result"))
		return cmd_get(SELFMIG_CMD_GET_RESULT, "result", on_result);
	if (!strcmp(cmd, "rounds"))
		return cmd_get(SELFMIG_CMD_GET_ROUNDS, "rounds", on_round);
	if (!strcmp(cmd, "procs"))
		return cmd_get(SELFMIG_CMD_GET_PROCS, "procs", on_proc);
	return usage_error("unknown command; one of migrate, abort, result, rounds, procs");
}
