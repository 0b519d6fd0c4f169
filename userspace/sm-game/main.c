// SPDX-License-Identifier: GPL-2.0
/*
 * sm-game: the soft real-time workload of the bench, a game server that
 * sends each player an update every tick, and the players that time them.
 *
 *   sm-game serve --port N [--interval-ms N] [--bytes N]
 *       In the guest: a UDP server.  A client joins by sending a join
 *       datagram and stays joined while it repeats it (every second); one
 *       silent for 10 s is dropped.  Every --interval-ms (33) it sends each
 *       joined client an update with --bytes (200) of payload.  At most 16
 *       clients.
 *
 *   sm-game play --target IP:PORT --until-file F [--interval-ms N]
 *                [--id N] [--json FILE]
 *       In dom0: join, then count updates until F exists.  Reports the
 *       updates, those lost, reordered or bad, the gaps over two ticks
 *       ("late"), and the longest time between two updates: what a player
 *       sees as a freeze.  --interval-ms is the server's tick (33).
 *
 * The datagrams are specified in game.h and docs/bench.md.
 * Exit status: 0 done (play: some updates and no bad one), 1 error, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "game.h"
#include "options.h"

#define PROG		"sm-game"
#define MAX_CLIENTS	16
#define JOIN_EVERY_NS	1000000000ull
#define DROP_AFTER_NS	10000000000ull

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " serve --port N [--interval-ms N] [--bytes N]\n"
		"       " PROG " play --target IP:PORT --until-file F [--interval-ms N]\n"
		"                    [--id N] [--json FILE]\n"
		"--interval-ms: the server's tick, 33 (25-50 for a game); --bytes: an\n"
		"update's payload, 200 (at most %d).  Exit: 0 ok, 1 error, 2 usage.\n",
		SMGM_MAX_PAYLOAD);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

struct player {
	struct sockaddr_in addr;
	uint32_t id;
	uint64_t seq;
	uint64_t heard_ns;
	int used;
};

static struct player *find_player(struct player *p, const struct sockaddr_in *a,
				  uint32_t id)
{
	struct player *free_slot = NULL;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (!p[i].used) {
			free_slot = free_slot ? free_slot : &p[i];
			continue;
		}
		if (p[i].id == id && p[i].addr.sin_addr.s_addr == a->sin_addr.s_addr &&
		    p[i].addr.sin_port == a->sin_port)
			return &p[i];
	}
	if (free_slot) {
		*free_slot = (struct player){ .addr = *a, .id = id, .used = 1 };
		printf(PROG ": client %u joined from %s:%u\n", id,
		       inet_ntoa(a->sin_addr), ntohs(a->sin_port));
		fflush(stdout);
	}
	return free_slot;
}

static int serve(unsigned int port, uint64_t tick_ns, uint16_t bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct player players[MAX_CLIENTS] = { 0 };
	uint8_t buf[SMGM_MAX_DGRAM];
	uint64_t next = now_ns() + tick_ns;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, PROG ": port %u: %s\n", port, strerror(errno));
		return 1;
	}
	printf(PROG ": serving on UDP port %u, a tick every %.1f ms, %u bytes an update\n",
	       port, tick_ns / 1e6, bytes);
	fflush(stdout);
	for (;;) {
		uint64_t t = now_ns();
		struct pollfd pf = { s, POLLIN, 0 };
		int wait_ms = t >= next ? 0 : (int)((next - t) / 1000000) + 1;

		if (poll(&pf, 1, wait_ms) > 0) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			struct smgm_msg m;
			struct player *p;

			if (n > 0 && smgm_decode(buf, (size_t)n, &m) == SMGM_OK &&
			    m.magic == SMGM_MAGIC_JOIN && (p = find_player(players, &from, m.client)))
				p->heard_ns = now_ns();
		}
		t = now_ns();
		if (t < next)
			continue;
		/* One tick; after a long stall (the guest was stopped) no catch-up burst. */
		next = t - next > tick_ns ? t + tick_ns : next + tick_ns;
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct player *p = &players[i];
			struct smgm_msg m = { .magic = SMGM_MAGIC_UPDATE, .client = p->id,
					     .sent_ns = t, .length = bytes };
			size_t len;

			if (!p->used)
				continue;
			if (t - p->heard_ns > DROP_AFTER_NS) {
				printf(PROG ": client %u silent for 10 s, dropped after %llu updates\n",
				       p->id, (unsigned long long)p->seq);
				fflush(stdout);
				p->used = 0;
				continue;
			}
			m.seq = ++p->seq;
			len = smgm_encode(&m, buf, sizeof(buf));
			/* A full socket buffer or an unreachable client loses this update only. */
			(void)sendto(s, buf, len, 0, (struct sockaddr *)&p->addr, sizeof(p->addr));
		}
	}
}

static int parse_target(const char *target, struct sockaddr_in *a)
{
	uint16_t port;

	if (smc_parse_ipv4_port(target, &a->sin_addr.s_addr, &port))
		return -1;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	return 0;
}

static int play(const char *target, const char *until, const char *json,
		uint64_t tick_ns, uint32_t id)
{
	struct sockaddr_in a = { 0 };
	struct smgm_msg join = { .magic = SMGM_MAGIC_JOIN, .client = id };
	struct smgm_client c;
	uint8_t jbuf[SMGM_HDR_LEN], buf[SMGM_MAX_DGRAM + 1];
	uint64_t t, joined = 0;
	char out[512];
	int s;

	if (parse_target(target, &a)) {
		fprintf(stderr, PROG ": --target takes IP:PORT\n");
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		return 1;
	}
	smgm_client_init(&c, id, tick_ns, now_ns());
	while (access(until, F_OK)) {
		struct pollfd pf = { s, POLLIN, 0 };

		t = now_ns();
		if (!joined || t - joined >= JOIN_EVERY_NS) {
			join.sent_ns = t;
			/* Unreachable while the guest is away: the next join tries again. */
			(void)sendto(s, jbuf, smgm_encode(&join, jbuf, sizeof(jbuf)), 0,
				     (struct sockaddr *)&a, sizeof(a));
			joined = t;
		}
		if (poll(&pf, 1, 100) > 0) {
			ssize_t n = recv(s, buf, sizeof(buf), 0);

			if (n >= 0)
				smgm_client_datagram(&c, buf, (size_t)n, now_ns());
		}
	}
	t = now_ns();
	smgm_client_end(&c, t);
	smgm_client_json(&c, t, out, sizeof(out));
	printf(PROG ": %s\n", out);
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f || fprintf(f, "%s\n", out) < 0 || fclose(f)) {
			fprintf(stderr, PROG ": %s: %s\n", json, strerror(errno));
			return 1;
		}
	}
	close(s);
	if (c.bad)
		fprintf(stderr, PROG ": %llu bad datagrams\n", (unsigned long long)c.bad);
	return c.bad || !c.updates ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_PORT, SMC_O_BYTES, SMC_O_TARGET, SMC_O_UNTIL_FILE,
		SMC_O_JSON, SMC_O_INTERVAL_MS, SMC_O_ID, SMC_O_HELP, 0
	};
	uint64_t port = 0, bytes = 200, interval_ms = 33, id = 1;
	struct smc_optvals ov;
	char err[160];

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return smc_usage_exit('h', usage);
	if (argc < 2 || (strcmp(argv[1], "serve") && strcmp(argv[1], "play")))
		return smc_usage_error(PROG, "the first argument is serve or play", usage);
	/* The subcommand is the options' argv[0]. */
	if (smc_optvals(argc - 1, argv + 1, "", ids, &ov, err, sizeof(err)))
		return smc_usage_error(PROG, err, usage);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (optind != argc - 1)
		return smc_usage_exit('?', usage);
	if (smc_optval_u64(PROG, &ov, SMC_O_PORT, 1, 65535, &port) ||
	    smc_optval_u64(PROG, &ov, SMC_O_BYTES, 0, SMGM_MAX_PAYLOAD, &bytes) ||
	    smc_optval_u64(PROG, &ov, SMC_O_INTERVAL_MS, 1, 10000, &interval_ms) ||
	    smc_optval_u64(PROG, &ov, SMC_O_ID, 0, UINT32_MAX, &id))
		return SMC_EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "serve")) {
		if (!port)
			return smc_usage_error(PROG, "serve needs --port", usage);
		return serve((unsigned int)port, interval_ms * 1000000ull, (uint16_t)bytes);
	}
	if (!ov.val[SMC_O_TARGET] || !ov.val[SMC_O_UNTIL_FILE])
		return smc_usage_error(PROG, "play needs --target and --until-file", usage);
	return play(ov.val[SMC_O_TARGET], ov.val[SMC_O_UNTIL_FILE], ov.val[SMC_O_JSON],
		    interval_ms * 1000000ull, (uint32_t)id);
}
