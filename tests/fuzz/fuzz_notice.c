// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: everything that parses text a guest or dom0 did not
 * write itself: relocation notices (docs/notices.md), selfmigd's policy file,
 * and the /proc lines selfmigd reads.  The first byte picks the parser.
 */
#include <stdlib.h>
#include <string.h>

#include "notice.h"
#include "procstat.h"
#include "../../userspace/selfmigd/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char err[160], out[SMN_MAX_LEN + 1], path[64];
	const char *text = (const char *)data + 1;
	struct smn_request r;
	struct smn_msg m;
	struct smd_conf c;
	struct smc_stat st;

	if (!len)
		return 0;
	len--;
	switch (data[0] % 4) {
	case 0:
		/* A message that parses must format back to the same text. */
		if (smn_parse(text, len, &m, err, sizeof(err)) == 0) {
			int n = smn_format(&m, out, sizeof(out));
			size_t l = len && text[len - 1] == '\n' ? len - 1 : len;

			if (n < 0 || (size_t)n != l || memcmp(out, text, l))
				abort();
		}
		break;
	case 1:
		if (smn_request_parse(text, len, &r, err, sizeof(err)) == 0)
			smn_request_format(&r, out, sizeof(out));
		break;
	case 2:
		smd_conf_defaults(&c);
		smd_conf_parse(&c, text, len, err, sizeof(err));
		break;
	case 3:
		smc_stat_parse(text, len, &st);
		smc_cgroup_parse(text, len, path, sizeof(path));
		break;
	}
	return 0;
}
