/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which failed testbed scenarios are run again: the classifier behind
 * sm-classify.  The rule and the table of documented signatures are in the
 * header comment of classify.c.
 *
 * A caller feeds the failure reason and every log of the scenario, then asks
 * for the verdict; scl_classify_dir() does all of that for a log directory.
 */
#ifndef SELFMIG_CLASSIFY_H
#define SELFMIG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds on what is read of a scenario's log directory. */
#define SCL_FILE_MAX	(4u << 20)	/* bytes read of one file */
#define SCL_TOTAL_MAX	(32u << 20)	/* bytes read of all files together */
#define SCL_FILES_MAX	256		/* files looked at */
#define SCL_WHY_MAX	480		/* one verdict line, NUL included */
#define SCL_NOTE_MAX	400		/* one finding, NUL included */

enum scl_verdict {
	SCL_RETRY = 0,		/* the emulated machine's fault: run again */
	SCL_FINAL = 1,		/* the scenario's own failure: report it */
};

/* Findings that forbid a retry, most telling first. */
enum scl_block {
	SCL_BLOCK_NONE = 0,
	SCL_BLOCK_WARNING,	/* a kernel or hypervisor warning */
	SCL_BLOCK_INTEGRITY,	/* a CRC, authentication tag or checksum failure */
	SCL_BLOCK_PROJECT,	/* a program of the project crashed or aborted */
	SCL_BLOCK_UNDOCUMENTED,	/* a crash that matches no signature */
	SCL_BLOCK_UNNAMED,	/* an abort that does not name its program */
	SCL_BLOCK_CUT,		/* a log was not read whole */
};

/* What kind of log a line comes from (decides which checks apply). */
enum scl_source {
	SCL_SRC_REASON,		/* the failure reason */
	SCL_SRC_DOM0_KLOG,	/* dom0-dmesg.txt: dom0's kernel log */
	SCL_SRC_XEN,		/* xen-dmesg.txt */
	SCL_SRC_GUEST,		/* guest-console-*.log, guest-dmesg*.txt */
	SCL_SRC_SCENARIO,	/* scenario.log */
	SCL_SRC_OTHER,		/* any other log of a dom0 program */
};

/* Signature kinds: how a crash line names its program. */
enum scl_sig_kind {
	SCL_SIG_KFAULT,		/* kernel: "COMM[PID]: segfault at" / "traps: COMM[PID] general protection" */
	SCL_SIG_MALLOC,		/* glibc heap check abort, "PROG: malloc(): ..." */
	SCL_SIG_LDSO,		/* "PROG: error while loading shared libraries: ..." */
};

/* Program sets of the signature table. */
#define SCL_SET_BUSYBOX		0x1u	/* dom0's busybox applets */
#define SCL_SET_XENTOOLS	0x2u	/* Xen's tools in dom0 */

struct scl_signature {
	const char *id;
	enum scl_sig_kind kind;
	unsigned int sets;	/* SCL_SET_* */
	const char *in;		/* SCL_SIG_KFAULT: the fault lies in this file, or NULL */
	const char *doc;	/* where docs/testbed.md records it */
};

extern const struct scl_signature scl_signatures[];
extern const size_t scl_nsignatures;
extern const char *const scl_project_programs[];	/* NULL-terminated */

struct scl_state {
	enum scl_block block;
	char block_why[SCL_NOTE_MAX];
	bool documented;		/* a documented crash outside the project */
	char doc_why[SCL_NOTE_MAX];
	bool shell_segv;		/* a shell said "Segmentation fault" */
	char shell_why[SCL_NOTE_MAX];
};

struct scl_result {
	enum scl_verdict verdict;
	char why[SCL_WHY_MAX];		/* "retry: ..." or "final: ..." */
};

/* True if NAME (a path, a command name, or a kernel comm cut to 15
 * characters) is one of the project's programs. */
bool scl_is_project_program(const char *name);
/* True if NAME is in one of the program sets SETS. */
bool scl_in_set(const char *name, unsigned int sets);

void scl_init(struct scl_state *st);
void scl_feed_reason(struct scl_state *st, const char *reason);
/* One log: NAME is its file name (it decides the source), TEXT need not be
 * NUL-terminated; CUT says that the file is longer than TEXT. */
void scl_feed_log(struct scl_state *st, const char *name, const char *text,
		  size_t len, bool cut);
void scl_finish(const struct scl_state *st, struct scl_result *res);

/* Everything at once for a scenario's log directory.  Returns 0, or a
 * negative errno (with ERR filled in) if DIR cannot be read. */
int scl_classify_dir(const char *reason, const char *dir,
		     struct scl_result *res, char *err, size_t errlen);

#endif /* SELFMIG_CLASSIFY_H */
