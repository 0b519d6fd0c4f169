// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload pipes: checksummed messages echoed through pipes, unix
 * stream and datagram sockets between child processes.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

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
		while (n < 0 && errno == EINTR && !smwl_stop);
		if (n < 0)
			return smwl_stop ? 0 : -1;
		if (n == 0)
			return 0;
		*len = (size_t)n;
		return 1;
	}
	r = smwl_read_full(fd, buf, SMWL_MSG_HDR);
	if (r <= 0)
		return smwl_stop ? 0 : r;
	if (smwl_msg_peek(buf, SMWL_MSG_HDR, &m, &total) != SMWL_MSG_OK || total > cap) {
		*len = SMWL_MSG_HDR;	/* let the caller report it */
		return 1;
	}
	r = smwl_read_full(fd, buf + SMWL_MSG_HDR, total - SMWL_MSG_HDR);
	if (r <= 0)
		return smwl_stop ? 0 : -1;
	*len = total;
	return 1;
}

static int msg_write(int fd, const uint8_t *buf, size_t len)
{
	if (smwl_write_all(fd, buf, len))
		return smwl_stop ? 0 : -1;
	return 1;
}

static int check_msg(const char *who, const uint8_t *buf, size_t len,
		     uint32_t stream, uint64_t seq)
{
	struct smwl_msg m = { 0 };
	enum smwl_msg_status st = smwl_msg_decode(buf, len, &m);

	if (st != SMWL_MSG_OK) {
		smwl_corruption("%s: message %" PRIu64 " is %s (%zu bytes)", who, seq,
			   smwl_msg_status_str(st), len);
		return -1;
	}
	if (m.stream != stream || m.seq != seq || (size_t)SMWL_MSG_HDR + m.len != len) {
		smwl_corruption("%s: got stream %" PRIu32 " seq %" PRIu64 ", expected stream %"
			   PRIu32 " seq %" PRIu64, who, m.stream, m.seq, stream, seq);
		return -1;
	}
	return 0;
}

/*
 * Read the next message and check that it is seq of stream: 1 when it is,
 * else 0 with the child's exit status in *rc (0 when stopping).
 */
static int next_msg(int rfd, int dgram, uint8_t *buf, size_t cap, size_t *len,
		    uint32_t stream, uint64_t seq, const char *who, int *rc)
{
	int r = msg_read(rfd, dgram, buf, cap, len);

	*rc = EXIT_ERR;
	if (r < 0) {
		smwl_say("%s: read: %s", who, strerror(errno));
		return 0;
	}
	if (r == 0) {
		if (smwl_stop)
			*rc = 0;
		else
			smwl_say("%s: peer closed", who);
		return 0;
	}
	if (check_msg(who, buf, *len, stream, seq)) {
		*rc = EXIT_CORRUPT;
		return 0;
	}
	return 1;
}

/* Child: send messages, read their echoes back, keep PIPE_WINDOW in flight. */
static int pipe_sender(int wfd, int rfd, int dgram, uint32_t stream, struct chan_stat *st,
		       const char *who)
{
	static uint8_t out[SMWL_MSG_HDR + PIPE_MAXPAY], in[SMWL_MSG_HDR + PIPE_MAXPAY];
	uint64_t sent = 0, acked = 0;

	while (!smwl_stop) {
		size_t len;
		int r;

		if (sent - acked < PIPE_WINDOW) {
			len = smwl_msg_encode(out, sizeof(out), stream, sent,
					      (uint32_t)smwl_rng_below(&smwl_rand, PIPE_MAXPAY + 1));
			r = msg_write(wfd, out, len);
			if (r <= 0)
				return r < 0 ? EXIT_ERR : 0;
			sent++;
			continue;
		}
		if (!next_msg(rfd, dgram, in, sizeof(in), &len, stream, acked, who, &r))
			return r;
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

	while (!smwl_stop) {
		size_t len;
		int r;

		if (!next_msg(rfd, dgram, in, sizeof(in), &len, stream, seq, who, &r))
			return r;
		seq++;
		__atomic_store_n(&st->msgs, seq, __ATOMIC_RELAXED);
		r = msg_write(wfd, in, len);
		if (r <= 0)
			return r < 0 && !smwl_stop ? EXIT_ERR : 0;
	}
	return 0;
}

static void child_setup(uint64_t salt)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	smwl_rng_seed(&smwl_rand, smwl_rand.s ^ smwl_mix64(salt + (uint64_t)getpid()));
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
	uint64_t kill_at = smwl_now_ns() + 3000000000ull;
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
			if (smwl_now_ns() > kill_at) {
				for (int i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
				kill_at = UINT64_MAX;
			}
			smwl_sleep_ns(10000000);
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

int smwl_run_pipes(void)
{
	pid_t pids[PIPE_KINDS * PIPE_PAIRS * 2] = { 0 };
	uint64_t msgs, echoes, bytes, kinds[PIPE_KINDS];
	int np = 0, rc = 0, worst;

	g_chan = smwl_map_anon(sizeof(struct chan_stat) * PIPE_KINDS * PIPE_PAIRS, 1);
	if (!g_chan) {
		smwl_say("mmap: %s", strerror(errno));
		return smwl_finish(1);
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
		smwl_say("setting up channels: %s", strerror(errno));
	while (!rc && !smwl_stopping()) {
		int status;
		pid_t p;

		smwl_sleep_ns(100000000);
		p = waitpid(-1, &status, WNOHANG);
		if (p > 0) {
			/* Nobody should leave before being told to. */
			for (int i = 0; i < np; i++)
				if (pids[i] == p)
					pids[i] = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CORRUPT) {
				smwl_corrupt = 1;
			} else {
				smwl_say("child %d ended early (status 0x%x)", (int)p, status);
				rc = 1;
			}
			break;
		}
		if (smwl_report_due()) {
			pipes_totals(&msgs, &echoes, &bytes, kinds);
			smwl_say("t=%.1fs msgs=%" PRIu64 " echoes=%" PRIu64 " MiB=%.1f pipe=%"
			    PRIu64 " stream=%" PRIu64 " dgram=%" PRIu64, smwl_elapsed_s(), msgs,
			    echoes, (double)bytes / MIB, kinds[0], kinds[1], kinds[2]);
		}
	}
	worst = reap_children(pids, np);
	if (worst == EXIT_CORRUPT)
		smwl_corrupt = 1;
	else if (worst)
		rc = 1;
	pipes_totals(&msgs, &echoes, &bytes, kinds);
	smwl_say("done t=%.1fs msgs=%" PRIu64 " echoes=%" PRIu64 " MiB=%.1f pipe=%" PRIu64
	    " stream=%" PRIu64 " dgram=%" PRIu64 " result=%s", smwl_elapsed_s(), msgs, echoes,
	    (double)bytes / MIB, kinds[0], kinds[1], kinds[2], smwl_result_str(rc));
	return smwl_finish(rc);
}
