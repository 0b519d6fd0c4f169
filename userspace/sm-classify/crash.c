// SPDX-License-Identifier: GPL-2.0
/*
 * The crash lines of a scenario's reason and logs, for the classifier
 * (classify.c has the rule): the kernel's fault lines, glibc's aborts and
 * the loader's failures, which program each names, and which documented
 * signature it matches, if any.
 */
#include <string.h>

#include "classify.h"
#include "classify_int.h"

/* glibc's heap checks (malloc/malloc.c): aborts that the table may match. */
static const char *const scl_heap_msgs[] = {
	"malloc(): ", "free(): ", "realloc(): ", "malloc_consolidate(): ",
	"munmap_chunk(): ", "double free or corruption",
	"corrupted size vs. prev_size", "corrupted double-linked list", NULL
};

/* Other glibc aborts: never the testbed's. */
static const char *const scl_fatal_msgs[] = {
	"*** stack smashing detected ***", "*** buffer overflow detected ***",
	"Assertion `", NULL
};

/* The first program of the project named as a word in S, or NULL. */
static const char *project_word(const char *s)
{
	const char *const *p;

	for (p = scl_project_programs; *p; p++) {
		size_t n = strlen(*p);
		const char *q;

		for (q = strstr(s, *p); q; q = strstr(q + 1, *p)) {
			bool l = q == s || !(scl_is_name_char(q[-1]) && q[-1] != '/');
			bool r = !scl_is_name_char(q[n]) || q[n] == '.' || q[n] == '/';

			if (l && r)
				return *p;
		}
	}
	return NULL;
}

enum kfault { KF_SEGV, KF_GP, KF_OTHER };

struct crash {
	char prog[SCL_NAME_MAX];
	enum kfault kind;
	char in[SCL_NAME_MAX];		/* the file the fault lies in, or "" */
};

static void copy_name(char *out, const char *s, size_t n)
{
	if (n >= SCL_NAME_MAX)
		n = SCL_NAME_MAX - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* After the kind: " in FILE[...]" names where the fault lies. */
static void fault_in(struct crash *c, const char *after)
{
	const char *p = strstr(after, " in "), *e;

	c->in[0] = '\0';
	if (!p)
		return;
	p += 4;
	e = strchr(p, '[');
	if (e && !memchr(p, ' ', (size_t)(e - p)))
		copy_name(c->in, p, (size_t)(e - p));
}

/* The kernel's "COMM[PID]: segfault at" or "traps: COMM[PID] KIND" line. */
static bool parse_kfault(const char *line, struct crash *c)
{
	const char *p, *b, *s;

	p = strstr(line, "]: segfault at ");
	if (p) {
		b = p - 1;
		if (!scl_is_digit(*b))
			return false;
		while (b > line && scl_is_digit(*b))
			b--;
		if (*b != '[')
			return false;
		for (s = b; s > line && s[-1] != ' ' && s[-1] != ']'; s--)
			;
		if (s == b)
			return false;
		copy_name(c->prog, s, (size_t)(b - s));
		c->kind = KF_SEGV;
		fault_in(c, p);
		return true;
	}
	p = strstr(line, "traps: ");
	if (!p)
		return false;
	s = p + 7;
	for (b = strchr(s, '['); b; b = strchr(b + 1, '[')) {
		const char *d = b + 1;

		while (scl_is_digit(*d))
			d++;
		if (d > b + 1 && d[0] == ']' && d[1] == ' ') {
			if (b == s)
				return false;
			copy_name(c->prog, s, (size_t)(b - s));
			c->kind = strncmp(d + 2, "general protection", 18) ? KF_OTHER : KF_GP;
			fault_in(c, d + 2);
			return true;
		}
	}
	return false;
}

/*
 * The program named just before MSG in LINE: "PROG: MSG", "PROG[PID]: MSG"
 * or glibc's old "*** Error in `PROG': MSG".  False if nothing names it.
 */
static bool named_before(const char *line, const char *msg, char *prog)
{
	const char *e = msg, *s;

	while (e > line && e[-1] == ' ')
		e--;
	if (e - line >= 2 && e[-1] == ':' && e[-2] == '\'') {
		const char *q = e - 2, *o;

		for (o = q; o > line && o[-1] != '`'; o--)
			;
		if (o > line && o < q && strstr(line, "*** Error in `")) {
			copy_name(prog, o, (size_t)(q - o));
			return true;
		}
		return false;
	}
	if (e == line || e[-1] != ':')
		return false;
	e--;
	if (e > line && e[-1] == ']') {		/* PROG[PID] */
		const char *d = e - 1;

		while (d > line && scl_is_digit(d[-1]))
			d--;
		if (d == e - 1 || d == line || d[-1] != '[')
			return false;
		e = d - 1;
	}
	for (s = e; s > line && scl_is_name_char(s[-1]); s--)
		;
	if (s == e || !(s == line || s[-1] == ' ' || s[-1] == ']'))
		return false;
	copy_name(prog, s, (size_t)(e - s));
	return true;
}

static const struct scl_signature *find_sig(enum scl_sig_kind kind, const struct crash *c)
{
	size_t i;

	for (i = 0; i < scl_nsignatures; i++) {
		const struct scl_signature *sig = &scl_signatures[i];

		if (sig->kind != kind || !scl_in_set(c->prog, sig->sets))
			continue;
		if (kind == SCL_SIG_KFAULT && c->kind == KF_OTHER)
			continue;
		if (sig->in && strcmp(c->in, sig->in))
			continue;
		return sig;
	}
	return NULL;
}

/* A line of dom0's kernel log, or of a guest's, or a copy elsewhere. */
void scl_check_kfault(struct scl_state *st, enum scl_source src,
		  const char *where, const char *line)
{
	const struct scl_signature *sig;
	struct crash c;

	if (!parse_kfault(line, &c))
		return;
	if (scl_is_project_program(c.prog)) {
		scl_block_on(st, SCL_BLOCK_PROJECT, "a program of the project crashed", c.prog,
			 where, line);
		return;
	}
	if (src == SCL_SRC_GUEST) {
		scl_block_on(st, SCL_BLOCK_UNDOCUMENTED, "a program in the guest crashed", c.prog,
			 where, line);
		return;
	}
	if (src != SCL_SRC_DOM0_KLOG)
		return;		/* a copy: dom0-dmesg.txt has the line itself */
	sig = find_sig(SCL_SIG_KFAULT, &c);
	if (sig)
		scl_documented(st, sig, where, line);
	else
		scl_block_on(st, SCL_BLOCK_UNDOCUMENTED, "a crash that matches no documented signature",
			 c.prog, where, line);
}

static const char *find_any(const char *line, const char *const *msgs)
{
	const char *p;

	for (; *msgs; msgs++) {
		p = strstr(line, *msgs);
		if (p)
			return p;
	}
	return NULL;
}

/* The first program of the project named in one of the lines CTX. */
static const char *project_in(const struct span *ctx, int nctx)
{
	char buf[SCL_LINE_MAX + 1];
	const char *proj = NULL;
	int i;

	for (i = 0; !proj && i < nctx; i++) {
		size_t n = ctx[i].n < SCL_LINE_MAX ? ctx[i].n : SCL_LINE_MAX;

		memcpy(buf, ctx[i].p, n);
		buf[n] = '\0';
		proj = project_word(buf);
	}
	return proj;
}

/* glibc's aborts and the loader's failures; CTX: the lines before. */
void scl_check_abort(struct scl_state *st, enum scl_source src, const char *where,
		 const char *line, const struct span *ctx, int nctx)
{
	const struct scl_signature *sig;
	const char *p, *proj;
	enum scl_sig_kind kind;
	struct crash c = { .kind = KF_OTHER };

	if (find_any(line, scl_fatal_msgs)) {
		proj = project_word(line);
		if (!proj)
			proj = project_in(ctx, nctx);
		if (proj)
			scl_block_on(st, SCL_BLOCK_PROJECT, "a program of the project aborted", proj,
				 where, line);
		else
			scl_block(st, SCL_BLOCK_UNDOCUMENTED, "an abort that matches no documented signature",
			      where, line);
		return;
	}
	if ((p = find_any(line, scl_heap_msgs)))
		kind = SCL_SIG_MALLOC;
	else if ((p = strstr(line, "error while loading shared libraries")))
		kind = SCL_SIG_LDSO;
	else
		return;
	if (!named_before(line, p, c.prog)) {
		proj = project_in(ctx, nctx);
		if (proj)
			scl_block_on(st, SCL_BLOCK_PROJECT,
				 "a program of the project aborted, named by a line before", proj,
				 where, line);
		else
			scl_block(st, SCL_BLOCK_UNNAMED, "an abort that does not name its program",
			      where, line);
		return;
	}
	if (scl_is_project_program(c.prog)) {
		scl_block_on(st, SCL_BLOCK_PROJECT, "a program of the project aborted", c.prog,
			 where, line);
		return;
	}
	sig = src == SCL_SRC_GUEST ? NULL : find_sig(kind, &c);
	if (sig)
		scl_documented(st, sig, where, line);
	else
		scl_block_on(st, SCL_BLOCK_UNDOCUMENTED, "an abort that matches no documented signature",
			 c.prog, where, line);
}
