// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing /proc/PID/stat and /proc/PID/cgroup.
 */
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

int smc_stat_parse(const char *buf, size_t len, struct smc_stat *st)
{
	const char *lp, *rp, *p, *end = buf + len;
	unsigned long long v[40];
	unsigned int i;
	size_t clen;
	char *ep;

	memset(st, 0, sizeof(*st));
	lp = memchr(buf, '(', len);
	rp = NULL;
	for (p = end; p > buf; p--) {
		if (p[-1] == ')') {
			rp = p - 1;
			break;
		}
	}
	if (!lp || !rp || rp < lp)
		return -1;
	st->pid = (int)strtol(buf, &ep, 10);
	if (ep == buf || st->pid <= 0)
		return -1;
	clen = (size_t)(rp - lp - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, lp + 1, clen);
	st->comm[clen] = 0;
	p = rp + 1;
	if (end - p < 3 || p[0] != ' ')
		return -1;
	st->state = p[1];
	p += 2;
	/* Fields 4.. as numbers; v[0] is field 4 (ppid). */
	for (i = 0; i < 38; i++) {
		char num[24];
		size_t n = 0;
		int neg = 0;

		if (p >= end || *p != ' ')
			break;
		p++;
		if (p < end && *p == '-') {
			neg = 1;
			p++;
		}
		while (p < end && *p >= '0' && *p <= '9' && n < sizeof(num) - 1)
			num[n++] = *p++;
		if (!n)
			return -1;
		num[n] = 0;
		v[i] = strtoull(num, NULL, 10);
		if (neg)
			v[i] = (unsigned long long)-(long long)v[i];
	}
	/* ppid (4), flags (9), nice (19), starttime (22), policy (41) */
	if (i < 19)
		return -1;
	st->ppid = (int)v[0];
	st->flags = (unsigned long)v[5];
	st->nice = (long)(long long)v[15];
	st->start = v[18];
	st->policy = i > 37 ? (unsigned int)v[37] : 0;
	return 0;
}

int smc_cgroup_parse(const char *buf, size_t len, char *path, size_t plen)
{
	size_t pos = 0;

	while (pos < len) {
		size_t e = pos, n;

		while (e < len && buf[e] != '\n')
			e++;
		if (e - pos >= 3 && !memcmp(buf + pos, "0::", 3)) {
			n = e - pos - 3;
			if (n == 0 || n >= plen)
				return -1;
			memcpy(path, buf + pos + 3, n);
			path[n] = 0;
			return 0;
		}
		pos = e + 1;
	}
	return -1;
}
