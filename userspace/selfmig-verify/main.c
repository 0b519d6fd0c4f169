// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-verify: dom0 check that a self-migrated guest's image is complete.
 *
 *   selfmig-verify --domain NAME|ID --image FILE [--meta FILE] [--json OUT]
 *                  [--resume] [--wait S] [--list-missed N] [--keep-missed DIR]
 *   selfmig-verify --dump FILE --final-set GFN --image FILE [--meta FILE]
 *                  [--json OUT] [--list-missed N] [--keep-missed DIR]
 *
 * Waits until the domain has suspended itself, reads its final-set
 * descriptor (located through xenstore), and compares every guest page
 * below page_count with the receiver's image.  A page that differs is
 * expected when it is in the final set (dom0 copies it) or free in the
 * guest; any other difference is a MISSED page: a write the pre-copy rounds
 * lost.  With --resume the domain runs on afterwards (suspend cancelled),
 * also when the check itself failed.
 *
 * With --dump there is no Xen: the guest's memory is a raw dump of its RAM
 * (QEMU's pmemsave, byte offset = gfn * 4096) taken while it was frozen,
 * and the descriptor's gfn is the one the guest printed (tests/native/run).
 * Every gfn below page_count must be in the dump.
 *
 * Exit status: 0 no page missed, 1 pages missed, 2 error (usage included).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "dump.h"
#include "verify.h"
#include "verify_xen.h"

#define PROG "selfmig-verify"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --domain NAME|ID --image FILE [--meta FILE] [--json OUT]\n"
		"                      [--resume] [--wait S] [--list-missed N] [--keep-missed DIR]\n"
		"       " PROG " --dump FILE --final-set GFN --image FILE [--meta FILE]\n"
		"                      [--json OUT] [--list-missed N] [--keep-missed DIR]\n"
		"  --domain NAME|ID  the guest (numeric id, or its name in xenstore)\n"
		"  --dump FILE       instead of a domain: the frozen guest's whole RAM as a\n"
		"                    raw dump (QEMU pmemsave 0 SIZE FILE); needs no Xen\n"
		"  --final-set GFN   with --dump: the gfn of the final-set header, in hex,\n"
		"                    as the guest printed it\n"
		"  --image FILE      memory image written by selfmig-receive\n"
		"  --meta FILE       its metadata file (checks page_count, names the\n"
		"                    last round each missed page was sent in)\n"
		"  --json OUT        write the report as a JSON object\n"
		"  --resume          resume the domain afterwards, suspend cancelled\n"
		"                    (not with --dump)\n"
		"  --wait S          seconds to wait for the suspend (default %d;\n"
		"                    not with --dump)\n"
		"  --list-missed N   list at most N missed gfns (default %d)\n"
		"  --keep-missed DIR write each listed missed page, the guest's and the\n"
		"                    image's, to DIR/GFN.guest and DIR/GFN.image\n"
		"exit status: 0 nothing missed, 1 pages missed, 2 error\n",
		SMV_DEFAULT_WAIT_S, SMV_DEFAULT_LIST);
}

struct options {
	const char *domain;
	const char *dump;
	u64 final_set;
	int have_final_set;
	int have_wait;
	const char *image;
	const char *meta;
	const char *json;
	int resume;
	unsigned long wait_s;
	unsigned long list;
	const char *keep_dir;
};

static int parse_args(int argc, char **argv, struct options *o)
{
	static const int ids[] = {
		SMC_O_DOMAIN, SMC_O_DUMP, SMC_O_FINAL_SET, SMC_O_IMAGE,
		SMC_O_META, SMC_O_JSON, SMC_O_RESUME, SMC_O_WAIT,
		SMC_O_LIST_MISSED, SMC_O_KEEP_MISSED, SMC_O_HELP, 0
	};
	struct smc_optvals ov;
	const char *v;
	char err[160];

	memset(o, 0, sizeof(*o));
	o->wait_s = SMV_DEFAULT_WAIT_S;
	o->list = SMV_DEFAULT_LIST;
	if (smc_optvals(argc, argv, "", ids, &ov, err, sizeof(err)))
		exit(smc_usage_error(PROG, err, usage));
	if (ov.val[SMC_O_HELP])
		exit(smc_usage_exit('h', usage));
	o->domain = ov.val[SMC_O_DOMAIN];
	o->dump = ov.val[SMC_O_DUMP];
	o->image = ov.val[SMC_O_IMAGE];
	o->meta = ov.val[SMC_O_META];
	o->json = ov.val[SMC_O_JSON];
	o->resume = ov.val[SMC_O_RESUME] != NULL;
	o->keep_dir = ov.val[SMC_O_KEEP_MISSED];
	v = ov.val[SMC_O_FINAL_SET];
	if (v) {
		/* As the guest prints it; a 0x prefix is tolerated. */
		if (smv_parse_gfn(strncmp(v, "0x", 2) ? v : v + 2, &o->final_set)) {
			fprintf(stderr, PROG ": --final-set: a gfn in lower-case hex (1 to 16 digits), not '%s'\n",
				v);
			return -1;
		}
		o->have_final_set = 1;
	}
	v = ov.val[SMC_O_WAIT];
	if (v) {
		if (smv_parse_uint(v, 86400, &o->wait_s)) {
			fprintf(stderr, PROG ": --wait: 0 to 86400 seconds\n");
			return -1;
		}
		o->have_wait = 1;
	}
	v = ov.val[SMC_O_LIST_MISSED];
	if (v && smv_parse_uint(v, 1000000, &o->list)) {
		fprintf(stderr, PROG ": --list-missed: 0 to 1000000\n");
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->domain == !o->dump || !o->image) {
		fprintf(stderr, PROG ": need exactly one of --domain and --dump, and --image\n");
		usage(stderr);
		return -1;
	}
	if (o->domain && o->have_final_set) {
		fprintf(stderr, PROG ": --final-set goes with --dump; a domain's final set is found through xenstore\n");
		return -1;
	}
	if (o->dump && !o->have_final_set) {
		fprintf(stderr, PROG ": --dump needs --final-set GFN (the gfn the guest printed when it froze)\n");
		return -1;
	}
	if (o->dump && (o->resume || o->have_wait)) {
		fprintf(stderr, PROG ": --%s makes no sense with --dump: a dump is taken after the freeze, and whoever froze the guest resumes it\n",
			o->resume ? "resume" : "wait");
		return -1;
	}
	return 0;
}

static void set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Everything up to and including the comparison.  *suspended is set once
 * the domain has been seen suspended: from then on, a failure still leads
 * to the resume asked for.  0, or -1 with r->error set.
 */
static int run(const struct options *o, struct smv_xen **xp,
	       struct smv_report *r, int *suspended)
{
	struct smv_inputs in;
	struct smv_mapper m;
	struct smv_dump d = { .fd = -1 };
	struct stat sb;
	u8 *meta = NULL;
	u64 meta_pages = 0;
	u32 meta_flags = 0, domid;
	int fd, ret = -1;

	memset(&in, 0, sizeof(in));
	fd = open(o->image, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		snprintf(r->error, sizeof(r->error), "image %s: %s", o->image,
			 strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(r->error, sizeof(r->error), "image %s: not a regular file",
			 o->image);
		goto out;
	}
	if (o->meta) {
		meta = smv_meta_load(o->meta, &meta_pages, &meta_flags,
				     r->error, sizeof(r->error));
		if (!meta)
			goto out;
		if (!(meta_flags & 1U))
			fprintf(stderr,
				PROG ": warning: %s: the stream was not complete\n",
				o->meta);
	}
	in.image_fd = fd;
	in.image_size = (u64)sb.st_size;
	in.meta = meta;
	in.meta_pages = meta_pages;
	in.log = stderr;
	in.stop = &stop_requested;
	if (o->dump) {
		if (smv_dump_open(&d, o->dump, r->error, sizeof(r->error)))
			goto out;
		in.header_gfn = o->final_set;
		ret = smv_dump_verify(&d, &in, r);
		goto out;
	}
	*xp = smv_xen_open(r->error, sizeof(r->error));
	if (!*xp)
		goto out;
	if (smv_xen_resolve(*xp, o->domain, &domid, r->error,
			    sizeof(r->error)))
		goto out;
	r->domid = domid;
	if (smv_xen_wait_suspended(*xp, domid, o->wait_s, &stop_requested,
				   r->error, sizeof(r->error)))
		goto out;
	*suspended = 1;
	if (smv_xen_final_set_gfn(*xp, domid, &in.header_gfn, r->error,
				  sizeof(r->error)))
		goto out;
	smv_xen_mapper(*xp, domid, &m);
	ret = smv_verify(&m, &in, r);
out:
	smv_dump_close(&d);
	free(meta);
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct smv_xen *x = NULL;
	struct smv_report r;
	struct options o;
	char rerr[256];
	int suspended = 0, failed, status, ret;

	if (parse_args(argc, argv, &o))
		return 2;
	if (smv_report_init(&r, 0, (u32)o.list)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	r.keep_dir = o.keep_dir;
	set_signals();
	failed = run(&o, &x, &r, &suspended) != 0;
	if (failed)
		fprintf(stderr, PROG ": error: %s\n", r.error);

	if (o.resume && suspended) {
		if (smv_xen_resume(x, r.domid, rerr, sizeof(rerr)) == 0) {
			r.resumed = 1;
			printf("domain %u resumed (suspend cancelled)%s\n", r.domid,
			       failed ? " after the error above" : "");
		} else {
			fprintf(stderr, PROG ": error: %s; the domain is still suspended\n",
				rerr);
			if (!failed)
				snprintf(r.error, sizeof(r.error), "%s", rerr);
			failed = 1;
		}
	} else if (o.resume && failed) {
		fprintf(stderr,
			PROG ": the domain was not found suspended; nothing to resume\n");
	}

	if (!failed)
		smv_print_report(&r, stdout);
	if (o.json) {
		ret = smv_write_json(&r, o.json);
		if (ret) {
			fprintf(stderr, PROG ": writing %s: %s\n", o.json,
				strerror(-ret));
			failed = 1;
		}
	}
	if (failed)
		status = 2;
	else
		status = r.missed ? 1 : 0;
	if (!failed)
		printf("result: %s\n", r.missed ? "MISSED pages found" : "no page missed");
	smv_xen_close(x);
	smv_report_free(&r);
	return status;
}
