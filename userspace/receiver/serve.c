// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: waiting for the one connection whose stream is accepted.
 *
 * Several connections may wait for their stream header at once, so that a
 * peer that connects and says nothing holds no one else up: each has the
 * read deadline (io_timeout_ms) from its connection to send a whole stream
 * header (and its tag) that the configuration accepts.  Until then a
 * connection costs a few hundred bytes: its header is checked by a decoder
 * of its own that never reaches a payload, so the decoders share one
 * payload buffer that none of them writes.  The first connection whose
 * header is accepted gets a full receiver; the others are closed.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "receiver.h"

/* The stream header and its tag, and a few bytes of what follows. */
#define SMR_PROBE_LEN	(SMW_STREAM_HDR_LEN + SMW_TAG_LEN + 32)

struct smr_pending {
	int fd;
	double deadline;
	struct smw_decoder dec;
	u8 got[SMR_PROBE_LEN];
	size_t have;
	char peer[128];
};

static double smr_serve_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void smr_say(const struct smr_serve_opts *o, const char *fmt,
		    const char *peer, const char *why)
{
	if (!o->log)
		return;
	fprintf(o->log, fmt, peer, why);
	fflush(o->log);
}

static void smr_drop(struct smr_pending *p, unsigned int *n, unsigned int i)
{
	close(p[i].fd);
	p[i] = p[*n - 1];
	(*n)--;
}

/*
 * Read what connection p has sent and check it; 1 when its header is
 * accepted, 0 for more, -1 (why set) when it is refused or gone.
 */
static int smr_probe(struct smr_pending *p, const struct smr_config *cfg,
		     char *why, size_t whylen)
{
	struct smw_record rec;
	size_t used;
	ssize_t n;
	int ret;

	n = read(p->fd, p->got + p->have, sizeof(p->got) - p->have);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0) {
		snprintf(why, whylen, "read: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		snprintf(why, whylen, "closed before its stream header was complete (%zu bytes)",
			 p->have);
		return -1;
	}
	ret = smw_dec_feed(&p->dec, p->got + p->have, (size_t)n, &used, &rec);
	p->have += (size_t)n;
	if (ret < 0) {
		snprintf(why, whylen, "%s (%s) at stream header", smw_strerror(ret),
			 smw_errname(ret));
		return -1;
	}
	if (ret != SMW_DEC_HEADER) {
		if (p->have == sizeof(p->got)) {
			snprintf(why, whylen, "no stream header in its first %zu bytes",
				 p->have);
			return -1;
		}
		return 0;
	}
	ret = smr_check_page_count(cfg, p->dec.info.page_count, why, whylen);
	return ret ? -1 : 1;
}

int smr_accept_stream(int lfd, const struct smr_config *cfg,
		      const struct smr_serve_opts *o, struct smr_receiver *r,
		      char *peer, size_t peerlen, char *err, size_t errlen)
{
	struct smr_pending *p = calloc(SMR_MAX_PENDING, sizeof(*p));
	struct pollfd pfd[SMR_MAX_PENDING + 1];
	double timeout = (cfg->io_timeout_ms ? cfg->io_timeout_ms :
			  SMR_DEF_IO_TIMEOUT_MS) / 1000.0;
	double give_up = o->wait_ms ? smr_serve_now() + o->wait_ms / 1000.0 : 0;
	u8 *shared = malloc(SMW_MAX_PAYLOAD);
	struct smr_aead aead;
	unsigned int n = 0, i;
	char why[200], addr[sizeof(p->peer)];
	int ret = -1, fd;

	memset(&aead, 0, sizeof(aead));
	if (!p || !shared) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/*
	 * One opener checks the headers of every waiting connection, one
	 * header at a time: each derives its stream's key as it is checked.
	 */
	if (cfg->key)
		smr_aead_init(&aead, cfg->key);
	for (;;) {
		double now = smr_serve_now(), next = give_up;
		int wait_ms, pr;

		/* Connections past their deadline are dropped. */
		for (i = 0; i < n;) {
			if (now < p[i].deadline) {
				if (!next || p[i].deadline < next)
					next = p[i].deadline;
				i++;
				continue;
			}
			snprintf(why, sizeof(why),
				 "no complete stream header within %.1f s (--io-timeout)",
				 timeout);
			smr_say(o, "connection from %s dropped: %s\n", p[i].peer, why);
			smr_drop(p, &n, i);
		}
		if (give_up && now >= give_up) {
			snprintf(err, errlen, "no stream was accepted within %.0f s",
				 o->wait_ms / 1000.0);
			goto out;
		}
		wait_ms = next ? (int)((next - now) * 1000.0) + 1 : 1000;
		if (wait_ms > 1000)
			wait_ms = 1000;
		pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
		for (i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ p[i].fd, POLLIN, 0 };
		pr = poll(pfd, n + 1, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
		/* The waiting connections first, from the last (drops move it). */
		for (i = n; i-- > 0;) {
			int got;

			if (!pfd[i + 1].revents)
				continue;
			got = smr_probe(&p[i], cfg, why, sizeof(why));
			if (got < 0) {
				smr_say(o, "connection from %s refused: %s\n", p[i].peer, why);
				smr_drop(p, &n, i);
				continue;
			}
			if (!got)
				continue;
			/*
			 * Accepted: a full receiver takes it from here, from
			 * the same bytes.  Its outcome is final: an error
			 * from now on is the receiver's (r->err).
			 */
			fd = p[i].fd;
			snprintf(peer, peerlen, "%s", p[i].peer);
			if (!smr_init(r, cfg))
				smr_feed(r, p[i].got, p[i].have);
			p[i] = p[n - 1];
			n--;
			ret = fd;
			goto out;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = smr_accept(lfd, addr, sizeof(addr));
		if (fd < 0) {
			snprintf(err, errlen, "accept: %s", strerror(errno));
			goto out;
		}
		if (n == SMR_MAX_PENDING) {
			/* Full: the oldest has had the longest to speak. */
			unsigned int old = 0;

			for (i = 1; i < n; i++)
				if (p[i].deadline < p[old].deadline)
					old = i;
			smr_say(o, "connection from %s dropped: %s\n", p[old].peer,
				"too many connections waiting for a stream header");
			smr_drop(p, &n, old);
		}
		memset(&p[n], 0, sizeof(p[n]));
		p[n].fd = fd;
		p[n].deadline = smr_serve_now() + timeout;
		memcpy(p[n].peer, addr, sizeof(addr));
		smw_dec_init(&p[n].dec, shared, SMW_MAX_PAYLOAD, cfg->id);
		if (cfg->key)
			smw_dec_set_aead(&p[n].dec, &aead.ops);
		smr_say(o, "connection from %s%s\n", p[n].peer, "");
		n++;
	}
out:
	for (i = 0; p && i < n; i++)
		close(p[i].fd);
	smr_aead_wipe(&aead);
	if (p)
		memset(p, 0, SMR_MAX_PENDING * sizeof(*p));
	free(p);
	free(shared);
	return ret;
}
