// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload: what every workload runs with.  The run's state (its
 * options, clock, deadline, random numbers, page size, whether corruption
 * was seen), progress and corruption lines, pacing, whole reads and writes,
 * anonymous mappings and the exit status.  See run.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

volatile sig_atomic_t smwl_stop;
struct smwl_opts smwl_opt;
const char *smwl_modename = "?";
uint64_t smwl_t0, smwl_deadline, smwl_next_report;
struct smwl_rng smwl_rand;
size_t smwl_ps;
int smwl_corrupt;
const char *smwl_argv0 = "selfmig-workload";

void smwl_on_stop(int sig)
{
	(void)sig;
	smwl_stop = 1;
}

uint64_t smwl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double smwl_elapsed_s(void)
{
	return (double)(smwl_now_ns() - smwl_t0) / 1e9;
}

int smwl_stopping(void)
{
	return smwl_stop || (smwl_deadline && smwl_now_ns() >= smwl_deadline);
}

int smwl_report_due(void)
{
	uint64_t t;

	if (smwl_opt.quiet)
		return 0;
	t = smwl_now_ns();
	if (t < smwl_next_report)
		return 0;
	while (smwl_next_report <= t)
		smwl_next_report += REPORT_NS;
	return 1;
}

void smwl_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);	/* a signal cutting it short is fine */
}

/* One line on stdout: "WHAT MODE: ...". */
__attribute__((format(printf, 2, 0)))
static void line(const char *what, const char *fmt, va_list ap)
{
	printf("%s %s: ", what, smwl_modename);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

__attribute__((format(printf, 1, 2)))
void smwl_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("workload", fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 1, 2)))
void smwl_corruption(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("CORRUPTION", fmt, ap);
	va_end(ap);
	smwl_corrupt = 1;
}

/* Shared description of a pattern mismatch. */
void smwl_corruption_block(const char *what, uint64_t key, uint64_t gen,
			   const struct smwl_mismatch *mm)
{
	char tag[96];

	if (mm->tag_valid)
		snprintf(tag, sizeof(tag), "holds key %" PRIu32 " gen %" PRIu32 "%s",
			 mm->tag_key, mm->tag_gen,
			 mm->tag_key == (uint32_t)key && mm->tag_gen < gen ? ", stale" : "");
	else
		snprintf(tag, sizeof(tag), "no valid tag");
	smwl_corruption("%s %" PRIu64 " gen %" PRIu64 ": byte %zu expected 0x%02x got 0x%02x (%s)",
		   what, key, gen, mm->offset, mm->expected, mm->got, tag);
}

void smwl_pacer_init(struct smwl_pacer *p)
{
	p->bps = (uint64_t)(smwl_opt.rate_mib_s * (double)MIB);
	p->bytes = 0;
	p->start = smwl_now_ns();
}

void smwl_pace(struct smwl_pacer *p, uint64_t bytes)
{
	uint64_t d;

	p->bytes += bytes;
	while (!smwl_stopping() &&
	       (d = smwl_rate_delay_ns(p->bps, p->bytes, smwl_now_ns() - p->start)) > 0)
		smwl_sleep_ns(d < 100000000ull ? d : 100000000ull);
}

int smwl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR && !smwl_stop)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when len bytes were read, 0 on EOF before any byte, -1 otherwise. */
int smwl_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR && !smwl_stop)
				continue;
			return -1;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = EPIPE;
			return -1;
		}
		got += (size_t)n;
	}
	return 1;
}

void *smwl_map_anon(size_t len, int shared)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

const char *smwl_result_str(int rc)
{
	return smwl_corrupt ? "corruption" : rc ? "error" : "ok";
}

int smwl_finish(int rc)
{
	if (smwl_corrupt)
		return EXIT_CORRUPT;
	return rc ? EXIT_ERR : 0;
}

void smwl_reap(int live)
{
	while (live > 0) {
		int status;

		if (waitpid(-1, &status, 0) < 0 && errno != EINTR)
			break;
		live--;
	}
}
