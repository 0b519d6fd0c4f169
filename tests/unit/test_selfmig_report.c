// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for what the selfmig command runs and prints: xl's argument
 * vector, the migration report as text and JSON, and the status output.
 */
#include "clitest.h"
#include "wws.h"

static const char *xl_av[SMG_XL_ARGC_MAX];
static char xl_host[64], xl_err[256];

/* smg_xl_argv into xl_av and xl_err, with hostlen bytes of xl_host. */
static int xl_argv(const char *xl, const struct smg_migrate_opts *o,
		   const char *domain, const char *path, size_t hostlen)
{
	return smg_xl_argv(xl, o, domain, path, xl_host, hostlen, xl_av, xl_err,
			   sizeof(xl_err));
}

/* From xl_av[from] on, xl_av holds the words given up to a NULL, and ends. */
static void check_xl_av(int from, ...)
{
	const char *want;
	va_list ap;
	int i = from;

	va_start(ap, from);
	do {
		want = va_arg(ap, const char *);
		if (want ? !xl_av[i] || strcmp(xl_av[i], want) : xl_av[i] != NULL)
			tap_fail(__FILE__, __LINE__, "xl argv[%d] is '%s', want '%s'",
				 i, xl_av[i] ? xl_av[i] : "(null)",
				 want ? want : "(null)");
		i++;
	} while (want);
	va_end(ap);
}

static void test_xl_argv(void)
{
	struct smg_migrate_opts o;

	tap_test("xl argv: localhost through env, --xl-ssh, remote, -vvv");
	memset(&o, 0, sizeof(o));
	o.dest = "localhost";
	CHECK_EQ(xl_argv("xl", &o, "5", "/usr/sbin:/usr/bin", sizeof(xl_host)), 0);
	check_xl_av(0, "xl", "migrate", "-s", "env", "5", "PATH=/usr/sbin:/usr/bin",
		    NULL);

	o.verbose = 1;
	CHECK_EQ(xl_argv("/opt/xl", &o, "5", "/bin", sizeof(xl_host)), 0);
	CHECK_STR(xl_av[0], "/opt/xl");
	CHECK_STR(xl_av[1], "-vvv");
	CHECK_STR(xl_av[2], "migrate");
	check_xl_av(6, "PATH=/bin", NULL);

	/* --xl-ssh: passed as -s, the host as given, also for localhost */
	o.verbose = 0;
	o.xl_ssh = "ssh -p 2222";
	CHECK_EQ(xl_argv("xl", &o, "5", "/bin", sizeof(xl_host)), 0);
	check_xl_av(2, "-s", "ssh -p 2222", "5", "localhost", NULL);

	/* another host: plain xl migrate (ssh), PATH not needed */
	o.xl_ssh = NULL;
	o.dest = "host2";
	CHECK_EQ(xl_argv("xl", &o, "12", NULL, sizeof(xl_host)), 0);
	check_xl_av(1, "migrate", "12", "host2", NULL);

	/* a PATH the shell would split, none, or too long */
	o.dest = "localhost";
	CHECK_EQ(xl_argv("xl", &o, "5", "/my dir:/bin", sizeof(xl_host)), -1);
	CHECK(strstr(xl_err, "--xl-ssh") != NULL);
	CHECK_EQ(xl_argv("xl", &o, "5", "/bin;rm", sizeof(xl_host)), -1);
	CHECK_EQ(xl_argv("xl", &o, "5", NULL, sizeof(xl_host)), -1);
	CHECK_EQ(xl_argv("xl", &o, "5", "", sizeof(xl_host)), -1);
	CHECK_EQ(xl_argv("xl", &o, "5", "/usr/local/sbin:/usr/local/bin", 10), -1);
	CHECK(smg_dest_is_local("localhost"));
	CHECK(!smg_dest_is_local("localhost2"));
	CHECK(smg_shell_safe("/usr/local/bin:/a-b_c.d,e+f=g@h%i"));
	CHECK(!smg_shell_safe("$HOME"));
	CHECK(!smg_shell_safe("a'b"));
}

/* r's report, as text or as JSON, as a malloc'ed string. */
static char *report_of(const struct smg_report *r, int json)
{
	struct capture c;

	if (json)
		smg_report_json(cap_open(&c), r);
	else
		smg_report_text(cap_open(&c), r);
	return cap_close(&c);
}

/*
 * r's report: as text, text (with part: text within it); as JSON, valid and
 * json (with part: json within it).
 */
static void check_report(const struct smg_report *r, int part,
			 const char *text, const char *json)
{
	char *s;

	s = report_of(r, 0);
	if (part)
		CHECK(strstr(s, text) != NULL);
	else
		CHECK_STR(s, text);
	free(s);
	s = report_of(r, 1);
	CHECK(json_valid(s));
	if (part)
		CHECK(strstr(s, json) != NULL);
	else
		CHECK_STR(s, json);
	free(s);
}

/* A fresh report of this mode, domain and dest. */
static void report_start(struct smg_report *r, enum smn_mode mode,
			 const char *domain, const char *dest)
{
	smg_report_init(r);
	r->mode = mode;
	r->domain = domain;
	r->dest = dest;
}

/* How the migration ended. */
static void report_end(struct smg_report *r, int xl_exit, long long total_ms,
		       int ok)
{
	r->xl_exit = xl_exit;
	r->total_ms = total_ms;
	r->ok = ok;
}

static void test_report(void)
{
	struct smg_report r;
	char *s;

	tap_test("report: text and JSON, with and without figures");
	report_start(&r, SMN_MODE_ASSISTED, "guest1", "localhost");
	r.guest_helped = 1;
	r.notice_ack_ms = 12;
	r.stop_ack_ms = 3;
	r.done_ack_ms = 40;
	report_end(&r, 0, 8123, 1);
	check_report(&r, 0,
		     "mode: assisted\ndomain: guest1\ndest: localhost\n"
		     "guest_helped: true\nnotice_ack_ms: 12\nstop_ack_ms: 3\n"
		     "done_ack_ms: 40\nxl_exit: 0\ntotal_ms: 8123\nok: true\n",
		     "{\"mode\":\"assisted\",\"domain\":\"guest1\",\"dest\":\"localhost\","
		     "\"guest_helped\":true,\"notice_ack_ms\":12,\"stop_ack_ms\":3,"
		     "\"done_ack_ms\":40,\"xl_exit\":0,\"total_ms\":8123,\"ok\":true}\n");

	/* transparent, xl failed: no acks */
	report_start(&r, SMN_MODE_TRANSPARENT, "g", "host2");
	report_end(&r, 1, 0, 0);
	check_report(&r, 0,
		     "mode: transparent\ndomain: g\ndest: host2\nguest_helped: false\n"
		     "notice_ack_ms: -\nstop_ack_ms: -\ndone_ack_ms: -\nxl_exit: 1\n"
		     "total_ms: 0\nok: false\n",
		     "{\"mode\":\"transparent\",\"domain\":\"g\",\"dest\":\"host2\","
		     "\"guest_helped\":false,\"notice_ack_ms\":null,\"stop_ack_ms\":null,"
		     "\"done_ack_ms\":null,\"xl_exit\":1,\"total_ms\":0,\"ok\":false}\n");

	/* defaults: nothing measured; names that need escaping */
	smg_report_init(&r);
	r.domain = "we\"ird\\name";
	r.dest = "a\tb";
	s = report_of(&r, 1);
	CHECK(json_valid(s));
	CHECK(strstr(s, "\"domain\":\"we\\\"ird\\\\name\"") != NULL);
	CHECK(strstr(s, "\"dest\":\"a\\u0009b\"") != NULL);
	CHECK(strstr(s, "\"xl_exit\":null,\"total_ms\":null") != NULL);
	free(s);
	s = report_of(&r, 0);
	CHECK(strstr(s, "\nxl_exit: -\ntotal_ms: -\nok: false\n") != NULL);
	free(s);

	/* self mode: the hook's figures follow */
	report_start(&r, SMN_MODE_SELF, "g", "localhost");
	r.rounds = 7;
	r.stream_bytes = 300000000;
	r.hook_pages = 420;
	r.final_set_pages = 400;
	r.guest_pages = 65536;
	report_end(&r, -1, 9000, 1);
	check_report(&r, 1,
		     "total_ms: 9000\nrounds: 7\nstream_bytes: 300000000\n"
		     "hook_pages: 420\nfinal_set_pages: 400\nguest_pages: 65536\n"
		     "stopped_ms: -\nok: true\n",
		     "\"rounds\":7,\"stream_bytes\":300000000,\"hook_pages\":420,"
		     "\"final_set_pages\":400,\"guest_pages\":65536,\"stopped_ms\":null,"
		     "\"ok\":true}");

	/* --verify's figures appear when the hook reports them */
	smg_report_take_hook(&r, "{\"rounds\":7,\"verify_checked_pages\":12000,\"verify_missed_pages\":0}");
	check_report(&r, 1,
		     "stopped_ms: -\nverify_checked_pages: 12000\nverify_missed_pages: 0\nok: true\n",
		     "\"verify_checked_pages\":12000,\"verify_missed_pages\":0,\"ok\":true}");
}

static void test_status(void)
{
	char req[SMN_MAX_LEN + 1], ack[SMN_MAX_LEN + 1];
	struct smg_status st;
	struct capture c;
	char *s;

	tap_test("status: text and JSON, messages decoded, bad values shown");
	snprintf(req, sizeof(req), "%s", msg("seq", "12", "phase", "notice", "dest", "h2"));
	snprintf(ack, sizeof(ack), "%s", msg("seq", "12", "status", "ok", NULL, NULL));
	memset(&st, 0, sizeof(st));
	st.name = "guest1";
	st.domid = 3;
	st.val[SMG_KEY_FEATURE] = "1";
	st.len[SMG_KEY_FEATURE] = 1;
	st.val[SMG_KEY_REQUEST] = req;
	st.len[SMG_KEY_REQUEST] = strlen(req);
	st.val[SMG_KEY_ACK] = ack;
	st.len[SMG_KEY_ACK] = strlen(ack);
	st.val[SMG_KEY_STATE] = "garbage\001\xff";
	st.len[SMG_KEY_STATE] = 9;
	st.val[SMG_KEY_PROGRESS] = "";
	st.len[SMG_KEY_PROGRESS] = 0;
	/* final-set and wws missing */

	smg_status_text(cap_open(&c), &st);
	s = cap_close(&c);
	CHECK_STR(s, "domain: guest1 (domid 3)\n"
		  "feature-selfmig: 1\n"
		  "request: seq=12 phase=notice dest=h2\n"
		  "ack: seq=12 status=ok\n"
		  "state: 'garbage?\?' (not a message: not a selfmig/1 message)\n"
		  "progress: (empty)\n"
		  "final-set: (missing)\n"
		  "wws: (missing)\n");
	free(s);

	smg_status_json(cap_open(&c), &st);
	s = cap_close(&c);
	CHECK(json_valid(s));
	CHECK(starts_with(s, "{\"domain\":\"guest1\",\"domid\":3,\"feature-selfmig\":{\"value\":\"1\"},"
			  "\"request\":{\"value\":\"selfmig/1 seq=12 phase=notice dest=h2 crc="));
	CHECK(strstr(s, "\"fields\":{\"seq\":\"12\",\"phase\":\"notice\",\"dest\":\"h2\"}}") != NULL);
	CHECK(strstr(s, "\"state\":{\"value\":\"garbage??\",\"error\":\"not a selfmig/1 message\"}") != NULL);
	CHECK(strstr(s, "\"progress\":{\"value\":\"\"},\"final-set\":null,\"wws\":null}\n") != NULL);
	free(s);

	/* nothing there at all */
	memset(&st, 0, sizeof(st));
	st.name = "g";
	st.domid = 9;
	smg_status_json(cap_open(&c), &st);
	s = cap_close(&c);
	CHECK_STR(s, "{\"domain\":\"g\",\"domid\":9,\"feature-selfmig\":null,\"request\":null,"
		  "\"ack\":null,\"state\":null,\"progress\":null,\"final-set\":null,\"wws\":null}\n");
	CHECK(json_valid(s));
	free(s);
}

static void test_wws(void)
{
	static struct sww_report r;
	struct smg_wws_opts o = { .seconds = 2, .interval_ms = 500, .bandwidth_mbit = 100 };
	struct capture c;
	char *s;

	tap_test("wws: the request, the table and its summary, and JSON");
	CHECK(smg_wws_request_text(&o, 7, err, sizeof(err), err, sizeof(err)) > 0);
	CHECK(strstr(err, "seq=7 phase=sample mode=self seconds=2 interval_ms=500 crc=") != NULL);
	r.seq = 7;
	r.interval_ms = 500;
	r.guest_pages = 65536;
	r.n = 4;
	r.s[0] = (struct sww_sample){ 500, 1000 };
	r.s[1] = (struct sww_sample){ 1000, 3000 };
	r.s[2] = (struct sww_sample){ 1500, 2000 };
	r.s[3] = (struct sww_sample){ 2000, 4000 };
	smg_wws_text(cap_open(&c), "g", &r, &o);
	s = cap_close(&c);
	CHECK(strstr(s, "domain g: 4 scans, one every 500 ms, over 2.0 s; 65536 guest pages\n") != NULL);
	/* 3000 pages in 500 ms: 11.7 MiB, 6000 pages/s, 983 ms at 100 Mbit/s */
	CHECK(strstr(s, "     1.0       3000      11.7       6000            983\n") != NULL);
	CHECK(strstr(s, "median 2000 pages (7.8 MiB), 90th percentile 4000, largest 4000\n") != NULL);
	CHECK(strstr(s, "dirtying rate: 5000 pages/s (19.5 MiB/s)\n") != NULL);
	CHECK(strstr(s, "at 100 Mbit/s, the stop after a round of 500 ms: median 655 ms, 90th percentile 1311 ms, largest 1311 ms\n") != NULL);
	free(s);
	smg_wws_json(cap_open(&c), "g", &r, &o);
	s = cap_close(&c);
	CHECK(json_valid(s));
	CHECK(strstr(s, "\"samples\":[[500,1000],[1000,3000],[1500,2000],[2000,4000]]}") != NULL);
	free(s);
	r.n = 0;
	r.error = -16;
	smg_wws_text(cap_open(&c), "g", &r, &o);
	s = cap_close(&c);
	CHECK(strstr(s, "the guest's sampler ended with error -16\n") != NULL);
	free(s);
}

int main(void)
{
	test_xl_argv();
	test_report();
	test_status();
	test_wws();
	return tap_done();
}
