/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig: internal interfaces of the guest module.
 */
#ifndef _SELFMIG_H
#define _SELFMIG_H

#include <linux/types.h>
#include <linux/sched.h>

#include "migstate.h"

#define SELFMIG_VERSION "0.1.0"

/*
 * Life cycle of one migration as the guest sees it: core/migstate.h.  Every
 * transition goes through selfmig_state_set(), which refuses the ones that
 * table does not list.
 */
enum selfmig_state selfmig_state_get(void);
int __must_check selfmig_state_set(enum selfmig_state to);
int selfmig_state_end(bool failed);

/* ------------------------------------------------------------------ */
/* tracker.c, tracker_kernel.c, tracker_user.c: which frames changed    */

#define SELFMIG_MAX_PROCS 32

struct selfmig_proc_count {
	u32 pid;
	u32 pages;
	char comm[16];
};

/* Where the final set's frames came from, in the order they were added. */
enum selfmig_final_from {
	SELFMIG_FINAL_BEFORE,	/* left from the last round, and others' writes */
	SELFMIG_FINAL_USERS,	/* process pages and page tables */
	SELFMIG_FINAL_OWN,	/* the tracker's and the migration's own, stacks */
	SELFMIG_FINAL_KERNEL,	/* the kernel's mappings and their page tables */
	SELFMIG_FINAL_NR,
};

struct selfmig_tracker {
	unsigned long nr_pfns;		/* frames tracked: [0, nr_pfns) */
	unsigned long ram_pages;	/* of which RAM */
	unsigned long *ram;		/* RAM frames (System RAM resources) */
	unsigned long *pending;		/* changed since last copied */
	unsigned long *foreign_seen;	/* granted writable since last scan */
	unsigned long *ktables;		/* kernel leaf tables met by any scan */
	unsigned long *ktables_now;	/* those met by the final scan */
	unsigned long final_tables;	/* leaf tables the final scan settled */
	unsigned long large_leaves;	/* 2M/1G leaves met by the last scan */
	unsigned long busy_mms;		/* address spaces skipped at the freeze */
	bool final;			/* the final scan is under way */
	bool canon;			/* leaf tables in canonical form */
	unsigned long final_from[SELFMIG_FINAL_NR];	/* frames added, by source */
	struct selfmig_proc_count cur[SELFMIG_MAX_PROCS];
	struct selfmig_proc_count prev[SELFMIG_MAX_PROCS];
	u32 nr_cur, nr_prev;
};

struct selfmig_tracker *selfmig_tracker_start(unsigned long nr_pfns);
void selfmig_tracker_stop(struct selfmig_tracker *t);
unsigned long selfmig_tracker_scan(struct selfmig_tracker *t);
void selfmig_tracker_take_foreign(struct selfmig_tracker *t);
unsigned long selfmig_tracker_discardable(struct selfmig_tracker *t,
					  unsigned long *map);
void selfmig_tracker_scan_final(struct selfmig_tracker *t,
				void (*own)(struct selfmig_tracker *t, void *data),
				void *data);
void selfmig_tracker_mark_foreign(struct selfmig_tracker *t, unsigned long pfn);
bool selfmig_tracker_kernel_table(const struct selfmig_tracker *t,
				  unsigned long pfn);
void selfmig_tracker_canon_table(void *table);
void selfmig_tracker_mark_pending(struct selfmig_tracker *t, unsigned long pfn);
void selfmig_tracker_mark_stack(struct selfmig_tracker *t, struct task_struct *task);
void selfmig_walk_ram(int (*fn)(unsigned long start, unsigned long nr, void *arg),
		      void *arg);
unsigned long selfmig_ram_end_pfn(void);
void selfmig_tracker_mark_buffer(struct selfmig_tracker *t, const void *buf, size_t len);

/* ------------------------------------------------------------------ */
/* platform.c and pvops-hooks/: what the engine needs from its machine   */

/**
 * struct selfmig_freeze - the two edges of the freeze
 * @before: the last instant before the guest stops: one CPU, interrupts
 *	off, every other CPU stopped.  Builds the final set.
 * @after: the guest runs again; @cancelled is true on the same machine
 *	(the migration was cancelled or only verified), false in a new one.
 * @data: passed to both
 */
struct selfmig_freeze {
	void (*before)(void *data);
	void (*after)(bool cancelled, void *data);
	void *data;
};

/**
 * struct selfmig_platform - a machine the guest can run on
 * @name: the guest's type, as /sys/kernel/selfmig/guest_type shows it
 * @track_start: start learning of frames written by anything but the
 *	guest's CPUs (selfmig_tracker_mark_foreign()); 0 or -errno
 * @track_stop: stop it; on return no such report runs any more
 * @foreign_frames: add the frames others may write right now to the
 *	pending set (selfmig_tracker_mark_pending())
 * @discardable_frames: optional; call @fn with each frame whose contents
 *	the guest will not read after a migration before something else
 *	writes it (a network frontend's posted receive buffers).  Such a
 *	frame need not be copied while it stays so; when it stops being so,
 *	@track_start's reports name it again.
 * @publish: make one key=value of the migration's progress visible to
 *	whoever drives it from outside the guest
 * @read_key: the migration's secret for migration @id, from outside
 * @freeze: start the freeze; @f->after runs once the guest runs again,
 *	before or after @freeze returns
 * @freeze_end: after @f->after ran, or when the caller gives up waiting
 *
 * pvops-hooks/ registers one at load time (selfmig_hooks_init()); the
 * engine (tracker, rounds, rate, final set) reaches the machine only
 * through it.
 */
struct selfmig_platform {
	const char *name;
	int (*track_start)(struct selfmig_tracker *t);
	void (*track_stop)(struct selfmig_tracker *t);
	void (*foreign_frames)(struct selfmig_tracker *t);
	void (*discardable_frames)(void (*fn)(unsigned long pfn, void *data),
				   void *data);
	int (*publish)(const char *key, const char *val);
	int (*read_key)(const u8 id[16], u8 key[32]);
	int (*freeze)(const struct selfmig_freeze *f);
	void (*freeze_end)(void);
};

void selfmig_platform_register(const struct selfmig_platform *p);
const struct selfmig_platform *selfmig_platform(void);
int selfmig_publish(const char *key, const char *fmt, ...) __printf(2, 3);

/* pvops-hooks/: registers the platform the guest runs on */
int selfmig_hooks_init(void);

/* ------------------------------------------------------------------ */
/* migrate.c: one migration; report.c: what it tells of itself          */

struct selfmig_config {
	__be32 dest_addr;
	u16 dest_port;
	u8 id[16];
	u64 start_rate_mbit;
	u64 max_bandwidth_mbit;		/* 0: unlimited */
	u32 downtime_ms;
	u32 max_rounds;
	u32 max_bytes_factor;
	bool compress;
	bool verify;			/* freeze for verification, then go on */
	bool auth;			/* seal the stream: key derived from key */
	u8 key[32];			/* the migration's secret, from dom0 */
};

int selfmig_migrate_start(const struct selfmig_config *cfg);
int selfmig_migrate_abort(void);
void selfmig_migrate_exit(void);
void selfmig_config_defaults(struct selfmig_config *cfg);
void selfmig_fail_cause(char *buf, size_t len, int err, int wire_err);

int selfmig_sysfs_init(void);
void selfmig_sysfs_exit(void);
void selfmig_config_params(struct selfmig_config *cfg);
int selfmig_control_start(struct selfmig_config *cfg);
int selfmig_genl_init(void);
void selfmig_genl_exit(void);

int selfmig_selftest_run(void);

/* The sampler (diag.c): the tracker alone, a count of frames per scan. */
#define SELFMIG_MAX_SAMPLES	1024
struct selfmig_sample {
	u32 t_ms;			/* since the sampling started */
	u32 frames;			/* found written since the scan before */
};

struct selfmig_sampling {
	unsigned int seconds, interval_ms;
	bool running;
	int error;			/* 0, or why the tracker did not start */
	u64 guest_pages;		/* RAM frames tracked */
	u32 nr;				/* samples taken */
	struct selfmig_sample sample[SELFMIG_MAX_SAMPLES];
};

int selfmig_sample_start(unsigned int seconds, unsigned int interval_ms);
int selfmig_sample_read(struct selfmig_sampling *out);
bool selfmig_sample_running(void);
void selfmig_sample_exit(void);

#endif /* _SELFMIG_H */
