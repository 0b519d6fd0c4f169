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
 *
 * This file holds the rule's tables (the project's programs, dom0's
 * programs, the documented signatures) and the matching of a program's
 * name against them.  feed.c reads a reason and logs line by line into
 * the classifier's state and gives the verdict; crash.c reads the crash
 * lines among them; logdir.c reads a scenario's log directory.
 */
#include <string.h>

#include "classify.h"
#include "classify_int.h"

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
