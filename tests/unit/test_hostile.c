// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile senders against the receiver (userspace/selfmig-receive), over
 * TCP on 127.0.0.1 where a peer is involved: a stream header with a huge
 * page count, a peer that connects and stalls (before its header, and in
 * the middle of a record), one that sends rounds without end, and one that
 * sends more bytes than the limit.  Each must end with its own clear error
 * within its deadline, allocate and create nothing in proportion to what
 * the peer claims, and hold no other connection up.
 *
 * The peers also run alone, against a selfmig-receive started by hand:
 *   test_hostile peer huge|stall|rounds|bytes PORT
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scratch.h"
#include "tap.h"
#include "wire.h"
#include "receiver.h"
#include "net.h"

static const u8 test_id[SMW_ID_LEN] = {
	0x5e, 0x1f, 0x00, 0x15, 0x00, 0x11, 0x22, 0x33,
	0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
};

static char dir[256], image_path[SCRATCH_PATH_LEN], meta_path[SCRATCH_PATH_LEN];

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* ------------------------------------------------------------------ */
/* The peers: each writes to fd until it is done or the reader goes.   */

static int put(int fd, const void *p, size_t len)
{
	const u8 *b = p;
	ssize_t n;

	while (len) {
		n = write(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_header(int fd, struct smw_encoder *enc, u64 page_count)
{
	u8 hdr[SMW_STREAM_HDR_LEN];

	if (smw_enc_init(enc, hdr, test_id, page_count))
		return -1;
	return put(fd, hdr, sizeof(hdr));
}

static int send_round_end(int fd, struct smw_encoder *enc)
{
	u8 rh[SMW_REC_HDR_LEN], re[SMW_ROUND_END_LEN];

	if (smw_enc_round_end(enc, rh, re, NULL))
		return -1;
	return put(fd, rh, sizeof(rh)) || put(fd, re, sizeof(re)) ? -1 : 0;
}

/* One PAGES record: n pages from gfn 0, with data. */
static int send_pages(int fd, struct smw_encoder *enc, u32 n)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	u8 rh[SMW_REC_HDR_LEN], page[SMW_PAGE_SIZE];
	struct smw_pages_batch b;
	u32 i;

	smw_pages_begin(enc, &b, meta, data);
	for (i = 0; i < n; i++) {
		memset(page, (int)(i + 1), sizeof(page));
		if (smw_pages_add(&b, i, page))
			return -1;
	}
	if (smw_enc_pages(enc, &b, rh, 0, data, b.data_len))
		return -1;
	return put(fd, rh, sizeof(rh)) || put(fd, meta, b.meta_len) ||
	       put(fd, data, b.data_len) ? -1 : 0;
}

static int send_end(int fd, struct smw_encoder *enc)
{
	u8 rh[SMW_REC_HDR_LEN], end[SMW_END_LEN];

	if (smw_enc_end(enc, rh, end))
		return -1;
	return put(fd, rh, sizeof(rh)) || put(fd, end, sizeof(end)) ? -1 : 0;
}

enum peer_kind { P_GOOD, P_HUGE, P_STALL, P_STALL_RECORD, P_ROUNDS, P_BYTES, P_TRICKLE };

/* Guest pages the peers declare (but P_HUGE): 16, 64 KiB. */
#define PEER_PAGES 16U

static void peer_run(enum peer_kind kind, int fd)
{
	struct smw_encoder enc;
	u8 rh[SMW_REC_HDR_LEN];

	switch (kind) {
	case P_GOOD:
		if (send_header(fd, &enc, PEER_PAGES) || send_pages(fd, &enc, 4) ||
		    send_round_end(fd, &enc) || send_end(fd, &enc))
			return;
		break;
	case P_HUGE:
		/* 2^25 pages: 128 GiB of guest, a 256 MiB table. */
		if (send_header(fd, &enc, 1ULL << 25))
			return;
		break;
	case P_STALL:
		break;
	case P_STALL_RECORD:
		/* Half a record header, then nothing. */
		if (send_header(fd, &enc, PEER_PAGES))
			return;
		memset(rh, 0, sizeof(rh));
		if (put(fd, rh, sizeof(rh) / 2))
			return;
		break;
	case P_ROUNDS:
		/* Empty rounds, for ever. */
		if (send_header(fd, &enc, PEER_PAGES))
			return;
		while (!send_round_end(fd, &enc))
			;
		return;
	case P_BYTES:
		/* The same pages of round 0, for ever. */
		if (send_header(fd, &enc, PEER_PAGES))
			return;
		while (!send_pages(fd, &enc, PEER_PAGES))
			;
		return;
	case P_TRICKLE:
		/* A valid round every 100 ms, for ever: never silent for long. */
		if (send_header(fd, &enc, PEER_PAGES))
			return;
		while (!send_round_end(fd, &enc))
			usleep(100 * 1000);
		return;
	}
	/* Say nothing more; keep the connection until the receiver ends it. */
	while (read(fd, rh, sizeof(rh)) > 0)
		;
}

static int peer_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((u16)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		_exit(3);
	}
	return fd;
}

/* A peer in a child process, after delay_ms; its pid. */
static pid_t peer_start(enum peer_kind kind, int port, unsigned int delay_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec d = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000 };

		signal(SIGPIPE, SIG_IGN);
		nanosleep(&d, NULL);
		peer_run(kind, peer_connect(port));
		_exit(0);
	}
	return pid;
}

static void peer_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* The receiver's side                                                 */

static void cfg_init(struct smr_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->image_path = image_path;
	cfg->meta_path = meta_path;
	memcpy(cfg->id, test_id, SMW_ID_LEN);
}

static int listen_local(int *port)
{
	char desc[128], err[256];
	int fd = smr_listen("127.0.0.1:0", desc, sizeof(desc), err, sizeof(err));
	const char *colon = strrchr(desc, ':');

	*port = colon ? atoi(colon + 1) : 0;
	return fd;
}

/*
 * What --once does: the first connection, read with the deadlines.  The
 * error line in line; the time it took in *took.
 */
static int serve_once(enum peer_kind kind, const struct smr_config *cfg,
		      struct smr_receiver *r, char *line, size_t len, double *took)
{
	char peer[128];
	double t0;
	int port, lfd = listen_local(&port), cfd, ret;
	pid_t pid;

	unlink(image_path);
	unlink(meta_path);
	pid = peer_start(kind, port, 0);
	cfd = smr_accept(lfd, peer, sizeof(peer));
	close(lfd);
	t0 = now_s();
	smr_init(r, cfg);
	smr_run_fd(r, cfd, 0);
	*took = now_s() - t0;
	close(cfd);
	peer_stop(pid);
	ret = smr_close(r);
	smr_error_line(r, line, len);
	return ret;
}

static void test_huge_page_count(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	struct smr_serve_opts so = { 1500, NULL };
	char line[512], err[256], peer[128], logbuf[4096];
	long rss0;
	double took;
	int port, lfd, cfd;
	FILE *log;
	pid_t pid;

	tap_test("a header of 2^25 pages: page_limit at the header, nothing allocated or created");
	cfg_init(&cfg);
	rss0 = maxrss_kib();
	CHECK_EQ(serve_once(P_HUGE, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_PAGE_LIMIT);
	CHECK(strstr(line, "(page_limit) at stream header") != NULL);
	CHECK(strstr(line, "33554432 pages") != NULL);
	CHECK(strstr(line, "--max-pages") != NULL);
	CHECK(!exists(image_path));		/* no 128 GiB sparse file */
	CHECK(!exists(meta_path));
	CHECK(r.meta == NULL);
	/* Not the 256 MiB table (ASan's shadow included, well under). */
	CHECK(maxrss_kib() - rss0 < 64 * 1024);
	CHECK(took < 5.0);
	if (tap_cur_failed)
		printf("# %s (rss +%ld KiB)\n", line, maxrss_kib() - rss0);

	tap_test("--max-pages: a smaller limit refuses what the default allows");
	cfg_init(&cfg);
	cfg.max_pages = 8;	/* the good peer declares 16 */
	CHECK_EQ(serve_once(P_GOOD, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_PAGE_LIMIT);
	CHECK(strstr(line, "the limit is 8 (--max-pages)") != NULL);
	CHECK(!exists(image_path));
	cfg.max_pages = PEER_PAGES;
	CHECK_EQ(serve_once(P_GOOD, &cfg, &r, line, sizeof(line), &took), 0);
	CHECK_EQ(r.complete, 1);
	CHECK_EQ(file_size(image_path), (long long)PEER_PAGES * SMW_PAGE_SIZE);

	tap_test("listening: a huge header is refused and logged, then a good stream is served");
	cfg_init(&cfg);
	unlink(image_path);
	log = fmemopen(logbuf, sizeof(logbuf), "w");
	so.log = log;
	so.wait_ms = 5000;
	lfd = listen_local(&port);
	pid = peer_start(P_HUGE, port, 0);
	{
		pid_t good = peer_start(P_GOOD, port, 300);

		cfd = smr_accept_stream(lfd, &cfg, &so, &r, peer, sizeof(peer), err,
					sizeof(err));
		CHECK(cfd >= 0);
		if (cfd >= 0) {
			CHECK_EQ(smr_run_fd(&r, cfd, 0), 0);
			close(cfd);
			CHECK_EQ(smr_close(&r), 0);
			CHECK_EQ(r.complete, 1);
		}
		peer_stop(good);
	}
	peer_stop(pid);
	close(lfd);
	fclose(log);
	CHECK(strstr(logbuf, "refused: the stream declares 33554432 pages") != NULL);
	CHECK_EQ(file_size(image_path), (long long)PEER_PAGES * SMW_PAGE_SIZE);
	if (tap_cur_failed)
		printf("# log: %s\n", logbuf);
}

static void test_stall(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	struct smr_serve_opts so = { 0, NULL };
	char line[512], err[256], peer[128];
	double took, t0;
	int port, lfd, cfd;
	pid_t staller, good;

	tap_test("a peer that connects and says nothing: timeout within the read deadline");
	cfg_init(&cfg);
	cfg.io_timeout_ms = 300;
	CHECK_EQ(serve_once(P_STALL, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_TIMEOUT);
	CHECK(strstr(line, "(timeout) at stream header") != NULL);
	CHECK(strstr(line, "waited for the stream header (--io-timeout)") != NULL);
	CHECK(took >= 0.29 && took < 2.0);
	CHECK(!exists(image_path));

	tap_test("a peer that stalls inside a record: timeout naming the record");
	CHECK_EQ(serve_once(P_STALL_RECORD, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_TIMEOUT);
	CHECK(strstr(line, "(timeout) at record seq 0, offset 64") != NULL);
	CHECK(strstr(line, "the rest of a record") != NULL);
	CHECK(took >= 0.29 && took < 2.0);
	/* The image is the declared 64 KiB, nothing more. */
	CHECK_EQ(file_size(image_path), (long long)PEER_PAGES * SMW_PAGE_SIZE);

	tap_test("a peer that trickles a valid round every 100 ms: ended at the stream's deadline");
	cfg_init(&cfg);
	cfg.io_timeout_ms = 1000;
	cfg.max_time_ms = 600;
	CHECK_EQ(serve_once(P_TRICKLE, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_TIMEOUT);
	CHECK(strstr(line, "did not end within 0.6 s of its start (--max-seconds)") != NULL);
	CHECK(took >= 0.55 && took < 2.0);
	CHECK(r.st.rounds >= 2);
	if (tap_cur_failed)
		printf("# %s (%.2f s, %llu rounds)\n", line, took,
		       (unsigned long long)r.st.rounds);

	tap_test("the stream's deadline for readers of their own (selfmig-hook self)");
	{
		unsigned int left = 0;

		cfg_init(&cfg);
		cfg.max_time_ms = 80;
		CHECK_EQ(smr_init(&r, &cfg), 0);
		CHECK_EQ(smr_stream_time_left(&r, &left), 0);
		CHECK(left >= 1 && left <= 80);
		usleep(120 * 1000);
		CHECK_EQ(smr_stream_time_left(&r, &left), -SMR_E_TIMEOUT);
		smr_close(&r);
		smr_error_line(&r, line, sizeof(line));
		CHECK(strstr(line, "(--max-seconds)") != NULL);
		cfg_init(&cfg);
		CHECK_EQ(smr_init(&r, &cfg), 0);
		CHECK_EQ(smr_stream_time_left(&r, &left), 0);
		CHECK(left > SMR_DEF_MAX_TIME_MS - 5000);
		smr_close(&r);
	}

	tap_test("listening: a silent peer holds up no one; the good stream is served at once");
	cfg_init(&cfg);
	cfg.io_timeout_ms = 4000;
	unlink(image_path);
	lfd = listen_local(&port);
	staller = peer_start(P_STALL, port, 0);
	good = peer_start(P_GOOD, port, 200);
	t0 = now_s();
	cfd = smr_accept_stream(lfd, &cfg, &so, &r, peer, sizeof(peer), err, sizeof(err));
	CHECK(cfd >= 0);
	if (cfd >= 0) {
		CHECK_EQ(smr_run_fd(&r, cfd, 0), 0);
		close(cfd);
	}
	took = now_s() - t0;
	CHECK_EQ(smr_close(&r), 0);
	CHECK_EQ(r.complete, 1);
	/* Well before the silent peer's 4 s deadline. */
	CHECK(took < 2.0);
	peer_stop(staller);
	peer_stop(good);
	close(lfd);

	tap_test("listening: only silent peers: each dropped at its deadline, then the wait ends");
	cfg.io_timeout_ms = 300;
	so.wait_ms = 1200;
	lfd = listen_local(&port);
	staller = peer_start(P_STALL, port, 0);
	t0 = now_s();
	cfd = smr_accept_stream(lfd, &cfg, &so, &r, peer, sizeof(peer), err, sizeof(err));
	took = now_s() - t0;
	CHECK_EQ(cfd, -1);
	CHECK(strstr(err, "no stream was accepted within 1 s") != NULL);
	CHECK(took >= 1.1 && took < 3.0);
	peer_stop(staller);
	close(lfd);
}

static void test_rounds(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	char line[512];
	double took;

	tap_test("rounds without end: round_limit at the default 1000 rounds");
	cfg_init(&cfg);
	CHECK_EQ(serve_once(P_ROUNDS, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_ROUND_LIMIT);
	CHECK(r.st.rounds == SMR_DEF_MAX_ROUNDS && r.err_seq == SMR_DEF_MAX_ROUNDS);
	CHECK(strstr(line, "(round_limit) at record seq 1000") != NULL);
	CHECK(strstr(line, "a record of round 1000; at most 1000 rounds") != NULL);
	CHECK(strstr(line, "--max-rounds") != NULL);
	CHECK(took < 10.0);

	tap_test("--max-rounds 5: the sixth ROUND_END is refused");
	cfg.max_rounds = 5;
	CHECK_EQ(serve_once(P_ROUNDS, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_ROUND_LIMIT);
	CHECK_EQ(r.st.rounds, 5);
	CHECK(strstr(line, "at record seq 5") != NULL);
}

static void test_bytes(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	char line[512];
	double took;
	u64 limit = (u64)SMR_DEF_BYTES_FACTOR * PEER_PAGES * SMW_PAGE_SIZE +
		    SMR_BYTES_SLACK;

	tap_test("bytes without end: byte_limit at exactly the limit, the image its declared size");
	cfg_init(&cfg);
	CHECK_EQ(serve_once(P_BYTES, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_BYTE_LIMIT);
	CHECK_EQ(r.st.stream_bytes, limit);
	CHECK_EQ(r.err_offset, limit);
	CHECK(strstr(line, "(byte_limit)") != NULL);
	CHECK(strstr(line, "--max-bytes-factor") != NULL);
	CHECK_EQ(file_size(image_path), (long long)PEER_PAGES * SMW_PAGE_SIZE);
	CHECK(took < 20.0);
	if (tap_cur_failed)
		printf("# %s\n", line);

	tap_test("--max-bytes-factor 1: the limit follows the factor");
	cfg.max_bytes_factor = 1;
	CHECK_EQ(serve_once(P_BYTES, &cfg, &r, line, sizeof(line), &took),
		 -SMR_E_BYTE_LIMIT);
	CHECK_EQ(r.st.stream_bytes, (u64)PEER_PAGES * SMW_PAGE_SIZE + SMR_BYTES_SLACK);
}

static void test_limits_in_memory(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	struct smw_encoder enc;
	u8 hdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN], end[SMW_END_LEN];
	unsigned int ms;

	tap_test("END at the byte limit completes; trailing bytes are still refused");
	cfg_init(&cfg);
	cfg.image_path = NULL;
	cfg.meta_path = NULL;
	smw_enc_init(&enc, hdr, test_id, 1);
	smw_enc_end(&enc, rh, end);
	CHECK_EQ(smr_init(&r, &cfg), 0);
	CHECK_EQ(smr_feed(&r, hdr, sizeof(hdr)), 0);
	r.max_bytes = sizeof(hdr) + sizeof(rh) + sizeof(end);	/* as if so configured */
	CHECK_EQ(smr_feed(&r, rh, sizeof(rh)), 0);
	CHECK_EQ(smr_feed(&r, end, sizeof(end)), 1);
	CHECK_EQ(smr_feed(&r, "x", 1), -SMW_E_TRAILING);
	smr_close(&r);

	tap_test("--io-timeout and limit options parse and refuse nonsense");
	CHECK(smr_parse_seconds("0.5", &ms) == 0 && ms == 500);
	CHECK(smr_parse_seconds("60", &ms) == 0 && ms == 60000);
	CHECK(smr_parse_seconds("0", &ms) != 0);
	CHECK(smr_parse_seconds("-1", &ms) != 0);
	CHECK(smr_parse_seconds("1e9", &ms) != 0);
	CHECK(smr_parse_seconds("nan", &ms) != 0);
	CHECK(smr_parse_seconds("2s", &ms) != 0);
}

static int peer_main(const char *kind, const char *port)
{
	static const char *const names[] = { "good", "huge", "stall", "stall-record",
					     "rounds", "bytes", "trickle" };
	unsigned int k;

	signal(SIGPIPE, SIG_IGN);
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (!strcmp(kind, names[k])) {
			peer_run((enum peer_kind)k, peer_connect(atoi(port)));
			return 0;
		}
	fprintf(stderr, "usage: test_hostile peer good|huge|stall|stall-record|rounds|bytes|trickle PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "peer"))
		return peer_main(argv[2], argv[3]);
	signal(SIGPIPE, SIG_IGN);
	scratch_make(dir, sizeof(dir), "/tmp", "selfmig-hostile-XXXXXX",
		     image_path, "image", meta_path, "meta", NULL);

	test_huge_page_count();
	test_stall();
	test_rounds();
	test_bytes();
	test_limits_in_memory();

	return tap_done();
}
