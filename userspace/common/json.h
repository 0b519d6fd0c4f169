/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the project's programs that write JSON reports. */
#ifndef SELFMIG_COMMON_JSON_H
#define SELFMIG_COMMON_JSON_H

#include <stdio.h>

/* Write s as a JSON string: quoted, with '"', '\\' and control bytes escaped. */
void smc_json_str(FILE *f, const char *s);

#endif /* SELFMIG_COMMON_JSON_H */
