// SPDX-License-Identifier: GPL-2.0
/*
 * sm-web: the web workload of the soak, as one process on each side, so that
 * a long soak does not start a program per request.
 *
 *   sm-web serve --port N [--bytes N] [--seed N]
 *       In the guest: an HTTP/1.0 server that answers every GET with the
 *       same body: --bytes (65536) bytes from a generator seeded with
 *       --seed (1).  One connection at a time, closed after the answer.
 *
 *   sm-web get --target IP:PORT [--bytes N] [--seed N] --until-file F
 *              [--timeout-ms N] [--interval-ms N] [--json FILE]
 *       In dom0: GET / again and again (--interval-ms apart, 0) until F exists; each answer must be
 *       "200" with exactly the generated body.  Counts good answers, bad
 *       ones (wrong status, length or byte: data corruption), failed
 *       requests (refused, reset, timed out: the guest was away), the
 *       requests per second and their latency (mean, max), and the
 *       longest time without a good answer.
 *
 * Exit status: 0 done (get: no bad answer), 1 error or a bad answer,
 * 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "xenstream.h"

#define PROG "sm-web"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " serve --port N [--bytes N] [--seed N]\n"
		"       " PROG " get --target IP:PORT --until-file F [--bytes N] [--seed N]\n"
		"                   [--timeout-ms N] [--interval-ms N] [--json FILE]\n");
}

static void body_fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int serve(unsigned int port, const uint8_t *body, size_t bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char hdr[128], req[1024];
	int one = 1, l, c;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16)) {
		fprintf(stderr, PROG ": port %u: %s\n", port, strerror(errno));
		return 1;
	}
	printf(PROG ": serving %zu bytes on port %u\n", bytes, port);
	fflush(stdout);
	snprintf(hdr, sizeof(hdr), "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n", bytes);
	for (;;) {
		struct pollfd p;
		size_t got = 0;

		c = accept(l, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, PROG ": accept: %s\n", strerror(errno));
			return 1;
		}
		/* Read the request up to its blank line (or 1 s, or 1 KiB). */
		p = (struct pollfd){ c, POLLIN, 0 };
		while (got < sizeof(req) - 1 && poll(&p, 1, 1000) > 0) {
			ssize_t n = read(c, req + got, sizeof(req) - 1 - got);

			if (n <= 0)
				break;
			got += (size_t)n;
			req[got] = 0;
			if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
				break;
		}
		if (got >= 4 && !memcmp(req, "GET ", 4))
			(void)(sxs_fd_write(&c, hdr, strlen(hdr)) ||
			       sxs_fd_write(&c, body, bytes));
		close(c);
	}
}

enum outcome { GOOD, BAD, FAILED };

/* One GET; *why says what was wrong for BAD or FAILED. */
static enum outcome get_once(const struct sockaddr_in *a, const uint8_t *body,
			     size_t bytes, int timeout_ms, uint8_t *buf, size_t cap,
			     const char **why)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	size_t got = 0;
	char *end;
	int s, r;
	enum outcome o = FAILED;
	struct pollfd p;

	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s < 0) {
		*why = "socket";
		return FAILED;
	}
	r = connect(s, (const struct sockaddr *)a, sizeof(*a));
	if (r && errno != EINPROGRESS) {
		*why = "connect";
		goto out;
	}
	p = (struct pollfd){ s, POLLOUT, 0 };
	if (poll(&p, 1, timeout_ms) <= 0 || (p.revents & (POLLERR | POLLHUP))) {
		*why = "connect timed out or refused";
		goto out;
	}
	if (write(s, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		*why = "send";
		goto out;
	}
	for (;;) {
		ssize_t n;

		p = (struct pollfd){ s, POLLIN, 0 };
		if (poll(&p, 1, timeout_ms) <= 0) {
			*why = "answer timed out";
			goto out;
		}
		n = read(s, buf + got, cap - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			*why = "connection reset";
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == cap) {
			*why = "answer too long";
			o = BAD;
			goto out;
		}
	}
	buf[got] = 0;
	o = BAD;
	end = strstr((char *)buf, "\r\n\r\n");
	if (got < 12 || memcmp(buf, "HTTP/1.0 200", 12) || !end) {
		*why = got ? "not a 200 answer" : "empty answer";
		o = got ? BAD : FAILED;
		goto out;
	}
	end += 4;
	if (got - (size_t)((uint8_t *)end - buf) != bytes) {
		*why = "body length differs";
		goto out;
	}
	if (memcmp(end, body, bytes)) {
		*why = "body bytes differ";
		goto out;
	}
	o = GOOD;
out:
	close(s);
	return o;
}

static int get(const char *target, const char *until, const char *json,
	       const uint8_t *body, size_t bytes, int timeout_ms,
	       unsigned int interval_ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned long long good = 0, bad = 0, failed = 0;
	double t_good, gap = 0, t0 = now_ms(), lat_sum = 0, lat_max = 0;
	const char *why = "", *first_bad = NULL;
	size_t cap = bytes + 4096;
	uint8_t *buf = malloc(cap + 1);
	uint16_t port;
	double secs;

	if (!buf)
		return 1;
	if (smc_parse_ipv4_port(target, &a.sin_addr.s_addr, &port)) {
		fprintf(stderr, PROG ": --target takes IP:PORT\n");
		free(buf);
		return 2;
	}
	a.sin_port = htons(port);
	t_good = now_ms();
	while (access(until, F_OK)) {
		double t_req = now_ms();
		enum outcome o = get_once(&a, body, bytes, timeout_ms, buf, cap, &why);
		double t = now_ms();

		if (o == GOOD) {
			good++;
			lat_sum += t - t_req;
			if (t - t_req > lat_max)
				lat_max = t - t_req;
			if (t - t_good > gap)
				gap = t - t_good;
			t_good = t;
			if (interval_ms)
				usleep(interval_ms * 1000);
			continue;
		}
		if (o == BAD) {
			bad++;
			if (!first_bad)
				first_bad = why;
			fprintf(stderr, PROG ": BAD answer: %s\n", why);
		} else {
			failed++;
		}
		usleep(100 * 1000);
	}
	free(buf);
	secs = (now_ms() - t0) / 1e3;
	printf(PROG ": %llu good, %llu bad, %llu failed requests in %.0f s (%.1f/s, latency %.1f ms mean, %.0f ms max); longest time without a good answer %.0f ms\n",
	       good, bad, failed, secs, secs > 0 ? good / secs : 0,
	       good ? lat_sum / good : 0, lat_max, gap);
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			fprintf(stderr, PROG ": %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(f, "{\"good\":%llu,\"bad\":%llu,\"failed\":%llu,\"max_gap_ms\":%.0f,\"first_bad\":\"%s\","
			"\"seconds\":%.1f,\"latency_ms_mean\":%.2f,\"latency_ms_max\":%.1f}\n",
			good, bad, failed, gap, first_bad ? first_bad : "", secs,
			good ? lat_sum / good : 0, lat_max);
		fclose(f);
	}
	return bad || !good ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_PORT, SMC_O_BYTES, SMC_O_SEED, SMC_O_TARGET,
		SMC_O_UNTIL_FILE, SMC_O_TIMEOUT_MS, SMC_O_JSON,
		SMC_O_INTERVAL_MS, SMC_O_HELP, 0
	};
	const char *target, *until, *json;
	uint64_t port = 0, bytes = 65536, seed = 1, timeout_ms = 2000, interval_ms = 0;
	struct smc_optvals ov;
	char err[160];
	uint8_t *body;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return smc_usage_exit('h', usage);
	if (argc < 2 || (strcmp(argv[1], "serve") && strcmp(argv[1], "get")))
		return smc_usage_error(PROG, "the first argument is serve or get", usage);
	/* The subcommand is the options' argv[0]. */
	if (smc_optvals(argc - 1, argv + 1, "", ids, &ov, err, sizeof(err)))
		return smc_usage_error(PROG, err, usage);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (optind != argc - 1)
		return smc_usage_exit('?', usage);
	if (smc_optval_u64(PROG, &ov, SMC_O_PORT, 1, 65535, &port) ||
	    smc_optval_u64(PROG, &ov, SMC_O_BYTES, 1, 64u << 20, &bytes) ||
	    smc_optval_u64(PROG, &ov, SMC_O_SEED, 0, UINT32_MAX, &seed) ||
	    smc_optval_u64(PROG, &ov, SMC_O_TIMEOUT_MS, 1, 600000, &timeout_ms) ||
	    smc_optval_u64(PROG, &ov, SMC_O_INTERVAL_MS, 0, 60000, &interval_ms))
		return SMC_EXIT_USAGE;
	target = ov.val[SMC_O_TARGET];
	until = ov.val[SMC_O_UNTIL_FILE];
	json = ov.val[SMC_O_JSON];
	body = malloc(bytes);
	if (!body)
		return 1;
	body_fill(body, bytes, (uint32_t)seed);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "serve")) {
		if (!port) {
			usage(stderr);
			free(body);
			return 2;
		}
		rc = serve((unsigned int)port, body, bytes);
	} else {
		if (!target || !until) {
			usage(stderr);
			free(body);
			return 2;
		}
		rc = get(target, until, json, body, bytes, (int)timeout_ms,
			 (unsigned int)interval_ms);
	}
	free(body);
	return rc;
}
