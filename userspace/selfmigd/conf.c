// SPDX-License-Identifier: GPL-2.0
/*
 * selfmigd's policy file: "key = value" lines, '#' starts a comment.
 * List keys may repeat; every other key may appear once.  Unknown keys and
 * bad values are errors, so that a typing slip in a policy is never silent.
 *
 * Exemptions name a cgroup or a process (pid and start time), never a
 * command name: any process can give itself any name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "conf.h"
#include "sys.h"

void smd_conf_defaults(struct smd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->quiesce_when = SMD_AT_STOP;
	c->dirty_threshold = 2048;	/* 8 MiB/s of 4 KiB pages */
	c->dirtier_action = SMD_ACT_IDLE;
	c->stun = 1;
	c->stun_auto = 1;
	c->sample_ms = 1000;
	c->hold_max_s = 600;
	snprintf(c->cgroup_root, sizeof(c->cgroup_root), "/sys/fs/cgroup");
}

static int parse_ulong(const char *v, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	uint64_t x;

	if (smc_parse_u64(NULL, v, lo, hi, &x, NULL, 0))
		return -1;
	*out = (unsigned long)x;
	return 0;
}

/* "PID:STARTTIME", as foreground_pid takes it. */
static int add_proc_id(struct smd_conf *c, const char *v, const char **why)
{
	const char *colon = strchr(v, ':');
	char pid[16];
	size_t plen = colon ? (size_t)(colon - v) : 0;
	unsigned long p;
	uint64_t start;

	if (!colon) {
		*why = "foreground_pid wants PID:STARTTIME, STARTTIME being field 22 of /proc/PID/stat";
		return -1;
	}
	if (plen < sizeof(pid)) {
		memcpy(pid, v, plen);
		pid[plen] = 0;
	}
	if (plen >= sizeof(pid) || parse_ulong(pid, 1, SMD_PID_MAX, &p)) {
		*why = "foreground_pid: the pid must be a number from 1 to 4194304";
		return -1;
	}
	if (smc_parse_u64(NULL, colon + 1, 0, UINT64_MAX, &start, NULL, 0)) {
		*why = "foreground_pid: the start time must be a number (clock ticks, field 22 of /proc/PID/stat)";
		return -1;
	}
	if (c->n_foreground_pid >= SMD_LIST_MAX) {
		*why = "bad value";	/* as for every other list past its limit */
		return -1;
	}
	c->foreground_pid[c->n_foreground_pid].pid = (int)p;
	c->foreground_pid[c->n_foreground_pid].start = start;
	c->n_foreground_pid++;
	return 0;
}

/*
 * The key that named a command to exempt.  It is refused, not ignored: a
 * policy that still has it would otherwise freeze what it meant to spare.
 */
static const char no_foreground_comm[] =
	"foreground_comm is no longer accepted (a process can take any name): "
	"exempt by cgroup, foreground_cgroup = PATH, or by process, "
	"foreground_pid = PID:STARTTIME (docs/selfmigd.md)";

static int add_item(char *base, size_t width, unsigned int *n, const char *v)
{
	if (*n >= SMD_LIST_MAX || strlen(v) >= width || !*v)
		return -1;
	snprintf(base + (size_t)*n * width, width, "%s", v);
	(*n)++;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned int *out)
{
	unsigned long x;

	if (parse_ulong(s, min, max, &x))
		return -1;
	*out = (unsigned int)x;
	return 0;
}

static int set_key(struct smd_conf *c, const char *k, const char *v,
		   unsigned int *seen, const char **why)
{
	static const char *const once[] = {
		"quiesce_phase", "dirty_threshold", "dirtier_action", "stun",
		"sample_ms", "hold_max_s", "cgroup_root",
	};
	unsigned long x;
	unsigned int i;
	int w;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		if (strcmp(k, once[i]))
			continue;
		if (*seen & (1u << i)) {
			*why = "set twice";
			return -1;
		}
		*seen |= 1u << i;
	}
	*why = "bad value";
	if (!strcmp(k, "quiesce_cgroup"))
		return add_item(&c->quiesce_cgroup[0][0], SMD_PATH_LEN,
				&c->n_quiesce_cgroup, v);
	if (!strcmp(k, "quiesce_comm"))
		return add_item(&c->quiesce_comm[0][0], SMD_NAME_LEN,
				&c->n_quiesce_comm, v);
	if (!strcmp(k, "foreground_cgroup"))
		return add_item(&c->foreground_cgroup[0][0], SMD_PATH_LEN,
				&c->n_foreground_cgroup, v);
	if (!strcmp(k, "foreground_pid"))
		return add_proc_id(c, v, why);
	if (!strcmp(k, "foreground_comm")) {
		*why = no_foreground_comm;
		return -1;
	}
	if (!strcmp(k, "quiesce_phase")) {
		static const char *const names[] = { "notice", "stop", "never" };
		static const enum smd_when when[] = { SMD_AT_NOTICE, SMD_AT_STOP, SMD_NEVER };

		if ((w = SMC_NAME_INDEX(v, names)) >= 0) {
			c->quiesce_when = when[w];
			return 0;
		}
		if (strncmp(v, "round:", 6) || parse_ulong(v + 6, 0, 1000, &x))
			return -1;
		c->quiesce_when = SMD_AT_ROUND;
		c->quiesce_round = (unsigned int)x;
		return 0;
	}
	if (!strcmp(k, "dirty_threshold"))
		return parse_ulong(v, 1, 1UL << 30, &c->dirty_threshold);
	if (!strcmp(k, "dirtier_action")) {
		static const char *const names[] = { "idle", "nice", "none" };
		static const enum smd_action act[] = { SMD_ACT_IDLE, SMD_ACT_NICE, SMD_ACT_NONE };

		if ((w = SMC_NAME_INDEX(v, names)) < 0)
			return -1;
		c->dirtier_action = act[w];
		return 0;
	}
	if (!strcmp(k, "stun")) {
		static const char *const names[] = { "no", "yes" };

		c->stun_round = 0;
		c->stun_auto = 0;
		if (!strcmp(v, "auto")) {
			c->stun = 1;
			c->stun_auto = 1;
			return 0;
		}
		if ((w = SMC_NAME_INDEX(v, names)) >= 0) {
			c->stun = w;
			return 0;
		}
		if (strncmp(v, "round:", 6) || parse_ulong(v + 6, 1, 1000, &x))
			return -1;
		c->stun = 1;
		c->stun_round = (unsigned int)x;
		return 0;
	}
	if (!strcmp(k, "sample_ms"))
		return parse_uint(v, 100, 60000, &c->sample_ms);
	if (!strcmp(k, "hold_max_s"))
		return parse_uint(v, 1, 86400, &c->hold_max_s);
	if (!strcmp(k, "cgroup_root")) {
		if (*v != '/' || strlen(v) >= SMD_PATH_LEN)
			return -1;
		snprintf(c->cgroup_root, sizeof(c->cgroup_root), "%s", v);
		return 0;
	}
	*why = "unknown key";
	return -1;
}

int smd_conf_parse(struct smd_conf *c, const char *text, size_t len,
		   char *err, size_t errlen)
{
	unsigned int lineno = 0, seen = 0;
	size_t pos = 0;

	while (pos < len) {
		char line[512], *s, *eq, *k, *v;
		const char *why = NULL;
		size_t e = pos;

		while (e < len && text[e] != '\n')
			e++;
		lineno++;
		if (e - pos >= sizeof(line)) {
			snprintf(err, errlen, "%u: line longer than %zu bytes",
				 lineno, sizeof(line) - 1);
			return -1;
		}
		if (memchr(text + pos, 0, e - pos)) {
			snprintf(err, errlen, "%u: NUL byte in line", lineno);
			return -1;
		}
		memcpy(line, text + pos, e - pos);
		line[e - pos] = 0;
		pos = e + 1;
		s = strchr(line, '#');
		if (s)
			*s = 0;
		s = trim(line);
		if (!*s)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%u: expected 'key = value'", lineno);
			return -1;
		}
		*eq = 0;
		k = trim(s);
		v = trim(eq + 1);
		if (set_key(c, k, v, &seen, &why)) {
			if (why == no_foreground_comm)
				snprintf(err, errlen, "%u: %s", lineno, why);
			else
				snprintf(err, errlen, "%u: %s: '%.40s'", lineno, why,
					 strcmp(why, "unknown key") &&
					 strcmp(why, "set twice") ? v : k);
			return -1;
		}
	}
	return 0;
}

int smd_conf_describe(const struct smd_conf *c, char *out, size_t outlen)
{
	static const char *const when[] = { "notice", "round", "stop", "never" };
	static const char *const act[] = { "none", "idle", "nice" };
	size_t pos = 0;
	unsigned int i;
	int n;

#define PUT(...)							\
	do {								\
		n = snprintf(out + pos, outlen - pos, __VA_ARGS__);	\
		if (n < 0 || (size_t)n >= outlen - pos)			\
			return -1;					\
		pos += (size_t)n;					\
	} while (0)

	if (!outlen)
		return -1;
	out[0] = 0;
	for (i = 0; i < c->n_quiesce_cgroup; i++)
		PUT("quiesce_cgroup = %s\n", c->quiesce_cgroup[i]);
	for (i = 0; i < c->n_quiesce_comm; i++)
		PUT("quiesce_comm = %s\n", c->quiesce_comm[i]);
	if (c->quiesce_when == SMD_AT_ROUND)
		PUT("quiesce_phase = round:%u\n", c->quiesce_round);
	else
		PUT("quiesce_phase = %s\n", when[c->quiesce_when]);
	for (i = 0; i < c->n_foreground_cgroup; i++)
		PUT("foreground_cgroup = %s\n", c->foreground_cgroup[i]);
	for (i = 0; i < c->n_foreground_pid; i++)
		PUT("foreground_pid = %d:%llu\n", c->foreground_pid[i].pid,
		    c->foreground_pid[i].start);
	PUT("dirty_threshold = %lu\n", c->dirty_threshold);
	PUT("dirtier_action = %s\n", act[c->dirtier_action]);
	if (c->stun_auto)
		PUT("stun = auto\n");
	else if (c->stun_round)
		PUT("stun = round:%u\n", c->stun_round);
	else
		PUT("stun = %s\n", c->stun ? "yes" : "no");
	PUT("sample_ms = %u\n", c->sample_ms);
	PUT("hold_max_s = %u\n", c->hold_max_s);
	PUT("cgroup_root = %s\n", c->cgroup_root);
#undef PUT
	return (int)pos;
}

int smd_conf_load(struct smd_conf *c, const char *path, int must_exist)
{
	char text[16384], err[320], desc[4096];
	ssize_t n = 0;
	int fd;

	smd_conf_defaults(c);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (must_exist || errno != ENOENT) {
			fprintf(stderr, "selfmigd: cannot read %s: %s\n", path, strerror(errno));
			return -1;
		}
		smd_log("no %s: using the defaults", path);
	} else {
		n = read(fd, text, sizeof(text));
		close(fd);
		if (n < 0 || n == (ssize_t)sizeof(text)) {
			fprintf(stderr, "selfmigd: %s: unreadable or larger than %zu bytes\n",
				path, sizeof(text) - 1);
			return -1;
		}
		if (smd_conf_parse(c, text, (size_t)n, err, sizeof(err))) {
			fprintf(stderr, "selfmigd: %s:%s\n", path, err);
			return -1;
		}
	}
	if (smd_conf_describe(c, desc, sizeof(desc)) > 0) {
		char *line = strtok(desc, "\n");

		for (; line; line = strtok(NULL, "\n"))
			smd_log("policy: %s", line);
	}
	return 0;
}

int smd_parse_args(int argc, char *const argv[], struct smd_args *a,
		   char *err, size_t errlen)
{
	static const int ids[] = {
		SMC_O_CONFIG, SMC_O_CHECK_CONFIG, SMC_O_HELP, 0
	};
	struct smc_optvals ov;

	memset(a, 0, sizeof(*a));
	a->conf = SMD_CONF_PATH;
	if (errlen)
		err[0] = 0;
	if (smc_optvals(argc, argv, "h", ids, &ov, err, errlen))
		return -1;
	if (ov.val[SMC_O_HELP])
		return 1;
	if (ov.val[SMC_O_CONFIG]) {
		a->conf = ov.val[SMC_O_CONFIG];
		a->explicit = 1;
	}
	a->check = ov.val[SMC_O_CHECK_CONFIG] != NULL;
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s': selfmigd takes options only",
			 argv[optind]);
		return -1;
	}
	return 0;
}
