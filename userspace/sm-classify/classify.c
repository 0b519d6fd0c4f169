// SPDX-License-Identifier: GPL-2.0
/*
 * Which failed testbed scenarios are run again.
 *
 * On the emulated testbed dom0's own programs crash at times, whatever the
 * scenario does (docs/testbed.md, "dom0 programs crash at times").  A
 * scenario that failed that way runs again on a fresh machine.  A retry hides
 * whatever made the first run fail, so the rule is narrow:
 *
 * A failed scenario is retried only when ALL of these hold:
 *
 *  1. A crash line NAMES the crashing program.  The kernel's lines do:
 *       sh[123]: segfault at 18 ip 00000000004a4d02 sp ... error 4 in busybox[401000+b1000]
 *       traps: exe[195] general protection fault ip:4a4d02 sp:... error:0 in busybox[401000+b1000]
 *     and so does a glibc or loader message with its program in front:
 *       sleep: malloc(): invalid size (unsorted)
 *       libxl-save-helper: error while loading shared libraries: ...
 *     A shell's bare "Segmentation fault" or "Aborted", or glibc's bare
 *     "malloc(): ..." (glibc 2.36 does not name the program), names nothing
 *     and is never a reason to retry; an abort that names nothing even
 *     forbids a retry, since it may be ours.
 *  2. That program lies outside the project.  The project's programs are
 *     the directories userspace/<prog>/ with a main.c (listed below), and
 *     any name that starts with "selfmig" or "sm-"; a unit test checks
 *     that every userspace/<prog>/main.c is recognised.  The kernel cuts
 *     a command name to 15 characters ("selfmig-workloa"), so names are
 *     compared cut too.
 *  3. The line matches a DOCUMENTED signature of the table below, in the
 *     log the table says (a kernel fault line must be in dom0's kernel log:
 *     a crash in the guest is never the testbed's).
 *
 * And a scenario is NEVER retried, whatever else its logs say, when any of
 * these appears in its reason or its logs:
 *  - a crash or abort of a project program (kernel fault line, glibc heap
 *    check, assertion, stack or buffer overflow detection, loader failure);
 *  - a kernel or hypervisor warning, in the reason, dom0's or Xen's log, a
 *    guest console or scenario.log (not in the logs of other programs,
 *    whose own words these are not): "WARNING: CPU" (or a message that
 *    starts with "WARNING:"), "BUG:", "kernel BUG at", "Oops", "Kernel
 *    panic", "KASAN", "UBSAN:", "general protection fault" (unless it is the
 *    "traps: COMM[PID] general protection fault" line of a user program),
 *    "Xen BUG at", "Xen WARN at", "FATAL TRAP", "Panic on CPU", "(XEN)
 *    Assertion", "cut here ]", "Call Trace:" (the patterns of scan_logs in
 *    tests/xen/dom0-run, and more);
 *  - a record CRC, authentication tag or checksum failure in the reason or
 *    any log: "crc mismatch" ("record crc mismatch", ...), "bad
 *    authentication tag", a "checksum" that failed (any "checksum" in the
 *    reason), "CORRUPTION" (a line that starts with it, or anywhere in the
 *    reason);
 *  - a crash line of a program outside the project that matches no
 *    signature (a guest program's crash included);
 *  - a log that could not be read whole: every *.log and *.txt of the
 *    directory is read, each up to SCL_FILE_MAX, all up to SCL_TOTAL_MAX.
 *
 * The documented signatures (scl_signatures[]):
 *
 *  id               kind    programs          where                 docs/testbed.md
 *  busybox-fault    KFAULT  busybox applets   dom0-dmesg.txt, the   "dom0 programs crash at times": busybox
 *                           (fault "in        fault in busybox      segfaults or takes a general protection
 *                           busybox[")                              fault, mostly at ip 4a4d02
 *  xen-tools-fault  KFAULT  xl, libxl-save-   dom0-dmesg.txt        "dom0 programs crash at times": xl create,
 *                           helper, xenstored,                      xl list and libxl-save-helper segfault; a
 *                           xenconsoled                             crashed xenstored hangs every later xl
 *  malloc-abort     MALLOC  busybox applets,  any dom0 log, named   "malloc(): corrupted top size" in the
 *                           Xen's tools       on the line           save helper under stock xl migrate
 *  xen-tools-ldso   LDSO    Xen's tools       any dom0 log, named   "dom0 programs crash at times": once,
 *                                             on the line           libxl-save-helper could not load
 *                                                                   libxenforeignmemory.so.1
 *
 * KFAULT means the kernel's segfault line or its "traps: ... general
 * protection" line (other traps, such as an invalid opcode, match nothing).
 * tests/xen/run appends a crash of xenstored or xenconsoled that it finds on
 * the machine's console to the reason as "dom0 program crashed: LINE"; that
 * LINE counts as a line of dom0's kernel log.
 *
 * A signature goes into the table only once docs/testbed.md records it as
 * seen on this testbed, with the program that crashed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"

#define SCL_COMM_LEN	15	/* the kernel's TASK_COMM_LEN - 1 */
#define SCL_NAME_MAX	64
#define SCL_LINE_MAX	8192	/* longer lines are looked at in windows */
#define SCL_OVERLAP	256	/* ... that overlap by this much */
#define SCL_QUOTE_MAX	160	/* characters of a log line quoted in a verdict */
#define SCL_CONTEXT	3	/* lines before an abort searched for a program */

const char *const scl_project_programs[] = {
	"selfmig", "selfmig-counter", "selfmig-hook", "selfmig-receive",
	"selfmig-verify", "selfmig-workload", "selfmigd", "sm-classify",
	"sm-echo", "sm-netcfg", "sm-probe", "sm-sched", "sm-web", NULL
};

/* dom0's busybox applets (the scenarios' and dom0-run's commands). */
static const char *const scl_busybox[] = {
	"busybox", "sh", "ash", "exe", "sleep", "cat", "ip", "grep", "sed",
	"awk", "tr", "head", "tail", "cut", "sort", "uniq", "wc", "ls", "cp",
	"mv", "rm", "mkdir", "dd", "nc", "od", "tee", "touch", "kill", "ps",
	"mount", "umount", "echo", "printf", "test", "expr", "seq", "xargs",
	"find", "dmesg", "basename", "dirname", "cmp", "md5sum", "sha256sum",
	"gzip", "cpio", "ln", "chmod", "stat", "sync", "true", "false", NULL
};

/* Xen's tools that run in dom0 (tests/xen/mkinitrd-dom0). */
static const char *const scl_xentools[] = {
	"xl", "libxl-save-helper", "xenstored", "xenconsoled", NULL
};

const struct scl_signature scl_signatures[] = {
	{ "busybox-fault", SCL_SIG_KFAULT, SCL_SET_BUSYBOX, "busybox",
	  "docs/testbed.md \"dom0 programs crash at times\": busybox segfaults or takes a general protection fault" },
	{ "xen-tools-fault", SCL_SIG_KFAULT, SCL_SET_XENTOOLS, NULL,
	  "docs/testbed.md \"dom0 programs crash at times\": xl, libxl-save-helper and xenstored segfault" },
	{ "malloc-abort", SCL_SIG_MALLOC, SCL_SET_BUSYBOX | SCL_SET_XENTOOLS, NULL,
	  "docs/testbed.md: \"malloc(): corrupted top size\" in the save helper under stock xl migrate" },
	{ "xen-tools-ldso", SCL_SIG_LDSO, SCL_SET_XENTOOLS, NULL,
	  "docs/testbed.md \"dom0 programs crash at times\": libxl-save-helper could not load a library" },
};
const size_t scl_nsignatures = sizeof(scl_signatures) / sizeof(scl_signatures[0]);

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

/* ------------------------------------------------------------ names */

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/* NAME equals ENTRY, or is ENTRY cut to the kernel's 15 characters. */
static bool name_is(const char *name, const char *entry)
{
	if (!strcmp(name, entry))
		return true;
	return strlen(name) == SCL_COMM_LEN && strlen(entry) > SCL_COMM_LEN &&
	       !strncmp(name, entry, SCL_COMM_LEN);
}

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (name_is(name, *list))
			return true;
	return false;
}

bool scl_is_project_program(const char *name)
{
	const char *b = base_name(name);

	if (!*b)
		return false;
	return in_list(b, scl_project_programs) ||
	       !strncmp(b, "selfmig", 7) || !strncmp(b, "sm-", 3);
}

bool scl_in_set(const char *name, unsigned int sets)
{
	const char *b = base_name(name);

	if ((sets & SCL_SET_BUSYBOX) && in_list(b, scl_busybox))
		return true;
	if ((sets & SCL_SET_XENTOOLS) && in_list(b, scl_xentools))
		return true;
	return false;
}

/* ------------------------------------------------------------ small text helpers */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '+' || c == '/';
}

/* The first program of the project named as a word in S, or NULL. */
static const char *project_word(const char *s)
{
	const char *const *p;

	for (p = scl_project_programs; *p; p++) {
		size_t n = strlen(*p);
		const char *q;

		for (q = strstr(s, *p); q; q = strstr(q + 1, *p)) {
			bool l = q == s || !(is_name_char(q[-1]) && q[-1] != '/');
			bool r = !is_name_char(q[n]) || q[n] == '.' || q[n] == '/';

			if (l && r)
				return *p;
		}
	}
	return NULL;
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
static void block(struct scl_state *st, enum scl_block kind, const char *what,
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
static void block_on(struct scl_state *st, enum scl_block kind, const char *what,
		     const char *name, const char *where, const char *line)
{
	char w[SCL_NAME_MAX + 96];

	snprintf(w, sizeof(w), "%s (%s)", what, name);
	block(st, kind, w, where, line);
}

static void documented(struct scl_state *st, const struct scl_signature *sig,
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
	if (!is_digit(*t))
		return false;
	while (t > found && is_digit(*t))
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
		for (c = p; is_name_char(*c); c++)
			;
		if (c == p || c[0] != ':' || c[1] != ' ')
			break;
		p = c + 2;
	}
	return NULL;
}

/* ------------------------------------------------------------ crash lines */

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
		if (!is_digit(*b))
			return false;
		while (b > line && is_digit(*b))
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

		while (is_digit(*d))
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

		while (d > line && is_digit(d[-1]))
			d--;
		if (d == e - 1 || d == line || d[-1] != '[')
			return false;
		e = d - 1;
	}
	for (s = e; s > line && is_name_char(s[-1]); s--)
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
static void check_kfault(struct scl_state *st, enum scl_source src,
			 const char *where, const char *line)
{
	const struct scl_signature *sig;
	struct crash c;

	if (!parse_kfault(line, &c))
		return;
	if (scl_is_project_program(c.prog)) {
		block_on(st, SCL_BLOCK_PROJECT, "a program of the project crashed", c.prog,
			 where, line);
		return;
	}
	if (src == SCL_SRC_GUEST) {
		block_on(st, SCL_BLOCK_UNDOCUMENTED, "a program in the guest crashed", c.prog,
			 where, line);
		return;
	}
	if (src != SCL_SRC_DOM0_KLOG)
		return;		/* a copy: dom0-dmesg.txt has the line itself */
	sig = find_sig(SCL_SIG_KFAULT, &c);
	if (sig)
		documented(st, sig, where, line);
	else
		block_on(st, SCL_BLOCK_UNDOCUMENTED, "a crash that matches no documented signature",
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

/* A line of a log, not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

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
static void check_abort(struct scl_state *st, enum scl_source src, const char *where,
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
			block_on(st, SCL_BLOCK_PROJECT, "a program of the project aborted", proj,
				 where, line);
		else
			block(st, SCL_BLOCK_UNDOCUMENTED, "an abort that matches no documented signature",
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
			block_on(st, SCL_BLOCK_PROJECT,
				 "a program of the project aborted, named by a line before", proj,
				 where, line);
		else
			block(st, SCL_BLOCK_UNNAMED, "an abort that does not name its program",
			      where, line);
		return;
	}
	if (scl_is_project_program(c.prog)) {
		block_on(st, SCL_BLOCK_PROJECT, "a program of the project aborted", c.prog,
			 where, line);
		return;
	}
	sig = src == SCL_SRC_GUEST ? NULL : find_sig(kind, &c);
	if (sig)
		documented(st, sig, where, line);
	else
		block_on(st, SCL_BLOCK_UNDOCUMENTED, "an abort that matches no documented signature",
			 c.prog, where, line);
}

/* ------------------------------------------------------------ feeding */

static void check_line(struct scl_state *st, enum scl_source src, const char *where,
		       const char *line, const struct span *ctx, int nctx)
{
	const char *pat;

	if (src != SCL_SRC_OTHER && (pat = warning(line, false)))
		block_on(st, SCL_BLOCK_WARNING, "a kernel or hypervisor warning", pat, where, line);
	if ((pat = integrity(line, false)))
		block_on(st, SCL_BLOCK_INTEGRITY, "an integrity failure", pat, where, line);
	check_kfault(st, src, where, line);
	check_abort(st, src, where, line, ctx, nctx);
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
		block_on(st, SCL_BLOCK_WARNING, "a kernel or hypervisor warning", pat, "reason", buf);
	if ((pat = integrity(buf, true)))
		block_on(st, SCL_BLOCK_INTEGRITY, "an integrity failure", pat, "reason", buf);
	/* The reason's pieces: "A; B; dom0 program crashed: LINE". */
	for (p = buf; p; p = e ? e + 2 : NULL) {
		size_t n;

		e = strstr(p, "; ");
		n = e ? (size_t)(e - p) : strlen(p);
		memcpy(piece, p, n);
		piece[n] = '\0';
		if (!strncmp(piece, tag, sizeof(tag) - 1))
			check_kfault(st, SCL_SRC_DOM0_KLOG, "reason", piece + sizeof(tag) - 1);
		else
			check_kfault(st, SCL_SRC_REASON, "reason", piece);
		check_abort(st, SCL_SRC_REASON, "reason", piece, NULL, 0);
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
		block(st, SCL_BLOCK_CUT, "a log was not read whole (it is longer than what is read)",
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

/* ------------------------------------------------------------ a log directory */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_log_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 4 &&
	       (!strcmp(n + l - 4, ".log") || !strcmp(n + l - 4, ".txt"));
}

/* Read at most MAX bytes of DIR/NAME into *BUF; *CUT if there is more. */
static int read_bounded(int dfd, const char *name, size_t max, char **buf,
			size_t *len, bool *cut)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;
	char extra;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	*cut = false;
	if (fd < 0)
		return -errno;
	*buf = malloc(max ? max : 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < max) {
		r = read(fd, *buf + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			close(fd);
			free(*buf);
			*buf = NULL;
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == max) {
		do {
			r = read(fd, &extra, 1);
		} while (r < 0 && errno == EINTR);
		*cut = r != 0;
	}
	close(fd);
	*len = n;
	return 0;
}

int scl_classify_dir(const char *reason, const char *dir,
		     struct scl_result *res, char *err, size_t errlen)
{
	struct scl_state st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, total = 0;
	bool too_many = false;
	DIR *d;
	int dfd, rc = 0;

	d = opendir(dir);
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	dfd = dirfd(d);
	names = calloc(SCL_FILES_MAX, sizeof(*names));
	if (!names) {
		closedir(d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	errno = 0;
	while ((de = readdir(d))) {
		struct stat sb;

		if (!is_log_name(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) || !S_ISREG(sb.st_mode))
			continue;
		if (n == SCL_FILES_MAX) {
			too_many = true;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);

	scl_init(&st);
	scl_feed_reason(&st, reason);
	for (i = 0; i < n; i++) {
		size_t max = SCL_TOTAL_MAX - total, len;
		bool cut;
		char *buf;
		int r;

		if (max > SCL_FILE_MAX)
			max = SCL_FILE_MAX;
		r = read_bounded(dfd, names[i], max, &buf, &len, &cut);
		if (r == -ENOMEM) {
			rc = r;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (r < 0) {
			block_on(&st, SCL_BLOCK_CUT, "a log could not be read", strerror(-r),
				 names[i], "");
			continue;
		}
		total += len;
		scl_feed_log(&st, names[i], buf, len, cut);
		free(buf);
	}
	if (too_many)
		block(&st, SCL_BLOCK_CUT, "more logs than are read (SCL_FILES_MAX)", dir, "");
	scl_finish(&st, res);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}
