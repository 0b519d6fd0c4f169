// SPDX-License-Identifier: GPL-2.0
/*
 * stale-check: a guest workload that checks itself, written the way a user
 * who knows nothing of selfmig would write one, for `tests/xen/run
 * --workload`.  It keeps three kinds of state moving and checks every byte of
 * each before it writes the next generation:
 *
 *   anonymous memory   ANON_MIB of private pages; pass g writes, in every
 *                      8-byte word, a value derived from (g, page, word)
 *   a shared file map  FILE_MIB of a MAP_SHARED mapping of a file in /tmp,
 *                      the same pattern; each pass also read(2)s the file
 *                      and compares it with the mapping
 *   a pipe             a child writes numbered, checksummed 512-byte
 *                      records into a pipe; the parent reads them and checks
 *                      number and contents
 *
 * A migration that loses a page shows up as a word holding an older
 * generation (or anything else): the program prints what it found and exits
 * 2.  It runs until SIGTERM or SIGINT, after which it checks everything once
 * more and exits 0, or after --seconds.  Writes are paced (--rate-kib-s for
 * each memory region, 256 by default) so that the guest stays mostly idle.
 *
 * Build: cc -std=c11 -O2 -static -o stale-check stale-check.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define REC 512u

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* MurmurHash3's 64-bit finaliser: two multiply rounds, then a last shift. */
static uint64_t mix(uint64_t x)
{
	static const uint64_t k[2] = { 0xff51afd7ed558ccdull, 0xc4ceb9fe1a85ec53ull };

	for (int i = 0; i < 2; i++) {
		x ^= x >> 33;
		x *= k[i];
	}
	return x ^ (x >> 33);
}

static uint64_t word(uint64_t salt, uint64_t gen, uint64_t page, unsigned int w)
{
	return mix(salt ^ mix(gen * 0x9e3779b97f4a7c15ull + (page << 10) + w));
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

struct region {
	const char *name;
	uint64_t *mem;
	size_t pages;
	uint64_t salt;
	uint64_t gen;		/* generation every page holds now */
	int fd;			/* file behind a shared mapping, or -1 */
};

static int stale(const struct region *r, size_t p, unsigned int w, uint64_t got,
		 uint64_t want, const char *how)
{
	printf("STALE: %s page %zu word %u%s: found %016llx, expected %016llx (generation %llu)\n",
	       r->name, p, w, how, (unsigned long long)got,
	       (unsigned long long)want, (unsigned long long)r->gen);
	fflush(stdout);
	return -1;
}

/* Check page p of r against generation r->gen. */
static int check_page(const struct region *r, size_t p)
{
	const uint64_t *m = r->mem + p * (PAGE / 8);
	unsigned int w;

	for (w = 0; w < PAGE / 8; w++) {
		uint64_t want = word(r->salt, r->gen, p, w);

		if (m[w] != want)
			return stale(r, p, w, m[w], want, "");
	}
	if (r->fd >= 0) {
		uint64_t buf[PAGE / 8];

		if (pread(r->fd, buf, PAGE, (off_t)(p * PAGE)) != (ssize_t)PAGE) {
			printf("STALE: %s page %zu: short read of the file\n", r->name, p);
			return -1;
		}
		for (w = 0; w < PAGE / 8; w++)
			if (buf[w] != m[w])
				return stale(r, p, w, buf[w], m[w], " (read(2) against the mapping)");
	}
	return 0;
}

static void fill_page(const struct region *r, size_t p, uint64_t gen)
{
	uint64_t *m = r->mem + p * (PAGE / 8);
	unsigned int w;

	for (w = 0; w < PAGE / 8; w++)
		m[w] = word(r->salt, gen, p, w);
}

/* One step: check and rewrite n pages from *next on. */
static int step(struct region *r, size_t *next, size_t n)
{
	while (n--) {
		if (check_page(r, *next))
			return -1;
		fill_page(r, *next, r->gen + 1);
		if (++*next == r->pages) {
			*next = 0;
			r->gen++;
		}
	}
	return 0;
}

/* After a partial pass, pages below next hold gen + 1. */
static int check_all(struct region *r, size_t next)
{
	size_t p;
	int ret = 0;

	r->gen++;
	for (p = 0; p < next && !ret; p++)
		ret = check_page(r, p);
	r->gen--;
	for (p = next; p < r->pages && !ret; p++)
		ret = check_page(r, p);
	return ret;
}

static void record(uint8_t *rec, uint64_t seq)
{
	unsigned int i;

	memcpy(rec, &seq, 8);
	for (i = 8; i < REC; i += 8) {
		uint64_t v = mix(seq * 131 + i);

		memcpy(rec + i, &v, 8);
	}
}

static void pipe_writer(int fd)
{
	uint8_t rec[REC];
	uint64_t seq;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_IGN);	/* the parent ends us once it has read */
	signal(SIGINT, SIG_IGN);
	for (seq = 0;; seq++) {
		record(rec, seq);
		if (write(fd, rec, REC) != (ssize_t)REC)
			_exit(0);
		if (seq % 16 == 15)
			usleep(10000);
	}
}

static int pipe_read(int fd, uint64_t *seq)
{
	static uint8_t rec[REC];
	static size_t got;	/* a record read in part waits for its rest */
	uint8_t want[REC];

	for (;;) {
		ssize_t n = read(fd, rec + got, REC - got);

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			printf("STALE: the pipe's writer went away after record %llu\n",
			       (unsigned long long)*seq);
			return -1;
		}
		got += (size_t)n;
		if (got < REC)
			continue;	/* records are written whole, finish this one */
		record(want, *seq);
		if (memcmp(rec, want, REC)) {
			uint64_t s;

			memcpy(&s, rec, 8);
			printf("STALE: pipe record %llu arrived as record %llu or corrupted\n",
			       (unsigned long long)*seq, (unsigned long long)s);
			return -1;
		}
		++*seq;
		got = 0;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: stale-check [--anon-mib N] [--file-mib N] [--rate-kib-s N] [--seconds N]\n");
	exit(1);
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "stale-check: '%s' is not a number in %ld..%ld\n", s, lo, hi);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "anon-mib", required_argument, NULL, 'a' },
		{ "file-mib", required_argument, NULL, 'f' },
		{ "rate-kib-s", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	long anon_mib = 16, file_mib = 4, rate_kib = 256, seconds = 0;
	struct region anon = { "anon", NULL, 0, 0x5eed, 0, -1 };
	struct region file = { "file", NULL, 0, 0xf11e, 0, -1 };
	char path[] = "/tmp/stale-check.XXXXXX";
	size_t an = 0, fn = 0, p;
	uint64_t seq = 0;
	double t0, last_report, budget = 0, t_prev;
	int pfd[2], c;
	pid_t child;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': anon_mib = num(optarg, 1, 4096); break;
		case 'f': file_mib = num(optarg, 1, 4096); break;
		case 'r': rate_kib = num(optarg, 4, 1 << 22); break;
		case 's': seconds = num(optarg, 0, 1 << 30); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	anon.pages = (size_t)anon_mib * 256;
	anon.mem = mmap(NULL, anon.pages * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	file.pages = (size_t)file_mib * 256;
	file.fd = mkstemp(path);
	if (anon.mem == MAP_FAILED || file.fd < 0 ||
	    ftruncate(file.fd, (off_t)(file.pages * PAGE))) {
		perror("stale-check: setting up");
		return 1;
	}
	unlink(path);
	file.mem = mmap(NULL, file.pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			file.fd, 0);
	if (file.mem == MAP_FAILED || pipe(pfd)) {
		perror("stale-check: setting up");
		return 1;
	}
	for (p = 0; p < anon.pages; p++)
		fill_page(&anon, p, 0);
	for (p = 0; p < file.pages; p++)
		fill_page(&file, p, 0);
	child = fork();
	if (child < 0) {
		perror("stale-check: fork");
		return 1;
	}
	if (!child) {
		close(pfd[0]);
		pipe_writer(pfd[1]);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	printf("stale-check: %ld MiB anonymous, %ld MiB shared file mapping, a pipe; %ld KiB/s per region\n",
	       anon_mib, file_mib, rate_kib);

	t0 = last_report = t_prev = now();
	while (!stop && (!seconds || now() - t0 < seconds)) {
		double t = now();
		size_t n;

		budget += (t - t_prev) * rate_kib / 4.0;
		t_prev = t;
		if (budget > 64)
			budget = 64;
		n = (size_t)budget;
		budget -= n;
		if (step(&anon, &an, n) || step(&file, &fn, n) || pipe_read(pfd[0], &seq))
			return 2;
		if (t - last_report >= 10) {
			printf("stale-check: ok at %.0f s: anon generation %llu, file generation %llu, %llu pipe records\n",
			       t - t0, (unsigned long long)anon.gen,
			       (unsigned long long)file.gen, (unsigned long long)seq);
			last_report = t;
		}
		usleep(20000);
	}
	if (check_all(&anon, an) || check_all(&file, fn) || pipe_read(pfd[0], &seq))
		return 2;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("stale-check: every byte checked, none stale: anon generation %llu, file generation %llu, %llu pipe records\n",
	       (unsigned long long)anon.gen, (unsigned long long)file.gen,
	       (unsigned long long)seq);
	return 0;
}
