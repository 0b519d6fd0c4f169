// SPDX-License-Identifier: GPL-2.0
/* The guest's connection: a reset unless the hook gives its word (conn.h). */
#include "conn.h"

#include <sys/socket.h>
#include <unistd.h>

int hk_conn_arm(int fd)
{
	struct linger lg = { 1, 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

int hk_conn_tell(int fd)
{
	struct linger lg = { 0, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		return -1;
	close(fd);
	return 0;
}

void hk_conn_reset(int fd)
{
	hk_conn_arm(fd);
	close(fd);
}
