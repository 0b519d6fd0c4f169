// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload: memory/file/process/network load for migration tests,
 * verifying its own data all along.
 *
 *   selfmig-workload MODE [--mib N] [--seconds S] [--rate-mib-s R]
 *                         [--dir PATH] [--port N] [--seed N] [--quiet]
 *   selfmig-workload netsend --target IP[:PORT] [--seconds S] [--rate-mib-s R]
 *
 * MODE: anon-random anon-seq file-write mmap-shared pipes forkstorm churn
 *       netrecv netsend noop
 *
 * Output (stdout, one line each):
 *   workload MODE: started pid N
 *   workload MODE: t=<s> key=value ...          every 5 s unless --quiet
 *   workload MODE: done t=<s> key=value ... result=ok|corruption|error
 *   CORRUPTION MODE: <what differed>            on any failed check
 *
 * Exit status: 0 clean stop (--seconds elapsed or SIGTERM/SIGINT),
 * 1 runtime error, 2 usage error, 3 data corruption detected.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

#define MIB		(1024ull * 1024ull)
#define REPORT_NS	5000000000ull
#define EXIT_ERR	1
#define EXIT_USAGE	2
#define EXIT_CORRUPT	3

static volatile sig_atomic_t g_stop;
static struct smwl_opts O;
static const char *MODE = "?";
static uint64_t g_t0, g_deadline, g_next_report;
static struct smwl_rng R;
static size_t PS;
static int g_corrupt;

/* ------------------------------------------------------------ common */

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double elapsed_s(void)
{
	return (double)(now_ns() - g_t0) / 1e9;
}

static int stopping(void)
{
	return g_stop || (g_deadline && now_ns() >= g_deadline);
}

static int report_due(void)
{
	uint64_t t;

	if (O.quiet)
		return 0;
	t = now_ns();
	if (t < g_next_report)
		return 0;
	while (g_next_report <= t)
		g_next_report += REPORT_NS;
	return 1;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);	/* a signal cutting it short is fine */
}

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("workload %s: ", MODE);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

__attribute__((format(printf, 1, 2)))
static void corruption(const char *fmt, ...)
{
	va_list ap;

	printf("CORRUPTION %s: ", MODE);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	g_corrupt = 1;
}

/* Shared description of a pattern mismatch. */
static void corruption_block(const char *what, uint64_t key, uint64_t gen,
			     const struct smwl_mismatch *mm)
{
	char tag[96];

	if (mm->tag_valid)
		snprintf(tag, sizeof(tag), "holds key %" PRIu32 " gen %" PRIu32 "%s",
			 mm->tag_key, mm->tag_gen,
			 mm->tag_key == (uint32_t)key && mm->tag_gen < gen ? ", stale" : "");
	else
		snprintf(tag, sizeof(tag), "no valid tag");
	corruption("%s %" PRIu64 " gen %" PRIu64 ": byte %zu expected 0x%02x got 0x%02x (%s)",
		   what, key, gen, mm->offset, mm->expected, mm->got, tag);
}

/* Rate limiting over the whole run. */
struct pacer {
	uint64_t bps, bytes, start;
};

static void pacer_init(struct pacer *p)
{
	p->bps = (uint64_t)(O.rate_mib_s * (double)MIB);
	p->bytes = 0;
	p->start = now_ns();
}

static void pace(struct pacer *p, uint64_t bytes)
{
	uint64_t d;

	p->bytes += bytes;
	while (!stopping() &&
	       (d = smwl_rate_delay_ns(p->bps, p->bytes, now_ns() - p->start)) > 0)
		sleep_ns(d < 100000000ull ? d : 100000000ull);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR && !g_stop)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when len bytes were read, 0 on EOF before any byte, -1 otherwise. */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR && !g_stop)
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

static void *map_anon(size_t len, int shared)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static const char *result_str(int rc)
{
	return g_corrupt ? "corruption" : rc ? "error" : "ok";
}

static int finish(int rc)
{
	if (g_corrupt)
		return EXIT_CORRUPT;
	return rc ? EXIT_ERR : 0;
}

/* ------------------------------------------------------------ anon-random, anon-seq */

struct anon {
	uint8_t *mem;
	uint32_t *gen;
	size_t npages;
	uint64_t written, verified, sweeps;
};

static int anon_verify(struct anon *a, size_t i)
{
	struct smwl_mismatch mm;

	a->verified++;
	if (smwl_pattern_check(a->mem + i * PS, PS, i, a->gen[i], &mm) == 0)
		return 0;
	corruption_block("page", i, a->gen[i], &mm);
	return -1;
}

static int run_anon(int sequential)
{
	struct anon a = { 0 };
	struct pacer pc;
	size_t cursor = 0;
	uint64_t next_sample = 0, last_written = 0, last_t = now_ns();
	int rc = 0;

	a.npages = O.mib * MIB / PS;
	a.mem = map_anon(a.npages * PS, 0);
	a.gen = calloc(a.npages, sizeof(*a.gen));
	if (!a.mem || !a.gen) {
		say("cannot allocate %" PRIu64 " MiB: %s", O.mib, strerror(errno));
		return finish(1);
	}
	pacer_init(&pc);
	while (!stopping() && !g_corrupt) {
		for (int b = 0; b < 64 && !g_corrupt; b++) {
			size_t i;

			if (sequential) {
				i = cursor++;
				if (cursor == a.npages) {
					cursor = 0;
					a.sweeps++;
				}
			} else {
				i = (size_t)smwl_rng_below(&R, a.npages);
			}
			/* Every page is checked against its last write before reuse. */
			if (anon_verify(&a, i))
				break;
			if (++a.gen[i] == 0)
				a.gen[i] = 1;
			smwl_pattern_fill(a.mem + i * PS, PS, i, a.gen[i]);
			a.written++;
		}
		pace(&pc, 64 * PS);
		if (now_ns() >= next_sample) {
			/* And a random sample, so idle pages are looked at too. */
			for (int s = 0; s < 256 && !g_corrupt; s++)
				anon_verify(&a, (size_t)smwl_rng_below(&R, a.npages));
			next_sample = now_ns() + 100000000ull;
		}
		if (report_due()) {
			uint64_t t = now_ns();

			say("t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
			    " sweeps=%" PRIu64 " MiB_s=%.1f",
			    elapsed_s(), a.written, a.verified, a.sweeps,
			    (double)(a.written - last_written) * (double)PS / (double)MIB /
			    ((double)(t - last_t) / 1e9));
			last_written = a.written;
			last_t = t;
		}
	}
	/* Final full pass. */
	for (size_t i = 0; i < a.npages && !g_corrupt; i++)
		anon_verify(&a, i);
	say("done t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
	    " sweeps=%" PRIu64 " MiB_written=%.1f result=%s",
	    elapsed_s(), a.written, a.verified, a.sweeps,
	    (double)a.written * (double)PS / (double)MIB, result_str(rc));
	munmap(a.mem, a.npages * PS);
	free(a.gen);
	return finish(rc);
}

/* ------------------------------------------------------------ file-write */

#define NFILES		4
#define FILE_CHUNK	(64 * 1024)

struct files {
	char path[NFILES][PATH_MAX];
	uint64_t gen[NFILES];
	uint64_t size;
	uint64_t bytes_written, bytes_read, files_written, files_verified;
};

/* 0 ok, -1 error (reported), 1 corruption (reported). */
static int file_verify(struct files *f, int n, uint8_t *buf)
{
	uint64_t off = 0;
	int fd = open(f->path[n], O_RDONLY);
	int ret = 0;

	if (fd < 0) {
		say("open %s: %s", f->path[n], strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t got = read(fd, buf, FILE_CHUNK);
		size_t bad;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			say("read %s: %s", f->path[n], strerror(errno));
			ret = -1;
			break;
		}
		if (got == 0)
			break;
		if (off + (uint64_t)got > f->size) {
			corruption("file %d gen %" PRIu64 ": longer than %" PRIu64 " bytes",
				   n, f->gen[n], f->size);
			ret = 1;
			break;
		}
		if (smwl_stream_check(buf, (size_t)got, (uint64_t)n, f->gen[n], off, &bad)) {
			corruption("file %d gen %" PRIu64 ": byte %" PRIu64
				   " expected 0x%02x got 0x%02x",
				   n, f->gen[n], off + bad,
				   smwl_stream_byte((uint64_t)n, f->gen[n], off + bad), buf[bad]);
			ret = 1;
			break;
		}
		off += (uint64_t)got;
		f->bytes_read += (uint64_t)got;
	}
	if (ret == 0 && off != f->size) {
		corruption("file %d gen %" PRIu64 ": %" PRIu64 " bytes, expected %" PRIu64,
			   n, f->gen[n], off, f->size);
		ret = 1;
	}
	close(fd);
	if (ret == 0)
		f->files_verified++;
	return ret;
}

static int file_write(struct files *f, int n, uint8_t *buf, struct pacer *pc)
{
	uint64_t off = 0;
	int fd = open(f->path[n], O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		say("create %s: %s", f->path[n], strerror(errno));
		return -1;
	}
	f->gen[n]++;
	while (off < f->size) {
		/* Odd chunk sizes so writes straddle page boundaries. */
		size_t len = 1 + (size_t)smwl_rng_below(&R, FILE_CHUNK);

		if (len > f->size - off)
			len = (size_t)(f->size - off);
		smwl_stream_fill(buf, len, (uint64_t)n, f->gen[n], off);
		if (write_all(fd, buf, len)) {
			close(fd);
			if (g_stop) {
				f->gen[n] = 0;	/* incomplete: nothing to verify */
				return 1;
			}
			say("write %s: %s", f->path[n], strerror(errno));
			return -1;
		}
		off += len;
		f->bytes_written += len;
		pace(pc, len);
	}
	if (close(fd)) {
		say("close %s: %s", f->path[n], strerror(errno));
		return -1;
	}
	f->files_written++;
	return 0;
}

static int run_file_write(void)
{
	static struct files f;
	uint8_t *buf = malloc(FILE_CHUNK);
	struct pacer pc;
	int rc = 0, n = 0;

	if (!buf)
		return finish(1);
	f.size = O.mib * MIB / NFILES;
	for (int i = 0; i < NFILES; i++)
		snprintf(f.path[i], sizeof(f.path[i]), "%s/selfmig-wl.%d.%d",
			 O.dir, (int)getpid(), i);
	pacer_init(&pc);
	while (!stopping() && !g_corrupt && !rc) {
		/* Rotate: check the previous contents, rewrite, read back. */
		if (f.gen[n] && file_verify(&f, n, buf) < 0)
			rc = 1;
		if (!rc && !g_corrupt && file_write(&f, n, buf, &pc) < 0)
			rc = 1;
		if (!rc && !g_corrupt && !stopping() && file_verify(&f, n, buf) < 0)
			rc = 1;
		n = (n + 1) % NFILES;
		if (report_due())
			say("t=%.1fs files_written=%" PRIu64 " files_verified=%" PRIu64
			    " MiB_written=%.1f MiB_read=%.1f",
			    elapsed_s(), f.files_written, f.files_verified,
			    (double)f.bytes_written / MIB, (double)f.bytes_read / MIB);
	}
	for (int i = 0; i < NFILES; i++) {
		/* Last check of every completely written file. */
		if (!rc && !g_corrupt && f.gen[i] && file_verify(&f, i, buf) < 0)
			rc = 1;
		unlink(f.path[i]);
	}
	say("done t=%.1fs files_written=%" PRIu64 " files_verified=%" PRIu64
	    " MiB_written=%.1f MiB_read=%.1f result=%s",
	    elapsed_s(), f.files_written, f.files_verified,
	    (double)f.bytes_written / MIB, (double)f.bytes_read / MIB, result_str(rc));
	free(buf);
	return finish(rc);
}

/* ------------------------------------------------------------ mmap-shared */

struct shm {
	const char *path;
	int fd;
	uint8_t *mem, *buf;
	uint32_t *gen;
	size_t npages, len;
	uint64_t written, verified, syncs;
};

/* Check page i both through the mapping and through pread(2) of the file.
 * 0 ok, 1 corruption (reported), -1 error (reported). */
static int shm_check(struct shm *s, size_t i)
{
	struct smwl_mismatch mm;

	s->verified++;
	if (smwl_pattern_check(s->mem + i * PS, PS, i, s->gen[i], &mm)) {
		corruption_block("mapped page", i, s->gen[i], &mm);
		return 1;
	}
	if (pread(s->fd, s->buf, PS, (off_t)(i * PS)) != (ssize_t)PS) {
		say("pread %s: %s", s->path, strerror(errno));
		return -1;
	}
	if (smwl_pattern_check(s->buf, PS, i, s->gen[i], &mm)) {
		corruption_block("pread of page", i, s->gen[i], &mm);
		return 1;
	}
	return 0;
}

static int run_mmap_shared(void)
{
	char path[PATH_MAX];
	struct shm s = { .path = path };
	uint64_t batches = 0;
	struct pacer pc;
	int rc = 0, r = 0;

	s.npages = O.mib * MIB / PS;
	s.len = s.npages * PS;
	s.gen = calloc(s.npages, sizeof(*s.gen));
	s.buf = malloc(PS);
	snprintf(path, sizeof(path), "%s/selfmig-wl.%d.shm", O.dir, (int)getpid());
	s.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (s.fd < 0 || !s.gen || !s.buf) {
		say("create %s: %s", path, strerror(errno));
		return finish(1);
	}
	if (ftruncate(s.fd, (off_t)s.len)) {
		say("ftruncate %s: %s", path, strerror(errno));
		unlink(path);
		return finish(1);
	}
	s.mem = mmap(NULL, s.len, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
	if (s.mem == MAP_FAILED) {
		say("mmap %s: %s", path, strerror(errno));
		unlink(path);
		return finish(1);
	}
	pacer_init(&pc);
	while (!stopping() && !r) {
		for (int b = 0; b < 16 && !r; b++) {
			size_t i = (size_t)smwl_rng_below(&R, s.npages);

			r = shm_check(&s, i);
			if (r)
				break;
			if (++s.gen[i] == 0)
				s.gen[i] = 1;
			smwl_pattern_fill(s.mem + i * PS, PS, i, s.gen[i]);
			s.written++;
			/* What went in through the mapping must come out of the file. */
			r = shm_check(&s, i);
		}
		if (!r && ++batches % 64 == 0) {
			if (msync(s.mem, s.len, batches % 128 ? MS_ASYNC : MS_SYNC)) {
				say("msync: %s", strerror(errno));
				r = -1;
			}
			s.syncs++;
			for (int k = 0; k < 64 && !r; k++)
				r = shm_check(&s, (size_t)smwl_rng_below(&R, s.npages));
		}
		pace(&pc, 16 * PS);
		if (report_due())
			say("t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
			    " msyncs=%" PRIu64, elapsed_s(), s.written, s.verified, s.syncs);
	}
	for (size_t i = 0; i < s.npages && !r; i++)
		r = shm_check(&s, i);
	if (r < 0)
		rc = 1;
	say("done t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
	    " msyncs=%" PRIu64 " result=%s", elapsed_s(), s.written, s.verified, s.syncs,
	    result_str(rc));
	munmap(s.mem, s.len);
	close(s.fd);
	unlink(path);
	free(s.gen);
	free(s.buf);
	return finish(rc);
}

/* ------------------------------------------------------------ pipes */

#define PIPE_KINDS	3	/* pipe, unix stream, unix datagram */
#define PIPE_PAIRS	2	/* per kind */
#define PIPE_WINDOW	8	/* messages in flight per pair */
#define PIPE_MAXPAY	4096

static const char *const kind_name[PIPE_KINDS] = { "pipe", "stream", "dgram" };

struct chan_stat {
	uint64_t msgs, echoes, bytes;
};

static struct chan_stat *g_chan;

/* Returns 1 message read, 0 EOF/stopped, -1 error. */
static int msg_read(int fd, int dgram, uint8_t *buf, size_t cap, size_t *len)
{
	struct smwl_msg m;
	size_t total;
	int r;

	if (dgram) {
		ssize_t n;

		do
			n = recv(fd, buf, cap, 0);
		while (n < 0 && errno == EINTR && !g_stop);
		if (n < 0)
			return g_stop ? 0 : -1;
		if (n == 0)
			return 0;
		*len = (size_t)n;
		return 1;
	}
	r = read_full(fd, buf, SMWL_MSG_HDR);
	if (r <= 0)
		return g_stop ? 0 : r;
	if (smwl_msg_peek(buf, SMWL_MSG_HDR, &m, &total) != SMWL_MSG_OK || total > cap) {
		*len = SMWL_MSG_HDR;	/* let the caller report it */
		return 1;
	}
	r = read_full(fd, buf + SMWL_MSG_HDR, total - SMWL_MSG_HDR);
	if (r <= 0)
		return g_stop ? 0 : -1;
	*len = total;
	return 1;
}

static int msg_write(int fd, const uint8_t *buf, size_t len)
{
	if (write_all(fd, buf, len))
		return g_stop ? 0 : -1;
	return 1;
}

static int check_msg(const char *who, const uint8_t *buf, size_t len,
		     uint32_t stream, uint64_t seq)
{
	struct smwl_msg m = { 0 };
	enum smwl_msg_status st = smwl_msg_decode(buf, len, &m);

	if (st != SMWL_MSG_OK) {
		corruption("%s: message %" PRIu64 " is %s (%zu bytes)", who, seq,
			   smwl_msg_status_str(st), len);
		return -1;
	}
	if (m.stream != stream || m.seq != seq || (size_t)SMWL_MSG_HDR + m.len != len) {
		corruption("%s: got stream %" PRIu32 " seq %" PRIu64 ", expected stream %"
			   PRIu32 " seq %" PRIu64, who, m.stream, m.seq, stream, seq);
		return -1;
	}
	return 0;
}

/* Child: send messages, read their echoes back, keep PIPE_WINDOW in flight. */
static int pipe_sender(int wfd, int rfd, int dgram, uint32_t stream, struct chan_stat *st,
		       const char *who)
{
	static uint8_t out[SMWL_MSG_HDR + PIPE_MAXPAY], in[SMWL_MSG_HDR + PIPE_MAXPAY];
	uint64_t sent = 0, acked = 0;

	while (!g_stop) {
		size_t len;
		int r;

		if (sent - acked < PIPE_WINDOW) {
			len = smwl_msg_encode(out, sizeof(out), stream, sent,
					      (uint32_t)smwl_rng_below(&R, PIPE_MAXPAY + 1));
			r = msg_write(wfd, out, len);
			if (r <= 0)
				return r < 0 ? EXIT_ERR : 0;
			sent++;
			continue;
		}
		r = msg_read(rfd, dgram, in, sizeof(in), &len);
		if (r < 0) {
			say("%s: read: %s", who, strerror(errno));
			return EXIT_ERR;
		}
		if (r == 0) {
			if (g_stop)
				return 0;
			say("%s: peer closed", who);
			return EXIT_ERR;
		}
		if (check_msg(who, in, len, stream, acked))
			return EXIT_CORRUPT;
		acked++;
		__atomic_store_n(&st->echoes, acked, __ATOMIC_RELAXED);
		__atomic_store_n(&st->bytes, st->bytes + len, __ATOMIC_RELAXED);
	}
	return 0;
}

/* Child: verify each message and send it back unchanged. */
static int pipe_echoer(int rfd, int wfd, int dgram, uint32_t stream, struct chan_stat *st,
		       const char *who)
{
	static uint8_t in[SMWL_MSG_HDR + PIPE_MAXPAY];
	uint64_t seq = 0;

	while (!g_stop) {
		size_t len;
		int r = msg_read(rfd, dgram, in, sizeof(in), &len);

		if (r < 0) {
			say("%s: read: %s", who, strerror(errno));
			return EXIT_ERR;
		}
		if (r == 0) {
			if (g_stop)
				return 0;
			say("%s: peer closed", who);
			return EXIT_ERR;
		}
		if (check_msg(who, in, len, stream, seq))
			return EXIT_CORRUPT;
		seq++;
		__atomic_store_n(&st->msgs, seq, __ATOMIC_RELAXED);
		r = msg_write(wfd, in, len);
		if (r <= 0)
			return r < 0 && !g_stop ? EXIT_ERR : 0;
	}
	return 0;
}

static void child_setup(uint64_t salt)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	smwl_rng_seed(&R, R.s ^ smwl_mix64(salt + (uint64_t)getpid()));
}

static pid_t spawn_pipe_child(int role, int kind, int pair, int fds[4])
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	{
		char who[48];
		struct chan_stat *st = &g_chan[kind * PIPE_PAIRS + pair];
		uint32_t stream = (uint32_t)(kind * 16 + pair + 1);
		int dgram = kind == 2, rc;

		child_setup((uint64_t)(role * 100 + kind * 10 + pair));
		snprintf(who, sizeof(who), "%s pair %d %s", kind_name[kind], pair,
			 role ? "echoer" : "sender");
		/* fds: [0] sender writes, [1] echoer reads, [2] echoer writes,
		 * [3] sender reads (the same socket on both ends for socketpairs). */
		if (role == 0)
			rc = pipe_sender(fds[0], fds[3], dgram, stream, st, who);
		else
			rc = pipe_echoer(fds[1], fds[2], dgram, stream, st, who);
		fflush(stdout);
		_exit(rc);
	}
}

/* Wait for all children; returns the worst outcome (0, EXIT_ERR, EXIT_CORRUPT).
 * Children in pids[] still running are sent SIGTERM, then SIGKILL after 3 s. */
static int reap_children(pid_t *pids, int n)
{
	uint64_t kill_at = now_ns() + 3000000000ull;
	int worst = 0, left = 0;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGTERM);
			left++;
		}
	while (left) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p < 0 && errno == ECHILD)
			break;
		if (p <= 0) {
			if (now_ns() > kill_at) {
				for (int i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
				kill_at = UINT64_MAX;
			}
			sleep_ns(10000000);
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (pids[i] != p)
				continue;
			pids[i] = 0;
			left--;
			if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CORRUPT)
				worst = EXIT_CORRUPT;
			else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && !worst)
				worst = EXIT_ERR;
		}
	}
	return worst;
}

static void pipes_totals(uint64_t *msgs, uint64_t *echoes, uint64_t *bytes, uint64_t *kinds)
{
	*msgs = *echoes = *bytes = 0;
	for (int k = 0; k < PIPE_KINDS; k++) {
		kinds[k] = 0;
		for (int p = 0; p < PIPE_PAIRS; p++) {
			struct chan_stat *c = &g_chan[k * PIPE_PAIRS + p];
			uint64_t m = __atomic_load_n(&c->msgs, __ATOMIC_RELAXED);

			*msgs += m;
			kinds[k] += m;
			*echoes += __atomic_load_n(&c->echoes, __ATOMIC_RELAXED);
			*bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		}
	}
}

static int run_pipes(void)
{
	pid_t pids[PIPE_KINDS * PIPE_PAIRS * 2] = { 0 };
	uint64_t msgs, echoes, bytes, kinds[PIPE_KINDS];
	int np = 0, rc = 0, worst;

	g_chan = map_anon(sizeof(struct chan_stat) * PIPE_KINDS * PIPE_PAIRS, 1);
	if (!g_chan) {
		say("mmap: %s", strerror(errno));
		return finish(1);
	}
	for (int k = 0; k < PIPE_KINDS && !rc; k++) {
		for (int p = 0; p < PIPE_PAIRS && !rc; p++) {
			int fds[4], a[2], b[2];

			if (k == 0) {
				if (pipe(a) || pipe(b)) {
					rc = 1;
					break;
				}
				fds[0] = a[1];
				fds[1] = a[0];
				fds[2] = b[1];
				fds[3] = b[0];
			} else {
				if (socketpair(AF_UNIX, k == 1 ? SOCK_STREAM : SOCK_DGRAM, 0, a)) {
					rc = 1;
					break;
				}
				fds[0] = fds[3] = a[0];
				fds[1] = fds[2] = a[1];
				b[0] = b[1] = -1;
			}
			pids[np++] = spawn_pipe_child(0, k, p, fds);
			pids[np++] = spawn_pipe_child(1, k, p, fds);
			for (int i = 0; i < 2; i++) {
				close(a[i]);
				if (b[i] >= 0)
					close(b[i]);
			}
			if (pids[np - 1] < 0 || pids[np - 2] < 0)
				rc = 1;
		}
	}
	if (rc)
		say("setting up channels: %s", strerror(errno));
	while (!rc && !stopping()) {
		int status;
		pid_t p;

		sleep_ns(100000000);
		p = waitpid(-1, &status, WNOHANG);
		if (p > 0) {
			/* Nobody should leave before being told to. */
			for (int i = 0; i < np; i++)
				if (pids[i] == p)
					pids[i] = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CORRUPT) {
				g_corrupt = 1;
			} else {
				say("child %d ended early (status 0x%x)", (int)p, status);
				rc = 1;
			}
			break;
		}
		if (report_due()) {
			pipes_totals(&msgs, &echoes, &bytes, kinds);
			say("t=%.1fs msgs=%" PRIu64 " echoes=%" PRIu64 " MiB=%.1f pipe=%"
			    PRIu64 " stream=%" PRIu64 " dgram=%" PRIu64, elapsed_s(), msgs,
			    echoes, (double)bytes / MIB, kinds[0], kinds[1], kinds[2]);
		}
	}
	worst = reap_children(pids, np);
	if (worst == EXIT_CORRUPT)
		g_corrupt = 1;
	else if (worst)
		rc = 1;
	pipes_totals(&msgs, &echoes, &bytes, kinds);
	say("done t=%.1fs msgs=%" PRIu64 " echoes=%" PRIu64 " MiB=%.1f pipe=%" PRIu64
	    " stream=%" PRIu64 " dgram=%" PRIu64 " result=%s", elapsed_s(), msgs, echoes,
	    (double)bytes / MIB, kinds[0], kinds[1], kinds[2], result_str(rc));
	return finish(rc);
}

/* ------------------------------------------------------------ forkstorm */

#define FORK_PARALLEL	8

static char g_self[PATH_MAX];
static const char *g_argv0 = "selfmig-workload";

/* Child: allocate, touch, verify, exit. */
static void alloc_child(void)
{
	size_t len = O.mib * MIB, n = len / PS;
	uint64_t gen = (uint64_t)getpid();
	uint8_t *m = map_anon(len, 0);
	struct smwl_mismatch mm;

	if (!m)
		_exit(EXIT_ERR);
	for (size_t i = 0; i < n; i++)
		smwl_pattern_fill(m + i * PS, PS, i, gen);
	for (size_t i = 0; i < n; i++)
		if (smwl_pattern_check(m + i * PS, PS, i, gen, &mm)) {
			corruption_block("child page", i, gen, &mm);
			_exit(EXIT_CORRUPT);
		}
	_exit(0);
}

static int run_forkstorm(void)
{
	int have_true = access("/bin/true", X_OK) == 0, rc = 0, live = 0;
	uint64_t forks = 0, execs = 0, allocs = 0, last_forks = 0, last_t = now_ns();
	ssize_t l = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);

	if (l > 0)
		g_self[l] = 0;
	else		/* no /proc: fall back to how we were started */
		snprintf(g_self, sizeof(g_self), "%s", g_argv0);
	while (!rc && !g_corrupt) {
		int status;
		pid_t p;

		while (live < FORK_PARALLEL && !stopping()) {
			int alloc = forks % 4 == 3;

			fflush(stdout);
			p = fork();
			if (p < 0) {
				say("fork: %s", strerror(errno));
				rc = 1;
				break;
			}
			if (p == 0) {
				if (alloc)
					alloc_child();
				if (have_true)
					execl("/bin/true", "true", (char *)NULL);
				else
					execlp(g_self, g_self, "noop", (char *)NULL);
				_exit(127);
			}
			live++;
			forks++;
			if (alloc)
				allocs++;
			else
				execs++;
		}
		if (live == 0)
			break;
		p = waitpid(-1, &status, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			say("waitpid: %s", strerror(errno));
			rc = 1;
			break;
		}
		live--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CORRUPT) {
			g_corrupt = 1;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			say("child %d could not exec %s", (int)p, have_true ? "/bin/true" : g_self);
			rc = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (WIFSIGNALED(status))
				corruption("child %d killed by signal %d", (int)p, WTERMSIG(status));
			else
				corruption("child %d exited with status %d", (int)p,
					   WEXITSTATUS(status));
		}
		if (report_due()) {
			uint64_t t = now_ns();

			say("t=%.1fs forks=%" PRIu64 " execs=%" PRIu64 " allocs=%" PRIu64
			    " forks_s=%.0f", elapsed_s(), forks, execs, allocs,
			    (double)(forks - last_forks) / ((double)(t - last_t) / 1e9));
			last_forks = forks;
			last_t = t;
		}
	}
	while (live > 0) {
		int status;

		if (waitpid(-1, &status, 0) < 0 && errno != EINTR)
			break;
		live--;
	}
	say("done t=%.1fs forks=%" PRIu64 " execs=%" PRIu64 " allocs=%" PRIu64
	    " forks_s=%.0f result=%s", elapsed_s(), forks, execs, allocs,
	    (double)forks / elapsed_s(), result_str(rc));
	return finish(rc);
}

/* ------------------------------------------------------------ churn */

#define CHURN_MAX	512

struct region {
	uint8_t *p;
	size_t len;
	uint64_t key;
	int is_malloc;
};

static int region_check(const struct region *r)
{
	struct smwl_mismatch mm;

	if (smwl_pattern_check(r->p, r->len, r->key, 1, &mm) == 0)
		return 0;
	corruption_block(r->is_malloc ? "malloc region" : "mmap region", r->key, 1, &mm);
	return -1;
}

static void region_free(struct region *r)
{
	if (r->is_malloc)
		free(r->p);
	else
		munmap(r->p, r->len);
}

static int run_churn(void)
{
	static struct region reg[CHURN_MAX];
	uint64_t limit = O.mib * MIB, live = 0, next_key = 1;
	uint64_t allocs = 0, frees = 0, bytes = 0, checks = 0;
	size_t maxsz = limit / 4 < 8 * MIB ? (size_t)(limit / 4) : 8 * MIB;
	struct pacer pc;
	int n = 0, rc = 0;

	if (maxsz < PS)
		maxsz = PS;
	pacer_init(&pc);
	while (!stopping() && !g_corrupt && !rc) {
		size_t want = PS * (1 + (size_t)smwl_rng_below(&R, maxsz / PS));

		if (n > 0 && (live + want > limit || n == CHURN_MAX ||
			      smwl_rng_below(&R, 3) == 0)) {
			int i = (int)smwl_rng_below(&R, (uint64_t)n);

			checks++;
			if (region_check(&reg[i]))
				break;
			region_free(&reg[i]);
			live -= reg[i].len;
			reg[i] = reg[--n];
			frees++;
		} else if (live + want <= limit) {
			struct region *r = &reg[n];

			r->len = want;
			r->key = next_key++;
			r->is_malloc = want <= 256 * 1024 && smwl_rng_below(&R, 2);
			r->p = r->is_malloc ? malloc(want) : map_anon(want, 0);
			if (!r->p) {
				say("allocating %zu bytes: %s", want, strerror(errno));
				rc = 1;
				break;
			}
			/* Writes every byte, so every page is touched. */
			smwl_pattern_fill(r->p, r->len, r->key, 1);
			live += want;
			bytes += want;
			allocs++;
			n++;
			pace(&pc, want);
		}
		if (n > 0 && smwl_rng_below(&R, 8) == 0) {
			checks++;
			region_check(&reg[smwl_rng_below(&R, (uint64_t)n)]);
		}
		if (report_due())
			say("t=%.1fs allocs=%" PRIu64 " frees=%" PRIu64 " checks=%" PRIu64
			    " live_MiB=%.1f MiB_touched=%.1f", elapsed_s(), allocs, frees,
			    checks, (double)live / MIB, (double)bytes / MIB);
	}
	for (int i = 0; i < n; i++) {
		if (!g_corrupt) {
			checks++;
			region_check(&reg[i]);
		}
		region_free(&reg[i]);
	}
	say("done t=%.1fs allocs=%" PRIu64 " frees=%" PRIu64 " checks=%" PRIu64
	    " MiB_touched=%.1f result=%s", elapsed_s(), allocs, frees, checks,
	    (double)bytes / MIB, result_str(rc));
	return finish(rc);
}

/* ------------------------------------------------------------ netrecv */

#define NET_UDP_MAXPAY	1200
#define NET_TCP_MAXPAY	16384
#define NET_CONNS	8
#define NET_BUF		(4 * (SMWL_MSG_HDR + NET_TCP_MAXPAY))

struct tconn {
	int fd;
	size_t len;
	uint64_t seq;
	uint32_t stream;
	int have_stream;
	uint8_t buf[NET_BUF];
};

struct netstat {
	uint64_t udp_msgs, udp_bytes, udp_lost, udp_late, udp_foreign, udp_senders;
	uint64_t tcp_msgs, tcp_bytes, tcp_conns, tcp_cut;
};

static void tconn_close(struct tconn *c)
{
	close(c->fd);
	c->fd = -1;
}

/* Consume whole messages from c->buf. */
static void tconn_parse(struct tconn *c, struct netstat *ns)
{
	size_t off = 0;

	while (!g_corrupt) {
		struct smwl_msg m;
		size_t total;
		enum smwl_msg_status st = smwl_msg_peek(c->buf + off, c->len - off, &m, &total);

		if (st == SMWL_MSG_SHORT)
			break;
		if (st == SMWL_MSG_OK && total > c->len - off)
			break;
		if (st == SMWL_MSG_OK)
			st = smwl_msg_decode(c->buf + off, total, &m);
		if (st != SMWL_MSG_OK) {
			corruption("tcp stream byte %" PRIu64 "+%zu: message %" PRIu64 " is %s",
				   ns->tcp_bytes, off, c->seq, smwl_msg_status_str(st));
			return;
		}
		if (!c->have_stream) {
			c->stream = m.stream;
			c->have_stream = 1;
		}
		if (m.stream != c->stream || m.seq != c->seq) {
			corruption("tcp: got stream %" PRIu32 " seq %" PRIu64
				   ", expected stream %" PRIu32 " seq %" PRIu64,
				   m.stream, m.seq, c->stream, c->seq);
			return;
		}
		c->seq++;
		ns->tcp_msgs++;
		ns->tcp_bytes += total;
		off += total;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

static int open_listeners(int *udp, int *tcp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(O.port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, big = 4 << 20;

	*udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	*tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (*udp < 0 || *tcp < 0)
		return -1;
	setsockopt(*udp, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(*tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(*udp, (struct sockaddr *)&sa, sizeof(sa)) ||
	    bind(*tcp, (struct sockaddr *)&sa, sizeof(sa)) || listen(*tcp, 8))
		return -1;
	return 0;
}

static void udp_receive(int fd, struct netstat *ns, uint32_t *run, uint64_t *expect,
			uint8_t *buf)
{
	for (int b = 0; b < 64 && !g_corrupt; b++) {
		struct smwl_msg m;
		enum smwl_msg_status st;
		ssize_t n = recv(fd, buf, SMWL_MSG_HDR + SMWL_MSG_MAXPAY, 0);

		if (n < 0)
			return;
		st = smwl_msg_decode(buf, (size_t)n, &m);
		if (st == SMWL_MSG_BAD_MAGIC || (st == SMWL_MSG_SHORT && n < SMWL_MSG_HDR)) {
			ns->udp_foreign++;
			continue;
		}
		if (st != SMWL_MSG_OK || (size_t)n != SMWL_MSG_HDR + m.len) {
			/* It passed the UDP checksum, so it was damaged in a host. */
			corruption("udp datagram of %zd bytes is %s", n,
				   st == SMWL_MSG_OK ? "padded" : smwl_msg_status_str(st));
			return;
		}
		if (!ns->udp_senders || m.stream != *run) {
			*run = m.stream;
			*expect = 0;
			ns->udp_senders++;
		}
		if (m.seq >= *expect) {
			ns->udp_lost += m.seq - *expect;
			*expect = m.seq + 1;
		} else {
			ns->udp_late++;
			if (ns->udp_lost)
				ns->udp_lost--;
		}
		ns->udp_msgs++;
		ns->udp_bytes += (uint64_t)n;
	}
}

static int run_netrecv(void)
{
	static struct tconn conns[NET_CONNS];
	static uint8_t dgram[SMWL_MSG_HDR + SMWL_MSG_MAXPAY];
	struct netstat ns = { 0 };
	uint64_t udp_expect = 0, last_bytes = 0, last_t = now_ns();
	uint32_t udp_run = 0;
	int udp, tcp, rc = 0;

	for (int i = 0; i < NET_CONNS; i++)
		conns[i].fd = -1;
	if (open_listeners(&udp, &tcp)) {
		say("listen on port %u: %s", O.port, strerror(errno));
		return finish(1);
	}
	while (!stopping() && !g_corrupt) {
		struct pollfd pf[2 + NET_CONNS];
		int np = 2, idx[NET_CONNS];

		pf[0] = (struct pollfd){ .fd = udp, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = tcp, .events = POLLIN };
		for (int i = 0; i < NET_CONNS; i++)
			if (conns[i].fd >= 0) {
				idx[np - 2] = i;
				pf[np++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
			}
		if (poll(pf, (nfds_t)np, 200) < 0 && errno != EINTR) {
			say("poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		if (pf[0].revents)
			udp_receive(udp, &ns, &udp_run, &udp_expect, dgram);
		if (pf[1].revents & POLLIN) {
			int fd = accept4(tcp, NULL, NULL, SOCK_NONBLOCK);

			for (int i = 0; fd >= 0 && i < NET_CONNS; i++)
				if (conns[i].fd < 0) {
					conns[i].fd = fd;
					conns[i].len = 0;
					conns[i].seq = 0;
					conns[i].have_stream = 0;
					ns.tcp_conns++;
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
		}
		for (int j = 2; j < np && !g_corrupt; j++) {
			struct tconn *c = &conns[idx[j - 2]];
			ssize_t n;

			if (!pf[j].revents)
				continue;
			n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				/* A sender stopped mid-message: a cut, not a mismatch. */
				if (c->len)
					ns.tcp_cut++;
				tconn_close(c);
				continue;
			}
			c->len += (size_t)n;
			tconn_parse(c, &ns);
		}
		if (report_due()) {
			uint64_t t = now_ns(), b = ns.udp_bytes + ns.tcp_bytes;

			say("t=%.1fs udp_msgs=%" PRIu64 " udp_lost=%" PRIu64 " udp_late=%" PRIu64
			    " tcp_msgs=%" PRIu64 " tcp_conns=%" PRIu64 " MiB=%.1f MiB_s=%.1f",
			    elapsed_s(), ns.udp_msgs, ns.udp_lost, ns.udp_late, ns.tcp_msgs,
			    ns.tcp_conns, (double)b / MIB,
			    (double)(b - last_bytes) / MIB / ((double)(t - last_t) / 1e9));
			last_bytes = b;
			last_t = t;
		}
	}
	for (int i = 0; i < NET_CONNS; i++)
		if (conns[i].fd >= 0)
			tconn_close(&conns[i]);
	close(udp);
	close(tcp);
	say("done t=%.1fs udp_msgs=%" PRIu64 " udp_lost=%" PRIu64 " udp_late=%" PRIu64
	    " udp_foreign=%" PRIu64 " tcp_msgs=%" PRIu64 " tcp_conns=%" PRIu64
	    " tcp_cut=%" PRIu64 " MiB=%.1f result=%s", elapsed_s(), ns.udp_msgs, ns.udp_lost,
	    ns.udp_late, ns.udp_foreign, ns.tcp_msgs, ns.tcp_conns, ns.tcp_cut,
	    (double)(ns.udp_bytes + ns.tcp_bytes) / MIB, result_str(rc));
	return finish(rc);
}

/* ------------------------------------------------------------ netsend */

static int run_netsend(void)
{
	static uint8_t buf[SMWL_MSG_HDR + NET_TCP_MAXPAY];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(O.port) };
	uint64_t tcp_msgs = 0, tcp_bytes = 0, udp_msgs = 0, udp_drops = 0, udp_bytes = 0;
	uint64_t last_bytes = 0, last_t, tries = 0;
	uint32_t run = (uint32_t)smwl_rng_next(&R) | 1;
	struct pacer pc;
	int udp, tcp = -1, rc = 0;

	inet_pton(AF_INET, O.target, &sa.sin_addr);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp < 0 || connect(udp, (struct sockaddr *)&sa, sizeof(sa))) {
		say("udp to %s:%u: %s", O.target, O.port, strerror(errno));
		return finish(1);
	}
	/* The receiver may not be up yet: keep trying to connect. */
	while (!stopping()) {
		tcp = socket(AF_INET, SOCK_STREAM, 0);
		if (tcp >= 0 && connect(tcp, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (++tries == 1)
			say("connecting to %s:%u: %s (retrying)", O.target, O.port,
			    strerror(errno));
		if (tcp >= 0)
			close(tcp);
		tcp = -1;
		sleep_ns(500000000);
	}
	if (tcp < 0) {
		say("done t=%.1fs not connected result=error", elapsed_s());
		return finish(1);
	}
	say("connected to %s:%u run %" PRIu32, O.target, O.port, run);
	pacer_init(&pc);
	last_t = now_ns();
	while (!stopping()) {
		size_t len = smwl_msg_encode(buf, sizeof(buf), run, tcp_msgs,
					     1 + (uint32_t)smwl_rng_below(&R, NET_TCP_MAXPAY));

		if (write_all(tcp, buf, len)) {
			if (g_stop)
				break;
			say("tcp connection lost: %s", strerror(errno));
			rc = 1;
			break;
		}
		tcp_msgs++;
		tcp_bytes += len;
		len = smwl_msg_encode(buf, sizeof(buf), run, udp_msgs,
				      (uint32_t)smwl_rng_below(&R, NET_UDP_MAXPAY + 1));
		if (send(udp, buf, len, MSG_DONTWAIT) == (ssize_t)len)
			udp_bytes += len;
		else
			udp_drops++;
		udp_msgs++;		/* a sequence number is used up either way */
		pace(&pc, tcp_bytes + udp_bytes - pc.bytes);
		if (report_due()) {
			uint64_t t = now_ns(), b = tcp_bytes + udp_bytes;

			say("t=%.1fs tcp_msgs=%" PRIu64 " udp_msgs=%" PRIu64 " udp_drops=%"
			    PRIu64 " MiB=%.1f MiB_s=%.1f", elapsed_s(), tcp_msgs, udp_msgs,
			    udp_drops, (double)b / MIB,
			    (double)(b - last_bytes) / MIB / ((double)(t - last_t) / 1e9));
			last_bytes = b;
			last_t = t;
		}
	}
	close(tcp);
	close(udp);
	say("done t=%.1fs tcp_msgs=%" PRIu64 " udp_msgs=%" PRIu64 " udp_drops=%" PRIu64
	    " MiB=%.1f result=%s", elapsed_s(), tcp_msgs, udp_msgs, udp_drops,
	    (double)(tcp_bytes + udp_bytes) / MIB, rc ? "error" : "ok");
	return rc ? EXIT_ERR : 0;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: selfmig-workload MODE [--mib N] [--seconds S] [--rate-mib-s R]\n"
		"                         [--dir PATH] [--port N] [--seed N] [--quiet]\n"
		"       selfmig-workload netsend --target IP[:PORT] [--seconds S] [--rate-mib-s R]\n"
		"modes: anon-random anon-seq (--mib 32)  file-write mmap-shared (--mib 16)\n"
		"       churn (--mib 64)  forkstorm (--mib 4 per allocating child)  pipes\n"
		"       netrecv (--port 7800)  netsend  noop\n"
		"runs until --seconds (0 = until SIGTERM/SIGINT); --rate-mib-s 0 = unlimited;\n"
		"--dir defaults to /tmp.  Exit: 0 ok, 1 error, 2 usage, 3 corruption.\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	char err[160];
	long ps;
	int r;

	r = smwl_parse_args(argc, argv, &O, err, sizeof(err));
	if (r == 1) {
		usage(stdout);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "selfmig-workload: %s\n", err);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (O.mode == SMWL_NOOP)
		return 0;

	MODE = smwl_mode_name(O.mode);
	g_argv0 = argv[0];
	ps = sysconf(_SC_PAGESIZE);
	PS = ps > 0 ? (size_t)ps : 4096;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: blocking calls return */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	g_t0 = now_ns();
	g_next_report = g_t0 + REPORT_NS;
	if (O.seconds > 0)
		g_deadline = g_t0 + (uint64_t)(O.seconds * 1e9);
	smwl_rng_seed(&R, O.seed ? O.seed : g_t0 ^ ((uint64_t)getpid() << 32));
	if (O.mib * MIB / PS == 0)
		O.mib = 1;

	say("started pid %d", (int)getpid());
	switch (O.mode) {
	case SMWL_ANON_RANDOM:	return run_anon(0);
	case SMWL_ANON_SEQ:	return run_anon(1);
	case SMWL_FILE_WRITE:	return run_file_write();
	case SMWL_MMAP_SHARED:	return run_mmap_shared();
	case SMWL_PIPES:	return run_pipes();
	case SMWL_FORKSTORM:	return run_forkstorm();
	case SMWL_CHURN:	return run_churn();
	case SMWL_NETRECV:	return run_netrecv();
	case SMWL_NETSEND:	return run_netsend();
	default:		return EXIT_USAGE;
	}
}
