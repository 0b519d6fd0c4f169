/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's client of selfmig.ko's generic netlink family
 * (selfmig/uapi/selfmig_genl.h), over libnl-genl: start and abort a
 * migration, read its outcome, rounds and busiest processes.  A library
 * (build/lib/libsmctl.a) that selfmigctl and selfmigd link.
 */
#ifndef SELFMIG_SMCTL_H
#define SELFMIG_SMCTL_H

#include <stddef.h>
#include <stdint.h>

struct nl_sock;

struct smctl {
	struct nl_sock *sk;
	int family;
	int err;		/* the kernel's last errno, negative; 0 if none */
};

/* A migration's settings; a field at SMCTL_DEFAULT takes the module's. */
#define SMCTL_DEFAULT	(-1)
struct smctl_settings {
	uint32_t addr;		/* IPv4, network byte order */
	uint16_t port;
	uint8_t id[16];
	int64_t start_rate_mbit, max_bandwidth_mbit;
	int64_t downtime_ms, max_rounds, max_bytes_factor;
	int compress, freeze;	/* 0 or 1 */
};

/* The outcome of the current or last migration (docs/interface.md). */
#define SMCTL_RESULT_COUNTS	16
struct smctl_result {
	char state[16];
	int have;		/* 0: no migration has run since the module loaded */
	int32_t error;
	char message[128];
	char stop[32];
	uint32_t rounds;
	uint64_t counts[SMCTL_RESULT_COUNTS];	/* in smctl_result_names order */
	int cancelled;
	uint64_t total_ms;
};
extern const char *const smctl_result_names[SMCTL_RESULT_COUNTS];

#define SMCTL_ROUND_COUNTS	8
struct smctl_round {
	uint32_t index;
	uint64_t counts[SMCTL_ROUND_COUNTS];	/* in smctl_round_names order */
};
extern const char *const smctl_round_names[SMCTL_ROUND_COUNTS];

struct smctl_proc {
	uint32_t pid;
	char comm[17];
	uint32_t pages;
};

/* The sampler's state, and its scans (SELFMIG_CMD_GET_SAMPLES). */
struct smctl_sampling {
	int running;
	int32_t error;
	uint32_t seconds, interval_ms, samples;
	uint64_t guest_pages;
};

struct smctl_sample {
	uint32_t t_ms, frames;
};

/* 0, or -1 with the reason in err (the module not loaded, for one). */
int smctl_open(struct smctl *c, char *err, size_t errlen);
void smctl_close(struct smctl *c);

/*
 * Each returns 0, a negative errno the module gave (also in c->err), or
 * -EIO when netlink itself failed.
 */
int smctl_migrate(struct smctl *c, const struct smctl_settings *s);
int smctl_abort(struct smctl *c);
int smctl_result(struct smctl *c, struct smctl_result *r);
int smctl_rounds(struct smctl *c, void (*fn)(const struct smctl_round *, void *),
		 void *arg);
int smctl_procs(struct smctl *c, void (*fn)(const struct smctl_proc *, void *),
		void *arg);
/* Start the sampler: the tracker alone for seconds, a scan every interval_ms. */
int smctl_sample(struct smctl *c, uint32_t seconds, uint32_t interval_ms);
/* The sampler's state into *sg, then fn (if not NULL) for each scan so far. */
int smctl_samples(struct smctl *c, struct smctl_sampling *sg,
		  void (*fn)(const struct smctl_sample *, void *), void *arg);

#endif /* SELFMIG_SMCTL_H */
