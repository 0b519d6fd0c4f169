// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier's state and what feeds it (classify.c has the rule): the
 * failure reason and each log, line by line, looked at for kernel and
 * hypervisor warnings, integrity failures and crash lines (crash.c); and
 * the verdict, once everything is in.
 */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "classify_int.h"

/* ------------------------------------------------------------ small text helpers */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool scl_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool scl_is_name_char(char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '+' || c == '/';
}

/* A log line in a verdict: one line of printable ASCII, at most
 * SCL_QUOTE_MAX characters. */
static void quote(char *out, size_t outlen, const char *line)
{
	size_t i = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	for (; *line && i + 1 < outlen && i < SCL_QUOTE_MAX; line++) {
		unsigned char ch = (unsigned char)*line;

		out[i++] = ch < 0x20 ? ' ' : ch >= 0x7f ? '?' : (char)ch;
	}
	if (*line && i >= 3)
		out[i - 3] = out[i - 2] = out[i - 1] = '.';
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

/* Skip the prefixes a log puts before a message: "[ 12.345678] ",
 * "[12:00:01] ", "(XEN) ", "(d1) " and blanks. */
static const char *skip_prefixes(const char *s)
{
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[' || *s == '(') {
			const char *e = strchr(s, *s == '[' ? ']' : ')');

			if (e && e - s < 40) {
				s = e + 1;
				continue;
			}
		}
		return s;
	}
}

/* Does a message start at P in LINE (REASON: the reason's pieces too)? */
static bool message_starts(const char *line, const char *p, bool reason)
{
	if (p == skip_prefixes(line))
		return true;
	if (p - line >= 2 && p[-1] == ' ' && p[-2] == ']')
		return true;
	if (reason && p - line >= 2 && p[-1] == ' ' && (p[-2] == ';' || p[-2] == ':'))
		return true;
	return false;
}

/* ------------------------------------------------------------ the state */

void scl_init(struct scl_state *st)
{
	memset(st, 0, sizeof(*st));
}

/* Forbid a retry: "WHAT: WHERE: LINE", unless something as telling is known. */
void scl_block(struct scl_state *st, enum scl_block kind, const char *what,
	   const char *where, const char *line)
{
	char q[SCL_QUOTE_MAX + 1];

	if (st->block != SCL_BLOCK_NONE && st->block <= kind)
		return;
	st->block = kind;
	quote(q, sizeof(q), line);
	if (q[0])
		snprintf(st->block_why, sizeof(st->block_why), "%s: %s: %s", what, where, q);
	else
		snprintf(st->block_why, sizeof(st->block_why), "%s: %s", what, where);
}

/* The same, with WHAT naming its pattern or program. */
void scl_block_on(struct scl_state *st, enum scl_block kind, const char *what,
	      const char *name, const char *where, const char *line)
{
	char w[SCL_NAME_MAX + 96];

	snprintf(w, sizeof(w), "%s (%s)", what, name);
	scl_block(st, kind, w, where, line);
}

void scl_documented(struct scl_state *st, const struct scl_signature *sig,
		const char *where, const char *line)
{
	char q[SCL_QUOTE_MAX + 1];

	if (st->documented)
		return;
	st->documented = true;
	quote(q, sizeof(q), line);
	snprintf(st->doc_why, sizeof(st->doc_why), "%s: %s: %s (%s)",
		 sig->id, where, q, sig->doc);
}

/* ------------------------------------------------------------ warnings and integrity */

static const char *const scl_warn_pats[] = {
	"WARNING: CPU", "kernel BUG at", "Kernel panic", "KASAN", "UBSAN:",
	"Xen BUG at", "Xen WARN at", "FATAL TRAP", "Panic on CPU", "(XEN) Assertion",
	"cut here ]", "Call Trace:", NULL
};

/* "traps: COMM[PID] " ends just before P. */
static bool user_trap_before(const char *line, const char *p)
{
	const char *t, *found = NULL;

	for (t = strstr(line, "traps: "); t && t < p; t = strstr(t + 1, "traps: "))
		found = t;
	if (!found)
		return false;
	if (p - found < 10 || p[-1] != ' ' || p[-2] != ']')
		return false;
	t = p - 3;
	if (!scl_is_digit(*t))
		return false;
	while (t > found && scl_is_digit(*t))
		t--;
	return *t == '[' && !memchr(found + 7, ' ', (size_t)(t - (found + 7)));
}

/* A kernel or hypervisor warning in LINE: its pattern, or NULL. */
static const char *warning(const char *line, bool reason)
{
	const char *const *w;
	const char *p;

	for (w = scl_warn_pats; *w; w++)
		if (strstr(line, *w))
			return *w;
	for (p = strstr(line, "WARNING:"); p; p = strstr(p + 1, "WARNING:"))
		if (message_starts(line, p, reason))
			return "WARNING:";
	for (p = strstr(line, "BUG:"); p; p = strstr(p + 1, "BUG:"))
		if (p == line || !is_alnum(p[-1]))
			return "BUG:";
	for (p = strstr(line, "Oops"); p; p = strstr(p + 1, "Oops"))
		if ((p == line || !is_alnum(p[-1])) && !is_alnum(p[4]))
			return "Oops";
	for (p = strstr(line, "general protection fault"); p;
	     p = strstr(p + 1, "general protection fault"))
		if (!user_trap_before(line, p))
			return "general protection fault";
	return NULL;
}

/* A CRC, authentication tag or checksum failure in LINE: its pattern. */
static const char *integrity(const char *line, bool reason)
{
	static const char *const failed[] = {
		"mismatch", "bad", "wrong", "fail", "differ", "error", "invalid", NULL
	};
	const char *const *f;
	const char *p;
	int i;

	if (strcasestr(line, "crc mismatch"))
		return "crc mismatch";
	if (strstr(line, "bad authentication tag") || (reason && strcasestr(line, "authentication tag")))
		return "bad authentication tag";
	if (strcasestr(line, "checksum")) {
		if (reason)
			return "checksum";
		for (f = failed; *f; f++)
			if (strcasestr(line, *f))
				return "checksum";
	}
	if (reason)
		return strstr(line, "CORRUPTION") ? "CORRUPTION" : NULL;
	/* A line that starts with CORRUPTION, maybe after "[time] " and up
	 * to three "name: " prefixes ("workload: CORRUPTION anon: ..."). */
	p = skip_prefixes(line);
	for (i = 0; i <= 3; i++) {
		const char *c;

		if (!strncmp(p, "CORRUPTION", 10) && !is_alnum(p[10]))
			return "CORRUPTION";
		for (c = p; scl_is_name_char(*c); c++)
			;
		if (c == p || c[0] != ':' || c[1] != ' ')
			break;
		p = c + 2;
	}
	return NULL;
}

/* ------------------------------------------------------------ feeding */

static void check_line(struct scl_state *st, enum scl_source src, const char *where,
		       const char *line, const struct span *ctx, int nctx)
{
	const char *pat;

	if (src != SCL_SRC_OTHER && (pat = warning(line, false)))
		scl_block_on(st, SCL_BLOCK_WARNING, "a kernel or hypervisor warning", pat, where, line);
	if ((pat = integrity(line, false)))
		scl_block_on(st, SCL_BLOCK_INTEGRITY, "an integrity failure", pat, where, line);
	scl_check_kfault(st, src, where, line);
	scl_check_abort(st, src, where, line, ctx, nctx);
	if (!st->shell_segv && strstr(line, "Segmentation fault")) {
		char q[SCL_QUOTE_MAX + 1];

		st->shell_segv = true;
		quote(q, sizeof(q), line);
		snprintf(st->shell_why, sizeof(st->shell_why), "%s: %s", where, q);
	}
}

static enum scl_source source_of(const char *name)
{
	if (!strcmp(name, "dom0-dmesg.txt"))
		return SCL_SRC_DOM0_KLOG;
	if (!strcmp(name, "xen-dmesg.txt"))
		return SCL_SRC_XEN;
	if (!strcmp(name, "scenario.log"))
		return SCL_SRC_SCENARIO;
	if (!strncmp(name, "guest-console", 13) || !strncmp(name, "guest-dmesg", 11))
		return SCL_SRC_GUEST;
	return SCL_SRC_OTHER;
}

void scl_feed_reason(struct scl_state *st, const char *reason)
{
	static const char tag[] = "dom0 program crashed: ";
	char buf[SCL_LINE_MAX + 1], piece[SCL_LINE_MAX + 1];
	const char *pat, *p, *e;

	if (!reason)
		return;
	snprintf(buf, sizeof(buf), "%s", reason);
	if ((pat = warning(buf, true)))
		scl_block_on(st, SCL_BLOCK_WARNING, "a kernel or hypervisor warning", pat, "reason", buf);
	if ((pat = integrity(buf, true)))
		scl_block_on(st, SCL_BLOCK_INTEGRITY, "an integrity failure", pat, "reason", buf);
	/* The reason's pieces: "A; B; dom0 program crashed: LINE". */
	for (p = buf; p; p = e ? e + 2 : NULL) {
		size_t n;

		e = strstr(p, "; ");
		n = e ? (size_t)(e - p) : strlen(p);
		memcpy(piece, p, n);
		piece[n] = '\0';
		if (!strncmp(piece, tag, sizeof(tag) - 1))
			scl_check_kfault(st, SCL_SRC_DOM0_KLOG, "reason", piece + sizeof(tag) - 1);
		else
			scl_check_kfault(st, SCL_SRC_REASON, "reason", piece);
		scl_check_abort(st, SCL_SRC_REASON, "reason", piece, NULL, 0);
	}
}

void scl_feed_log(struct scl_state *st, const char *name, const char *text,
		  size_t len, bool cut)
{
	char line[SCL_LINE_MAX + 1], where[SCL_NAME_MAX + 24];
	enum scl_source src = source_of(name);
	struct span ctx[SCL_CONTEXT];
	size_t pos = 0, lineno = 0;
	int nctx = 0, i;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, off;

		lineno++;
		snprintf(where, sizeof(where), "%.*s:%zu", SCL_NAME_MAX, name, lineno);
		/* A long line in overlapping windows, so no pattern is split. */
		for (off = pos; ; off += SCL_LINE_MAX - SCL_OVERLAP) {
			size_t n = end - off, k;

			if (n > SCL_LINE_MAX)
				n = SCL_LINE_MAX;
			for (k = 0; k < n; k++) {
				char ch = text[off + k];

				line[k] = ch == '\0' || ch == '\r' ? ' ' : ch;
			}
			line[n] = '\0';
			check_line(st, src, where, line, ctx, nctx);
			if (off + n >= end)
				break;
		}
		for (i = SCL_CONTEXT - 1; i > 0; i--)
			ctx[i] = ctx[i - 1];
		ctx[0].p = text + pos;
		ctx[0].n = end - pos;
		if (nctx < SCL_CONTEXT)
			nctx++;
		pos = end + 1;
	}
	if (cut)
		scl_block(st, SCL_BLOCK_CUT, "a log was not read whole (it is longer than what is read)",
		      name, "");
}

void scl_finish(const struct scl_state *st, struct scl_result *res)
{
	if (st->block != SCL_BLOCK_NONE) {
		res->verdict = SCL_FINAL;
		snprintf(res->why, sizeof(res->why), "final: %s", st->block_why);
	} else if (st->documented) {
		res->verdict = SCL_RETRY;
		snprintf(res->why, sizeof(res->why), "retry: %s", st->doc_why);
	} else if (st->shell_segv) {
		res->verdict = SCL_FINAL;
		snprintf(res->why, sizeof(res->why),
			 "final: a crash that no line names (%s); it may be the project's", st->shell_why);
	} else {
		res->verdict = SCL_FINAL;
		snprintf(res->why, sizeof(res->why),
			 "final: no documented crash of a program outside the project");
	}
}
