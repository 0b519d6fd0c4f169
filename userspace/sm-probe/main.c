// SPDX-License-Identifier: GPL-2.0
/*
 * sm-probe: dom0-side downtime prober for sm-echo.
 *
 *   sm-probe --target IP[:PORT] [--interval-us N] [--duration S]
 *            [--until-file PATH] [--json FILE] [--tcp]
 *   sm-probe --target IP[:PORT] --wait-ready S [--interval-us N]
 *
 * Probing mode sends a numbered UDP probe every --interval-us microseconds
 * (default 1000) and records the answers; it stops after --duration seconds,
 * once --until-file exists, or on SIGINT/SIGTERM, waits briefly for late
 * answers, and prints a one-line summary (and a JSON object with --json).
 * With --tcp it also streams pseudo-random bytes over a TCP connection to
 * the same port and checks that every echoed byte comes back intact.
 *
 * --wait-ready S only waits (probing every 10 ms or --interval-us, whichever
 * is longer) for the first answer: exit 0 once answered, 1 after S seconds.
 *
 * Exit status: 0 measurement done / target ready, 1 runtime failure or not
 * ready, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "probe.h"

#define DEFAULT_PORT		7777
#define NS_PER_MS		1000000ull
#define NS_PER_S		1000000000ull
#define TICK_NS			(10 * NS_PER_MS)	/* until-file and TCP pacing */
#define WAIT_MIN_INTERVAL_NS	(10 * NS_PER_MS)
#define UDP_GRACE_NS		(300 * NS_PER_MS)	/* late answers after the end */
#define TCP_GRACE_NS		(2 * NS_PER_S)		/* outstanding echo after the end */
#define TCP_BYTES_PER_TICK	4096
#define TCP_BUDGET_MAX		(64 * 1024)
#define TCP_INFLIGHT_MAX	(256 * 1024)

struct opts {
	struct sockaddr_in dst;
	char target[64];
	uint64_t interval_ns;
	uint64_t duration_ns;		/* 0: no limit */
	const char *until_file;
	uint64_t wait_ns;
	int wait_ready;
	const char *json;
	int tcp;
};

static volatile sig_atomic_t g_signals;

static void on_signal(int sig)
{
	(void)sig;
	g_signals++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sm-probe --target IP[:PORT] [--interval-us N] [--duration S]\n"
		"                [--until-file PATH] [--json FILE] [--tcp]\n"
		"       sm-probe --target IP[:PORT] --wait-ready S [--interval-us N]\n"
		"\n"
		"  --target IP[:PORT]  sm-echo address (default port %d)\n"
		"  --interval-us N     probe interval in microseconds (default 1000)\n"
		"  --duration S        stop after S seconds\n"
		"  --until-file PATH   stop once PATH exists (checked every 10 ms)\n"
		"  --json FILE         also write the results as a JSON object\n"
		"  --tcp               also check a TCP echo stream on the same port\n"
		"  --wait-ready S      only wait up to S seconds for a first answer\n"
		"Without --duration or --until-file, probing runs until SIGINT/SIGTERM.\n",
		DEFAULT_PORT);
}

/* Parse a non-negative decimal number of seconds into nanoseconds. */
static int parse_seconds(const char *s, uint64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e7)
		return -1;
	*out = (uint64_t)(v * 1e9);
	return 0;
}

static int parse_target(const char *s, struct sockaddr_in *sa, char *label,
			size_t label_len)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	uint64_t port = DEFAULT_PORT;
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);

	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (colon && smc_parse_u64(NULL, colon + 1, 1, 65535, &port, NULL, 0))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	snprintf(label, label_len, "%s:%lu", host, port);
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const int ids[] = {
		SMC_O_TARGET, SMC_O_INTERVAL_US, SMC_O_DURATION,
		SMC_O_UNTIL_FILE, SMC_O_WAIT_READY, SMC_O_JSON, SMC_O_TCP,
		SMC_O_HELP, 0
	};
	struct smc_optvals ov;
	const char *v;
	char err[160];
	uint64_t us = 1000;

	memset(o, 0, sizeof(*o));
	if (smc_optvals(argc, argv, "h", ids, &ov, err, sizeof(err)))
		exit(smc_usage_error("sm-probe", err, usage));
	if (ov.val[SMC_O_HELP])
		exit(smc_usage_exit('h', usage));
	v = ov.val[SMC_O_TARGET];
	if (v && parse_target(v, &o->dst, o->target, sizeof(o->target))) {
		fprintf(stderr, "sm-probe: bad --target '%s' (want IPv4[:PORT])\n", v);
		return -1;
	}
	if (smc_optval_u64("sm-probe", &ov, SMC_O_INTERVAL_US, 50, 10000000, &us))
		return -1;
	o->interval_ns = us * 1000;
	v = ov.val[SMC_O_DURATION];
	if (v && (parse_seconds(v, &o->duration_ns) || o->duration_ns == 0)) {
		fprintf(stderr, "sm-probe: bad --duration '%s'\n", v);
		return -1;
	}
	v = ov.val[SMC_O_WAIT_READY];
	if (v && parse_seconds(v, &o->wait_ns)) {
		fprintf(stderr, "sm-probe: bad --wait-ready '%s'\n", v);
		return -1;
	}
	o->wait_ready = v != NULL;
	o->until_file = ov.val[SMC_O_UNTIL_FILE];
	o->json = ov.val[SMC_O_JSON];
	o->tcp = ov.val[SMC_O_TCP] != NULL;
	if (optind < argc) {
		fprintf(stderr, "sm-probe: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!ov.val[SMC_O_TARGET]) {
		fprintf(stderr, "sm-probe: --target is required\n");
		usage(stderr);
		return -1;
	}
	if (o->wait_ready && (ov.val[SMC_O_DURATION] || o->until_file || o->json || o->tcp)) {
		fprintf(stderr, "sm-probe: --wait-ready only combines with --target and --interval-us\n");
		return -1;
	}
	return 0;
}

static uint32_t make_run_id(void)
{
	uint32_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
	return id ? id : 1;
}

static int open_udp(const struct sockaddr_in *dst)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int sz = 1 << 20;

	if (fd < 0) {
		perror("sm-probe: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Connected: only the target's answers arrive, ICMP errors are seen. */
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
		perror("sm-probe: connect udp");
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until deadline_ns (or a signal) for events on fds. */
static int wait_until(struct pollfd *fds, nfds_t n, uint64_t deadline_ns)
{
	uint64_t now = now_ns();
	uint64_t d = deadline_ns > now ? deadline_ns - now : 0;
	struct timespec ts = {
		.tv_sec = (time_t)(d / NS_PER_S),
		.tv_nsec = (long)(d % NS_PER_S),
	};
	int r = ppoll(fds, n, &ts, NULL);

	if (r < 0 && errno != EINTR) {
		perror("sm-probe: ppoll");
		return -1;
	}
	return r < 0 ? 0 : r;
}

/* Send one probe; counts (in *errors) send failures and ICMP refusals. */
static void send_probe(int fd, uint32_t run_id, uint64_t seq, uint64_t *errors,
		       uint64_t *refused)
{
	struct smp_packet p = { .run_id = run_id, .seq = seq };
	uint8_t buf[SMP_PKT_LEN];

	p.send_ns = now_ns();
	smp_packet_encode(&p, buf);
	for (;;) {
		if (send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno == ECONNREFUSED)
			(*refused)++;
		else
			(*errors)++;
		return;
	}
}

/* ------------------------------------------------------------ wait-ready */

static int wait_ready(const struct opts *o, int fd)
{
	uint64_t interval = o->interval_ns > WAIT_MIN_INTERVAL_NS ?
			    o->interval_ns : WAIT_MIN_INTERVAL_NS;
	uint32_t run_id = make_run_id();
	uint64_t start = now_ns(), deadline = start + o->wait_ns;
	uint64_t next = start, seq = 0, errors = 0, refused = 0;
	uint8_t buf[2048];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ns(), until;

		if (g_signals) {
			fprintf(stderr, "sm-probe: interrupted while waiting for %s\n",
				o->target);
			return 1;
		}
		if (now >= deadline)
			break;
		if (now >= next) {
			send_probe(fd, run_id, seq++, &errors, &refused);
			next = now + interval;
		}
		until = next < deadline ? next : deadline;
		if (wait_until(&pfd, 1, until) < 0)
			return 1;
		for (;;) {
			struct smp_packet p;
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ECONNREFUSED) {
					refused++;
					continue;
				}
				break;
			}
			if (smp_packet_decode(buf, (size_t)n, &p) == SMP_DECODE_OK &&
			    p.run_id == run_id && p.seq < seq) {
				printf("probe: %s ready after %.1f ms\n", o->target,
				       (double)(now_ns() - start) / 1e6);
				return 0;
			}
		}
	}
	fprintf(stderr, "sm-probe: no answer from %s within %.1f s (%llu probes sent; %s)\n",
		o->target, (double)o->wait_ns / 1e9, (unsigned long long)seq,
		refused ? "port unreachable: nothing listening on that UDP port" :
		errors ? "send errors: check the address and routing" :
			 "no reply at all: host down, wrong address or filtered");
	return 1;
}

/* ------------------------------------------------------------ TCP stream */

struct tcp_stream {
	int fd;
	int connecting;
	int connected;		/* ever connected */
	int failed;		/* reset, EOF, error or connect failure */
	int want_write;
	uint64_t tx;		/* stream bytes sent */
	uint64_t budget;	/* bytes allowed to be sent now */
	struct smp_verifier v;
	uint8_t buf[64 * 1024];
};

static void tcp_fail(struct tcp_stream *t, const char *what, int err)
{
	if (t->failed)
		return;
	t->failed = 1;
	if (err)
		fprintf(stderr, "sm-probe: tcp: %s: %s (after %llu bytes verified)\n",
			what, strerror(err), (unsigned long long)t->v.verified);
	else
		fprintf(stderr, "sm-probe: tcp: %s (after %llu bytes verified)\n",
			what, (unsigned long long)t->v.verified);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->connecting = 0;
}

static void tcp_open(struct tcp_stream *t, const struct sockaddr_in *dst,
		     uint32_t run_id)
{
	int one = 1;

	memset(t, 0, sizeof(*t));
	smp_verifier_init(&t->v, ((uint64_t)run_id << 32) | 0x5eedu);
	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		tcp_fail(t, "socket", errno);
		return;
	}
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(t->fd, (const struct sockaddr *)dst, sizeof(*dst)) == 0) {
		t->connected = 1;
	} else if (errno == EINPROGRESS) {
		t->connecting = 1;
	} else {
		tcp_fail(t, "connect", errno);
	}
}

static void tcp_connect_done(struct tcp_stream *t)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	t->connecting = 0;
	if (err) {
		tcp_fail(t, "connect", err);
		return;
	}
	t->connected = 1;
}

static void tcp_send(struct tcp_stream *t)
{
	t->want_write = 0;
	while (t->fd >= 0 && t->connected && t->budget) {
		uint64_t inflight = t->tx - t->v.offset;
		size_t chunk;
		ssize_t n;

		if (inflight >= TCP_INFLIGHT_MAX)
			return;
		chunk = (size_t)(TCP_INFLIGHT_MAX - inflight);
		if (chunk > t->budget)
			chunk = (size_t)t->budget;
		if (chunk > sizeof(t->buf))
			chunk = sizeof(t->buf);
		smp_stream_fill(t->v.seed, t->tx, t->buf, chunk);
		n = send(t->fd, t->buf, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				t->want_write = 1;
				return;
			}
			tcp_fail(t, "send", errno);
			return;
		}
		t->tx += (uint64_t)n;
		t->budget -= (uint64_t)n;
	}
}

static void tcp_recv(struct tcp_stream *t)
{
	while (t->fd >= 0) {
		ssize_t n = recv(t->fd, t->buf, sizeof(t->buf), MSG_DONTWAIT);

		if (n == 0) {
			tcp_fail(t, "connection closed by peer", 0);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tcp_fail(t, "recv", errno);
			return;
		}
		/* After a mismatch the data is still consumed, not verified. */
		smp_verifier_feed(&t->v, t->buf, (size_t)n, t->tx);
	}
}

static void tcp_events(struct tcp_stream *t, short revents)
{
	if (t->fd < 0 || !revents)
		return;
	if (t->connecting) {
		tcp_connect_done(t);
		if (t->fd < 0 || t->connecting)
			return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		tcp_recv(t);
	if (t->fd >= 0 && (revents & POLLOUT))
		tcp_send(t);
}

static short tcp_poll_events(const struct tcp_stream *t)
{
	if (t->connecting)
		return POLLOUT;
	return (short)(POLLIN | (t->want_write ? POLLOUT : 0));
}

/* ------------------------------------------------------------ probing */

static void drain_udp(int fd, struct smp_tracker *tr, uint64_t *refused)
{
	uint8_t buf[2048];

	for (;;) {
		struct smp_packet p;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		uint64_t t = now_ns();

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED) {
				(*refused)++;
				continue;
			}
			return;
		}
		if (smp_packet_decode(buf, (size_t)n, &p) != SMP_DECODE_OK) {
			tr->foreign++;
			continue;
		}
		if (smp_tracker_answer(tr, &p, t) == SMP_ANS_NOMEM) {
			fprintf(stderr, "sm-probe: out of memory\n");
			exit(1);
		}
	}
}

static int write_json(const char *path, const struct smp_result *r)
{
	char buf[1024], tmp[PATH_MAX];
	int len = smp_format_json(r, buf, sizeof(buf));
	FILE *f;

	if (len < 0 || (size_t)len >= sizeof(buf) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
		    (int)sizeof(tmp)) {
		fprintf(stderr, "sm-probe: json: path or output too long\n");
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "sm-probe: json: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fputs(buf, f) == EOF || fclose(f) == EOF) {
		fprintf(stderr, "sm-probe: json: write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "sm-probe: json: rename to %s: %s\n", path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int probe(const struct opts *o, int fd)
{
	static struct tcp_stream tcp;
	uint32_t run_id = make_run_id();
	uint64_t start = now_ns();
	uint64_t deadline = o->duration_ns ? start + o->duration_ns : UINT64_MAX;
	uint64_t next_send = start, next_tick = start, end, grace_end;
	uint64_t send_errors = 0, refused = 0;
	struct smp_tracker tr;
	struct smp_result r;
	char line[512];
	int rc = 0;

	smp_tracker_init(&tr, run_id, start);
	tcp.fd = -1;
	if (o->tcp)
		tcp_open(&tcp, &o->dst, run_id);

	while (!g_signals) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = tcp.fd, .events = tcp_poll_events(&tcp) },
		};
		uint64_t now = now_ns(), until;

		if (now >= deadline)
			break;
		if (now >= next_tick) {
			if (o->until_file && access(o->until_file, F_OK) == 0)
				break;
			if (tcp.fd >= 0 && tcp.connected) {
				tcp.budget += TCP_BYTES_PER_TICK;
				if (tcp.budget > TCP_BUDGET_MAX)
					tcp.budget = TCP_BUDGET_MAX;
				tcp_send(&tcp);
			}
			next_tick += TICK_NS;
			if (next_tick <= now)
				next_tick = now + TICK_NS;
		}
		if (now >= next_send) {
			send_probe(fd, run_id, smp_tracker_next_seq(&tr),
				   &send_errors, &refused);
			next_send += o->interval_ns;
			if (next_send <= now)
				next_send = now + o->interval_ns;
		}
		until = next_send < next_tick ? next_send : next_tick;
		if (deadline < until)
			until = deadline;
		if (wait_until(pfd, tcp.fd >= 0 ? 2 : 1, until) < 0) {
			rc = 1;
			break;
		}
		drain_udp(fd, &tr, &refused);
		if (tcp.fd >= 0)
			tcp_events(&tcp, pfd[1].revents);
	}

	/* Probing is over; collect late UDP answers and the TCP echo tail. */
	end = now_ns();
	smp_tracker_stop(&tr, end);
	grace_end = end + (o->tcp ? TCP_GRACE_NS : UDP_GRACE_NS);
	while (g_signals < 2) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = tcp.fd, .events = POLLIN },
		};
		uint64_t now = now_ns();
		int udp_done = tr.answered >= tr.next_seq ||
			       now >= end + UDP_GRACE_NS;
		int tcp_done = tcp.fd < 0 || !tcp.connected || tcp.v.mismatch ||
			       tcp.v.offset >= tcp.tx;

		if (now >= grace_end || (udp_done && tcp_done))
			break;
		if (wait_until(pfd, tcp.fd >= 0 ? 2 : 1,
			       udp_done ? grace_end :
			       end + UDP_GRACE_NS < grace_end ? end + UDP_GRACE_NS :
							      grace_end) < 0)
			break;
		drain_udp(fd, &tr, &refused);
		if (tcp.fd >= 0)
			tcp_events(&tcp, pfd[1].revents);
	}

	if (smp_tracker_result(&tr, end, &r)) {
		fprintf(stderr, "sm-probe: out of memory\n");
		return 1;
	}
	if (o->tcp) {
		r.tcp = true;
		r.tcp_connected = tcp.connected;
		r.tcp_bytes_sent = tcp.tx;
		r.tcp_bytes_verified = tcp.v.verified;
		r.tcp_mismatch = tcp.v.mismatch;
		r.tcp_reset = tcp.failed;
		if (tcp.v.mismatch)
			fprintf(stderr, "sm-probe: tcp: echoed data differs from sent data at stream offset %llu\n",
				(unsigned long long)tcp.v.mismatch_at);
		if (tcp.fd >= 0 && tcp.v.offset < tcp.tx)
			fprintf(stderr, "sm-probe: tcp: %llu bytes still not echoed at exit\n",
				(unsigned long long)(tcp.tx - tcp.v.offset));
		if (tcp.fd >= 0)
			close(tcp.fd);
	}
	if (send_errors || refused)
		fprintf(stderr, "sm-probe: %llu send errors, %llu port-unreachable reports\n",
			(unsigned long long)send_errors,
			(unsigned long long)refused);
	smp_format_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (o->json && write_json(o->json, &r))
		rc = 1;
	smp_tracker_free(&tr);
	return rc;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct opts o;
	int fd, rc;

	if (parse_args(argc, argv, &o))
		return 2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = open_udp(&o.dst);
	if (fd < 0)
		return 1;
	rc = o.wait_ready ? wait_ready(&o, fd) : probe(&o, fd);
	close(fd);
	return rc;
}
