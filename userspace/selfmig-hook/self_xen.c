// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-hook self: the dom0 side of a self-migration.
 *
 * The guest copies itself: its pre-copy rounds arrive here as selfmig's page
 * stream (docs/wire-format.md), and each page is forwarded at once, as a Xen
 * PAGE_DATA record, into a stock `xl migrate-receive`, which builds the
 * destination domain while pre-copy runs.  When the stream ends the guest
 * suspends itself through Linux's Xen suspend path and publishes its final
 * dirty set (docs/final-set.md).  Only then does this hook read guest memory:
 * the pages of the final set, the populated frames the guest never sent (as
 * allocate-only when they are free), the frames beyond the guest's RAM (the
 * rings and other Xen pages), and the CPU state.  The destination restores
 * paused, starts after the permission, and the source is destroyed last.
 * Any failure before the permission resumes the source.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "fault.h"
#include "finalset.h"
#include "forward.h"
#include "authkey.h"
#include "conn.h"
#include "guard.h"
#include "hook_xen.h"
#include "self.h"
#include "suspend.h"
#include "switch.h"
#include "xenstream.h"
#include "xlrecv.h"
#include "net.h"
#include "receiver.h"

static bool bit(const uint8_t *bm, uint64_t i)
{
	return bm[i / 8] & (1u << (i % 8));
}

static bool fs_bit(const uint8_t *maps, uint32_t first_page, uint64_t gfn)
{
	const uint8_t *pg = maps + ((size_t)first_page + (gfn >> SMFS_BITS_SHIFT)) * SXS_PAGE_SIZE;
	uint64_t off = gfn & ((1u << SMFS_BITS_SHIFT) - 1);

	return pg[off / 8] & (1u << (off % 8));
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * Copy n frames of the suspended guest into the forwarder with one mapping:
 * a foreign mapping per page costs more than the copy itself.  0, -1 with
 * err (mapping), or -2 with errno (writing to the receiver).
 */
static int copy_batch(struct hk_xen *x, uint32_t domid, struct hk_fwd *f,
		      const uint64_t *pfns, unsigned int n, char *err, size_t errlen)
{
	unsigned int i;

	if (!n)
		return 0;
	if (f->n && hk_fwd_flush(f))
		return -2;
	if (hk_xen_read_pages(x, domid, pfns, n, f->data, err, errlen))
		return -1;
	for (i = 0; i < n; i++)
		hk_fwd_commit(f, pfns[i]);
	return 0;
}

/* The fault points of the self switch that fire as the stream goes (fault.h). */
struct self_fault {
	struct hk_fault f;
	bool fired;
	pid_t pgrp;			/* the receiver's process group */
};

/* Checked after each piece of the guest's stream; ended: the stream is complete. */
/* receiver-crash: SIGKILL to the receiver's process group; the failure then comes from the real path. */
static void self_fault_kill(struct self_fault *sf)
{
	sf->fired = true;
	if (sf->pgrp > 0)
		kill(-sf->pgrp, SIGKILL);
}

static void self_fault_stream(struct self_fault *sf, const struct smr_receiver *r, int fd,
			      bool ended)
{
	const struct hk_fault *f = &sf->f;
	unsigned long long round = r->st.rounds, bytes = r->st.stream_bytes;

	if (sf->fired)
		return;
	switch (f->point) {
	case HK_FAULT_RECEIVER_CRASH:
		if (f->when == HK_AT_SUSPENDED ||
		    (f->when == HK_AT_BYTES && bytes <= f->after_bytes) ||
		    (f->when == HK_AT_ROUND && round < f->round && !ended))
			return;
		fprintf(stderr, "selfmig-hook: FAULT INJECTION: the receiver crashes in round %llu, after %llu bytes of the guest's stream\n",
			round, bytes);
		self_fault_kill(sf);
		return;
	case HK_FAULT_CONN_DROP:
		/* After END an orderly shutdown would be the word to suspend. */
		if (bytes <= f->after_bytes || ended)
			return;
		sf->fired = true;
		fprintf(stderr, "selfmig-hook: FAULT INJECTION: the guest's connection drops in round %llu, after %llu bytes\n",
			round, bytes);
		shutdown(fd, SHUT_RDWR);
		return;
	case HK_FAULT_HOOK_DIE:
		if (f->stage == HK_STAGE_RECEIVING && bytes > f->after_bytes)
			hk_fault_die_at(f, HK_STAGE_RECEIVING);
		return;
	default:
		return;
	}
}

/*
 * flush-fail: as the guest's stream ends, the receiver's input is replaced
 * by a pipe nobody reads.  xl sees its input end and destroys its partial
 * domain; the hook's flush of the last pages (or, with none left, its check
 * that the receiver still takes the stream) fails with EPIPE, as when the
 * receiver goes away at that moment.
 */
static void self_fault_cut_receiver(struct xlr *xr)
{
	int p[2];

	fprintf(stderr, "selfmig-hook: FAULT INJECTION: the receiver's stream is cut as the guest's stream ends\n");
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return;
	close(p[0]);
	dup2(p[1], xr->to);
	close(p[1]);
}

/*
 * --verify, at the switch: every frame that was pre-copied, is clean in the
 * final set and is not free must still hold what was sent, or the
 * destination would resume with a stale page.  Reads the suspended guest in
 * batches; 0 with the counts (and the first differing frame), or -1.
 */
struct self_verify {
	uint64_t checked, missed, first;
};

static int verify_switch(struct hk_xen *x, uint32_t domid, const struct hk_fwd *f,
			 const uint8_t *populated, const uint8_t *maps,
			 const struct smfs_header *h, uint64_t nr,
			 struct self_verify *v, char *err, size_t errlen)
{
	uint64_t pfns[SXS_BATCH_MAX], pfn, end = nr < h->page_count ? nr : h->page_count;
	uint8_t *buf = malloc((size_t)SXS_BATCH_MAX * SXS_PAGE_SIZE);
	unsigned int n = 0, i;
	int ret = 0;

	memset(v, 0, sizeof(*v));
	if (!buf) {
		snprintf(err, errlen, "verify: out of memory");
		return -1;
	}
	for (pfn = 0; pfn <= end && !ret; pfn++) {
		if (pfn < end) {
			if (!bit(populated, pfn) || !hk_fwd_was_sent(f, pfn) ||
			    fs_bit(maps, 0, pfn) || fs_bit(maps, h->bitmap_pages, pfn))
				continue;
			pfns[n++] = pfn;
			if (n < SXS_BATCH_MAX)
				continue;
		}
		if (!n)
			break;
		ret = hk_xen_read_pages(x, domid, pfns, n, buf, err, errlen);
		for (i = 0; i < n && !ret; i++) {
			v->checked++;
			if (hk_fwd_matches(f, pfns[i], buf + (size_t)i * SXS_PAGE_SIZE))
				continue;
			if (!v->missed++)
				v->first = pfns[i];
		}
		n = 0;
	}
	free(buf);
	return ret;
}

/*
 * From the stream's header on, every populated frame not sent yet is
 * allocated on the destination while pre-copy runs (hk_fwd_prealloc()),
 * and the rest when the stream ends.  A frame the guest sends later is
 * populated once either way; the frames it never sends, the free ones, are
 * then no longer populated at the switch, with the guest stopped.  Paced:
 * PREALLOC_BATCH frames at most every PREALLOC_GAP_MS.  Populating is slow
 * on an emulated CPU (about 0.25 ms a frame on the testbed), and dom0,
 * which runs the destination's restore, also carries the guest's network:
 * 51,000 frames at once after the first round silenced the guest for 10 s.
 */
#define PREALLOC_BATCH	256
#define PREALLOC_GAP_MS	100

static int prealloc_step(const struct smr_receiver *r, struct hk_fwd *f,
			 const uint8_t *populated, bool ended, double *next,
			 char *err, size_t errlen)
{
	double now = now_s();

	if (hk_fwd_prealloc_done(f, r->page_count))
		return 0;
	if (!ended && now < *next)
		return 0;
	*next = now + PREALLOC_GAP_MS / 1000.0;
	if (hk_fwd_prealloc(f, populated, r->page_count,
			    ended ? UINT64_MAX : PREALLOC_BATCH) < 0) {
		snprintf(err, errlen, "cannot write the frames to allocate early to the receiver: %s",
			 strerror(errno));
		return -1;
	}
	if (hk_fwd_prealloc_done(f, r->page_count))
		fprintf(stderr, "selfmig-hook: %llu frames allocated on the destination during pre-copy, ahead of the guest's pages\n",
			(unsigned long long)f->preallocated);
	return 0;
}

/*
 * Run the guest's page stream from fd through the receiver; 0 when
 * complete.  Each read waits at most the receiver's read deadline, and
 * the whole stream its own (selfmig-receive's --max-seconds default).
 */
static int take_stream(struct smr_receiver *r, int fd, struct self_fault *sf,
		       struct hk_fwd *f, const uint8_t *populated, bool early_alloc,
		       char *err, size_t errlen)
{
	static uint8_t buf[1 << 16];
	unsigned int idle_ms = r->cfg.io_timeout_ms;
	double next_prealloc = 0;

	if (r->err) {
		smr_error_line(r, err, errlen);
		return -1;
	}
	if (r->complete)
		return 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		unsigned int left;
		ssize_t n;
		int ret, pr;

		if (smr_stream_time_left(r, &left)) {
			smr_error_line(r, err, errlen);
			return -1;
		}
		pr = poll(&p, 1, (int)(left < idle_ms ? left : idle_ms));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (!pr && left < idle_ms)
			continue;	/* the stream's deadline: said above */
		if (!pr) {
			snprintf(err, errlen, "the guest's stream stalled: nothing for %.1f s, at offset %llu (--io-timeout)",
				 idle_ms / 1000.0, (unsigned long long)r->st.stream_bytes);
			return -1;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = smr_finish(r);
			if (ret)
				smr_error_line(r, err, errlen);
			return ret ? -1 : 0;
		}
		ret = smr_feed(r, buf, (size_t)n);
		if (ret < 0) {
			smr_error_line(r, err, errlen);
			return -1;
		}
		self_fault_stream(sf, r, fd, ret == 1);
		if (early_alloc &&
		    prealloc_step(r, f, populated, ret == 1, &next_prealloc, err, errlen))
			return -1;
		if (ret == 1)
			return 0;
	}
}

int hk_cmd_self(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_LISTEN, SMC_O_ID, SMC_O_RUNE, SMC_O_RECEIVER_LOG,
		SMC_O_WAIT_S, SMC_O_JSON, SMC_O_VERIFY, SMC_O_IO_TIMEOUT,
		SMC_O_NO_EARLY_ALLOC, SMC_O_HELP, 0
	};
	struct smc_optvals ov;
	uint64_t max_pages = 0, page_limit;
	const char *listen_spec, *id_hex;
	struct hk_opts ho = {
		.rune = "xl migrate-receive", .wait_s = 120, .io_ms = XLR_WRITE_TIMEOUT_MS,
	};
	struct hk_save_stats st = { 0 };
	struct smr_receiver recv;
	struct smr_config rcfg;
	struct smfs_header *h = NULL;
	struct xlr xr = { -1, -1, -1, 0 };
	struct hk_switch sw = { 0 };
	struct sxs_sink sink;
	struct hk_fwd f = { 0 };
	uint8_t *populated = NULL, *maps = NULL;
	char err[1024], desc[128], peer[128], vjson[160] = "", *name = NULL;
	bool recv_init = false, key_published = false;
	struct hk_guard guard = { -1, -1 };
	uint8_t key[SMW_KEY_LEN];
	char keyline[SMK_LINE_LEN + 1];
	uint64_t nr = 0, pfn, final_pages = 0, alloc_only = 0, unsent_copied = 0, extra = 0;
	uint64_t newly = 0, early_alloc = 0;
	uint64_t copy[SXS_BATCH_MAX];
	unsigned int ncopy = 0;
	double t0, t_conn = 0, t_end = 0, t_susp = 0, t_sent = 0, t_fs = 0, t_pages = 0;
	struct hk_xen *x = NULL;
	struct self_fault sf = { 0 };
	struct self_verify vst = { 0 };
	bool verify = false;
	double t_verify = 0;
	uint32_t domid = 0;
	int sr, lfd = -1, cfd = -1, rc = 1;

	sr = hk_take_opts(argc, argv, "h", ids, &ov, &ho);
	if (sr >= 0)
		return sr;
	listen_spec = ov.val[SMC_O_LISTEN];
	id_hex = ov.val[SMC_O_ID];
	verify = ov.val[SMC_O_VERIFY] != NULL;
	if (optind != argc - 1 || !listen_spec || !id_hex)
		return smc_usage_exit('?', hk_usage);
	memset(&rcfg, 0, sizeof(rcfg));
	if (smc_parse_id(id_hex, rcfg.id)) {
		fprintf(stderr, "selfmig-hook: --id takes 32 hex digits\n");
		return 2;
	}
	if (hk_fault_for_cmd(&sf.f, true))
		return SMC_EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	t0 = now_s();
	x = hk_xen_open(err, sizeof(err));
	if (!x)
		goto fail;
	if (hk_xen_resolve(x, argv[optind], &domid, err, sizeof(err)))
		goto fail;
	name = hk_xen_name(x, domid);
	if (!name) {
		snprintf(err, sizeof(err), "domain %u has no name", domid);
		goto fail;
	}
	sw.x = x;
	sw.xr = &xr;
	sw.domid = domid;
	sw.name = name;
	/* A fresh secret for this migration, for the guest and for us. */
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		snprintf(err, sizeof(err), "getrandom: %s", strerror(errno));
		goto fail;
	}
	smk_format(keyline, rcfg.id, key);
	if (hk_xen_publish_key(x, domid, keyline, err, sizeof(err)))
		goto fail;
	memset(keyline, 0, sizeof(keyline));
	key_published = true;
	rcfg.key = key;
	/*
	 * The guest's claims (its stream's page count, its final set's) size
	 * what dom0 allocates: never more than its memory as Xen has it.
	 */
	if (hk_xen_max_pages(x, domid, &max_pages, err, sizeof(err)))
		goto fail;
	page_limit = hk_guest_page_limit(max_pages);
	rcfg.max_pages = page_limit;
	rcfg.io_timeout_ms = ho.io_ms;
	if (hk_xen_populated(x, domid, &populated, &nr, err, sizeof(err)))
		goto fail;
	h = malloc(sizeof(*h));
	if (!h || hk_fwd_init(&f, &sink, nr) || (verify && hk_fwd_keep_digests(&f))) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	fprintf(stderr, "selfmig-hook: starting the receiver: %s\n", ho.rune);
	if (xlr_start(&xr, ho.rune, ho.rlog, err, sizeof(err)))
		goto fail;
	xr.write_timeout_ms = ho.io_ms;
	/*
	 * The guard, before the guest is touched: it keeps the receiver's
	 * output (its answer after the permission) and closes its input.
	 */
	{
		struct hk_guard_cfg gc = { domid, name, HK_SELF_SUSPEND_WAIT_S,
					   HK_GUARD_ANSWER_WAIT_S, xr.from, xr.to };

		if (hk_guard_start(&guard, &gc, err, sizeof(err)))
			goto fail;
	}
	sw.guard = &guard;
	sw.fault = &sf.f;
	if (xlr_banner(&xr, 60, err, sizeof(err)))
		goto fail;
	sf.pgrp = xr.pid;
	sink = (struct sxs_sink){ xlr_write, &xr, 0 };
	if (hk_xen_write_prologue(x, domid, &sink, &st, err, sizeof(err)))
		goto fail;
	lfd = smr_listen(listen_spec, desc, sizeof(desc), err, sizeof(err));
	if (lfd < 0)
		goto fail;
	fprintf(stderr, "selfmig-hook: listening on %s for domain %u's pages (at most %llu frames)\n",
		desc, domid, (unsigned long long)page_limit);
	rcfg.image_path = NULL;
	rcfg.out = stderr;
	rcfg.page_fn = hk_fwd_page;
	rcfg.page_ctx = &f;
	/*
	 * Only a stream under this migration's secret is taken; any other
	 * connection (or a silent one) is refused without holding it up.
	 */
	{
		struct smr_serve_opts so = { (unsigned int)ho.wait_s * 1000, stderr };

		cfd = smr_accept_stream(lfd, &rcfg, &so, &recv, peer, sizeof(peer),
					err, sizeof(err));
	}
	if (cfd < 0)
		goto fail;
	recv_init = true;
	memset(key, 0, sizeof(key));	/* the decoder holds the keyed state */
	close(lfd);
	lfd = -1;
	/* Until the word, any end of the connection, our death's too, is a reset. */
	if (hk_conn_arm(cfd)) {
		snprintf(err, sizeof(err), "cannot set the guest's connection to reset: %s",
			 strerror(errno));
		goto fail;
	}
	t_conn = now_s();
	fprintf(stderr, "selfmig-hook: pre-copy from %s\n", peer);
	if (take_stream(&recv, cfd, &sf, &f, populated, !ov.val[SMC_O_NO_EARLY_ALLOC],
			err, sizeof(err)))
		goto fail;
	if (sf.f.point == HK_FAULT_FLUSH_FAIL)
		self_fault_cut_receiver(&xr);
	if (hk_fwd_flush(&f))
		goto wfail;
	/* A receiver gone since the last write must not cost the guest a suspend. */
	if (xlr_check(&xr)) {
		snprintf(err, sizeof(err), "the receiver no longer takes its stream (it exited, or closed its input) at the end of pre-copy");
		goto fail;
	}
	t_end = now_s();
	fprintf(stderr, "selfmig-hook: pre-copy done: %llu rounds, %llu pages forwarded; waiting for the guest to suspend\n",
		(unsigned long long)recv.st.rounds, (unsigned long long)f.forwarded);
	/*
	 * The word: the orderly close tells the guest that every page reached
	 * xl, and it suspends itself.  From here a dead hook would leave it
	 * suspended, so the guard is told first.
	 */
	hk_guard_set(&guard, HK_GUARD_SUSPENDED);
	if (hk_conn_tell(cfd)) {
		snprintf(err, sizeof(err), "cannot take the reset off the guest's connection: %s",
			 strerror(errno));
		hk_guard_set(&guard, HK_GUARD_IDLE);
		goto fail;
	}
	cfd = -1;

	/*
	 * The switch: the guest stops here.  A guest that has not suspended by
	 * the deadline may still be on its way: its request is withdrawn, or
	 * it is resumed when it suspends late (suspend.h).
	 */
	{
		struct hk_xen_dom d;
		struct hk_dom_ops o;
		char msg[600];
		enum hk_susp s;

		hk_xen_dom_ops(&d, x, domid, name, &o);
		s = hk_await_suspend(&o, hk_fault_suspend_wait_ms(&sf.f, HK_SELF_SUSPEND_WAIT_S * 1000),
				     HK_SUSPEND_GRACE_MS, msg, sizeof(msg));
		if (s != HK_SUSP_DONE) {
			snprintf(err, sizeof(err), "no suspend within %u s of the end of pre-copy: %s",
				 HK_SELF_SUSPEND_WAIT_S, msg);
			if (!hk_susp_runs_on(s))
				goto fail_loud;
			hk_guard_set(&guard, HK_GUARD_IDLE);
			goto fail;
		}
	}
	sw.suspended = true;
	t_susp = now_s();
	hk_fault_die_at(&sf.f, HK_STAGE_SUSPENDED);
	if (sf.f.point == HK_FAULT_RECEIVER_CRASH && sf.f.when == HK_AT_SUSPENDED) {
		fprintf(stderr, "selfmig-hook: FAULT INJECTION: the receiver crashes after the guest suspended\n");
		self_fault_kill(&sf);
	}
	if (hk_xen_final_set(x, domid, h, &maps, err, sizeof(err)))
		goto fail;
	/* A descriptor of another migration says nothing of this one. */
	if (hk_check_final_set_id(h, rcfg.id, err, sizeof(err)) ||
	    hk_check_page_count(h->page_count, page_limit, "the guest's final set",
				err, sizeof(err)))
		goto fail;
	/* Frames of its RAM populated while the guest pre-copied are copied too. */
	if (hk_xen_populated_again(x, domid, &populated, &nr, h->page_count, &newly,
				   err, sizeof(err)))
		goto fail;
	if (newly)
		fprintf(stderr, "selfmig-hook: %llu frames were populated during pre-copy\n",
			(unsigned long long)newly);
	t_fs = now_s();
	if (verify) {
		if (verify_switch(x, domid, &f, populated, maps, h, nr, &vst, err, sizeof(err)))
			goto fail;
		t_verify = now_s() - t_fs;
		fprintf(stderr, "selfmig-hook: verify: %llu pre-copied clean pages checked, %llu missed, in %.0f ms\n",
			(unsigned long long)vst.checked, (unsigned long long)vst.missed,
			t_verify * 1000);
		if (vst.missed) {
			snprintf(err, sizeof(err), "verify: %llu pre-copied pages outside the final set changed after they were sent (first: frame %#llx); the destination would run with stale pages",
				 (unsigned long long)vst.missed, (unsigned long long)vst.first);
			goto fail;
		}
	}
	for (pfn = 0; pfn < nr; pfn++) {
		bool below = pfn < h->page_count;
		bool dirty = below && fs_bit(maps, 0, pfn);
		bool fr = below && fs_bit(maps, h->bitmap_pages, pfn);
		int ret;

		switch (hk_plan_frame(bit(populated, pfn), below, dirty, fr,
				      hk_fwd_was_sent(&f, pfn))) {
		case HK_SKIP:
			continue;
		case HK_ALLOC:
			alloc_only++;
			if (hk_fwd_was_allocated(&f, pfn)) {
				early_alloc++;	/* during pre-copy */
				continue;
			}
			if (hk_fwd_add(&f, pfn, SXS_TYPE_XALLOC, NULL))
				goto wfail;
			continue;
		case HK_COPY:
			if (!below)
				extra++;
			else if (dirty)
				final_pages++;
			else
				unsent_copied++;
			break;
		}
		copy[ncopy++] = pfn;
		if (ncopy < SXS_BATCH_MAX)
			continue;
		ret = copy_batch(x, domid, &f, copy, ncopy, err, sizeof(err));
		ncopy = 0;
		if (ret == -1)
			goto fail;
		if (ret)
			goto wfail;
	}
	switch (copy_batch(x, domid, &f, copy, ncopy, err, sizeof(err))) {
	case -1:
		goto fail;
	case -2:
		goto wfail;
	}
	if (hk_fwd_flush(&f))
		goto wfail;
	t_pages = now_s();
	if (hk_xen_write_cpu_state(x, domid, &sink, &st, err, sizeof(err)))
		goto fail;
	/* restore-fail: the destination fails after the final set is in. */
	if (sf.f.point == HK_FAULT_RESTORE_FAIL && hk_fault_bad_record(&sink))
		goto wfail;
	if (sxs_write_end(&sink))
		goto wfail;
	t_sent = now_s();
	hk_fault_die_at(&sf.f, HK_STAGE_SENT);
	fprintf(stderr, "selfmig-hook: switch: final set %llu pages, never sent %llu (+%llu allocate-only, %llu of them allocated during pre-copy), beyond RAM %llu; %.0f ms (final set read %.0f, verify %.0f, pages %.0f, CPU state %.0f)\n",
		(unsigned long long)final_pages, (unsigned long long)unsent_copied,
		(unsigned long long)alloc_only, (unsigned long long)early_alloc,
		(unsigned long long)extra, (t_sent - t_susp) * 1000, (t_fs - t_susp) * 1000, t_verify * 1000,
		(t_pages - t_fs - t_verify) * 1000, (t_sent - t_pages) * 1000);
	rc = hk_switch_complete(&sw, err, sizeof(err));
	if (rc < 0)
		goto fail;
	if (rc > 0)
		goto out;
	fprintf(stderr, "selfmig-hook: self-migrated: %llu rounds, %llu bytes from the guest, hook copied %llu pages; stopped %.0f ms, total %.0f ms\n",
		(unsigned long long)recv.st.rounds,
		(unsigned long long)recv.st.stream_bytes,
		(unsigned long long)(final_pages + unsent_copied + extra),
		(sw.t_run - t_susp) * 1000, (sw.t_run - t0) * 1000);
	if (verify)
		snprintf(vjson, sizeof(vjson),
			 ",\"verify_checked_pages\":%llu,\"verify_missed_pages\":%llu,\"verify_ms\":%.0f",
			 (unsigned long long)vst.checked, (unsigned long long)vst.missed,
			 t_verify * 1000);
	if (ho.json)
		hk_json_write(ho.json, "{\"domid\":%u,\"rounds\":%llu,\"precopy_pages\":%llu,"
			"\"guest_stream_bytes\":%llu,\"xen_stream_bytes\":%llu,"
			"\"hook_pages\":%llu,\"final_set_pages\":%llu,"
			"\"unsent_pages\":%llu,\"alloc_only_pages\":%llu,"
			"\"alloc_early_pages\":%llu,\"preallocated_pages\":%llu,"
			"\"beyond_ram_pages\":%llu,\"guest_pages\":%llu,"
			"\"precopy_ms\":%.0f,\"switch_send_ms\":%.0f,"
			"\"restore_wait_ms\":%.0f,\"stopped_ms\":%.0f,\"total_ms\":%.0f%s}\n",
			domid, (unsigned long long)recv.st.rounds,
			(unsigned long long)f.forwarded,
			(unsigned long long)recv.st.stream_bytes,
			(unsigned long long)sink.bytes,
			(unsigned long long)(final_pages + unsent_copied + extra),
			(unsigned long long)final_pages,
			(unsigned long long)unsent_copied,
			(unsigned long long)alloc_only,
			(unsigned long long)early_alloc,
			(unsigned long long)f.preallocated,
			(unsigned long long)extra,
			(unsigned long long)h->page_count,
			(t_end - t_conn) * 1000, (t_sent - t_susp) * 1000,
			(sw.t_ready - t_sent) * 1000, (sw.t_run - t_susp) * 1000,
			(sw.t_run - t0) * 1000, vjson);
	rc = 0;
	goto out;
fail_loud:
	rc = hk_switch_alarm(&sw, err);
	goto out;
wfail:
	snprintf(err, sizeof(err), "writing to the receiver: %s", sxs_write_strerror(errno));
fail:
	rc = 1;
	fprintf(stderr, "selfmig-hook: %s\n", err);
	/* Before the word, the guest learns at once that it must run on. */
	if (cfd >= 0) {
		hk_conn_reset(cfd);
		cfd = -1;
	}
	if (x)
		hk_switch_abort(&sw);
out:
	if (key_published)
		hk_xen_withdraw_key(x, domid);
	memset(key, 0, sizeof(key));
	xlr_finish(&xr, 10);
	hk_guard_stop(&guard);
	if (cfd >= 0)
		hk_conn_reset(cfd);
	if (lfd >= 0)
		close(lfd);
	if (recv_init)
		smr_close(&recv);
	hk_xen_close(x);
	free(name);
	free(populated);
	free(maps);
	hk_fwd_free(&f);
	free(h);
	return rc;
}
