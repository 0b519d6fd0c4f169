// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig, the dom0 command: xenstore (libxenstore).  Creating the notice
 * keys, resolving domain names, and writing a request then waiting for its
 * acknowledgement (docs/notices.md).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "store_xen.h"

#define PATH_LEN	128
#define TX_TRIES	20		/* a transaction is retried on EAGAIN */
#define WATCH_TOKEN	"selfmig-ack"

struct smg_xs {
	struct xs_handle *h;
};

static void key_path(char *out, size_t outlen, unsigned int domid,
		     const char *rel)
{
	snprintf(out, outlen, "/local/domain/%u%s%s", domid, rel ? "/" : "",
		 rel ? rel : "");
}

struct smg_xs *smg_xs_open(char *err, size_t errlen)
{
	struct smg_xs *x = calloc(1, sizeof(*x));

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->h = xs_open(0);
	if (!x->h) {
		snprintf(err, errlen,
			 "cannot connect to xenstore: %s; run this as root in dom0, with xenstored running",
			 strerror(errno));
		free(x);
		return NULL;
	}
	return x;
}

void smg_xs_close(struct smg_xs *x)
{
	if (!x)
		return;
	xs_close(x->h);
	free(x);
}

int smg_xs_exists(struct smg_xs *x, unsigned int domid)
{
	char path[PATH_LEN];
	unsigned int len;
	char *v;

	key_path(path, sizeof(path), domid, NULL);
	v = xs_read(x->h, XBT_NULL, path, &len);
	free(v);
	return v != NULL;
}

static char *read_name(struct smg_xs *x, unsigned int domid)
{
	char path[PATH_LEN];
	unsigned int len;

	key_path(path, sizeof(path), domid, "name");
	return xs_read(x->h, XBT_NULL, path, &len);
}

int smg_xs_resolve(struct smg_xs *x, const char *spec, unsigned int *domid,
		   char *name, size_t namelen, char *err, size_t errlen)
{
	unsigned int num = 0, i, id, found = 0, nfound = 0;
	char **ents;
	char *n;
	int r;

	r = smg_parse_domid(spec, &id);
	if (r < 0) {
		snprintf(err, errlen, "domid %s is out of range; see 'xl list'", spec);
		return -1;
	}
	if (r == 1) {
		if (!smg_xs_exists(x, id)) {
			snprintf(err, errlen, "there is no domain %u; see 'xl list'", id);
			return -1;
		}
		n = read_name(x, id);
		snprintf(name, namelen, "%s", n ? n : spec);
		free(n);
		*domid = id;
		return 0;
	}
	ents = xs_directory(x->h, XBT_NULL, "/local/domain", &num);
	if (!ents) {
		snprintf(err, errlen, "cannot list /local/domain in xenstore: %s",
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < num; i++) {
		if (smg_parse_domid(ents[i], &id) != 1)
			continue;
		n = read_name(x, id);
		if (n && !strcmp(n, spec)) {
			if (!nfound++)
				found = id;
		}
		free(n);
	}
	free(ents);
	if (!nfound) {
		snprintf(err, errlen, "there is no domain named '%s'; see 'xl list'", spec);
		return -1;
	}
	if (nfound > 1) {
		snprintf(err, errlen, "%u domains are named '%s'; give the domid instead",
			 nfound, spec);
		return -1;
	}
	if (found == 0) {
		snprintf(err, errlen,
			 "'%s' is dom0, which has no selfmigd; give a guest (see 'xl list')",
			 spec);
		return -1;
	}
	snprintf(name, namelen, "%s", spec);
	*domid = found;
	return 0;
}

static int set_perms(struct smg_xs *x, xs_transaction_t t, const char *path,
		     const struct smg_perm *want, unsigned int n)
{
	struct xs_permissions p[2];
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i].id = want[i].id;
		p[i].perms = want[i].perms;
	}
	return xs_set_permissions(x->h, t, path, p, n) ? 0 : -1;
}

/*
 * Does the node exist, and are its permissions right?  1 right, 0 wrong,
 * -1 missing, -2 error (errno set).
 */
static int check_node(struct smg_xs *x, xs_transaction_t t, const char *path,
		      enum smg_key k, int dir, unsigned int domid)
{
	struct smg_perm have[8];
	struct xs_permissions *p;
	unsigned int n = 0, i;
	int ok;

	p = xs_get_permissions(x->h, t, path, &n);
	if (!p)
		return errno == ENOENT ? -1 : -2;
	if (dir) {
		/* The directory only has to exist; the keys carry the rules. */
		free(p);
		return 1;
	}
	for (i = 0; i < n && i < 8; i++) {
		have[i].id = p[i].id;
		have[i].perms = p[i].perms;
	}
	ok = n <= 8 && smg_perms_ok(k, domid, have, n);
	free(p);
	return ok;
}

/* One attempt inside transaction t.  0, or -1 with err set (errno kept). */
static int prepare_tx(struct smg_xs *x, xs_transaction_t t, unsigned int domid,
		      struct smg_prep *p, char *err, size_t errlen)
{
	struct smg_perm want[2];
	char path[PATH_LEN];
	unsigned int k, n, len;
	char *v;
	int r;

	key_path(path, sizeof(path), domid, NULL);
	v = xs_read(x->h, t, path, &len);
	if (!v) {
		if (errno == ENOENT)
			snprintf(err, errlen,
				 "domain %u is gone from xenstore; see 'xl list'", domid);
		else
			snprintf(err, errlen, "cannot read %s: %s", path,
				 strerror(errno));
		return -1;
	}
	free(v);

	key_path(path, sizeof(path), domid, SMG_DIR);
	r = check_node(x, t, path, SMG_KEY_REQUEST, 1, domid);
	if (r == -1) {
		n = smg_perms_want(SMG_KEY_REQUEST, 1, domid, want);
		if (!xs_mkdir(x->h, t, path) || set_perms(x, t, path, want, n))
			goto fail;
	} else if (r == -2) {
		goto fail;
	}

	for (k = 0; k < SMG_NKEYS; k++) {
		key_path(path, sizeof(path), domid, smg_keys[k].path);
		r = check_node(x, t, path, (enum smg_key)k, 0, domid);
		if (r == 1)
			continue;
		if (r == -2)
			goto fail;
		n = smg_perms_want((enum smg_key)k, 0, domid, want);
		if (r == -1) {
			if (!xs_write(x->h, t, path, "", 0))
				goto fail;
			p->created++;
		} else {
			p->fixed++;
		}
		p->touched |= 1U << k;
		if (set_perms(x, t, path, want, n))
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "xenstore refused %s: %s", path, strerror(errno));
	return -1;
}

int smg_xs_prepare(struct smg_xs *x, unsigned int domid, struct smg_prep *p,
		   char *err, size_t errlen)
{
	struct timespec pause = { 0, 10 * 1000000L };
	xs_transaction_t t;
	int tries;

	for (tries = 0; tries < TX_TRIES; tries++) {
		memset(p, 0, sizeof(*p));
		t = xs_transaction_start(x->h);
		if (t == XBT_NULL) {
			snprintf(err, errlen, "cannot start a xenstore transaction: %s",
				 strerror(errno));
			return -1;
		}
		if (prepare_tx(x, t, domid, p, err, errlen)) {
			xs_transaction_end(x->h, t, true);
			return -1;
		}
		if (xs_transaction_end(x->h, t, false))
			return 0;
		if (errno != EAGAIN) {
			snprintf(err, errlen, "xenstore transaction failed: %s",
				 strerror(errno));
			return -1;
		}
		nanosleep(&pause, NULL);	/* someone else wrote: again */
	}
	snprintf(err, errlen,
		 "xenstore kept conflicting with other writers (%d tries); try again",
		 TX_TRIES);
	return -1;
}

char *smg_xs_read(struct smg_xs *x, unsigned int domid, enum smg_key k,
		  size_t *len)
{
	char path[PATH_LEN];
	unsigned int n = 0;
	char *v;

	key_path(path, sizeof(path), domid, smg_keys[k].path);
	v = xs_read(x->h, XBT_NULL, path, &n);
	*len = v ? n : 0;
	return v;
}

int smg_xs_vif_bridge(struct smg_xs *x, unsigned int domid, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	char path[PATH_LEN];
	unsigned int n = 0;
	char *be, *br;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vif/0/backend", domid);
	be = xs_read(x->h, XBT_NULL, path, &n);
	if (!be) {
		snprintf(err, errlen, "domain %u has no network interface (%s: %s)",
			 domid, path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%.*s/bridge", (int)n, be);
	free(be);
	br = xs_read(x->h, XBT_NULL, path, &n);
	if (!br) {
		snprintf(err, errlen, "domain %u's first interface is on no bridge (%s: %s)",
			 domid, path, strerror(errno));
		return -1;
	}
	if (!n || n >= outlen || memchr(br, '\0', n)) {
		snprintf(err, errlen, "%s is not a bridge name", path);
		free(br);
		return -1;
	}
	memcpy(out, br, n);
	out[n] = '\0';
	free(br);
	return 0;
}

int smg_xs_next_seq(struct smg_xs *x, unsigned int domid, uint64_t min,
		    uint32_t *seq, char *err, size_t errlen)
{
	static const enum smg_key keys[] = {
		SMG_KEY_ACK, SMG_KEY_REQUEST, SMG_KEY_STATE
	};
	const unsigned int n = sizeof(keys) / sizeof(keys[0]);
	char *vals[sizeof(keys) / sizeof(keys[0])];
	size_t lens[sizeof(keys) / sizeof(keys[0])];
	unsigned int i;
	int r;

	for (i = 0; i < n; i++)
		vals[i] = smg_xs_read(x, domid, keys[i], &lens[i]);
	r = smg_next_seq((const char *const *)vals, lens, n, (uint64_t)time(NULL),
			 min, seq);
	for (i = 0; i < n; i++)
		free(vals[i]);
	if (r)
		snprintf(err, errlen,
			 "no request number is left (a seq of 2^32-1 was used); restart selfmigd in the guest, then pass --seq 1");
	return r;
}

/* Take every pending watch event; 1 if one of them was ours. */
static int drain_events(struct smg_xs *x)
{
	char **ev;
	int ours = 0;

	while ((ev = xs_check_watch(x->h)) != NULL) {
		if (!strcmp(ev[XS_WATCH_TOKEN], WATCH_TOKEN))
			ours = 1;
		free(ev);
	}
	return ours;
}

enum smg_send_result smg_xs_send(struct smg_xs *x, unsigned int domid,
				 const char *text, size_t len, int64_t want_seq,
				 long long timeout_ms,
				 volatile sig_atomic_t *stop,
				 struct smg_ack *ack, long long *ack_ms,
				 char *err, size_t errlen)
{
	char req_path[PATH_LEN], ack_path[PATH_LEN];
	enum smg_send_result res;
	size_t before_len = 0, cur_len;
	long long t0, left;
	char *before, *cur;
	bool watching;
	int event = 0, fd = -1;

	key_path(req_path, sizeof(req_path), domid, smg_keys[SMG_KEY_REQUEST].path);
	key_path(ack_path, sizeof(ack_path), domid, smg_keys[SMG_KEY_ACK].path);
	watching = timeout_ms > 0 && xs_watch(x->h, ack_path, WATCH_TOKEN);
	if (watching) {
		fd = xs_fileno(x->h);
		if (fd < 0) {
			xs_unwatch(x->h, ack_path, WATCH_TOKEN);
			watching = false;	/* polling alone still works */
		}
	}
	/*
	 * The value before the request, to tell a new ack from an old one.
	 * This read also orders us after the event xenstored fires when a
	 * watch is set, which the drain then takes away: any later event
	 * means the guest wrote the ack after our request.
	 */
	before = smg_xs_read(x, domid, SMG_KEY_ACK, &before_len);
	if (watching)
		drain_events(x);

	t0 = smg_mono_ms();
	if (!xs_write(x->h, XBT_NULL, req_path, text, (unsigned int)len)) {
		snprintf(err, errlen, "cannot write %s: %s", req_path, strerror(errno));
		res = SMG_SEND_ERROR;
		goto out;
	}
	if (timeout_ms <= 0) {
		res = SMG_SEND_WRITTEN;
		goto out;
	}
	for (;;) {
		cur = smg_xs_read(x, domid, SMG_KEY_ACK, &cur_len);
		if (smg_ack_check(cur, cur_len, before, before_len, event,
				  want_seq, ack)) {
			free(cur);
			*ack_ms = smg_mono_ms() - t0;
			res = SMG_SEND_ACKED;
			break;
		}
		free(cur);
		left = timeout_ms - (smg_mono_ms() - t0);
		if (left <= 0) {
			res = SMG_SEND_TIMEOUT;
			break;
		}
		if (stop && *stop) {
			res = SMG_SEND_INTERRUPTED;
			break;
		}
		if (left > SMG_POLL_MS)
			left = SMG_POLL_MS;
		if (watching) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (poll(&pfd, 1, (int)left) > 0 && drain_events(x))
				event = 1;
		} else {
			struct timespec ts = { 0, left * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
out:
	if (watching)
		xs_unwatch(x->h, ack_path, WATCH_TOKEN);
	free(before);
	return res;
}
