/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-workload: what every workload runs with (run.c), and the
 * workloads, one file each: anon.c (anon-random, anon-seq), file_write.c,
 * mmap_shared.c, pipes.c, forkstorm.c, churn.c, netrecv.c, netsend.c,
 * compile_mix.c.
 * main.c parses the options, sets the run up and starts one of them.
 */
#ifndef SMWL_RUN_H
#define SMWL_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "wl.h"

#define MIB		(1024ull * 1024ull)
#define REPORT_NS	5000000000ull
#define EXIT_ERR	1
#define EXIT_USAGE	2
#define EXIT_CORRUPT	3

/* netsend's message sizes, which netrecv takes */
#define NET_UDP_MAXPAY	1200
#define NET_TCP_MAXPAY	16384

/* ------------------------------------------------------------ the run */
extern volatile sig_atomic_t smwl_stop;	/* SIGTERM or SIGINT came */
extern struct smwl_opts smwl_opt;
extern const char *smwl_modename;		/* the workload's name */
extern uint64_t smwl_t0, smwl_deadline, smwl_next_report;	/* ns */
extern struct smwl_rng smwl_rand;
extern size_t smwl_ps;				/* the page size */
extern int smwl_corrupt;			/* corruption was seen */
extern const char *smwl_argv0;

void smwl_on_stop(int sig);
uint64_t smwl_now_ns(void);
double smwl_elapsed_s(void);
/* A signal came or --seconds are over. */
int smwl_stopping(void);
/* Time for a progress line (never with --quiet). */
int smwl_report_due(void);
void smwl_sleep_ns(uint64_t ns);
/* "workload MODE: ..." on stdout. */
__attribute__((format(printf, 1, 2)))
void smwl_say(const char *fmt, ...);
/* "CORRUPTION MODE: ..." on stdout; the run ends with status 3. */
__attribute__((format(printf, 1, 2)))
void smwl_corruption(const char *fmt, ...);
/* Shared description of a pattern mismatch. */
void smwl_corruption_block(const char *what, uint64_t key, uint64_t gen,
			   const struct smwl_mismatch *mm);

/* Rate limiting over the whole run. */
struct smwl_pacer {
	uint64_t bps, bytes, start;
};

void smwl_pacer_init(struct smwl_pacer *p);
void smwl_pace(struct smwl_pacer *p, uint64_t bytes);
int smwl_write_all(int fd, const void *buf, size_t len);
/* 1 when len bytes were read, 0 on EOF before any byte, -1 otherwise. */
int smwl_read_full(int fd, void *buf, size_t len);
void *smwl_map_anon(size_t len, int shared);
/* Wait for live children to exit, their status unread (the run is over). */
void smwl_reap(int live);
/* "ok", "error" or "corruption", for the last line. */
const char *smwl_result_str(int rc);
/* The exit status: 0, EXIT_ERR or EXIT_CORRUPT. */
int smwl_finish(int rc);

/* ------------------------------------------------------------ the workloads */
int smwl_run_anon(int sequential);
int smwl_run_file_write(void);
int smwl_run_mmap_shared(void);
int smwl_run_pipes(void);
int smwl_run_forkstorm(void);
int smwl_run_churn(void);
int smwl_run_netrecv(void);
int smwl_run_netsend(void);
int smwl_run_compile_mix(void);

#endif /* SMWL_RUN_H */
