/* SPDX-License-Identifier: GPL-2.0 */
/* The receiver's sockets: an address split, a listener and its one connection. */
#ifndef SELFMIG_RECEIVE_NET_H
#define SELFMIG_RECEIVE_NET_H

#include <stddef.h>

/* Split "ADDR:PORT" or "[ADDR]:PORT"; 0 or -EINVAL. */
int smr_split_hostport(const char *spec, char *host, size_t hostlen,
		       char *port, size_t portlen);
/*
 * Listen on the numeric address spec.  desc receives the bound address
 * (with the real port when spec asks for port 0).  Returns the socket, or -1
 * with a message in err.
 */
int smr_listen(const char *spec, char *desc, size_t desclen, char *err,
	       size_t errlen);
/* Accept one connection; peer receives its address.  -1 on error. */
int smr_accept(int lfd, char *peer, size_t peerlen);

#endif /* SELFMIG_RECEIVE_NET_H */
