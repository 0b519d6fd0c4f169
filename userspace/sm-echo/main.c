// SPDX-License-Identifier: GPL-2.0
/*
 * sm-echo: guest-side echo service for downtime measurement.
 *
 *   sm-echo [--port N]          (default 7777)
 *
 * On 0.0.0.0:N it echoes every UDP datagram back to its sender unchanged
 * (from the address it was sent to), and echoes every byte received on each
 * accepted TCP connection back on that connection.  One process, one poll()
 * loop; errors on a single packet or connection never stop the service.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "options.h"

#define DEFAULT_PORT	7777
#define MAX_CONNS	64
#define CONN_BUF	(64 * 1024)
#define UDP_BATCH	64	/* datagrams per wake-up before polling again */

struct conn {
	int fd;
	size_t len, off;	/* pending echo data buf[off..len) */
	unsigned char buf[CONN_BUF];
};

static struct conn conns[MAX_CONNS];
static unsigned char dgram[65536];

static void usage(FILE *f)
{
	fprintf(f, "usage: sm-echo [--port N]   (default %d; UDP and TCP echo on 0.0.0.0)\n",
		DEFAULT_PORT);
}

/* A socket of type (SOCK_DGRAM or SOCK_STREAM) bound to port on every
 * address, or -1 said on stderr. */
static int open_bound(int type, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *what = type == SOCK_DGRAM ? "udp" : "tcp";
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sm-echo: %s socket: %s\n", what, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sm-echo: bind %s port %d: %s\n", what, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int open_udp(int port)
{
	int fd = open_bound(SOCK_DGRAM, port), one = 1, sz = 1 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Learn each datagram's destination so the answer comes from it. */
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	return fd;
}

static int open_tcp(int port)
{
	int fd = open_bound(SOCK_STREAM, port);

	if (fd < 0)
		return -1;
	if (listen(fd, 16) < 0) {
		perror("sm-echo: listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* Echo up to UDP_BATCH pending datagrams. */
static void serve_udp(int fd)
{
	int i;

	for (i = 0; i < UDP_BATCH; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} ctl, out;
		struct sockaddr_in peer;
		struct iovec iov = { .iov_base = dgram, .iov_len = sizeof(dgram) };
		struct msghdr mh = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct in_pktinfo *dst = NULL;
		struct cmsghdr *c;
		ssize_t n;

		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN: drained.  Others (e.g. a queued ICMP error): retry later. */
			return;
		}
		if (mh.msg_namelen < sizeof(peer) || peer.sin_family != AF_INET)
			continue;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				dst = (struct in_pktinfo *)CMSG_DATA(c);

		iov.iov_len = (size_t)n;
		mh.msg_namelen = sizeof(peer);
		mh.msg_flags = 0;
		if (dst) {
			struct in_pktinfo pi;

			memset(&out, 0, sizeof(out));
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = dst->ipi_addr;
			mh.msg_control = out.buf;
			mh.msg_controllen = sizeof(out.buf);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		}
		while (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EINTR)
				continue;
			/* A destination we cannot answer from: try the default. */
			if (errno == EINVAL && mh.msg_control) {
				mh.msg_control = NULL;
				mh.msg_controllen = 0;
				continue;
			}
			break;	/* dropped answer; the prober counts it lost */
		}
	}
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = c->off = 0;
}

static void serve_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i, one = 1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;	/* EAGAIN, or out of fds: try again on the next wake-up */
		}
		for (i = 0; i < MAX_CONNS && conns[i].fd >= 0; i++)
			;
		if (i == MAX_CONNS) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conns[i].fd = fd;
		conns[i].len = conns[i].off = 0;
	}
}

/* Send pending data; returns -1 if the connection is gone. */
static int conn_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return 0;
}

static void serve_conn(struct conn *c, short revents)
{
	if (revents & POLLNVAL) {
		c->fd = -1;
		c->len = c->off = 0;
		return;
	}
	if (c->len && conn_flush(c) < 0) {
		conn_close(c);
		return;
	}
	/* Read only when the previous data went out: back-pressure to the peer. */
	while (!c->len && (revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);

		if (n == 0) {
			conn_close(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c);
			return;
		}
		c->len = (size_t)n;
		c->off = 0;
		if (conn_flush(c) < 0) {
			conn_close(c);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	static const int ids[] = { SMC_O_PORT, SMC_O_HELP, 0 };
	struct pollfd pfd[2 + MAX_CONNS];
	int map[2 + MAX_CONNS];
	uint64_t port = DEFAULT_PORT;
	struct smc_optvals ov;
	char err[160];
	int ufd, lfd, i;

	if (smc_optvals(argc, argv, "p:h", ids, &ov, err, sizeof(err)))
		return smc_usage_error("sm-echo", err, usage);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (smc_optval_u64("sm-echo", &ov, SMC_O_PORT, 1, 65535, &port))
		return SMC_EXIT_USAGE;
	if (optind < argc)
		return smc_usage_error("sm-echo", "takes options only", usage);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;

	ufd = open_udp((int)port);
	if (ufd < 0)
		return 1;
	lfd = open_tcp((int)port);
	if (lfd < 0)
		return 1;
	fprintf(stderr, "sm-echo: echoing on udp and tcp port %d\n", (int)port);

	for (;;) {
		nfds_t n = 2;

		pfd[0] = (struct pollfd){ .fd = ufd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 0; i < MAX_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			pfd[n].fd = conns[i].fd;
			pfd[n].events = conns[i].len ? POLLOUT : POLLIN;
			pfd[n].revents = 0;
			map[n++] = i;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOMEM)
				continue;
			perror("sm-echo: poll");
			return 1;
		}
		if (pfd[0].revents)
			serve_udp(ufd);
		if (pfd[1].revents)
			serve_accept(lfd);
		for (nfds_t k = 2; k < n; k++)
			if (pfd[k].revents)
				serve_conn(&conns[map[k]], pfd[k].revents);
	}
}
