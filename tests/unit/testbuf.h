/* SPDX-License-Identifier: GPL-2.0 */
/* A growable byte buffer for unit tests that assemble streams. */
#ifndef SELFMIG_TESTBUF_H
#define SELFMIG_TESTBUF_H

#include <stdlib.h>
#include <string.h>

#include "compat.h"

struct buf {
	u8 *p;
	size_t len, cap;
};

static inline void buf_put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

#endif /* SELFMIG_TESTBUF_H */
