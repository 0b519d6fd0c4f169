// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload netrecv: the receiving end of netsend, over UDP and
 * TCP, every message's checksum, pattern and sequence checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "run.h"

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

	while (!smwl_corrupt) {
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
			smwl_corruption("tcp stream byte %" PRIu64 "+%zu: message %" PRIu64 " is %s",
				   ns->tcp_bytes, off, c->seq, smwl_msg_status_str(st));
			return;
		}
		if (!c->have_stream) {
			c->stream = m.stream;
			c->have_stream = 1;
		}
		if (m.stream != c->stream || m.seq != c->seq) {
			smwl_corruption("tcp: got stream %" PRIu32 " seq %" PRIu64
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
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(smwl_opt.port),
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
	for (int b = 0; b < 64 && !smwl_corrupt; b++) {
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
			smwl_corruption("udp datagram of %zd bytes is %s", n,
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

int smwl_run_netrecv(void)
{
	static struct tconn conns[NET_CONNS];
	static uint8_t dgram[SMWL_MSG_HDR + SMWL_MSG_MAXPAY];
	struct netstat ns = { 0 };
	uint64_t udp_expect = 0, last_bytes = 0, last_t = smwl_now_ns();
	uint32_t udp_run = 0;
	int udp, tcp, rc = 0;

	for (int i = 0; i < NET_CONNS; i++)
		conns[i].fd = -1;
	if (open_listeners(&udp, &tcp)) {
		smwl_say("listen on port %u: %s", smwl_opt.port, strerror(errno));
		return smwl_finish(1);
	}
	while (!smwl_stopping() && !smwl_corrupt) {
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
			smwl_say("poll: %s", strerror(errno));
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
		for (int j = 2; j < np && !smwl_corrupt; j++) {
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
		if (smwl_report_due()) {
			uint64_t t = smwl_now_ns(), b = ns.udp_bytes + ns.tcp_bytes;

			smwl_say("t=%.1fs udp_msgs=%" PRIu64 " udp_lost=%" PRIu64 " udp_late=%" PRIu64
			    " tcp_msgs=%" PRIu64 " tcp_conns=%" PRIu64 " MiB=%.1f MiB_s=%.1f",
			    smwl_elapsed_s(), ns.udp_msgs, ns.udp_lost, ns.udp_late, ns.tcp_msgs,
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
	smwl_say("done t=%.1fs udp_msgs=%" PRIu64 " udp_lost=%" PRIu64 " udp_late=%" PRIu64
	    " udp_foreign=%" PRIu64 " tcp_msgs=%" PRIu64 " tcp_conns=%" PRIu64
	    " tcp_cut=%" PRIu64 " MiB=%.1f result=%s", smwl_elapsed_s(), ns.udp_msgs, ns.udp_lost,
	    ns.udp_late, ns.udp_foreign, ns.tcp_msgs, ns.tcp_conns, ns.tcp_cut,
	    (double)(ns.udp_bytes + ns.tcp_bytes) / MIB, smwl_result_str(rc));
	return smwl_finish(rc);
}
