/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the project's programs that write JSON reports. */
#ifndef SELFMIG_COMMON_JSON_H
#define SELFMIG_COMMON_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A named counter of a report. */
struct smc_json_count {
	const char *name;
	uint64_t v;
};

/* Write s as a JSON string: quoted, with '"', '\\' and control bytes escaped. */
void smc_json_str(FILE *f, const char *s);

/*
 * Write each counter as a member line of an object, indented two spaces:
 * `  "name": value,` -- every line ends with a comma, so a later member
 * must close the object.
 */
void smc_json_counts(FILE *f, const struct smc_json_count *c, size_t n);

#endif /* SELFMIG_COMMON_JSON_H */
