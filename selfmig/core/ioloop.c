// SPDX-License-Identifier: GPL-2.0
/*
 * A blocking socket operation within a deadline (ioloop.h).
 */
#include "ioloop.h"

int smio_run(const struct smio_ops *ops, void *ctx, u64 timeout_ns)
{
	u64 start = ops->now_ns(ctx), now;
	int ret;

	for (;;) {
		if (ops->cancelled(ctx))
			return -ECANCELED;
		ret = ops->step(ctx);
		if (ret > 0)
			return 0;
		if (ret < 0 && ret != -EAGAIN && ret != -EINTR)
			return ret;
		now = ops->now_ns(ctx);
		if (now >= start && now - start >= timeout_ns)
			return -ETIMEDOUT;
	}
}
