/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the classifier's files (classify.c, feed.c, crash.c, logdir.c)
 * share, and nothing else includes: their bounds, a line of a log, and the
 * functions one of them offers the others.
 */
#ifndef SELFMIG_CLASSIFY_INT_H
#define SELFMIG_CLASSIFY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"

#define SCL_COMM_LEN	15	/* the kernel's TASK_COMM_LEN - 1 */
#define SCL_NAME_MAX	64
#define SCL_LINE_MAX	8192	/* longer lines are looked at in windows */
#define SCL_OVERLAP	256	/* ... that overlap by this much */
#define SCL_QUOTE_MAX	160	/* characters of a log line quoted in a verdict */
#define SCL_CONTEXT	3	/* lines before an abort searched for a program */

/* A line of a log, not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* feed.c: small text helpers */

bool scl_is_digit(char c);
bool scl_is_name_char(char c);

/* feed.c: the state */

/* Forbid a retry: "WHAT: WHERE: LINE", unless something as telling is known. */
void scl_block(struct scl_state *st, enum scl_block kind, const char *what,
	   const char *where, const char *line);
/* The same, with WHAT naming its pattern or program. */
void scl_block_on(struct scl_state *st, enum scl_block kind, const char *what,
	      const char *name, const char *where, const char *line);
/* A documented crash outside the project: a retry, unless a finding forbids it. */
void scl_documented(struct scl_state *st, const struct scl_signature *sig,
		const char *where, const char *line);

/* crash.c */

/* A line of dom0's kernel log, or of a guest's, or a copy elsewhere. */
void scl_check_kfault(struct scl_state *st, enum scl_source src,
		  const char *where, const char *line);
/* glibc's aborts and the loader's failures; CTX: the lines before. */
void scl_check_abort(struct scl_state *st, enum scl_source src, const char *where,
		 const char *line, const struct span *ctx, int nctx);

#endif /* SELFMIG_CLASSIFY_INT_H */
