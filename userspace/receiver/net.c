// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: the listening socket.
 *
 * The address is always explicit (ADDR:PORT, with [ADDR]:PORT for IPv6);
 * the receiver never binds to a wildcard address it was not given.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

int smr_split_hostport(const char *spec, char *host, size_t hostlen,
		       char *port, size_t portlen)
{
	const char *colon, *h = spec, *hend;

	if (spec[0] == '[') {
		hend = strchr(spec, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		h = spec + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || strchr(spec, ':') != colon)
			return -EINVAL;
		hend = colon;
	}
	if (hend == h || colon[1] == '\0')
		return -EINVAL;
	if ((size_t)(hend - h) >= hostlen || strlen(colon + 1) >= portlen)
		return -EINVAL;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static void smr_describe(const struct sockaddr *sa, socklen_t len,
			 char *buf, size_t buflen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, buflen, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, buflen, "[%s]:%s", host, serv);
	else
		snprintf(buf, buflen, "%s:%s", host, serv);
}

int smr_listen(const char *spec, char *desc, size_t desclen, char *err,
	       size_t errlen)
{
	char host[256], port[32];
	struct addrinfo hints, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1, rc;

	if (smr_split_hostport(spec, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "bad address '%s' (want ADDR:PORT or [ADDR]:PORT)",
			 spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "bad address '%s': %s", spec,
			 gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		snprintf(err, errlen, "listen on %s: %s", spec, strerror(errno));
		freeaddrinfo(ai);
		close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		smr_describe((struct sockaddr *)&ss, sl, desc, desclen);
	else
		snprintf(desc, desclen, "%s", spec);
	return fd;
}

int smr_accept(int lfd, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	for (;;) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != EINTR && errno != ECONNABORTED)
			return -1;
	}
	smr_describe((struct sockaddr *)&ss, sl, peer, peerlen);
	return fd;
}
