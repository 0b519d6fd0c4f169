// SPDX-License-Identifier: GPL-2.0
/*
 * selfmigd: the guest's side of relocation notices (docs/notices.md).
 *
 *   selfmigd [--config FILE] [--check-config]
 *
 * It advertises control/feature-selfmig, reads control/selfmig/request,
 * checks that dom0 alone can write it, applies the policy of
 * /etc/selfmig.conf (docs/selfmigd.md), acknowledges every request and
 * reports its state.  It undoes every measure on "done", on "abort", at the
 * request's deadline, and on SIGTERM.  It works with or without selfmig.ko.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "args.h"
#include "conf.h"
#include "notice.h"
#include "policy.h"
#include "smctl.h"
#include "sys.h"
#include "wws.h"

#define K_FEATURE	"control/feature-selfmig"
#define K_REQUEST	"control/selfmig/request"
#define K_ACK		"control/selfmig/ack"
#define K_STATE		"control/selfmig/state"
#define K_WWS		"control/selfmig/wws"
#define MODULE_STATE	"/sys/kernel/selfmig/state"
#define MAX_PIDS	4096
#define POLL_MS		200

enum dstate { ST_IDLE, ST_NOTIFIED, ST_STOPPING, ST_RESTORED };
static const char *const state_names[] = { "idle", "notified", "stopping", "restored" };

static struct {
	struct xs_handle *xs;
	struct smd_conf conf;
	struct smd_ledger ledger;
	struct smd_self self;		/* selfmigd and its ancestors */
	enum dstate state;
	uint32_t seq;			/* last request acted on or refused */
	int have_seq;
	char last_ack[SMN_MAX_LEN + 1];
	time_t deadline;
	int quiesced, stunned;
	int stun_done;			/* stun = round:N has acted this migration */
	int precopy_started;		/* this migration's pre-copy started here */
	unsigned int auto_rounds;	/* stun = auto: the rounds it has judged */
	int sampling;			/* a sample request's report is due */
	uint32_t sample_seq;
	uint64_t sample_end_ms;		/* when the sampler should be done */
	uint64_t last_sample_ms;
	int said_below;		/* "no heavy dirtier yet" logged this migration */
	int said_state_denied;		/* the state key's failure logged */
	struct smd_sample samples[256];
	size_t nsamples;
	char last_req[SMN_MAX_LEN + 1];	/* the request last looked at */
	volatile sig_atomic_t stop;
} d;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int module_loaded(void)
{
	return access(MODULE_STATE, R_OK) == 0;
}

static int xs_put(const char *key, const char *val)
{
	return xs_write(d.xs, XBT_NULL, key, val, (unsigned int)strlen(val)) ? 0 : -1;
}

static void publish_state(void)
{
	struct smn_msg m = { 0 };
	char buf[SMN_MAX_LEN + 1];

	smn_set(&m, "state", state_names[d.state]);
	smn_set_u64(&m, "seq", d.have_seq ? d.seq : 0);
	smn_set_u64(&m, "frozen", smd_ledger_count(&d.ledger).frozen);
	smn_set_u64(&m, "lowered", smd_ledger_count(&d.ledger).lowered);
	smn_set_u64(&m, "stunned", (uint64_t)d.stunned);
	smn_set_u64(&m, "module", (uint64_t)module_loaded());
	if (smn_format(&m, buf, sizeof(buf)) <= 0)
		return;
	/*
	 * In the new domain the keys come once dom0 has made them, some seconds
	 * after the resume, and the state is written every sample meanwhile:
	 * the failure is said once until a write succeeds again.
	 */
	if (xs_put(K_STATE, buf)) {
		if (!d.said_state_denied)
			smd_log("cannot write %s: %s (has dom0 prepared the keys?); said once until it can",
				K_STATE, strerror(errno));
		d.said_state_denied = 1;
	} else {
		d.said_state_denied = 0;
	}
}

static void ack(uint32_t seq, const char *reason)
{
	struct smn_msg m = { 0 };

	smn_set_u64(&m, "seq", seq);
	smn_set(&m, "status", reason ? "rejected" : "ok");
	if (reason)
		smn_set(&m, "reason", reason);
	if (smn_format(&m, d.last_ack, sizeof(d.last_ack)) < 0)
		return;
	if (xs_put(K_ACK, d.last_ack))
		smd_log("cannot write %s: %s", K_ACK, strerror(errno));
}

/* Advertise the feature once dom0 has created the key (and again after a move). */
static void advertise(void)
{
	static int said_read, said_write;
	unsigned int len;
	char *v = xs_read(d.xs, XBT_NULL, K_FEATURE, &len);

	if (!v) {
		/* Normal until dom0 creates the key; said once, for the log. */
		if (!said_read++)
			smd_log("waiting for dom0 to create %s (%s)", K_FEATURE, strerror(errno));
		return;
	}
	if (strcmp(v, "1")) {
		if (xs_put(K_FEATURE, "1")) {
			if (!said_write++)
				smd_log("cannot write %s: %s", K_FEATURE, strerror(errno));
		} else {
			said_read = said_write = 0;
			smd_log("advertised %s (module %s)", K_FEATURE,
				module_loaded() ? "loaded" : "not loaded");
			/* A new home (after a migration): republish what dom0 reads. */
			if (d.last_ack[0])
				xs_put(K_ACK, d.last_ack);
			publish_state();
		}
	}
	free(v);
}

/*
 * selfmigd and its ancestors are exempt by pid and start time, never by
 * name.  Read at start and again before each pass over the processes, since
 * a parent that exits hands selfmigd to another.
 */
static void find_self(int verbose)
{
	static int said;
	struct smd_self s;
	unsigned int i;

	/* A failed read keeps the set last read. */
	if (!smd_self_collect(&s, getpid(), smd_read_stat)) {
		if (!said++)
			smd_log("cannot read /proc/%d/stat: selfmigd cannot tell itself from other processes",
				getpid());
		return;
	}
	said = 0;
	d.self = s;
	for (i = 0; verbose && i < d.self.n; i++)
		smd_log("exempt: pid %d start %llu (%s)", d.self.id[i].pid, d.self.id[i].start,
			i ? "an ancestor of selfmigd" : "selfmigd");
}

static void restore(const char *why)
{
	int fails = smd_restore_all(&d.ledger, &d.conf);

	d.quiesced = d.stunned = d.stun_done = d.precopy_started = 0;
	d.nsamples = 0;
	d.state = ST_RESTORED;
	d.deadline = 0;
	smd_log("%s: every measure undone%s", why, fails ? " (with failures, see above)" : "");
}

static void quiesce(void)
{
	int pids[MAX_PIDS];
	size_t n, i;
	unsigned int k;

	if (d.quiesced)
		return;
	d.quiesced = 1;
	find_self(0);
	for (k = 0; k < d.conf.n_quiesce_cgroup; k++)
		smd_freeze_cgroup(&d.ledger, &d.conf, &d.self, d.conf.quiesce_cgroup[k]);
	if (!d.conf.n_quiesce_comm)
		return;
	n = smd_list_pids(pids, MAX_PIDS);
	for (i = 0; i < n; i++) {
		struct smc_stat st;
		char cg[SMD_PATH_LEN];
		const char *why;

		if (smd_read_stat(pids[i], &st) || !smd_in_quiesce_comm(&d.conf, st.comm))
			continue;
		if (smd_read_cgroup(pids[i], cg, sizeof(cg)))
			cg[0] = 0;
		why = smd_exempt(&d.conf, &d.self, &st, cg);
		if (why) {
			smd_log("pid %d (%s) not frozen: %s", st.pid, st.comm, why);
			continue;
		}
		smd_freeze_task(&d.ledger, &d.conf, &st, "selfmig-quiesce");
	}
}

/* Soft-dirty sampling: rates since the last sample, then clear again. */
static void sample(int act)
{
	uint64_t t = now_ms(), el = t - d.last_sample_ms;
	struct smd_sample s[256];
	int pids[MAX_PIDS];
	size_t n, i, k = 0, hot;

	find_self(0);
	n = smd_list_pids(pids, MAX_PIDS);
	for (i = 0; i < n && k < 256; i++) {
		struct smc_stat st;
		char cg[SMD_PATH_LEN];
		long pages;

		if (smd_read_stat(pids[i], &st))
			continue;
		if (smd_read_cgroup(pids[i], cg, sizeof(cg)))
			cg[0] = 0;
		if (smd_exempt(&d.conf, &d.self, &st, cg))
			continue;
		if (act) {
			pages = smd_sd_count(pids[i]);
			if (pages > 0) {
				s[k].pid = st.pid;
				s[k].start = st.start;
				snprintf(s[k].comm, sizeof(s[k].comm), "%s", st.comm);
				s[k].rate = smd_rate((unsigned long)pages, (unsigned long)el);
				k++;
			}
		}
		smd_sd_clear(pids[i]);
	}
	d.last_sample_ms = t;
	if (!act)
		return;
	/* Say why nothing is lowered: the heaviest, against the threshold. */
	for (i = 0, hot = 0; i < k; i++)
		if (s[i].rate > s[hot].rate)
			hot = i;
	if (k && s[hot].rate < d.conf.dirty_threshold && !d.said_below) {
		smd_log("no heavy dirtier yet: the heaviest, pid %d (%s), writes %lu pages/s, under dirty_threshold %lu",
			s[hot].pid, s[hot].comm, s[hot].rate, d.conf.dirty_threshold);
		d.said_below = 1;
	}
	hot = smd_pick_dirtiers(s, k, d.conf.dirty_threshold);
	memcpy(d.samples, s, hot * sizeof(s[0]));
	d.nsamples = hot;
	for (i = 0; i < hot; i++) {
		struct smc_stat st;

		/* Gone since, or its pid handed to another process: not that one. */
		if (smd_read_stat(s[i].pid, &st) || st.start != s[i].start)
			continue;
		smd_lower(&d.ledger, &d.conf, &st, s[i].rate);
	}
	if (hot)
		publish_state();
}

/* The current migration's rounds so far, and the last one's figures. */
struct last_round {
	unsigned int n;
	unsigned long long ms, bytes;
};

static void keep_last_round(const struct smctl_round *rd, void *arg)
{
	struct last_round *l = arg;

	l->n++;
	l->ms = rd->counts[6];		/* duration_ms */
	l->bytes = rd->counts[5];	/* bytes_wire */
}

/*
 * Fill l with the rounds of the current migration so far; l->n is 0 if the
 * module says none, or if this migration's pre-copy has not started: until
 * then the module still reports the last migration's rounds, and a round:N
 * measure taken on them would act at the notice, before any dirtier is
 * known.
 */
static void module_rounds(struct last_round *l)
{
	struct smctl c;
	char err[160];

	memset(l, 0, sizeof(*l));
	if (!d.precopy_started || smctl_open(&c, err, sizeof(err)))
		return;
	if (smctl_rounds(&c, keep_last_round, l))
		memset(l, 0, sizeof(*l));
	smctl_close(&c);
}

static unsigned int module_round_count(void)
{
	struct last_round l;

	module_rounds(&l);
	return l.n;
}

/*
 * Stun one heavy dirtier.  With l (stun = auto), only if it writes over
 * half as many pages per second as the link carried in round l->n - 1.
 */
static void stun_one(int pid, unsigned long long start, unsigned long rate,
		     const struct last_round *l)
{
	struct smc_stat st;
	struct smd_task_save *t;

	if (smd_read_stat(pid, &st) || st.start != start)
		return;		/* ended, or its pid is another process's now */
	t = smd_ledger_task(&d.ledger, st.pid, st.start, 0);
	if (t && t->moved)
		return;		/* stunned or quiesced already */
	if (l) {
		if (!smd_outruns_precopy(rate, l->ms, l->bytes,
					 (unsigned int)sysconf(_SC_PAGESIZE)))
			return;
		smd_log("pid %d writes %lu pages/s, over half what the link carried (round %u: %llu bytes in %llu ms)",
			pid, rate, l->n - 1, l->bytes, l->ms);
	}
	if (smd_freeze_task(&d.ledger, &d.conf, &st, "selfmig-stun") == 0) {
		d.stunned++;
		smd_log("stunned pid %d (%s) rate %lu pages/s for the final stop",
			st.pid, st.comm, rate);
	}
}

/*
 * Stun every heavy dirtier of this migration (with l, those that outrun
 * pre-copy): those lowered in any sample (a lowered process may dirty less
 * once it runs less, and still be one), and those of the last sample when
 * the policy only logs them.
 */
static void stun_dirtiers(const struct last_round *l)
{
	unsigned int i, n = d.ledger.ntask;
	size_t k;

	for (i = 0; i < n; i++)
		if (d.ledger.task[i].lowered && !d.ledger.task[i].moved)
			stun_one(d.ledger.task[i].pid, d.ledger.task[i].start,
				 d.ledger.task[i].rate, l);
	for (k = 0; k < d.nsamples; k++)
		stun_one(d.samples[k].pid, d.samples[k].start, d.samples[k].rate, l);
}

static void stun(void)
{
	if (d.conf.stun)
		stun_dirtiers(NULL);
}

/*
 * stun = auto, in self mode (the guest decides when to stop, and no stop
 * comes from dom0): after each pre-copy round from the second on, stun the
 * heavy dirtiers that write over half as many pages per second as the link
 * carried in that round.  While they run the set left for the stop hardly
 * shrinks; with them still, the next rounds converge.  A process that
 * writes less runs on, and the stop's freeze takes it.
 */
static void stun_auto(void)
{
	struct last_round l;

	module_rounds(&l);
	if (l.n < 2 || l.n == d.auto_rounds)
		return;
	d.auto_rounds = l.n;
	stun_dirtiers(&l);
}

static const char *reason_code(const char *err)
{
	if (strstr(err, "unknown phase") || strstr(err, "missing phase"))
		return "unknown-phase";
	if (strstr(err, "without a destination"))
		return "no-destination";
	if (strstr(err, "seq") || strstr(err, "mode") || strstr(err, "deadline") ||
	    strstr(err, "migrate") || strstr(err, "bad downtime_ms") ||
	    strstr(err, "bad max_bandwidth") || strstr(err, "sample without"))
		return "bad-field";
	return "bad-message";
}

/* Only dom0 may write the request key: owner 0, no write for anyone else. */
static const char *check_writer(char *why, size_t len)
{
	struct xs_permissions *p;
	unsigned int n, i;

	p = xs_get_permissions(d.xs, XBT_NULL, K_REQUEST, &n);
	if (!p || !n) {
		snprintf(why, len, "cannot read the permissions of %s", K_REQUEST);
		free(p);
		return "not-from-dom0";
	}
	if (p[0].id != 0) {
		snprintf(why, len, "%s is owned by domain %u", K_REQUEST, p[0].id);
		free(p);
		return "not-from-dom0";
	}
	if (p[0].perms & XS_PERM_WRITE) {
		snprintf(why, len, "%s is writable by every domain", K_REQUEST);
		free(p);
		return "not-from-dom0";
	}
	for (i = 1; i < n; i++) {
		if (p[i].id != 0 && (p[i].perms & XS_PERM_WRITE)) {
			snprintf(why, len, "%s is writable by domain %u", K_REQUEST, p[i].id);
			free(p);
			return "not-from-dom0";
		}
	}
	free(p);
	return NULL;
}

/*
 * Phase migrate: start the module's self-migration to dom0's hook.  The
 * module reads the secret dom0 published for this id; it returns at once and
 * copies in the background.  NULL when started, else the reason code.
 */
static const char *start_self_migration(const struct smn_request *r)
{
	struct smctl_settings st = {
		.start_rate_mbit = SMCTL_DEFAULT, .max_bandwidth_mbit = SMCTL_DEFAULT,
		.downtime_ms = SMCTL_DEFAULT, .max_rounds = SMCTL_DEFAULT,
		.max_bytes_factor = SMCTL_DEFAULT,
		.freeze = 1,	/* suspend after pre-copy, publish the final set */
	};
	char err[160];
	struct smctl c;
	int ret;

	if (smc_parse_ipv4_port(r->listen, &st.addr, &st.port) ||
	    smc_parse_id(r->id, st.id)) {
		smd_log("migrate: '%s' is not A.B.C.D:PORT, or id '%s' is malformed",
			r->listen, r->id);
		return "cannot-migrate";
	}
	if (r->downtime_ms)
		st.downtime_ms = (int64_t)r->downtime_ms;
	if (r->bandwidth_mbit)
		st.max_bandwidth_mbit = (int64_t)r->bandwidth_mbit;
	if (smctl_open(&c, err, sizeof(err))) {
		smd_log("migrate: %s", err);
		return "cannot-migrate";
	}
	ret = smctl_migrate(&c, &st);
	smctl_close(&c);
	if (ret) {
		smd_log("migrate: the module refused to copy this guest to %s: %s",
			r->listen, strerror(-ret));
		return "cannot-migrate";
	}
	smd_log("migrate: copying this guest to %s (migration %s)", r->listen, r->id);
	return NULL;
}

/*
 * Phase sample: start the module's sampler (selfmig wws).  Its report goes
 * to K_WWS when it is done (sample_report()).  NULL when started, else
 * the reason code.
 */
static const char *start_sampling(const struct smn_request *r)
{
	struct smctl c;
	char err[160];
	int ret;

	if (r->seconds * 1000 / r->interval_ms > SWW_MAX_SAMPLES) {
		smd_log("sample: %llu s every %llu ms is over %d samples",
			(unsigned long long)r->seconds, (unsigned long long)r->interval_ms,
			SWW_MAX_SAMPLES);
		return "bad-field";
	}
	if (smctl_open(&c, err, sizeof(err))) {
		smd_log("sample: %s", err);
		return "cannot-sample";
	}
	ret = smctl_sample(&c, (uint32_t)r->seconds, (uint32_t)r->interval_ms);
	smctl_close(&c);
	if (ret) {
		smd_log("sample: the module refused to sample: %s", strerror(-ret));
		return "cannot-sample";
	}
	d.sampling = 1;
	d.sample_seq = r->seq;
	d.sample_end_ms = now_ms() + r->seconds * 1000;
	smd_log("sample: the tracker alone for %llu s, a scan every %llu ms",
		(unsigned long long)r->seconds, (unsigned long long)r->interval_ms);
	return NULL;
}

static void keep_sample(const struct smctl_sample *s, void *arg)
{
	struct sww_report *r = arg;

	if (r->n < SWW_MAX_SAMPLES)
		r->s[r->n++] = (struct sww_sample){ s->t_ms, s->frames };
}

/*
 * Once the sampling is over (or 30 s late), its report to K_WWS, where
 * dom0 reads it.
 */
static void sample_report(void)
{
	static struct sww_report r;
	static char text[SWW_MAX_LEN + 1];
	struct smctl_sampling sg = { 0 };
	struct smctl c;
	char err[160];
	int ret = -EIO;

	if (!d.sampling || now_ms() < d.sample_end_ms)
		return;
	memset(&r, 0, sizeof(r));
	if (!smctl_open(&c, err, sizeof(err))) {
		ret = smctl_samples(&c, &sg, keep_sample, &r);
		smctl_close(&c);
	}
	if (!ret && sg.running && now_ms() < d.sample_end_ms + 30000)
		return;		/* a scan or two to go: look again */
	d.sampling = 0;
	r.seq = d.sample_seq;
	if (ret) {
		r.n = 0;
		r.error = ret;
	} else {
		r.interval_ms = sg.interval_ms;
		r.guest_pages = sg.guest_pages;
		r.error = sg.running ? -ETIMEDOUT : sg.error;
	}
	if (sww_format(&r, text, sizeof(text)) < 0 || xs_put(K_WWS, text))
		smd_log("sample: cannot write the report to %s", K_WWS);
	else
		smd_log("sample: %u scans reported (error %d)", r.n, r.error);
}

/* Until when the measures hold: the request's deadline, or hold_max_s. */
static time_t hold_deadline(const struct smn_request *r)
{
	return r->deadline ? (time_t)r->deadline : time(NULL) + (time_t)d.conf.hold_max_s;
}

/*
 * A stop or migrate that came without a notice is acted on all the same,
 * with a deadline of its own.  1 if it came without one.
 */
static int hold_unnoticed(const struct smn_request *r)
{
	if (d.state == ST_NOTIFIED || d.state == ST_STOPPING)
		return 0;
	smd_log("%s without a notice: acting on it all the same",
		smn_phase_name(r->phase));
	d.deadline = hold_deadline(r);
	return 1;
}

static void handle_request(void)
{
	char err[160] = "", why[160] = "";
	struct smn_request r;
	const char *code;
	unsigned int len;
	char *v;

	v = xs_read(d.xs, XBT_NULL, K_REQUEST, &len);
	if (!v)
		return;
	if (!len || (len < sizeof(d.last_req) && !strcmp(v, d.last_req))) {
		free(v);
		return;
	}
	snprintf(d.last_req, sizeof(d.last_req), "%s", v);
	code = check_writer(why, sizeof(why));
	if (code) {
		struct smn_request tmp;

		smd_log("request ignored: %s (%s)", code, why);
		/* Ack with the seq if one can be read, so dom0 hears why. */
		ack(smn_request_parse(v, len, &tmp, NULL, 0) == 0 ? tmp.seq : 0, code);
		free(v);
		return;
	}
	if (smn_request_parse(v, len, &r, err, sizeof(err))) {
		code = reason_code(err);
		smd_log("request ignored: %s (%s): '%.120s'", code, err, v);
		ack(0, code);
		free(v);
		return;
	}
	free(v);
	if (d.have_seq && r.seq == d.seq)
		return;		/* the same request, seen again */
	if (d.have_seq && r.seq < d.seq) {
		smd_log("request ignored: old-seq (seq %u, last %u)", r.seq, d.seq);
		ack(r.seq, "old-seq");
		return;
	}
	d.seq = r.seq;
	d.have_seq = 1;
	smd_log("request seq %u: phase %s mode %s dest %s deadline %llu",
		r.seq, smn_phase_name(r.phase), smn_mode_name(r.mode),
		r.dest[0] ? r.dest : "-", (unsigned long long)r.deadline);

	switch (r.phase) {
	case SMN_PHASE_NOTICE:
		d.deadline = hold_deadline(&r);
		if (d.state != ST_NOTIFIED && d.state != ST_STOPPING) {
			smd_log("notice: migration to %s (%s mode) coming", r.dest,
				smn_mode_name(r.mode));
			d.state = ST_NOTIFIED;
			d.said_below = 0;
			d.stun_done = 0;
			d.precopy_started = 0;
			sample(0);
			if (d.conf.quiesce_when == SMD_AT_NOTICE) {
				quiesce();
				smd_wait_frozen(&d.ledger, 3000);
			}
		}
		break;
	case SMN_PHASE_STOP:
		hold_unnoticed(&r);
		d.state = ST_STOPPING;
		if (d.conf.quiesce_when != SMD_NEVER)
			quiesce();
		stun();
		smd_wait_frozen(&d.ledger, 3000);
		break;
	case SMN_PHASE_DONE:
		restore("migration done");
		break;
	case SMN_PHASE_ABORT:
		restore("migration aborted");
		break;
	case SMN_PHASE_MIGRATE:
		if (hold_unnoticed(&r))
			d.state = ST_NOTIFIED;
		code = start_self_migration(&r);
		if (code) {
			ack(r.seq, code);
			publish_state();
			return;
		}
		d.precopy_started = 1;
		d.auto_rounds = 0;
		break;
	case SMN_PHASE_SAMPLE:
		code = start_sampling(&r);
		if (code) {
			ack(r.seq, code);
			return;
		}
		break;
	case SMN_PHASE_COUNT_:
		break;
	}
	ack(r.seq, NULL);
	publish_state();
}

static void on_signal(int sig)
{
	(void)sig;
	d.stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: selfmigd [--config FILE] [--check-config]\n"
		"  the guest's relocation-notice daemon (docs/selfmigd.md);\n"
		"  --config FILE   policy file (default " SMD_CONF_PATH ")\n"
		"  --check-config  parse the policy, print it, and exit\n"
		"  -h, --help      this text\n");
}

int main(int argc, char **argv)
{
	struct smd_args a;
	struct sigaction sa;
	char err[160];
	int r;

	r = smd_parse_args(argc, argv, &a, err, sizeof(err));
	if (r) {
		if (r > 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "selfmigd: %s\n", err);
		usage(stderr);
		return 2;
	}
	if (smd_conf_load(&d.conf, a.conf, a.explicit))
		return 1;
	if (a.check)
		return 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.xs = xs_open(0);
	if (!d.xs) {
		fprintf(stderr, "selfmigd: cannot open xenstore: %s (is this a Xen guest with /dev/xen/xenbus?)\n",
			strerror(errno));
		return 1;
	}
	/*
	 * The keys are read every POLL_MS rather than watched: libxenstore's
	 * watches need its reader thread, which in the guest's static build
	 * fails its first read and closes the connection (every later call
	 * then fails with EBADF).  Two small reads five times a second cost
	 * the guest nothing measurable.
	 */
	smd_log("running (pid %d, module %s)", getpid(),
		module_loaded() ? "loaded" : "not loaded");
	find_self(1);
	advertise();

	while (!d.stop) {
		int timeout = POLL_MS;

		if ((d.state == ST_NOTIFIED || d.state == ST_STOPPING) &&
		    (int)d.conf.sample_ms < timeout)
			timeout = (int)d.conf.sample_ms;
		if (poll(NULL, 0, timeout) < 0 && errno != EINTR) {
			smd_log("poll: %s", strerror(errno));
			break;
		}
		advertise();
		handle_request();
		sample_report();
		if (d.state == ST_NOTIFIED || d.state == ST_STOPPING) {
			if (d.deadline && time(NULL) >= d.deadline) {
				char why[96];

				/* How late, by this clock: a slow look at the
				 * dirtiers delays it (docs/selfmigd.md). */
				snprintf(why, sizeof(why),
					 "deadline passed without done or abort (%lld s ago)",
					 (long long)(time(NULL) - d.deadline));
				restore(why);
				publish_state();
				continue;
			}
			if (now_ms() - d.last_sample_ms >= d.conf.sample_ms && d.state == ST_NOTIFIED)
				sample(1);
			if (d.conf.quiesce_when == SMD_AT_ROUND && !d.quiesced &&
			    module_round_count() >= d.conf.quiesce_round)
				quiesce();
			/*
			 * In self mode no stop comes from dom0 (the guest
			 * decides when to stop), so stun = round:N stuns the
			 * heavy dirtiers once pre-copy has done N rounds, and
			 * the rounds after it can converge.
			 */
			if (d.conf.stun_round && !d.stun_done && d.state == ST_NOTIFIED &&
			    module_round_count() >= d.conf.stun_round) {
				d.stun_done = 1;
				smd_log("pre-copy has done %u rounds: stunning the heavy dirtiers",
					d.conf.stun_round);
				stun();
				publish_state();
			}
			if (d.conf.stun_auto && d.state == ST_NOTIFIED) {
				unsigned int before = (unsigned int)d.stunned;

				stun_auto();
				if ((unsigned int)d.stunned != before)
					publish_state();
			}
		}
	}
	if (d.ledger.ntask || d.ledger.ncg)
		restore("selfmigd stopping");
	publish_state();
	xs_close(d.xs);
	return 0;
}
